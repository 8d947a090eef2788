package runner

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/p2prepl/p2prepl/bindings"
	"github.com/p2prepl/p2prepl/runner/store"
)

// hostileTree lays out
//
//	base/tree/cell.star             a cell that records a row
//	base/tree/self.star             a cell that sweeps itself
//	base/tree/fifo.db               a named pipe
//	base/tree/link.db   -> ../outside/store.db
//	base/tree/linkdir   -> ../outside
//	base/tree/shards/0.db -> ../../outside/store.db
//	base/outside/store.db           a results store
//	base/outside/secret.star        a script that is not the user's
//	base/out/                       --out
func hostileTree(t *testing.T) (base string) {
	t.Helper()
	base = t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"tree/shards", "outside", "out"} {
		must(os.MkdirAll(filepath.Join(base, d), 0o755))
	}
	write := func(name, data string) { must(os.WriteFile(filepath.Join(base, name), []byte(data), 0o644)) }
	write("tree/cell.star", "record(v = 1)\n")
	write("tree/self.star", "t = sweep(\"self.star\")\n")
	write("outside/secret.star", "TOKEN_1234\n")
	st, err := store.Open(filepath.Join(base, "outside/store.db"))
	must(err)
	must(st.Close())
	must(syscall.Mkfifo(filepath.Join(base, "tree/fifo.db"), 0o644))
	must(os.Symlink("../outside/store.db", filepath.Join(base, "tree/link.db")))
	must(os.Symlink("../outside", filepath.Join(base, "tree/linkdir")))
	must(os.Symlink("../../outside/store.db", filepath.Join(base, "tree/shards/0.db")))
	return base
}

// execIn runs src as base/tree/main.star with --out base/out.
func execIn(t *testing.T, base, src string) (string, error) {
	t.Helper()
	var out strings.Builder
	env := DefaultEnv(bindings.Options{OutDir: filepath.Join(base, "out"), Stdout: &out})
	_, err := env.ExecFile(env.NewThread("main"), filepath.Join(base, "tree/main.star"), src)
	return out.String(), err
}

// TestHostileSweepAndResults: sweep() runs a cell and results() reads a
// store only where load() and table.read_csv may read (sweep("/etc/passwd")
// used to run any file of the host and quote it in the error; results()
// read any store, through links too); a named pipe is refused, not taken
// for an empty file; absurd timeouts are refused; a cell that sweeps
// itself stops at once instead of starting sweeps without end.
func TestHostileSweepAndResults(t *testing.T) {
	base := hostileTree(t)
	for _, c := range []struct{ src, want string }{
		{`sweep("../outside/secret.star")`, "is outside the script's directory " + filepath.Join(base, "tree") + "; sweep() runs scripts from there only: move or copy secret.star into the script's directory tree, or grant its directory with --load-path DIR"},
		{`sweep("` + filepath.Join(base, "outside/secret.star") + `")`, "is outside the script's directory"},
		{`sweep("linkdir/secret.star")`, "leads outside"},
		{`sweep("fifo.db")`, "is not a regular file"},
		{`sweep("cell\x00.star")`, "the path contains a NUL byte"},
		{`sweep("@stdlib/checks.star")`, "a script to run is a file"},
		{`sweep("cell.star", timeout = float("nan"))`, "timeout must be a number of wall seconds from 0 (none) to 31536000"},
		{`sweep("cell.star", timeout = float("inf"))`, "timeout must be a number of wall seconds"},
		{`sweep("cell.star", timeout = -1)`, "timeout must be a number of wall seconds"},
		{`sweep("cell.star", grid = {"n": [1], "N": [2]})`, "parameters n and N differ only in case"},
		{`sweep("cell.star", grid = {"rowid": [1]})`, `"rowid" is not a parameter name: the results store keeps it for itself`},
		{`sweep("cell.star", grid = {"Run_ID": [1]})`, "the results store keeps it for itself"},
		{`results("../outside/store.db")`, "is outside the script's directory"},
		{`results("` + filepath.Join(base, "outside/store.db") + `")`, "is outside the script's directory"},
		{`results("/")`, "is outside the script's directory"},
		{`results("link.db")`, "leads outside"},
		{`results("linkdir/store.db")`, "leads outside"},
		{`results("shards")`, "leads outside"},
		{`results("fifo.db")`, "is not a regular file"},
	} {
		_, err := execIn(t, base, c.src+"\n")
		if err == nil {
			t.Errorf("%s: no error", c.src)
			continue
		}
		msg := bindings.FormatError(err)
		if strings.HasPrefix(c.src, "sweep(") && strings.Contains(msg, "load modules") {
			t.Errorf("%s: sweep() gives load()'s advice:\n%s", c.src, msg)
		}
		if !strings.Contains(msg, c.want) || !strings.Contains(msg, "main.star:1:") {
			t.Errorf("%s:\n%s\nwant an error at main.star:1 containing %q", c.src, msg, c.want)
		}
		if strings.Contains(msg, "TOKEN_1234") {
			t.Errorf("%s: the error quotes the file:\n%s", c.src, msg)
		}
	}

	out, err := execIn(t, base, `t = sweep("self.star")`+"\n")
	if err != nil {
		t.Fatal(bindings.FormatError(err))
	}
	if !strings.Contains(out, "self.star is being swept already, by a sweep this run is a cell of") {
		t.Errorf("a cell sweeping itself: %s", out)
	}

	// The control: the same calls on the user's own files work.
	if _, err := execIn(t, base, `t = sweep("cell.star", store = "s.db", timeout = 60)
if results("s.db") != results.read("s.db") or len(t) != 1:
    fail("results")
`); err != nil {
		t.Fatal(bindings.FormatError(err))
	}
}

