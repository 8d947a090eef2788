package bindings

import (
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

// TestProgress checks what Env.Progress reports from inside runs: where
// the run started and stops, and which run of a declared batch it is.
func TestProgress(t *testing.T) {
	e, th, out := testEnv(t, Options{})
	pd := starlark.StringDict{}
	for k, v := range e.predeclared {
		pd[k] = v
	}
	pd["probe"] = starlark.NewBuiltin("probe", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		p, ok := e.Progress()
		if !ok {
			return starlark.String("none"), nil
		}
		// (Now is published by the engine every so many events: not exact here.)
		return starlark.Tuple{starlark.MakeInt(p.Run), starlark.MakeInt(p.Runs), starlark.Float(p.From), starlark.Float(p.Until)}, nil
	})
	e.predeclared = pd
	_, err := e.ExecFile(th, "progress.star", `
seen = []
def look():
    seen.append(probe())
expect_runs(2)
for seed in [1, 2]:
    sim = simulation(seed = seed)
    sim.at(250, look)
    sim.run(until = 1000)
    sim.at(1500, look)
    sim.run(until = 2000)    # the same simulation: the same run of the batch
expect_runs(1)               # the batch of 2 is over: a new one
sim = simulation()
sim.at(10, look)
sim.run(until = 20)
print(seen, probe())
`)
	if err != nil {
		t.Fatal(FormatError(err))
	}
	want := "[(1, 2, 0.0, 1000.0), (1, 2, 1000.0, 2000.0), (2, 2, 0.0, 1000.0), (2, 2, 1000.0, 2000.0), (1, 1, 0.0, 20.0)] none"
	if strings.TrimSpace(out.String()) != want {
		t.Errorf("progress seen from inside the runs:\n%s\nwant\n%s", out, want)
	}
}

// TestRunsDone: a runner that runs a batch elsewhere reports it through
// the session's progress.
func TestRunsDone(t *testing.T) {
	e, _, _ := testEnv(t, Options{})
	if _, ok := e.Progress(); ok {
		t.Fatal("progress before anything ran")
	}
	e.ExpectRuns(4)
	if _, ok := e.Progress(); ok {
		t.Error("progress before the first run was done")
	}
	e.RunsDone(1)
	p, ok := e.Progress()
	if !ok || !p.Elsewhere || p.Run != 1 || p.Runs != 4 {
		t.Errorf("after 1 of 4 runs: %+v, %v", p, ok)
	}
	e.RunsDone(3)
	if p, ok := e.Progress(); ok {
		t.Errorf("after the last run: %+v", p)
	}
	e.ExpectRuns(2) // a new batch
	e.RunsDone(1)
	if p, _ := e.Progress(); p.Run != 1 || p.Runs != 2 {
		t.Errorf("a second batch: %+v", p)
	}
}
