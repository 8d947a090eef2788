// Package store keeps the results of many runs in one SQLite file: the
// sweeps that produced them, each run (parameters, seed, status, error,
// costs) and each row a run recorded. It is plain SQLite (pure Go, through
// modernc.org/sqlite), so sqlite3, pandas and DuckDB read it as it is.
//
// Tables (schema version 1):
//
//	meta    key, value: app = p2prepl-results, schema_version
//	sweep   id, script, script_sha256, command, version, started, shard,
//	        max_steps, max_events, timeout_s
//	run     id, sweep_id, script_sha256, params (JSON of the exact --set
//	        strings), seed, status, error, error_at, wall_s, events,
//	        delivered, finished, output
//	param   run_id, one column per parameter name (typed values)
//	row     run_id, idx, one column per recorded name
//	col     tbl, name, type: the Starlark type of each dynamic column
//
// and two views: results (one line per recorded row of the runs that
// succeeded: run, seed, the parameters, the recorded values) and runs (one
// line per run with its parameters).
//
// A file that is not such a store (not SQLite, another application's
// database, a newer schema, a damaged file) is refused with an error
// saying so, and never written to.
package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// SchemaVersion is the layout this package reads and writes.
const SchemaVersion = 1

// appName marks a file as a p2prepl results store (meta.app).
const appName = "p2prepl-results"

// Status is how a run ended.
type Status string

// The statuses of a run.
const (
	OK          Status = "ok"          // the script finished
	Error       Status = "error"       // the script failed (Err says where and why)
	Timeout     Status = "timeout"     // the run hit its wall-time limit
	Interrupted Status = "interrupted" // the sweep was stopped while the run was in flight
)

// Finished reports whether a run with this status is final: resuming a
// sweep skips it. Timeouts and interruptions depend on the machine, not
// on the run, so resuming runs them again.
func (s Status) Finished() bool { return s == OK || s == Error }

// Param is one parameter of a run, as given to --set (the exact string).
type Param struct {
	Name  string
	Value string
}

// Field is one named value of a recorded row: nil, int64, float64, string
// or bool.
type Field struct {
	Name  string
	Value any
}

// Row is one recorded row, its fields in the order the script gave them.
type Row []Field

// Sweep describes one invocation that wrote runs into the store.
type Sweep struct {
	ID           int64
	Script       string // the script path as given
	ScriptSHA256 string // hex
	Command      string // the command line that started it
	Version      string // p2prepl version
	Started      time.Time
	Shard        string // "i/K", or "" for a whole sweep
	// The limits of each run (zero: the default), for the command that
	// reproduces a run alone.
	MaxSteps, MaxEvents uint64
	Timeout             time.Duration
}

// Run is one run: its inputs, how it ended, what it cost and what it
// recorded.
type Run struct {
	ID           int64
	SweepID      int64
	ScriptSHA256 string
	Script       string // the script path of its sweep (filled when reading)
	Params       []Param
	Seed         uint64
	Status       Status
	Err          string // the error message (with the Starlark backtrace)
	ErrAt        string // file:line of the error, when known
	Wall         float64
	Events       uint64
	Delivered    uint64
	Finished     time.Time
	Output       string // the tail of what the run printed
	Rows         []Row
}

// Key identifies a run's inputs: script hash, parameters and seed.
type Key struct {
	ScriptSHA256 string
	Params       string // ParamsJSON of the parameters
	Seed         uint64
}

// Key returns the run's key.
func (r *Run) Key() Key {
	return Key{r.ScriptSHA256, ParamsJSON(r.Params), r.Seed}
}

// ParamsJSON is the canonical form of a parameter set: a JSON object of
// the exact strings, keys sorted.
func ParamsJSON(ps []Param) string {
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		m[p.Name] = p.Value
	}
	b, _ := json.Marshal(m) // maps marshal with sorted keys
	return string(b)
}

// Store is an open results store.
type Store struct {
	path     string
	db       *sql.DB
	readOnly bool
	tidy     func() // removes the sidecar files a read-only open made
}

// ErrNotStore is wrapped by the errors of files that are not results
// stores.
var ErrNotStore = errors.New("not a p2prepl results store")

// notStoreError says why a file is no store; errors.Is(err, ErrNotStore)
// holds without the message repeating it.
type notStoreError struct{ msg string }

func (e *notStoreError) Error() string        { return e.msg }
func (e *notStoreError) Is(target error) bool { return target == ErrNotStore }

