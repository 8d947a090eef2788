package store

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func sampleRuns(sweep int64) []*Run {
	return []*Run{
		{SweepID: sweep, ScriptSHA256: "abc", Params: []Param{{"fanout", "3"}, {"loss", "0.1"}, {"mode", "push"}}, Seed: 1,
			Status: OK, Wall: 0.5, Events: 100, Delivered: 90,
			Rows: []Row{
				{{"coverage", 0.9}, {"p95", int64(120)}, {"ok", true}, {"label", "a"}, {"none", nil}},
				{{"coverage", 1.0}, {"p95", int64(80)}, {"ok", false}, {"label", "b"}},
			}},
		{SweepID: sweep, ScriptSHA256: "abc", Params: []Param{{"fanout", "4"}, {"loss", "0.1"}, {"mode", "push"}}, Seed: 2,
			Status: Error, Err: "x.star:3:5: boom", ErrAt: "x.star:3"},
		{SweepID: sweep, ScriptSHA256: "abc", Params: []Param{{"fanout", "4"}, {"loss", "0.1"}, {"mode", "push"}}, Seed: 3,
			Status: Interrupted},
	}
}

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "r.db")
	s := open(t, path)
	id, err := s.AddSweep(Sweep{Script: "x.star", ScriptSHA256: "abc", Command: "p2prepl sweep x.star", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Writer()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sampleRuns(id) {
		w.Put(r)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	s.Close()

	r, err := OpenRead(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	runs, err := r.Runs()
	if err != nil {
		t.Fatal(err)
	}
	want := sampleRuns(id)
	if len(runs) != len(want) {
		t.Fatalf("%d runs, want %d", len(runs), len(want))
	}
	for i, got := range runs {
		w := want[i]
		if got.Script != "x.star" || got.Seed != w.Seed || got.Status != w.Status || got.Err != w.Err || got.ErrAt != w.ErrAt ||
			got.Events != w.Events || got.Delivered != w.Delivered || !reflect.DeepEqual(got.Params, w.Params) {
			t.Errorf("run %d: got %+v, want %+v", i, got, w)
		}
		// None fields are not stored: a row lists what it recorded.
		var wrows []Row
		for _, row := range w.Rows {
			var nr Row
			for _, f := range row {
				if f.Value != nil {
					nr = append(nr, f)
				}
			}
			wrows = append(wrows, nr)
		}
		if !reflect.DeepEqual(got.Rows, wrows) {
			t.Errorf("run %d rows: got %v, want %v", i, got.Rows, wrows)
		}
	}

	// The results view: plain SQL, typed columns, only successful runs.
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	var mean float64
	if err := db.QueryRow(`SELECT count(*), avg(coverage) FROM results WHERE fanout = 3 AND loss = 0.1`).Scan(&n, &mean); err != nil {
		t.Fatal(err)
	}
	if n != 2 || mean != 0.95 {
		t.Errorf("results view: count %d mean %v, want 2 and 0.95", n, mean)
	}
	var failed int
	if err := db.QueryRow(`SELECT count(*) FROM runs WHERE status = 'error' AND fanout = 4`).Scan(&failed); err != nil {
		t.Fatal(err)
	}
	if failed != 1 {
		t.Errorf("runs view: %d failed runs, want 1", failed)
	}
}

func TestDoneAndReplace(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "r.db"))
	id, _ := s.AddSweep(Sweep{Script: "x.star", ScriptSHA256: "abc"})
	runs := sampleRuns(id)
	if err := s.Put(runs...); err != nil {
		t.Fatal(err)
	}
	done, err := s.Done()
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 3 || done[runs[0].Key()] != OK || done[runs[2].Key()] != Interrupted {
		t.Fatalf("done = %v", done)
	}
	// The interrupted run, run again, replaces the old one and its rows.
	again := *runs[2]
	again.Status, again.Rows = OK, []Row{{{"coverage", 0.5}}}
	if err := s.Put(&again); err != nil {
		t.Fatal(err)
	}
	all, err := s.Runs()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("%d runs after replacing one, want 3", len(all))
	}
	last := all[2]
	if last.Seed != 3 || last.Status != OK || len(last.Rows) != 1 {
		t.Errorf("replaced run: %+v", last)
	}
}

func TestCopyIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	var shards []string
	for i := 0; i < 2; i++ {
		p := filepath.Join(dir, fmt.Sprintf("%d.db", i))
		s := open(t, p)
		id, _ := s.AddSweep(Sweep{Script: "x.star", ScriptSHA256: "abc", Shard: fmt.Sprintf("%d/2", i)})
		runs := sampleRuns(id)
		for _, r := range runs {
			r.Seed += uint64(10 * i)
		}
		if err := s.Put(runs...); err != nil {
			t.Fatal(err)
		}
		s.Close()
		shards = append(shards, p)
	}
	dst := open(t, filepath.Join(dir, "merged.db"))
	for round := 0; round < 2; round++ {
		for _, p := range shards {
			src, err := OpenRead(p)
			if err != nil {
				t.Fatal(err)
			}
			sw, _ := src.Sweeps()
			runs, err := src.Runs()
			if err != nil {
				t.Fatal(err)
			}
			src.Close()
			if _, err := dst.Copy(sw, runs); err != nil {
				t.Fatal(err)
			}
		}
	}
	runs, _ := dst.Runs()
	sweeps, _ := dst.Sweeps()
	if len(runs) != 6 || len(sweeps) != 2 {
		t.Errorf("merged twice: %d runs, %d sweeps; want 6 and 2", len(runs), len(sweeps))
	}
}

func TestWriterConcurrent(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "r.db"))
	id, _ := s.AddSweep(Sweep{Script: "x.star", ScriptSHA256: "abc"})
	w, err := s.Writer()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				w.Put(&Run{SweepID: id, ScriptSHA256: "abc", Params: []Param{{"g", fmt.Sprint(g)}}, Seed: uint64(i), Status: OK,
					Rows: []Row{{{"i", int64(i)}, {fmt.Sprintf("col%d", i%3), float64(g)}}}})
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	runs, err := s.Runs()
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 200 {
		t.Fatalf("%d runs, want 200", len(runs))
	}
}

