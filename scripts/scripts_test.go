// Package scripts holds the example experiments; this test runs each one,
// so that the examples, which assert their own claims, cannot rot.
package scripts

import (
	"bytes"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/p2prepl/p2prepl/bindings"
	_ "github.com/p2prepl/p2prepl/runner" // sweep() and results() for the sweep_* scripts
	"github.com/p2prepl/p2prepl/stdlib"
)

// sweepSeeds is how many seeds besides its default each script's claim is
// checked over: a claim must hold for every seed, or say for which.
const sweepSeeds = 10

// TestScripts runs every script with its defaults, then over sweepSeeds
// other seeds. Every script reads param("seed"): a script that runs one
// simulation is run again with seed = 1000 and seed = 2 .. 10; a script
// that runs a series of seeds (it also reads param("seeds"), the length of
// the series from seed on) is run once more with seed = 1000, seeds = 10.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("*.star")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			run(t, file, nil)
			unused := run(t, file, map[string]string{"seed": "1000", "seeds": strconv.Itoa(sweepSeeds)})
			if slices.Contains(unused, "seed") {
				t.Fatalf("%s does not read param(\"seed\"): its claim cannot be checked over other seeds", file)
			}
			if !slices.Contains(unused, "seeds") {
				return // a series of seeds: covered by that one run
			}
			for seed := 2; seed < 2+sweepSeeds-1; seed++ {
				run(t, file, map[string]string{"seed": strconv.Itoa(seed)})
			}
		})
	}
}

// run executes a script with parameters and returns the ones it did not read.
func run(t *testing.T, file string, params map[string]string) []string {
	t.Helper()
	var out bytes.Buffer
	env := bindings.NewEnv(bindings.Options{OutDir: t.TempDir(), Stdout: &out, Params: params})
	env.SetStdlib(stdlib.FS)
	thread := env.NewThread(file)
	if _, err := env.ExecFile(thread, file, nil); err != nil {
		t.Fatalf("%s %v: %s\n(output:\n%s)", file, params, bindings.FormatError(err), out.String())
	}
	if params == nil {
		t.Logf("%s", out.String())
	}
	return env.UnusedParams()
}
