package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/table"
	"github.com/p2prepl/p2prepl/runner/store"
)

// Results are the sweeps and runs read from a store or a directory of
// stores (the shards of a Slurm sweep).
type Results struct {
	Paths  []string // the store files read
	Sweeps []store.Sweep
	Runs   []*store.Run
}

// StoresIn lists the store files of a directory: DIR/shards/*.db when
// that exists (a Slurm sweep), else DIR/*.db.
func StoresIn(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "shards", "*.db"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		files, err = filepath.Glob(filepath.Join(dir, "*.db"))
		if err != nil {
			return nil, err
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s holds no results stores (*.db, or shards/*.db)", dir)
	}
	sort.Strings(files)
	return files, nil
}

// Read reads a store file, or every store of a directory combined as
// merging them would: a run present in several (same script hash,
// parameters and seed) counts once, a final status winning over an
// interrupted one. Runs read from a directory are numbered afresh.
func Read(path string) (*Results, error) { return read(path, nil) }

// read is Read; check, if not nil, vets each store file of a directory
// before it is opened (results() in a script: no link leads out).
func read(path string, check func(string) error) (*Results, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	if !fi.IsDir() {
		st, err := store.OpenRead(path)
		if err != nil {
			return nil, err
		}
		defer st.Close()
		sweeps, err := st.Sweeps()
		if err != nil {
			return nil, err
		}
		runs, err := st.Runs()
		if err != nil {
			return nil, err
		}
		return &Results{Paths: []string{path}, Sweeps: sweeps, Runs: runs}, nil
	}
	files, err := StoresIn(path)
	if err != nil {
		return nil, err
	}
	res := &Results{Paths: files}
	byKey := map[store.Key]int{}
	for _, f := range files {
		if check != nil {
			if err := check(f); err != nil {
				return nil, err
			}
		}
		r, err := Read(f)
		if err != nil {
			return nil, err
		}
		ids := map[int64]int64{}
		for _, sw := range r.Sweeps {
			ids[sw.ID] = int64(len(res.Sweeps) + 1)
			sw.ID = ids[sw.ID]
			res.Sweeps = append(res.Sweeps, sw)
		}
		for _, run := range r.Runs {
			run.SweepID = ids[run.SweepID]
			k := run.Key()
			if i, ok := byKey[k]; ok {
				if !res.Runs[i].Status.Finished() && run.Status.Finished() {
					run.ID = res.Runs[i].ID
					res.Runs[i] = run
				}
				continue
			}
			byKey[k] = len(res.Runs)
			run.ID = int64(len(res.Runs) + 1)
			res.Runs = append(res.Runs, run)
		}
	}
	return res, nil
}

// Merge combines the stores of dir (as StoresIn lists them) into the
// store out, creating it if needed; merging again adds only what is new.
// It returns the number of runs added.
func Merge(dir, out string) (int, error) {
	files, err := StoresIn(dir)
	if err != nil {
		return 0, err
	}
	outAbs, _ := filepath.Abs(out)
	// The output is no shard, under its own name or through a link.
	isOut := func(f string) bool {
		if fa, _ := filepath.Abs(f); fa == outAbs {
			return true
		}
		fi, err := os.Stat(f)
		oi, oerr := os.Stat(out)
		return err == nil && oerr == nil && os.SameFile(fi, oi)
	}
	// Every shard must be a store before anything is written: a bad one
	// found halfway left a half-merged store behind.
	for _, f := range files {
		if isOut(f) {
			continue
		}
		st, err := store.OpenRead(f)
		if err != nil {
			return 0, err
		}
		st.Close()
	}
	dst, err := store.Open(out)
	if err != nil {
		return 0, err
	}
	defer dst.Close()
	added := 0
	for _, f := range files {
		if isOut(f) {
			continue
		}
		r, err := Read(f)
		if err != nil {
			return added, err
		}
		n, err := dst.Copy(r.Sweeps, r.Runs)
		added += n
		if err != nil {
			return added, err
		}
	}
	return added, nil
}

// Counts tallies the runs by status.
func (r *Results) Counts() map[store.Status]int {
	m := map[store.Status]int{}
	for _, run := range r.Runs {
		m[run.Status]++
	}
	return m
}

// Sweep returns the sweep a run belongs to.
func (r *Results) Sweep(run *store.Run) *store.Sweep {
	for i := range r.Sweeps {
		if r.Sweeps[i].ID == run.SweepID {
			return &r.Sweeps[i]
		}
	}
	return nil
}

// paramNames lists the parameter names of runs in first-seen order.
func paramNames(runs []*store.Run) []string {
	var names []string
	seen := map[string]bool{}
	for _, r := range runs {
		for _, p := range r.Params {
			if !seen[p.Name] {
				seen[p.Name] = true
				names = append(names, p.Name)
			}
		}
	}
	return names
}

// Table is the results as a table: one line per recorded row of the runs
// that succeeded, with columns run, seed, the parameters (typed: 3 is an
// int, 0.1 a float) and the recorded values. A recorded value named like
// a parameter or run/seed is not repeated (record() refuses one that
// differs); it fills the parameter's column in runs without that
// parameter. This is the store's results view.
func (r *Results) Table() (*table.Table, error) {
	var ok []*store.Run
	for _, run := range r.Sorted() {
		if run.Status == store.OK {
			ok = append(ok, run)
		}
	}
	cols := []string{"run", "seed"}
	pos := map[string]int{"run": 0, "seed": 1}
	params := paramNames(ok)
	for _, p := range params {
		if _, dup := pos[p]; !dup {
			pos[p] = len(cols)
			cols = append(cols, p)
		}
	}
	fixed := len(cols)
	for _, run := range ok {
		for _, row := range run.Rows {
			for _, f := range row {
				if _, dup := pos[f.Name]; !dup {
					pos[f.Name] = len(cols)
					cols = append(cols, f.Name)
				}
			}
		}
	}
	floats := floatParams(ok)
	var rows [][]starlark.Value
	for _, run := range ok {
		base := make([]starlark.Value, len(cols))
		for i := range base {
			base[i] = starlark.None
		}
		base[0] = starlark.MakeInt64(run.ID)
		base[1] = starlark.MakeUint64(run.Seed)
		for _, p := range run.Params {
			if i := pos[p.Name]; i >= 2 && i < fixed {
				base[i] = paramValue(p, floats)
			}
		}
		for _, row := range run.Rows {
			line := append([]starlark.Value(nil), base...)
			for _, f := range row {
				if i := pos[f.Name]; i >= fixed || i >= 2 && line[i] == starlark.None {
					line[i] = toStarlark(f.Value)
				}
			}
			rows = append(rows, line)
		}
	}
	return table.New(cols, rows)
}

// RunsTable is one line per run: run, seed, parameters, status, error
// position, wall seconds, events, delivered.
func (r *Results) RunsTable() (*table.Table, error) {
	params := paramNames(r.Runs)
	cols := append([]string{"run", "seed"}, params...)
	cols = append(cols, "status", "error_at", "wall_s", "events", "delivered")
	floats := floatParams(r.Runs)
	var rows [][]starlark.Value
	for _, run := range r.Sorted() {
		line := []starlark.Value{starlark.MakeInt64(run.ID), starlark.MakeUint64(run.Seed)}
		pv := map[string]string{}
		for _, p := range run.Params {
			pv[p.Name] = p.Value
		}
		for _, p := range params {
			if v, ok := pv[p]; ok {
				line = append(line, paramValue(store.Param{Name: p, Value: v}, floats))
			} else {
				line = append(line, starlark.None)
			}
		}
		line = append(line, starlark.String(run.Status), starlark.String(run.ErrAt),
			starlark.Float(run.Wall), starlark.MakeUint64(run.Events), starlark.MakeUint64(run.Delivered))
		rows = append(rows, line)
	}
	return table.New(cols, rows)
}

// Sorted returns the runs ordered by their parameters (numbers by value)
// and seed, as a grid lists them, whatever order they finished in.
func (r *Results) Sorted() []*store.Run {
	names := paramNames(r.Runs)
	runs := append([]*store.Run(nil), r.Runs...)
	vals := make(map[*store.Run][]any, len(runs))
	for _, run := range runs {
		m := map[string]string{}
		for _, p := range run.Params {
			m[p.Name] = p.Value
		}
		v := make([]any, len(names))
		for i, n := range names {
			if s, ok := m[n]; ok {
				v[i] = store.ParamValue(s)
			}
		}
		vals[run] = v
	}
	sort.SliceStable(runs, func(i, j int) bool {
		a, b := vals[runs[i]], vals[runs[j]]
		for k := range a {
			if c := compareValues(a[k], b[k]); c != 0 {
				return c < 0
			}
		}
		return runs[i].Seed < runs[j].Seed
	})
	return runs
}

// compareValues orders missing values first, then numbers by value, then
// strings.
func compareValues(a, b any) int {
	rank := func(v any) int {
		switch v.(type) {
		case nil:
			return 0
		case int64, float64:
			return 1
		}
		return 2
	}
	if ra, rb := rank(a), rank(b); ra != rb {
		return ra - rb
	}
	switch a.(type) {
	case int64, float64:
		x, y := toF(a), toF(b)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case string:
		return strings.Compare(a.(string), b.(string))
	}
	return 0
}

func toF(v any) float64 {
	if i, ok := v.(int64); ok {
		return float64(i)
	}
	return v.(float64)
}

// floatParams names the parameters some run gives a non-integer number:
// their integer values read as floats too (loss 0, 0.1, 0.3 is a float
// column).
func floatParams(runs []*store.Run) map[string]bool {
	m := map[string]bool{}
	for _, r := range runs {
		for _, p := range r.Params {
			if _, ok := store.ParamValue(p.Value).(float64); ok {
				m[p.Name] = true
			}
		}
	}
	return m
}

func paramValue(p store.Param, floats map[string]bool) starlark.Value {
	v := store.ParamValue(p.Value)
	if i, ok := v.(int64); ok && floats[p.Name] {
		return starlark.Float(float64(i))
	}
	return toStarlark(v)
}

func toStarlark(v any) starlark.Value {
	switch v := v.(type) {
	case nil:
		return starlark.None
	case bool:
		return starlark.Bool(v)
	case int64:
		return starlark.MakeInt64(v)
	case float64:
		return starlark.Float(v)
	case string:
		return starlark.String(v)
	}
	return starlark.String(fmt.Sprint(v))
}

// Command is the p2prepl run command that reproduces one run of a sweep
// alone: p2prepl run FILE --seed S --set k=v ... with the sweep's limits.
func Command(run *store.Run, sw *store.Sweep) string {
	args := []string{"p2prepl", "run", shellQuote(run.Script), "--seed", strconv.FormatUint(run.Seed, 10)}
	for _, p := range run.Params {
		args = append(args, "--set", shellQuote(p.Name+"="+p.Value))
	}
	if sw != nil {
		if sw.MaxSteps > 0 {
			args = append(args, "--max-steps", strconv.FormatUint(sw.MaxSteps, 10))
		}
		if sw.MaxEvents > 0 {
			args = append(args, "--max-events", strconv.FormatUint(sw.MaxEvents, 10))
		}
		if sw.Timeout > 0 {
			args = append(args, "--timeout", sw.Timeout.String())
		}
	}
	return strings.Join(args, " ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ShellJoin quotes and joins args as a shell command line.
func ShellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

// RowsTable makes a table of recorded rows: the columns are the names in
// the order first seen; a row lacking one has None there.
func RowsTable(rows []store.Row) (*table.Table, error) {
	var cols []string
	pos := map[string]int{}
	for _, row := range rows {
		for _, f := range row {
			if _, ok := pos[f.Name]; !ok {
				pos[f.Name] = len(cols)
				cols = append(cols, f.Name)
			}
		}
	}
	out := make([][]starlark.Value, len(rows))
	for i, row := range rows {
		line := make([]starlark.Value, len(cols))
		for j := range line {
			line[j] = starlark.None
		}
		for _, f := range row {
			line[pos[f.Name]] = toStarlark(f.Value)
		}
		out[i] = line
	}
	return table.New(cols, out)
}