// TestMergeWritesNothingBesideLinkedShards: a shard may be a link to a
// store elsewhere; SQLite keeps a WAL store's -wal and -shm beside the
// file the link leads to, and reading one used to leave them there, in
// a directory merge has no business writing in. Now nothing appears
// beside it, and a store still being written (its log pending) is read
// with what its log holds.
func TestMergeWritesNothingBesideLinkedShards(t *testing.T) {
	base := t.TempDir()
	for _, d := range []string{"sw/shards", "outside", "live"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	put := func(st *store.Store, seed uint64) {
		t.Helper()
		id, err := st.AddSweep(store.Sweep{Script: "c.star", ScriptSHA256: "abc", Command: "p2prepl sweep c.star", Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Put(&store.Run{SweepID: id, ScriptSHA256: "abc", Seed: seed, Status: store.OK,
			Rows: []store.Row{{{Name: "v", Value: int64(seed)}}}}); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range []string{"sw/shards/0.db", "outside/x.db"} {
		st, err := store.Open(filepath.Join(base, p))
		if err != nil {
			t.Fatal(err)
		}
		put(st, uint64(i+1))
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// A store a sweep is writing now: its runs are in the log.
	live, err := store.Open(filepath.Join(base, "live/y.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	put(live, 3)
	if fi, err := os.Stat(filepath.Join(base, "live/y.db-wal")); err != nil || fi.Size() == 0 {
		t.Fatalf("the live store has no pending log (%v): the test needs one", err)
	}
	for link, to := range map[string]string{"1.db": "../../outside/x.db", "2.db": "../../live/y.db"} {
		if err := os.Symlink(to, filepath.Join(base, "sw/shards", link)); err != nil {
			t.Fatal(err)
		}
	}
	list := func(dir string) []string {
		ents, err := os.ReadDir(filepath.Join(base, dir))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return names
	}
	before, beforeLive := list("outside"), list("live")
	data, _ := os.ReadFile(filepath.Join(base, "outside/x.db"))
	n, err := Merge(filepath.Join(base, "sw"), filepath.Join(base, "sw/results.db"))
	if err != nil || n != 3 {
		t.Fatalf("merge: %d runs, %v; want 3", n, err)
	}
	if after := list("outside"); strings.Join(after, " ") != strings.Join(before, " ") {
		t.Errorf("merge changed the directory a shard links to: %v, was %v", after, before)
	}
	if after := list("live"); strings.Join(after, " ") != strings.Join(beforeLive, " ") {
		t.Errorf("merge changed the live store's directory: %v, was %v", after, beforeLive)
	}
	if now, _ := os.ReadFile(filepath.Join(base, "outside/x.db")); string(now) != string(data) {
		t.Error("merge changed the store a shard links to")
	}
	// A shard linked to the merged store is the output itself, not a shard.
	if err := os.Symlink("../results.db", filepath.Join(base, "sw/shards/3.db")); err != nil {
		t.Fatal(err)
	}
	if n, err := Merge(filepath.Join(base, "sw"), filepath.Join(base, "sw/results.db")); err != nil || n != 0 {
		t.Fatalf("merging again: %d runs, %v; want 0", n, err)
	}
	os.Remove(filepath.Join(base, "sw/shards/3.db"))
	// Reading the directory, as p2prepl results DIR does, leaves nothing either.
	if _, err := Read(filepath.Join(base, "sw/shards")); err != nil {
		t.Fatal(err)
	}
	if after := list("outside"); strings.Join(after, " ") != strings.Join(before, " ") {
		t.Errorf("reading changed the directory a shard links to: %v, was %v", after, before)
	}
}
