package runner

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/p2prepl/p2prepl/bindings"
	"github.com/p2prepl/p2prepl/runner/store"
)

func cellScript(t *testing.T) *Script {
	t.Helper()
	s, err := LoadScript("testdata/cell.star")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testSweep(t *testing.T, dir string, jobs int, shard Shard, extra ...Axis) *Sweep {
	axes := append([]Axis{{"fanout", []string{"1", "2", "3"}}, {"loss", []string{"0", "0.2"}}}, extra...)
	return &Sweep{
		Script: cellScript(t),
		Axes:   axes,
		Seeds:  SeedRange(1, 3),
		Shard:  shard,
		Runner: Runner{Jobs: jobs, OutDir: dir},
		Store:  filepath.Join(dir, "results.db"),
	}
}

// canon renders a store's runs order-independently, without run ids.
func canon(t *testing.T, path string) []string {
	t.Helper()
	res, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range res.Runs {
		var b strings.Builder
		fmt.Fprintf(&b, "%s seed=%d %s events=%d delivered=%d err=%q at=%s rows:", store.ParamsJSON(r.Params), r.Seed, r.Status, r.Events, r.Delivered, firstLine(r.Err), r.ErrAt)
		for _, row := range r.Rows {
			fmt.Fprintf(&b, " %v", row)
		}
		out = append(out, b.String())
	}
	sort.Strings(out)
	return out
}

func TestSameRowsWhateverJobsAndShards(t *testing.T) {
	ctx := context.Background()
	var want []string
	for _, jobs := range []int{1, 4} {
		dir := t.TempDir()
		sw := testSweep(t, dir, jobs, Shard{})
		sum, err := sw.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Total != 18 || sum.Done != 18 || !sum.OK() {
			t.Fatalf("-j %d: %+v", jobs, sum)
		}
		got := canon(t, sw.Store)
		if want == nil {
			want = got
			if len(want) != 18 || !strings.Contains(want[0], "coverage") {
				t.Fatalf("unexpected runs: %v", want)
			}
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("-j %d differs from -j 1:\n%s\nvs\n%s", jobs, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}

	// Three shards, each its own store, read back as a directory and
	// merged into one file.
	dir := t.TempDir()
	for i := 0; i < 3; i++ {
		sw := testSweep(t, dir, 2, Shard{i, 3})
		sw.Store = filepath.Join(dir, "shards", fmt.Sprintf("%d.db", i))
		sum, err := sw.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Total != 6 {
			t.Fatalf("shard %d has %d cells, want 6", i, sum.Total)
		}
	}
	if got := canon(t, dir); !reflect.DeepEqual(got, want) {
		t.Errorf("3 shards differ from -j 1:\n%s", strings.Join(got, "\n"))
	}
	merged := filepath.Join(dir, "merged.db")
	if n, err := Merge(dir, merged); err != nil || n != 18 {
		t.Fatalf("merge: %d runs, %v", n, err)
	}
	if n, err := Merge(dir, merged); err != nil || n != 0 {
		t.Fatalf("merging again added %d runs (%v), want 0", n, err)
	}
	if got := canon(t, merged); !reflect.DeepEqual(got, want) {
		t.Errorf("merged shards differ from -j 1:\n%s", strings.Join(got, "\n"))
	}
}

// Cancel a sweep mid-way, resume it, and get what an uninterrupted sweep
// stores.
func TestCancelAndResume(t *testing.T) {
	whole := testSweep(t, t.TempDir(), 2, Shard{})
	if _, err := whole.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := canon(t, whole.Store)

	dir := t.TempDir()
	sw := testSweep(t, dir, 2, Shard{})
	ctx, cancel := context.WithCancel(context.Background())
	sw.Progress = func(p Progress) {
		if p.Done == 5 {
			cancel()
		}
	}
	sum, err := sw.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done >= 18 || sum.NotStarted == 0 || sum.OK() {
		t.Fatalf("cancelled sweep: %+v", sum)
	}
	if _, err := sw.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("running again without resume: %v, want an error suggesting --resume", err)
	}
	sw.Resume, sw.Progress = true, nil
	sum2, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum2.Skipped == 0 || sum2.Skipped+sum2.Done != 18 || !sum2.OK() {
		t.Fatalf("resumed sweep: %+v (first: %+v)", sum2, sum)
	}
	if got := canon(t, sw.Store); !reflect.DeepEqual(got, want) {
		t.Errorf("resumed store differs:\n%s\nvs\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A run interrupted in flight is stored as interrupted; resume runs it.
func TestInterruptInFlight(t *testing.T) {
	dir := t.TempDir()
	slow, err := LoadScript("testdata/slow.star")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan bool, 2)
	newEnv := func(opts bindings.Options) *bindings.Env {
		started <- true
		return DefaultEnv(opts)
	}
	go func() {
		<-started
		<-started
		time.Sleep(100 * time.Millisecond) // both runs are in their loops
		cancel()
	}()
	sw := &Sweep{Script: slow, Seeds: SeedRange(1, 2), Runner: Runner{Jobs: 2, OutDir: dir, NewEnv: newEnv}, Store: filepath.Join(dir, "r.db")}
	sum, err := sw.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Interrupted != 2 {
		t.Fatalf("%+v", sum)
	}
	res, err := Read(sw.Store)
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Counts(); c[store.Interrupted] != 2 || len(res.Runs) != 2 {
		t.Errorf("stored: %v", c)
	}
}

func TestTimeout(t *testing.T) {
	slow, _ := LoadScript("testdata/slow.star")
	r := Runner{Limits: Limits{Timeout: 100 * time.Millisecond}}
	res := r.RunOne(context.Background(), Task{Script: slow, Cell: Cell{Seed: 1}})
	if res.Status != store.Timeout || !strings.Contains(res.Err, "--timeout") || !strings.HasPrefix(res.ErrAt, "testdata/slow.star:") {
		t.Errorf("status %s, at %q, err %q", res.Status, res.ErrAt, res.Err)
	}
}

func TestFailingCell(t *testing.T) {
	dir := t.TempDir()
	sw := testSweep(t, dir, 2, Shard{}, Axis{"fail_at", []string{"2"}})
	sum, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 6 || sum.Done != 18 {
		t.Fatalf("%+v", sum)
	}
	res, err := Read(sw.Store)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Runs {
		failed := r.Params[0].Value == "2"
		if failed != (r.Status == store.Error) {
			t.Errorf("run %v: status %s", r.Params, r.Status)
		}
		if failed && (r.ErrAt != "testdata/cell.star:8" || !strings.Contains(r.Err, "planted failure at fanout 2")) {
			t.Errorf("failed run: at %q, err %q", r.ErrAt, r.Err)
		}
		if failed {
			cmd := Command(r, res.Sweep(r))
			if cmd != fmt.Sprintf("p2prepl run testdata/cell.star --seed %d --set fanout=2 --set loss=%s --set fail_at=2", r.Seed, r.Params[1].Value) {
				t.Errorf("command %q", cmd)
			}
		}
	}
}

func TestGridParsing(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"n=1..4", []string{"1", "2", "3", "4"}},
		{"loss=0:0.1:0.5", []string{"0", "0.1", "0.2", "0.3", "0.4", "0.5"}},
		{"x=a,b, c", []string{"a", "b", "c"}},
		{"x=1..2,10,0.5:0.25:1", []string{"1", "2", "10", "0.5", "0.75", "1"}},
	} {
		a, err := ParseAxis(c.in)
		if err != nil || !reflect.DeepEqual(a.Values, c.want) {
			t.Errorf("%s: %v %v, want %v", c.in, a.Values, err, c.want)
		}
	}
	for _, bad := range []string{"x", "=1", "x=", "x=1,,2", "x=3..1", "x=0:0:1", "seed=1,2", "a-b=1", "x=0:1e-9:1e9"} {
		if _, err := ParseAxis(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	seeds, err := ParseSeeds("3")
	if err != nil || !reflect.DeepEqual(seeds, []uint64{1, 2, 3}) {
		t.Errorf("seeds 3: %v %v", seeds, err)
	}
	seeds, err = ParseSeeds("5..7,1,5")
	if err != nil || !reflect.DeepEqual(seeds, []uint64{5, 6, 7, 1}) {
		t.Errorf("seeds 5..7,1,5: %v %v", seeds, err)
	}
	cells, _ := Expand([]Axis{{"a", []string{"1", "2"}}, {"b", []string{"x", "y", "z"}}}, []uint64{1, 2})
	if len(cells) != 12 || cells[0].Params[1].Value != "x" || cells[1].Seed != 2 || cells[2].Params[1].Value != "y" || cells[6].Params[0].Value != "2" {
		t.Errorf("expand: %v", cells)
	}
	var all []Cell
	for i := 0; i < 5; i++ {
		all = append(all, Shard{i, 5}.Of(cells)...)
	}
	if len(all) != len(cells) {
		t.Errorf("5 shards hold %d cells, want %d", len(all), len(cells))
	}
}

func TestStarlark(t *testing.T) {
	var out strings.Builder
	dir := t.TempDir()
	env := DefaultEnv(bindings.Options{OutDir: dir, Stdout: &out})
	thread := env.NewThread("sweep.star")
	if _, err := env.ExecFile(thread, "testdata/sweep.star", nil); err != nil {
		t.Fatalf("%s\noutput:\n%s", bindings.FormatError(err), out.String())
	}
	if !strings.Contains(out.String(), "sweep: 1 of 2 runs failed; the first: testdata/cell.star:8:9: fail: planted failure at fanout 2\n  reproduce: p2prepl run testdata/cell.star --seed 1 --set fanout=2 --set fail_at=2") {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestTableParamRecordedAlike: Table, like the store's results view,
// shows one column for a parameter and a value recorded under its name
// (record() refuses one that differs): the parameter where the run has
// it, else what the run recorded.
func TestTableParamRecordedAlike(t *testing.T) {
	res := &Results{Runs: []*store.Run{
		{ID: 1, Seed: 1, Status: store.OK, Params: []store.Param{{Name: "n", Value: "3"}},
			Rows: []store.Row{{{Name: "n", Value: int64(3)}, {Name: "c", Value: 0.5}}}},
		{ID: 2, Seed: 2, Status: store.OK,
			Rows: []store.Row{{{Name: "n", Value: int64(5)}, {Name: "c", Value: 0.7}}}},
	}}
	tb, err := res.Table()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tb.CSV(), "run,seed,n,c\n2,2,5,0.7\n1,1,3,0.5\n"; got != want {
		t.Errorf("table:\n%s\nwant\n%s", got, want)
	}
}