func notStore(format string, args ...any) error {
	return &notStoreError{fmt.Sprintf(format, args...)}
}

// regular refuses a store path that is not a regular file: SQLite on a
// named pipe or a device fails with "disk I/O error", or blocks.
func regular(path string, fi os.FileInfo) error {
	switch {
	case fi.IsDir():
		return fmt.Errorf("results store %s is a directory, not a file", path)
	case fi.Mode()&os.ModeNamedPipe != 0:
		return notStore("%s is a named pipe (FIFO), not a results store file", path)
	case !fi.Mode().IsRegular():
		return notStore("%s is a device or another special file, not a results store file", path)
	}
	return nil
}

// Open opens the store at path for writing, creating it (and its
// directory) if missing. An existing file must be a store of this schema
// in good order; anything else is an error and the file is left as it is.
func Open(path string) (*Store, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("results store %s: %w", path, err)
		}
		return create(path)
	case err != nil:
		return nil, fmt.Errorf("results store %s: %w", path, err)
	}
	if err := regular(path, fi); err != nil {
		return nil, err
	}
	if fi.Size() == 0 {
		return create(path)
	}
	if err := check(path, true); err != nil {
		return nil, err
	}
	db, err := openDB(path, false)
	if err != nil {
		return nil, err
	}
	return &Store{path: path, db: db}, nil
}

// OpenRead opens an existing store for reading only.
func OpenRead(path string) (*Store, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("results store: %w", err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("results store %s is a directory, not a file (p2prepl results reads a directory of shards itself)", path)
	}
	if err := regular(path, fi); err != nil {
		return nil, err
	}
	if fi.Size() == 0 {
		return nil, notStore("%s is empty: not a p2prepl results store", path)
	}
	if err := check(path, false); err != nil {
		return nil, err
	}
	db, tidy, err := openRead(path)
	if err != nil {
		return nil, err
	}
	return &Store{path: path, db: db, readOnly: true, tidy: tidy}, nil
}

// openRead opens path for reading without writing beside it when it can:
// SQLite keeps a WAL database's -wal and -shm files next to the file a
// link leads to (a shard linked to a store elsewhere), and a read-only
// open creates them. With neither there, no connection is open and
// nothing is pending in a log, so the file is read as immutable: no
// locks, no side files. Otherwise (a sweep writing it, or killed with
// its log) it is read through the log, and what the open created is
// removed if the log is empty. tidy is to be called after closing.
func openRead(path string) (db *sql.DB, tidy func(), err error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, nil, fmt.Errorf("results store %s: %w", path, err)
	}
	_, werr := os.Stat(real + "-wal")
	_, serr := os.Stat(real + "-shm")
	if errors.Is(werr, os.ErrNotExist) && errors.Is(serr, os.ErrNotExist) {
		db, err := openDSN(path, dsn(real, true)+"&immutable=1", true)
		return db, func() {}, err
	}
	tidy = tidySidecars(real)
	if db, err = openDSN(path, dsn(real, true), true); err != nil {
		tidy()
		return nil, nil, err
	}
	return db, tidy, nil
}

// Path is the file the store is in.
func (s *Store) Path() string { return s.path }

// Close closes the store; the last connection to close folds the WAL back
// into the file.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.tidy != nil {
		s.tidy()
	}
	return err
}

// dsn is the data source name for path: WAL, a busy timeout, and no fsync
// per commit (a killed process loses nothing committed; a power cut may
// lose the last runs, which --resume redoes).
func dsn(path string, readOnly bool) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(abs))
	if readOnly {
		return "file:" + esc + "?mode=ro&_pragma=busy_timeout(5000)"
	}
	return "file:" + esc + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)"
}

func openDB(path string, readOnly bool) (*sql.DB, error) {
	return openDSN(path, dsn(path, readOnly), readOnly)
}

func openDSN(path, dsn string, readOnly bool) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("results store %s: %w", path, err)
	}
	if !readOnly {
		db.SetMaxOpenConns(1) // one writer; the store's writer goroutine owns it
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("results store %s: %w", path, err)
	}
	return db, nil
}

var sqliteMagic = []byte("SQLite format 3\x00")

