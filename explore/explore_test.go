package explore_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/explore"
)

func config(t *testing.T, script string, runs int) *explore.Config {
	t.Helper()
	s, err := explore.LoadScript(filepath.Join("testdata", script))
	if err != nil {
		t.Fatal(err)
	}
	return &explore.Config{Script: s, Runs: runs, Jobs: 2, Params: map[string]string{}}
}

// find explores, shrinks, saves and replays: the whole loop a user runs.
func find(t *testing.T, script string, runs int, property string, maxEvents int) {
	c := config(t, script, runs)
	ctx := context.Background()
	rep, err := explore.Explore(ctx, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Plain.Status != explore.OK {
		t.Fatalf("the unperturbed run is not fine: %s", rep.Plain.Err)
	}
	first := rep.First()
	if first == nil {
		t.Fatalf("no failure in %d runs", runs)
	}
	if first.Status != explore.Violation || first.Property != property {
		t.Fatalf("first failure %s, want property %q: %s", first.Status, property, first.Err)
	}
	sh, err := explore.Shrink(ctx, c, *first, explore.ShrinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := sh.Outcome
	if n := got.Perturbations(); n == 0 || n > maxEvents {
		t.Errorf("shrunk to %d perturbations (from %d), want 1..%d", n, first.Perturbations(), maxEvents)
	}
	if got.Property != property {
		t.Errorf("the shrunk run fails %q, want %q", got.Property, property)
	}
	if got.Params["n"] == "" {
		t.Errorf("n was not shrunk: params %v", got.Params)
	}
	t.Logf("run %d, %d perturbations -> %d, n -> %s, %d shrinking runs", first.Run, first.Perturbations(), got.Perturbations(), got.Params["n"], sh.Runs)

	// The schedule file replays to the same violation.
	path := filepath.Join(t.TempDir(), "s.json")
	f := &explore.File{Script: c.Script.Path, Seed: 1, Params: got.Params, Simulations: got.Schedules, Failure: got.Signature()}
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := explore.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Simulations, got.Schedules) {
		t.Errorf("the schedule changed on its way through the file:\n%v\n%v", back.Simulations, got.Schedules)
	}
	re := explore.Replay(c, back.Params, back.Simulations)
	if re.Signature() != got.Signature() || re.Err != got.Err {
		t.Errorf("the saved schedule replays to\n%s\nwant\n%s", re.Err, got.Err)
	}
}

func TestFindFastVote(t *testing.T) {
	find(t, "fast_vote.star", 30, "agreement", 3)
}

func TestFindNaiveMajority(t *testing.T) {
	find(t, "naive_majority.star", 60, "agreement", 4)
}

// Within its assumptions (patience above the longest outcome path), the
// two-phase vote holds in every run.
func TestNothingWithinAssumptions(t *testing.T) {
	c := config(t, "fast_vote.star", 40)
	c.Params["patience"] = "300"
	rep, err := explore.Explore(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := rep.First(); f != nil {
		t.Fatalf("run %d failed: %s", f.Run, f.Err)
	}
	if len(rep.Runs) != 40 {
		t.Errorf("%d runs, want 40", len(rep.Runs))
	}
	for _, o := range rep.Runs {
		if o.Status != explore.OK {
			t.Fatalf("run %d: %s", o.Run, o.Status)
		}
	}
	// The runs were perturbed: run 1 and run 40 again, here.
	for _, seed := range []uint64{1, 40} {
		if o := c.Sampled(seed, int(rep.Plain.Sends)); o.Perturbations() == 0 || o.Status != explore.OK {
			t.Errorf("faults seed %d: %d perturbations, %s", seed, o.Perturbations(), o.Status)
		}
	}
}

// The first failure does not depend on the number of workers; with All,
// every run is reported.
func TestDeterministicAcrossJobs(t *testing.T) {
	var firsts []int
	for _, j := range []int{1, 2, 3} {
		c := config(t, "ordering.star", 200)
		c.Jobs = j
		c.Strategy = "pct"
		rep, err := explore.Explore(context.Background(), c, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.First() == nil {
			t.Fatal("PCT found nothing in 200 runs")
		}
		firsts = append(firsts, rep.First().Run)
	}
	if firsts[0] != firsts[1] || firsts[1] != firsts[2] {
		t.Errorf("first failing run with -j 1, 2, 3: %v", firsts)
	}
	c := config(t, "ordering.star", 30)
	c.All = true
	c.Strategy = "boundary"
	rep, err := explore.Explore(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Runs) != 30 || len(rep.Failures) < 2 {
		t.Errorf("--all: %d runs, %d failures", len(rep.Runs), len(rep.Failures))
	}
}

// runsToFailure is the number of the first failing run of an exploration
// (limit+1 when none fails within limit runs).
func runsToFailure(t *testing.T, strategy string, seed uint64, limit int) int {
	c := config(t, "ordering.star", limit)
	c.Strategy = strategy
	c.FirstSeed = 1 + seed*100_000
	rep, err := explore.Explore(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := rep.First(); f != nil {
		if f.Property != "A before B" {
			t.Fatalf("unexpected failure: %s", f.Err)
		}
		return f.Run
	}
	return limit + 1
}

// PCT finds the planted ordering bug (B overtakes A on one link) in far
// fewer runs than uniform random delays, over 20 exploration seeds. The
// uniform runs are cut at 150 (counted as 151); BenchmarkStrategies gives
// the uncut figures.
func TestPCTBeatsUniform(t *testing.T) {
	var pct, uni []int
	for seed := uint64(0); seed < 20; seed++ {
		pct = append(pct, runsToFailure(t, "pct", seed, 400))
		uni = append(uni, runsToFailure(t, "uniform", seed, 150))
	}
	sort.Ints(pct)
	sort.Ints(uni)
	t.Logf("runs to first failure over 20 seeds: pct %v; uniform (cut at 150) %v", pct, uni)
	if pct[19] > 400 {
		t.Errorf("PCT missed the bug in 400 runs for some seed: %v", pct)
	}
	if pct[10]*3 > uni[10] {
		t.Errorf("PCT's median %d is not well below uniform's %d", pct[10], uni[10])
	}
}

func TestScheduleFileErrors(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"notjson.json": "hello",
		"format.json":  `{"p2prepl_schedule": 9, "simulations": []}`,
		"kind.json":    `{"p2prepl_schedule": 1, "simulations": [[{"kind": "explode"}]]}`,
		"extra.json":   `{"p2prepl_schedule": 1, "simulations": [], "surprise": 1}`,
		"twice.json":   `{"p2prepl_schedule": 1, "simulations": []} {"p2prepl_schedule": 1}`,
	} {
		p := filepath.Join(dir, name)
		if err := writeFile(p, text); err != nil {
			t.Fatal(err)
		}
		if _, err := explore.LoadFile(p); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o644) }

// The corrected neighbour majority (Dolev-Strong over path records) holds
// under every schedule within its timing bound, for each strategy; with
// delays past hop_time (outside its assumptions) exploration breaks it,
// so the bound is where it fails.
func TestCorrectedNeighbourMajority(t *testing.T) {
	for _, st := range []string{"uniform", "pct", "boundary"} {
		c := config(t, "neighbour_majority.star", 40)
		c.Strategy = st
		rep, err := explore.Explore(context.Background(), c, nil)
		if err != nil {
			t.Fatal(err)
		}
		if f := rep.First(); f != nil {
			t.Errorf("%s: run %d failed within the assumptions: %s", st, f.Run, f.Err)
		}
	}
	c := config(t, "neighbour_majority.star", 40)
	c.Budget = &engine.Faults{Delay: 150}
	rep, err := explore.Explore(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := rep.First(); f == nil || f.Property != "agreement" {
		t.Errorf("delays past hop_time broke nothing in 40 runs: %+v", f)
	}
}

// Ben-Or with the common coin keeps agreement and validity under any
// delays and up to f = 2 crashes of its 11 voters.
func TestCorrectedBenOr(t *testing.T) {
	for _, st := range []string{"uniform", "pct"} {
		c := config(t, "ben_or.star", 15)
		c.Budget = &engine.Faults{Delay: 400, Crash: 2}
		c.Strategy = st
		rep, err := explore.Explore(context.Background(), c, nil)
		if err != nil {
			t.Fatal(err)
		}
		if f := rep.First(); f != nil {
			t.Errorf("%s: run %d failed within the assumptions: %s", st, f.Run, f.Err)
		}
		if len(rep.Runs) != 15 {
			t.Errorf("%s: %d runs", st, len(rep.Runs))
		}
	}
}

// An always() property is found like an invariant: the run stops at the
// delivery after which it failed, and shrinking keeps that property.
func TestFindAlways(t *testing.T) {
	dir := t.TempDir()
	src := `
def _start(self):
    self.got = []
    if self.peer.id == 1:
        self.after(10, _send, "A")
        self.after(30, _send, "B")

def _send(self, what):
    self.peer.send(2, message(what, None))

def _on(self, msg):
    self.got.append(msg.kind)
    self.peer.store("got", "order", "".join(self.got))

svc = service("S", on_start = _start, on_message = {"A": _on, "B": _on})
sim = simulation(seed = 1, network = network(regions = ["l"], latency = {("l", "l"): 10}), faults = faults(delay = 40))
sim.add_peers(topology.complete(param("n", 4, shrink = True, least = 2)), services = [svc])
always("in order", lambda msg: sim.peer(2).get("got", "order") in ("A", "AB"), kinds = ["A", "B"])
sim.run(until = 200)
`
	path := filepath.Join(dir, "always.star")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := explore.LoadScript(path)
	if err != nil {
		t.Fatal(err)
	}
	c := &explore.Config{Script: s, Runs: 50, Jobs: 2, Params: map[string]string{}}
	rep, err := explore.Explore(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := rep.First()
	if f == nil || f.Property != "in order" || !strings.Contains(f.Err, "after a delivery") {
		t.Fatalf("first failure: %+v", f)
	}
	sh, err := explore.Shrink(context.Background(), c, *f, explore.ShrinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := sh.Outcome.Perturbations(); n == 0 || n > 2 || sh.Outcome.Property != "in order" || sh.Outcome.Params["n"] != "2" {
		t.Errorf("shrunk to %d perturbations, params %v: %s", n, sh.Outcome.Params, sh.Outcome.Err)
	}
}

// With kinds in the budget, the unperturbed run counts only the sends of
// those kinds, and PCT spreads its change points over them: aimed at the
// two messages of the planted bug, it finds it at once.
func TestKindsCalibratePCT(t *testing.T) {
	c := config(t, "ordering.star", 20)
	c.Budget = &engine.Faults{Delay: 80, Strategy: engine.PCT, Depth: 2, Kinds: []string{"A", "B"}}
	rep, err := explore.Explore(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Plain.Sends != 2 {
		t.Errorf("the unperturbed run counted %d sends of A and B, want 2", rep.Plain.Sends)
	}
	if f := rep.First(); f == nil || f.Run > 8 {
		t.Errorf("PCT on A and B: first failure %+v", f)
	}
}

// Runs repeated outside the sweep runner (the plain run, replays) write
// their files in a directory of their own, removed after the run: never
// into the system's temporary directory itself, where parallel runs would
// collide.
func TestRepeatedRunsKeepTheirFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	src := []byte(`sim = simulation(faults = faults(delay = (0, 5)))
sim.add_peers(topology.ring(4), services = [gossip()])
sim.add_peer(type = "client", connect = 1, services = [producer(rate = 5)])
sim.run(until = 1500)
table(columns = ["x"], rows = [[1]]).to_csv("written.csv")
`)
	c := &explore.Config{Script: explore.NewScript("writes.star", src), Runs: 2, Jobs: 1, Params: map[string]string{}, OutDir: t.TempDir()}
	rep, err := explore.Explore(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Plain.Status != explore.OK {
		t.Fatalf("the plain run failed: %s", rep.Plain.Err)
	}
	left, _ := os.ReadDir(tmp)
	for _, e := range left {
		t.Errorf("left in the temporary directory: %s", e.Name())
	}
}
