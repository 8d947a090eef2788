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
