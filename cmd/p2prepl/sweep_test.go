package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/p2prepl/p2prepl/runner"
	"github.com/p2prepl/p2prepl/runner/store"
)

const cellScript = "../../runner/testdata/cell.star"

// Every row a sweep stores equals what a single `p2prepl run` of that
// cell records.
func TestSweepRowsEqualSingleRuns(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.db")
	r := p2prepl(t, "sweep", cellScript, "--grid", "fanout=1,3", "--grid", "loss=0:0.2:0.2", "--seeds", "2", "-j", "4", "--store", db, "--out", dir)
	if r.code != 0 {
		t.Fatalf("sweep: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "8 runs of "+cellScript+": 8 ok, 0 failed") {
		t.Errorf("summary: %s", r.stderr)
	}
	res, err := runner.Read(db)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 8 {
		t.Fatalf("%d runs stored, want 8", len(res.Runs))
	}
	for _, run := range res.Runs {
		args := []string{"run", cellScript, "--seed", fmt.Sprint(run.Seed)}
		for _, p := range run.Params {
			args = append(args, "--set", p.Name+"="+p.Value)
		}
		out := filepath.Join(dir, fmt.Sprintf("run%d.json", run.ID))
		if r := p2prepl(t, append(args, "--results", out)...); r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
		single, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := runner.RowsTable(run.Rows)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := nonNull(t, single), nonNull(t, []byte(stored.JSON())); !reflect.DeepEqual(a, b) {
			t.Errorf("%v: single run rows\n%s\nstored rows\n%s", args, single, stored.JSON())
		}
		if !strings.Contains(string(single), `"kind": "summary"`) {
			t.Errorf("single run recorded no summary: %s", single)
		}
	}

	// The same cell as a one-run store, and as CSV.
	one := filepath.Join(dir, "one.db")
	if r := p2prepl(t, "run", cellScript, "--seed", "2", "--set", "fanout=3", "--results", one); r.code != 0 {
		t.Fatalf("run --results .db: %s", r.stderr)
	}
	r = p2prepl(t, "results", one, "--runs", "--csv")
	if r.code != 0 || !strings.Contains(r.stdout, "run,seed,fanout,status") || !strings.Contains(r.stdout, "\n1,2,3,ok,") {
		t.Errorf("results --runs --csv: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	csvPath := filepath.Join(dir, "rows.csv")
	if r := p2prepl(t, "run", cellScript, "--results", csvPath); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if b, _ := os.ReadFile(csvPath); !bytes.HasPrefix(b, []byte("kind,msg,coverage,reached_all,delivered,note\n")) {
		t.Errorf("csv: %s", b)
	}
}

// A failing cell is stored with its error, the others finish, the exit
// status is 1, and results --failed prints the command that reproduces it.
func TestSweepFailingCell(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.db")
	r := p2prepl(t, "sweep", cellScript, "--grid", "fanout=1..3", "--set", "fail_at=2", "--seeds", "2", "--store", db, "--out", dir)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "6 runs of "+cellScript+": 4 ok, 2 failed") ||
		!strings.Contains(r.stderr, "p2prepl run "+cellScript+" --seed 1 --set fanout=2 --set fail_at=2") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	r = p2prepl(t, "results", db, "--failed")
	if r.code != 0 || strings.Count(r.stdout, "reproduce: p2prepl run "+cellScript) != 2 || !strings.Contains(r.stdout, "error at "+cellScript+":8") {
		t.Errorf("results --failed:\n%s%s", r.stdout, r.stderr)
	}
	// The reproducing command fails the same way.
	line := r.stdout[strings.Index(r.stdout, "reproduce: ")+len("reproduce: "):]
	line = strings.TrimPrefix(line[:strings.IndexByte(line, '\n')], "p2prepl ")
	rr := p2prepl(t, strings.Fields(line)...)
	if rr.code != 1 || !strings.Contains(rr.stderr, "planted failure at fanout 2") {
		t.Errorf("%s: exit %d\n%s", line, rr.code, rr.stderr)
	}
	r = p2prepl(t, "results", db)
	if !strings.Contains(r.stdout, "6 runs (4 ok, 2 error)") {
		t.Errorf("results:\n%s", r.stdout)
	}
}

// A file that is not a results store is refused and left untouched.
func TestSweepRefusesForeignStore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "notes.db")
	data := []byte("my precious notes\n")
	os.WriteFile(path, data, 0o644)
	r := p2prepl(t, "sweep", cellScript, "--store", path, "--out", dir)
	if r.code != 1 || !strings.Contains(r.stderr, "not a p2prepl results store") || !strings.Contains(r.stderr, path) {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, data) {
		t.Errorf("the file was changed: %q", b)
	}
	r = p2prepl(t, "results", path)
	if r.code != 1 || !strings.Contains(r.stderr, "not a p2prepl results store") {
		t.Errorf("results: exit %d\n%s", r.code, r.stderr)
	}
}

func TestSweepUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep"}, "sweep needs a script"},
		{[]string{"sweep", cellScript, "--grid", "fanout"}, "want name=v1,v2"},
		{[]string{"sweep", cellScript, "--seeds", "x"}, "--seeds"},
		{[]string{"sweep", cellScript, "--shard", "3/3"}, "0 <= i < K"},
		{[]string{"sweep", cellScript, "--submit"}, "--submit goes with --slurm"},
		{[]string{"sweep", "nope.star"}, "cannot read the script"},
	} {
		r := p2prepl(t, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, want 2 and %q\n%s", c.args, r.code, c.want, r.stderr)
		}
	}
	if r := p2prepl(t, "sweep", "--help"); r.code != 0 || !strings.Contains(r.stdout, "--grid name=v1,v2") {
		t.Errorf("sweep --help: %d %s", r.code, r.stdout)
	}
}

// Ctrl-C stops a sweep with the runs in flight stored as interrupted;
// --resume finishes it, and the store then holds what an uninterrupted
// sweep stores.
func TestSweepInterruptAndResume(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "medium.star")
	os.WriteFile(script, []byte("n = 0\nfor i in range(200000 + param(\"seed\", 0)):\n    n += i % 7\nrecord(n = n)\n"), 0o644)
	args := []string{"sweep", script, "--seeds", "24", "-j", "2", "--out", dir}

	whole := filepath.Join(dir, "whole.db")
	if r := p2prepl(t, append(args, "--store", whole)...); r.code != 0 {
		t.Fatal(r.stderr)
	}

	db := filepath.Join(dir, "cut.db")
	cmd := exec.Command(binary, append(args, "--store", db)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once some runs are stored.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if res, err := runner.Read(db); err == nil && len(res.Runs) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no runs stored")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	if code == 0 {
		t.Skipf("the sweep finished before the interrupt (%v)", err)
	}
	if code != 130 || !strings.Contains(stderr.String(), "--resume finishes the sweep") {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	res, err := runner.Read(db)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Runs); n == 0 || n >= 24 {
		t.Fatalf("%d runs stored after the interrupt", n)
	}
	r := p2prepl(t, append(args, "--store", db, "--resume")...)
	if r.code != 0 || !strings.Contains(r.stderr, "done before (skipped)") {
		t.Fatalf("resume: exit %d\n%s", r.code, r.stderr)
	}
	if got, want := rowsOf(t, db), rowsOf(t, whole); !reflect.DeepEqual(got, want) {
		t.Errorf("resumed store differs:\n%v\nvs\n%v", got, want)
	}
}

// nonNull decodes a JSON array of rows, dropping null values: the store
// keeps None as SQL NULL, the same as a name not recorded.
func nonNull(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	var rows []map[string]any
	if err := json.Unmarshal(data, &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		for k, v := range r {
			if v == nil {
				delete(r, k)
			}
		}
	}
	return rows
}

func rowsOf(t *testing.T, path string) []string {
	res, err := runner.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range res.Runs {
		if r.Status != store.OK {
			t.Errorf("%s: run %d is %s", path, r.ID, r.Status)
		}
		out = append(out, fmt.Sprintf("%s %d %s %v", store.ParamsJSON(r.Params), r.Seed, r.Status, r.Rows))
	}
	sort.Strings(out)
	return out
}

// On a terminal a sweep shows runs done, failures, runs per second and
// the time left; Ctrl-C stops it with the runs in flight stored as
// interrupted. On a pipe there is no progress line.
func TestSweepProgressOnTerminal(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "medium.star")
	os.WriteFile(script, []byte("n = 0\nfor i in range(200000):\n    n += i % 7\nrecord(n = n, fail = param(\"seed\", 0) % 5 == 0 and fail(\"every fifth\"))\n"), 0o644)
	s := startSession(t, filepath.Join(dir, "history"), "sweep", script, "--seeds", "500", "-j", "1", "--out", dir)
	head := s.expect(" failed")
	tail := s.expect("ETA ")
	if !regexp.MustCompile(`runs [0-9]+/500  [0-9]+ failed`).MatchString(head) || !regexp.MustCompile(`^  [0-9.]+ runs/s  ETA $`).MatchString(tail) {
		t.Errorf("progress line: %q then %q", head, tail)
	}
	s.send("\x03")
	s.expect("--resume finishes the sweep")
	if code := s.waitExit(); code != 130 {
		t.Errorf("interrupted sweep: exit status %d, want 130", code)
	}
	res, err := runner.Read(filepath.Join(dir, "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Counts(); c[store.Interrupted] > 1 || c[store.Error] == 0 || len(res.Runs) >= 500 {
		t.Errorf("stored after Ctrl-C: %v of %d runs", c, len(res.Runs))
	}

	r := p2prepl(t, "sweep", script, "--seeds", "3", "--out", dir, "--store", filepath.Join(dir, "pipe.db"))
	if strings.Contains(r.stderr, "runs/s  ETA") || strings.Contains(r.stderr, "\r") {
		t.Errorf("progress on a pipe:\n%q", r.stderr)
	}
}