// A file that is not a store is refused with a clear error and left
// byte for byte as it was.
func TestRefusesForeignAndDamagedFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	s := open(t, good)
	id, _ := s.AddSweep(Sweep{Script: "x.star", ScriptSHA256: "abc"})
	var many []*Run
	for i := 0; i < 300; i++ {
		many = append(many, &Run{SweepID: id, ScriptSHA256: "abc", Seed: uint64(i), Status: OK,
			Rows: []Row{{{"v", strings.Repeat("x", 200)}}}})
	}
	if err := s.Put(many...); err != nil {
		t.Fatal(err)
	}
	s.Close()
	goodBytes, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}

	foreign := filepath.Join(dir, "foreign.db")
	db, err := sql.Open("sqlite", "file:"+foreign)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE customers (name TEXT); INSERT INTO customers VALUES ('ann')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	damaged := append([]byte(nil), goodBytes...)
	for i := 4096 * 2; i < len(damaged) && i < 4096*6; i++ {
		damaged[i] = 0xA5
	}

	cases := []struct {
		name, want string
		data       []byte
	}{
		{"text.db", "not an SQLite database", []byte("fanout,coverage\n3,0.9\n")},
		{"truncated.db", "not an SQLite database", []byte("SQLite")},
		{"damaged.db", "damaged", damaged},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases = append(cases, struct {
		name, want string
		data       []byte
	}{"foreign.db", "another application", nil})
	newer := filepath.Join(dir, "newer.db")
	os.WriteFile(newer, goodBytes, 0o644)
	db, _ = sql.Open("sqlite", "file:"+newer)
	if _, err := db.Exec(`UPDATE meta SET value = '9' WHERE key = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	cases = append(cases, struct {
		name, want string
		data       []byte
	}{"newer.db", "newer p2prepl", nil})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name)
			before, _ := os.ReadFile(p)
			for _, openFn := range []func(string) (*Store, error){Open, OpenRead} {
				s, err := openFn(p)
				if err == nil {
					s.Close()
					t.Fatalf("%s opened", c.name)
				}
				if !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrNotStore) || !strings.Contains(err.Error(), p) {
					t.Errorf("error %q should name the file and say %q", err, c.want)
				}
			}
			after, _ := os.ReadFile(p)
			if !bytes.Equal(before, after) {
				t.Errorf("%s was modified", c.name)
			}
			if _, err := os.Stat(p + "-wal"); err == nil {
				t.Errorf("%s got a WAL file", c.name)
			}
		})
	}
}

// A run whose rows the store cannot keep (more columns than SQLite allows,
// or, cheaper to test, a name SQLite keeps for itself) is stored failed
// with the reason; the runs batched with it are
// stored as they are, and the writer goes on (the whole batch was lost and
// the sweep stopped). Names differing only in case from a column fill
// that column (SQL names ignore case: adding one failed).
func TestWriterKeepsGoodRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	s := open(t, path)
	id, err := s.AddSweep(Sweep{Script: "x.star", ScriptSHA256: "abc", Command: "test", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	wide := Row{{"b", int64(2)}, {"_rowid_", int64(2)}}
	runs := []*Run{
		{SweepID: id, ScriptSHA256: "abc", Seed: 1, Status: OK, Rows: []Row{{{"a", int64(1)}}}},
		{SweepID: id, ScriptSHA256: "abc", Seed: 2, Status: OK, Rows: []Row{wide}},
		{SweepID: id, ScriptSHA256: "abc", Seed: 3, Status: OK, Rows: []Row{{{"A", int64(3)}}}},
	}
	// Put them in one transaction, as the writer batches them.
	p, err := s.newPutter()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.put(runs); err == nil {
		t.Fatal("a batch with a column named _rowid_ was stored")
	}
	if err := p.putEach(runs); err != nil {
		t.Fatal(err)
	}
	got, err := s.Runs()
	if err != nil {
		t.Fatal(err)
	}
	status := map[uint64]Status{}
	var rows []Row
	for _, r := range got {
		status[r.Seed] = r.Status
		if r.Seed == 2 && !strings.Contains(r.Err, "the results store cannot keep what this run recorded") {
			t.Errorf("the wide run's error: %q", r.Err)
		}
		rows = append(rows, r.Rows...)
	}
	if status[1] != OK || status[2] != Error || status[3] != OK {
		t.Errorf("statuses %v, want 1 and 3 ok, 2 error", status)
	}
	if len(rows) != 2 || rows[0][0].Name != "a" || rows[1][0].Name != "a" || rows[1][0].Value != int64(3) {
		t.Errorf("rows %v, want a=1 and a=3", rows)
	}
}

// TestParamRecordedAlike: a value recorded under a parameter's name is
// the parameter's value (record() refuses another), so the results view
// shows one column: the parameter where the run has it, else the value
// recorded (a run of another sweep, without that parameter).
func TestParamRecordedAlike(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	s := open(t, path)
	id, err := s.AddSweep(Sweep{Script: "x.star", ScriptSHA256: "abc", Command: "p2prepl sweep x.star", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	runs := []*Run{
		{SweepID: id, ScriptSHA256: "abc", Params: []Param{{"n", "3"}}, Seed: 1, Status: OK,
			Rows: []Row{{{"n", int64(3)}, {"c", 0.5}}}},
		{SweepID: id, ScriptSHA256: "abc", Seed: 2, Status: OK,
			Rows: []Row{{{"n", int64(5)}, {"c", 0.7}}}},
	}
	if err := s.Put(runs...); err != nil {
		t.Fatal(err)
	}
	rows, err := s.db.Query(`SELECT * FROM results ORDER BY run`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if want := []string{"run", "seed", "n", "c"}; !reflect.DeepEqual(cols, want) {
		t.Errorf("results columns %v, want %v", cols, want)
	}
	var got []string
	for rows.Next() {
		var run, seed, n int64
		var c float64
		if err := rows.Scan(&run, &seed, &n, &c); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %g", n, c))
	}
	if want := []string{"3 0.5", "5 0.7"}; !reflect.DeepEqual(got, want) {
		t.Errorf("results n, c: %v, want %v", got, want)
	}
}