// check verifies, without writing, that path is a store this package can
// use; thorough adds an integrity check (before writing into it).
func check(path string, thorough bool) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("results store: %w", err)
	}
	head := make([]byte, len(sqliteMagic))
	_, err = io.ReadFull(f, head)
	f.Close()
	if err != nil || !bytes.Equal(head, sqliteMagic) {
		return notStore("%s is not a p2prepl results store (not an SQLite database); it was left untouched: use another file", path)
	}
	db, tidy, err := openRead(path)
	if err != nil {
		return err
	}
	defer tidy()
	defer db.Close()
	damaged := func(err error) error {
		return notStore("%s is damaged (%v); it was left untouched: restore it from a copy, or use another file", path, err)
	}
	var app string
	if err := db.QueryRow(`SELECT value FROM meta WHERE key = 'app'`).Scan(&app); err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return notStore("%s is an SQLite database of another application (no p2prepl meta table); it was left untouched: use another file", path)
		}
		if errors.Is(err, sql.ErrNoRows) {
			return notStore("%s is an SQLite database of another application (its meta table does not name p2prepl); it was left untouched: use another file", path)
		}
		return damaged(err)
	}
	if app != appName {
		return notStore("%s is an SQLite database of another application (meta.app = %q); it was left untouched: use another file", path, app)
	}
	var vs string
	if err := db.QueryRow(`SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&vs); err != nil {
		return damaged(err)
	}
	v, err := strconv.Atoi(vs)
	switch {
	case err != nil:
		return damaged(fmt.Errorf("schema version %q", vs))
	case v > SchemaVersion:
		return notStore("%s was written by a newer p2prepl (store schema %d; this one reads %d): upgrade p2prepl to read it", path, v, SchemaVersion)
	case v < SchemaVersion:
		return notStore("%s has the old store schema %d (this p2prepl reads %d): not a p2prepl results store this version can use", path, v, SchemaVersion)
	}
	if thorough {
		var res string
		if err := db.QueryRow(`PRAGMA quick_check`).Scan(&res); err != nil {
			return damaged(err)
		}
		if res != "ok" {
			return damaged(errors.New(res))
		}
	}
	return nil
}

// tidySidecars notes whether path's -wal and -shm files exist; the
// returned function removes them again if a read-only look created them
// (SQLite does so for a WAL database) and they hold nothing.
func tidySidecars(path string) func() {
	_, werr := os.Stat(path + "-wal")
	_, serr := os.Stat(path + "-shm")
	return func() {
		if werr == nil || serr == nil {
			return
		}
		if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() == 0 {
			os.Remove(path + "-wal")
			os.Remove(path + "-shm")
		}
	}
}

const schema = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sweep (
	id INTEGER PRIMARY KEY,
	script TEXT NOT NULL,
	script_sha256 TEXT NOT NULL,
	command TEXT NOT NULL,
	version TEXT NOT NULL,
	started TEXT NOT NULL,
	shard TEXT NOT NULL DEFAULT '',
	max_steps INTEGER NOT NULL DEFAULT 0,
	max_events INTEGER NOT NULL DEFAULT 0,
	timeout_s REAL NOT NULL DEFAULT 0
);
CREATE TABLE run (
	id INTEGER PRIMARY KEY,
	sweep_id INTEGER NOT NULL REFERENCES sweep(id),
	script_sha256 TEXT NOT NULL,
	params TEXT NOT NULL,
	seed INTEGER NOT NULL,
	status TEXT NOT NULL,
	error TEXT NOT NULL DEFAULT '',
	error_at TEXT NOT NULL DEFAULT '',
	wall_s REAL NOT NULL DEFAULT 0,
	events INTEGER NOT NULL DEFAULT 0,
	delivered INTEGER NOT NULL DEFAULT 0,
	finished TEXT NOT NULL DEFAULT '',
	output TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX run_key ON run (script_sha256, params, seed);
CREATE TABLE param (run_id INTEGER PRIMARY KEY REFERENCES run(id));
CREATE TABLE row (run_id INTEGER NOT NULL REFERENCES run(id), idx INTEGER NOT NULL, PRIMARY KEY (run_id, idx));
CREATE TABLE col (tbl TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, PRIMARY KEY (tbl, name));
`

// create makes a new store at path (a missing or empty file).
func create(path string) (*Store, error) {
	db, err := openDB(path, false)
	if err != nil {
		return nil, err
	}
	s := &Store{path: path, db: db}
	err = s.tx(func(tx *sql.Tx) error {
		if _, err := tx.Exec(schema); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO meta (key, value) VALUES ('app', ?), ('schema_version', ?)`, appName, strconv.Itoa(SchemaVersion)); err != nil {
			return err
		}
		return writeViews(tx, nil, nil)
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("creating results store %s: %w", path, err)
	}
	return s, nil
}

func (s *Store) tx(fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(context.Background(), nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// quote quotes an SQL identifier.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// fixedResultCols are the columns the results view puts first; parameters
// and recorded values with these names are not repeated (record() refuses
// run, and a seed other than the run's).
var fixedResultCols = []string{"run", "seed"}

// writeViews (re)creates the results and runs views over the current
// dynamic columns.
func writeViews(tx *sql.Tx, params, rowCols []string) error {
	seen := map[string]bool{}
	sel := []string{"run.id AS run", "run.seed AS seed"}
	for _, c := range fixedResultCols {
		seen[c] = true
	}
	// Keys in lower case: SQL names ignore case, and a view may not
	// have two columns of one name.
	// A value recorded under a parameter's name is the parameter's value
	// (record() refuses another): one column, the parameter where the
	// run has it, else what was recorded.
	recorded := map[string]string{}
	for _, c := range rowCols {
		recorded[strings.ToLower(c)] = c
	}
	for _, p := range params {
		if k := strings.ToLower(p); !seen[k] {
			seen[k] = true
			if c, ok := recorded[k]; ok {
				sel = append(sel, "COALESCE(param."+quote(p)+", row."+quote(c)+") AS "+quote(p))
			} else {
				sel = append(sel, "param."+quote(p)+" AS "+quote(p))
			}
		}
	}
	for _, c := range rowCols {
		if k := strings.ToLower(c); !seen[k] {
			seen[k] = true
			sel = append(sel, "row."+quote(c)+" AS "+quote(c))
		}
	}
	runSel := []string{"run.id AS run", "run.seed AS seed"}
	seenRun := map[string]bool{"run": true, "seed": true}
	for _, c := range []string{"status", "error", "error_at", "wall_s", "events", "delivered", "sweep_id"} {
		seenRun[c] = true
	}
	for _, p := range params {
		if k := strings.ToLower(p); !seenRun[k] {
			seenRun[k] = true
			runSel = append(runSel, "param."+quote(p)+" AS "+quote(p))
		}
	}
	runSel = append(runSel, "run.status AS status", "run.error AS error", "run.error_at AS error_at",
		"run.wall_s AS wall_s", "run.events AS events", "run.delivered AS delivered", "run.sweep_id AS sweep_id")
	stmts := []string{
		`DROP VIEW IF EXISTS results`,
		`CREATE VIEW results AS SELECT ` + strings.Join(sel, ", ") +
			` FROM row JOIN run ON row.run_id = run.id LEFT JOIN param ON param.run_id = run.id WHERE run.status = 'ok' ORDER BY run.id, row.idx`,
		`DROP VIEW IF EXISTS runs`,
		`CREATE VIEW runs AS SELECT ` + strings.Join(runSel, ", ") +
			` FROM run LEFT JOIN param ON param.run_id = run.id ORDER BY run.id`,
	}
	for _, q := range stmts {
		if _, err := tx.Exec(q); err != nil {
			return err
		}
	}
	return nil
}

// typeOf names the Starlark-side type of a stored value.
func typeOf(v any) string {
	switch v.(type) {
	case nil:
		return "none"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "string"
	}
	return "mixed"
}

// mergeType is the column type after a value of type t joins a column of
// type old.
func mergeType(old, t string) string {
	switch {
	case old == "" || old == "none":
		return t
	case t == "none" || t == old:
		return old
	case (old == "int" && t == "float") || (old == "float" && t == "int"):
		return "float"
	}
	return "mixed"
}

// sqlType declares a new column by its first value, so that tools that
// go by declared types (DuckDB) read numbers as numbers. SQLite keeps
// other values too; fromSQL restores ints recorded in a float column.
func sqlType(typ string) string {
	switch typ {
	case "int", "bool":
		return " INTEGER"
	case "float":
		return " REAL"
	case "string":
		return " TEXT"
	}
	return ""
}

// sqlValue converts a field value for SQLite (bools as 0/1).
func sqlValue(v any) any {
	switch v := v.(type) {
	case bool:
		if v {
			return int64(1)
		}
		return int64(0)
	case float64:
		if math.IsNaN(v) {
			return nil // SQLite has no NaN; it stores NULL
		}
	}
	return v
}

// ParamValue types a --set string for the param table: an integer or a
// number if it reads as one, else the string.
func ParamValue(s string) any {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) {
		return f
	}
	return s
}

// columns returns the dynamic columns of tbl in creation order with their
// types.
func columns(q interface {
	Query(string, ...any) (*sql.Rows, error)
}, tbl string) (names []string, types map[string]string, err error) {
	rows, err := q.Query(`SELECT name FROM pragma_table_info(?)`, tbl)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, nil, err
		}
		if n != "run_id" && n != "idx" {
			names = append(names, n)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	types = map[string]string{}
	trows, err := q.Query(`SELECT name, type FROM col WHERE tbl = ?`, tbl)
	if err != nil {
		return nil, nil, err
	}
	defer trows.Close()
	for trows.Next() {
		var n, t string
		if err := trows.Scan(&n, &t); err != nil {
			return nil, nil, err
		}
		types[n] = t
	}
	return names, types, trows.Err()
}

// AddSweep records a sweep and returns its id.
func (s *Store) AddSweep(sw Sweep) (int64, error) {
	if sw.Started.IsZero() {
		sw.Started = time.Now()
	}
	res, err := s.db.Exec(`INSERT INTO sweep (script, script_sha256, command, version, started, shard, max_steps, max_events, timeout_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sw.Script, sw.ScriptSHA256, sw.Command, sw.Version, sw.Started.UTC().Format(time.RFC3339Nano), sw.Shard,
		int64(sw.MaxSteps), int64(sw.MaxEvents), sw.Timeout.Seconds())
	if err != nil {
		return 0, s.wrap(err)
	}
	return res.LastInsertId()
}

func (s *Store) wrap(err error) error {
	return fmt.Errorf("results store %s: %w", s.path, err)
}

// Done returns the keys of the runs stored with a final status (the runs
// --resume skips).
func (s *Store) Done() (map[Key]Status, error) {
	rows, err := s.db.Query(`SELECT script_sha256, params, seed, status FROM run`)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	out := map[Key]Status{}
	for rows.Next() {
		var k Key
		var seed int64
		var st string
		if err := rows.Scan(&k.ScriptSHA256, &k.Params, &seed, &st); err != nil {
			return nil, s.wrap(err)
		}
		k.Seed = uint64(seed)
		out[k] = Status(st)
	}
	return out, s.wrap2(rows.Err())
}

func (s *Store) wrap2(err error) error {
	if err == nil {
		return nil
	}
	return s.wrap(err)
}

// putter inserts runs, adding dynamic columns as they appear. It lives in
// the writer goroutine.
type putter struct {
	s         *Store
	paramCols []string
	paramType map[string]string
	rowCols   []string
	rowType   map[string]string
	rowIns    map[string]*sql.Stmt // by column list, for the transaction in progress
}

func (s *Store) newPutter() (*putter, error) {
	p := &putter{s: s}
	var err error
	if p.paramCols, p.paramType, err = columns(s.db, "param"); err != nil {
		return nil, s.wrap(err)
	}
	if p.rowCols, p.rowType, err = columns(s.db, "row"); err != nil {
		return nil, s.wrap(err)
	}
	return p, nil
}

// ensure adds the column name to tbl if missing and widens its type;
// it reports whether the schema changed (the views must follow).
func (p *putter) ensure(tx *sql.Tx, tbl, name, typ string) (bool, error) {
	cols, types := &p.paramCols, p.paramType
	if tbl == "row" {
		cols, types = &p.rowCols, p.rowType
	}
	// SQL names ignore case: a name differing from a column only in case
	// is that column (inserting under it fills the column; adding it
	// would fail).
	for _, c := range *cols {
		if strings.EqualFold(c, name) {
			name = c
			break
		}
	}
	old, known := types[name]
	added := false
	if !known {
		exists := false
		for _, c := range *cols {
			if c == name {
				exists = true
			}
		}
		if !exists {
			switch strings.ToLower(name) {
			case "run_id", "rowid", "oid", "_rowid_":
				return false, fmt.Errorf("the name %q is reserved by the results store", name)
			case "idx":
				if tbl == "row" {
					return false, fmt.Errorf("the name %q is reserved by the results store", name)
				}
			}
			if _, err := tx.Exec(`ALTER TABLE ` + tbl + ` ADD COLUMN ` + quote(name) + sqlType(typ)); err != nil {
				return false, err
			}
			*cols = append(*cols, name)
			added = true
		}
	}
	nt := mergeType(old, typ)
	if nt != old || !known {
		if _, err := tx.Exec(`INSERT INTO col (tbl, name, type) VALUES (?, ?, ?) ON CONFLICT (tbl, name) DO UPDATE SET type = excluded.type`, tbl, name, nt); err != nil {
			return false, err
		}
		types[name] = nt
	}
	return added, nil
}

// put stores runs in one transaction. A run whose key is stored already
// replaces it.
func (p *putter) put(runs []*Run) error {
	tx, err := p.s.db.Begin()
	if err != nil {
		return err
	}
	paramCols, rowCols := len(p.paramCols), len(p.rowCols)
	paramTypes, rowTypes := cloneMap(p.paramType), cloneMap(p.rowType)
	p.rowIns = map[string]*sql.Stmt{}
	err = p.putTx(tx, runs)
	for _, st := range p.rowIns {
		st.Close()
	}
	if err == nil {
		err = tx.Commit()
	} else {
		tx.Rollback()
	}
	if err != nil {
		// Forget columns the rolled-back transaction added.
		p.paramCols, p.rowCols = p.paramCols[:paramCols], p.rowCols[:rowCols]
		p.paramType, p.rowType = paramTypes, rowTypes
	}
	return err
}

func cloneMap(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func (p *putter) putTx(tx *sql.Tx, runs []*Run) error {
	changed := false
	for _, r := range runs {
		for _, pr := range r.Params {
			ch, err := p.ensure(tx, "param", pr.Name, typeOf(ParamValue(pr.Value)))
			if err != nil {
				return fmt.Errorf("parameter %s: %w", pr.Name, err)
			}
			changed = changed || ch
		}
		for _, row := range r.Rows {
			for _, f := range row {
				ch, err := p.ensure(tx, "row", f.Name, typeOf(f.Value))
				if err != nil {
					return fmt.Errorf("recorded value %s: %w", f.Name, err)
				}
				changed = changed || ch
			}
		}
	}
	if changed {
		if err := writeViews(tx, p.paramCols, p.rowCols); err != nil {
			return err
		}
	}
	for _, r := range runs {
		if err := p.putRun(tx, r); err != nil {
			return err
		}
	}
	return nil
}

func (p *putter) putRun(tx *sql.Tx, r *Run) error {
	k := r.Key()
	var old int64
	err := tx.QueryRow(`SELECT id FROM run WHERE script_sha256 = ? AND params = ? AND seed = ?`, k.ScriptSHA256, k.Params, int64(k.Seed)).Scan(&old)
	switch {
	case err == nil:
		for _, q := range []string{`DELETE FROM row WHERE run_id = ?`, `DELETE FROM param WHERE run_id = ?`, `DELETE FROM run WHERE id = ?`} {
			if _, err := tx.Exec(q, old); err != nil {
				return err
			}
		}
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	fin := r.Finished
	if fin.IsZero() {
		fin = time.Now()
	}
	res, err := tx.Exec(`INSERT INTO run (sweep_id, script_sha256, params, seed, status, error, error_at, wall_s, events, delivered, finished, output)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.SweepID, r.ScriptSHA256, k.Params, int64(r.Seed), string(r.Status), r.Err, r.ErrAt, r.Wall,
		int64(r.Events), int64(r.Delivered), fin.UTC().Format(time.RFC3339Nano), r.Output)
	if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	r.ID = id
	names := []string{"run_id"}
	vals := []any{id}
	for _, pr := range r.Params {
		names = append(names, quote(pr.Name))
		vals = append(vals, ParamValue(pr.Value))
	}
	if _, err := tx.Exec(`INSERT INTO param (`+strings.Join(names, ", ")+`) VALUES (`+placeholders(len(vals))+`)`, vals...); err != nil {
		return err
	}
	for i, row := range r.Rows {
		names := make([]string, 0, len(row)+2)
		vals := make([]any, 0, len(row)+2)
		names = append(names, "run_id", "idx")
		vals = append(vals, id, int64(i))
		for _, f := range row {
			names = append(names, quote(f.Name))
			vals = append(vals, sqlValue(f.Value))
		}
		key := strings.Join(names, ",")
		st, ok := p.rowIns[key]
		if !ok {
			st, err = tx.Prepare(`INSERT INTO row (` + strings.Join(names, ", ") + `) VALUES (` + placeholders(len(vals)) + `)`)
			if err != nil {
				return err
			}
			p.rowIns[key] = st
		}
		if _, err := st.Exec(vals...); err != nil {
			return err
		}
	}
	return nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// DeclareParams creates the parameter columns of a sweep, in the order of
// names, before its runs arrive, each typed by all its values (0 and 0.3
// make a REAL column).
func (s *Store) DeclareParams(names []string, axes map[string][]string) error {
	p, err := s.newPutter()
	if err != nil {
		return err
	}
	return s.wrap2(s.tx(func(tx *sql.Tx) error {
		changed := false
		for _, n := range names {
			typ := ""
			for _, v := range axes[n] {
				typ = mergeType(typ, typeOf(ParamValue(v)))
			}
			ch, err := p.ensure(tx, "param", n, typ)
			if err != nil {
				return fmt.Errorf("parameter %s: %w", n, err)
			}
			changed = changed || ch
		}
		if changed {
			return writeViews(tx, p.paramCols, p.rowCols)
		}
		return nil
	}))
}

// Put stores runs in one transaction, outside any writer (for merging and
// tests). Runs whose key is stored already replace it.
func (s *Store) Put(runs ...*Run) error {
	p, err := s.newPutter()
	if err != nil {
		return err
	}
	return s.wrap2(p.put(runs))
}

// Writer stores runs from any goroutine through one writer goroutine,
// committing each batch as it arrives.
type Writer struct {
	s    *Store
	ch   chan *Run
	done chan struct{}
	err  error // set by the writer goroutine before done closes
}

// Writer starts the store's writer goroutine. Close it to flush.
func (s *Store) Writer() (*Writer, error) {
	p, err := s.newPutter()
	if err != nil {
		return nil, err
	}
	w := &Writer{s: s, ch: make(chan *Run, 256), done: make(chan struct{})}
	go w.loop(p)
	return w, nil
}

func (w *Writer) loop(p *putter) {
	defer close(w.done)
	for r := range w.ch {
		if w.err != nil {
			continue // drain: the store is failing
		}
		batch := []*Run{r}
	more:
		for len(batch) < 64 {
			select {
			case r, ok := <-w.ch:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		if err := p.put(batch); err != nil {
			w.err = w.s.wrap(p.putEach(batch))
		}
	}
}

// putEach stores runs one at a time, after a batch failed: a run whose
// own rows cannot be stored (a column too many for SQLite) is stored
// failed, with the reason, rather than losing the batch and stopping the
// sweep. The error is the store's own failure, if any.
func (p *putter) putEach(runs []*Run) error {
	for _, r := range runs {
		err := p.put([]*Run{r})
		if err == nil || len(r.Rows) == 0 {
			if err != nil {
				return err
			}
			continue
		}
		bad := *r
		bad.Rows = nil
		bad.Status = Error
		bad.Err = fmt.Sprintf("the results store cannot keep what this run recorded: %v", err)
		if r.Err != "" {
			bad.Err += "\n" + r.Err
		}
		if err := p.put([]*Run{&bad}); err != nil {
			return err
		}
	}
	return nil
}

// Put hands a finished run to the writer; it blocks while the writer is
// far behind.
func (w *Writer) Put(r *Run) { w.ch <- r }

// Failed reports a write error without waiting (nil while all is well).
func (w *Writer) Failed() error {
	select {
	case <-w.done:
		return w.err
	default:
	}
	return nil
}

// Close waits until every run handed over is stored and returns the
// first write error.
func (w *Writer) Close() error {
	close(w.ch)
	<-w.done
	return w.err
}

// Sweeps returns the sweeps in the store, oldest first.
func (s *Store) Sweeps() ([]Sweep, error) {
	rows, err := s.db.Query(`SELECT id, script, script_sha256, command, version, started, shard, max_steps, max_events, timeout_s FROM sweep ORDER BY id`)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []Sweep
	for rows.Next() {
		var sw Sweep
		var started string
		var steps, events int64
		var timeout float64
		if err := rows.Scan(&sw.ID, &sw.Script, &sw.ScriptSHA256, &sw.Command, &sw.Version, &started, &sw.Shard, &steps, &events, &timeout); err != nil {
			return nil, s.wrap(err)
		}
		sw.MaxSteps, sw.MaxEvents = uint64(steps), uint64(events)
		sw.Timeout = time.Duration(timeout * float64(time.Second))
		sw.Started, _ = time.Parse(time.RFC3339Nano, started)
		out = append(out, sw)
	}
	return out, s.wrap2(rows.Err())
}

// Runs returns every run with its parameters and rows, in the order they
// were stored.
func (s *Store) Runs() ([]*Run, error) {
	sweeps, err := s.Sweeps()
	if err != nil {
		return nil, err
	}
	scripts := map[int64]string{}
	for _, sw := range sweeps {
		scripts[sw.ID] = sw.Script
	}
	rows, err := s.db.Query(`SELECT id, sweep_id, script_sha256, params, seed, status, error, error_at, wall_s, events, delivered, finished, output FROM run ORDER BY id`)
	if err != nil {
		return nil, s.wrap(err)
	}
	var runs []*Run
	byID := map[int64]*Run{}
	for rows.Next() {
		r := &Run{}
		var params, status, fin string
		var seed, events, delivered int64
		if err := rows.Scan(&r.ID, &r.SweepID, &r.ScriptSHA256, &params, &seed, &status, &r.Err, &r.ErrAt, &r.Wall, &events, &delivered, &fin, &r.Output); err != nil {
			rows.Close()
			return nil, s.wrap(err)
		}
		r.Seed, r.Events, r.Delivered, r.Status = uint64(seed), uint64(events), uint64(delivered), Status(status)
		r.Finished, _ = time.Parse(time.RFC3339Nano, fin)
		r.Script = scripts[r.SweepID]
		var m map[string]string
		if err := json.Unmarshal([]byte(params), &m); err != nil {
			rows.Close()
			return nil, s.wrap(fmt.Errorf("run %d: bad params %q", r.ID, params))
		}
		r.Params = make([]Param, 0, len(m))
		for k, v := range m {
			r.Params = append(r.Params, Param{k, v})
		}
		runs = append(runs, r)
		byID[r.ID] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err)
	}
	// Parameters in the order their columns were created (the grid's).
	pcols, _, err := columns(s.db, "param")
	if err != nil {
		return nil, s.wrap(err)
	}
	order := map[string]int{}
	for i, c := range pcols {
		order[c] = i
	}
	for _, r := range runs {
		sort.Slice(r.Params, func(i, j int) bool { return order[r.Params[i].Name] < order[r.Params[j].Name] })
	}
	if err := s.readRows(byID); err != nil {
		return nil, s.wrap(err)
	}
	return runs, nil
}

func (s *Store) readRows(byID map[int64]*Run) error {
	cols, types, err := columns(s.db, "row")
	if err != nil {
		return err
	}
	sel := []string{"run_id"}
	for _, c := range cols {
		sel = append(sel, quote(c))
	}
	rows, err := s.db.Query(`SELECT ` + strings.Join(sel, ", ") + ` FROM row ORDER BY run_id, idx`)
	if err != nil {
		return err
	}
	defer rows.Close()
	dest := make([]any, len(sel))
	vals := make([]any, len(sel))
	for i := range dest {
		dest[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		id, _ := vals[0].(int64)
		r := byID[id]
		if r == nil {
			continue
		}
		row := make(Row, 0, len(cols))
		for i, c := range cols {
			v := vals[i+1]
			if v == nil {
				continue // not recorded in this row
			}
			row = append(row, Field{c, fromSQL(v, types[c])})
		}
		r.Rows = append(r.Rows, row)
	}
	return rows.Err()
}

// fromSQL converts a stored value back to the type the script recorded.
func fromSQL(v any, typ string) any {
	switch v := v.(type) {
	case int64:
		switch typ {
		case "bool":
			return v != 0
		case "float":
			return float64(v) // a float column declared INTEGER stores 2.0 as 2
		}
		return v
	case []byte:
		return string(v)
	}
	return v
}

// Copy adds the given runs, read from another store, to this one with
// their sweeps, keeping what this store holds for other keys; a run whose
// key is already here is replaced only if the stored one is not final.
// It returns how many runs were added.
func (s *Store) Copy(sweeps []Sweep, runs []*Run) (int, error) {
	done, err := s.Done()
	if err != nil {
		return 0, err
	}
	have, err := s.Sweeps()
	if err != nil {
		return 0, err
	}
	ids := map[int64]int64{}
	for _, sw := range sweeps {
		for _, h := range have {
			if h.ScriptSHA256 == sw.ScriptSHA256 && h.Command == sw.Command && h.Shard == sw.Shard && h.Started.Equal(sw.Started) {
				ids[sw.ID] = h.ID // merged before
			}
		}
		if _, ok := ids[sw.ID]; ok {
			continue
		}
		id, err := s.AddSweep(sw)
		if err != nil {
			return 0, err
		}
		ids[sw.ID] = id
	}
	var add []*Run
	for _, r := range runs {
		if st, ok := done[r.Key()]; ok && (st.Finished() || !r.Status.Finished()) {
			continue
		}
		c := *r
		c.SweepID = ids[r.SweepID]
		add = append(add, &c)
		done[r.Key()] = r.Status
	}
	if len(add) == 0 {
		return 0, nil
	}
	return len(add), s.Put(add...)
}
