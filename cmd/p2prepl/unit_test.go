package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/p2prepl/p2prepl/bindings"
)

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		file    string
		params  map[string]string
		seed    uint64
		seedSet bool
		inter   bool
	}{
		{args: nil},
		{args: []string{"x.star"}, file: "x.star"},
		{args: []string{"--seed", "3", "x.star", "--set", "a=1", "-set=b=x=y"}, file: "x.star",
			params: map[string]string{"a": "1", "b": "x=y"}, seed: 3, seedSet: true},
		{args: []string{"x.star", "-i", "--seed=0"}, file: "x.star", seedSet: true, inter: true},
		{args: []string{"--", "-weird.star"}, file: "-weird.star"},
	} {
		cfg, err := parseConfig(tc.args, false, io.Discard)
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		params := tc.params
		if params == nil {
			params = map[string]string{}
		}
		if cfg.file != tc.file || cfg.opts.Seed != tc.seed || cfg.opts.SeedSet != tc.seedSet ||
			cfg.interactive != tc.inter || !reflect.DeepEqual(cfg.opts.Params, params) {
			t.Errorf("%q: got file=%q seed=%d/%v -i=%v params=%v", tc.args, cfg.file, cfg.opts.Seed, cfg.opts.SeedSet, cfg.interactive, cfg.opts.Params)
		}
	}
	for _, args := range [][]string{{"--set", "novalue", "x.star"}, {"--seed", "-1", "x.star"}, {"a.star", "b.star"}, {"-i"}} {
		if _, err := parseConfig(args, false, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	if _, err := parseConfig([]string{"--help"}, false, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: %v", err)
	}
}

func TestProgressLine(t *testing.T) {
	for _, tc := range []struct {
		pr            bindings.Progress
		rate, simRate float64
		want          string
	}{
		{bindings.Progress{Now: 4200, Until: 10000}, 1.23e6, 700, "t=4200/10000 ms 42%  ETA 8 s  1.2M events/s"},
		{bindings.Progress{From: 5000, Now: 7500, Until: 10000}, 950, 25, "t=7500/10000 ms 50%  ETA 1 min 40 s  950 events/s"},
		{bindings.Progress{Now: 12.5, Until: 50}, 950, -1, "t=12.5/50 ms 25%  950 events/s"},
		{bindings.Progress{Now: 3, Until: 1e12}, 12345, 1, "t=3/1e+12 ms 0%  ETA > 1000 h  12.3k events/s"},
		{bindings.Progress{Now: 7, Until: math.Inf(1)}, -1, 5, "t=7 ms"},
		// The third of 4 declared runs, half done, after 50 s: 2.5 runs
		// took 50 s, so 1.5 more take 30 s.
		{bindings.Progress{Now: 500, Until: 1000, Run: 3, Runs: 4, BatchWall: 50 * time.Second}, 1e5, 50, "run 3/4  t=500/1000 ms 50%  ETA 10 s, all 30 s  100.0k events/s"},
		{bindings.Progress{Now: 0, Until: 1000, Run: 1, Runs: 4, BatchWall: time.Second}, -1, -1, "run 1/4  t=0/1000 ms 0%"},
		{bindings.Progress{Now: 10, Until: 1000, Run: 5, Runs: 4, BatchWall: time.Second}, -1, 10, "run 5/4  t=10/1000 ms 1%  ETA 1 min 39 s"},
		{bindings.Progress{Elsewhere: true, Run: 10, Runs: 40, BatchWall: 20 * time.Second}, -1, -1, "runs 10/40 done  ETA all 1 min 0 s"},
	} {
		if got := progressLine(tc.pr, tc.rate, tc.simRate); got != tc.want {
			t.Errorf("progressLine(%+v, %v, %v) = %q, want %q", tc.pr, tc.rate, tc.simRate, got, tc.want)
		}
	}
}

func TestRateMeter(t *testing.T) {
	var r rateMeter
	t0 := time.Unix(0, 0)
	if ev, sim := r.add(t0, 0, 0); ev != -1 || sim != -1 {
		t.Errorf("first sample: %v, %v, want -1, -1", ev, sim)
	}
	if ev, sim := r.add(t0.Add(500*time.Millisecond), 1000, 250); ev != 2000 || sim != 500 {
		t.Errorf("rates = %v, %v, want 2000, 500", ev, sim)
	}
	if ev, _ := r.add(t0.Add(time.Second), 100, 260); ev != -1 { // a new simulation
		t.Errorf("after a reset: %v, want -1", ev)
	}
}

// fakeSim is a value with attributes, like a simulation.
type fakeSim struct{ starlark.Tuple }

func (fakeSim) AttrNames() []string { return []string{"now", "peers", "peers_of", "run"} }
func (fakeSim) Attr(name string) (starlark.Value, error) {
	if name == "network" {
		panic("Attr must not be called for a name being completed")
	}
	if name == "now" {
		return starlark.Float(0), nil
	}
	return starlark.None, nil
}

func TestComplete(t *testing.T) {
	net := &starlarkstruct.Module{Name: "net", Members: starlark.StringDict{"regions": starlark.None, "latency": starlark.None}}
	c := &completer{
		globals:     starlark.StringDict{"sim": fakeSim{}, "simple": starlark.None, "_private": starlark.None, "mod": net},
		predeclared: starlark.StringDict{"simulation": starlark.None},
	}
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"sim", []string{"sim", "simple", "simulation"}},
		{"x = sim.pe", []string{"peers", "peers_of"}},
		{"print(sim.", []string{"now", "peers", "peers_of", "run"}},
		{"mod.la", []string{"latency"}},
		{"sim.now.", nil},       // a float has no attributes
		{"f().pe", nil},         // never calls functions
		{"sim.network.x", nil},  // not an attribute: no completion, no panic
		{"1.5", nil},            // a number
		{"le", []string{"len"}}, // universe builtins
		{"de", []string{"def"}}, // keywords
		{"_p", []string{"_private"}},
		{"'sim.pe", nil},
	} {
		sfx, n := c.Do([]rune(tc.line), len([]rune(tc.line)))
		var got []string
		for _, s := range sfx {
			word := tc.line[len(tc.line)-n:]
			got = append(got, word+string(s))
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("complete %q = %q, want %q", tc.line, got, tc.want)
		}
	}
	// Tab at the start of a line indents.
	if sfx, n := c.Do([]rune("    "), 4); len(sfx) != 1 || string(sfx[0]) != "    " || n != 0 {
		t.Errorf("Tab on a blank line: %q, %d", sfx, n)
	}
}

func TestInterruptedAt(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want float64
		ok   bool
	}{
		{&bindings.InterruptedError{Fn: "sim.run", At: 4200.5}, 4200.5, true},
		{fmt.Errorf("wrapped: %w", &bindings.InterruptedError{Fn: "sim.step", At: 12}), 12, true},
		{errors.New("a script error saying: interrupted at t=5 ms"), 0, false},
	} {
		got, ok := interruptedAt(tc.err)
		if got != tc.want || ok != tc.ok {
			t.Errorf("interruptedAt(%v) = %v, %v", tc.err, got, ok)
		}
	}
}

func TestInternalError(t *testing.T) {
	defer func(d func([]string, io.ReadCloser, io.Writer, io.Writer) int) { dispatch = d }(dispatch)
	dispatch = func([]string, io.ReadCloser, io.Writer, io.Writer) int {
		var m map[string]int
		m["boom"]++ // a bug
		return 0
	}
	var stderr strings.Builder
	if status := realMain(nil, nil, io.Discard, &stderr); status != exitInternal || exitInternal == exitUsage {
		t.Errorf("status %d, want %d (distinct from usage errors, %d)", status, exitInternal, exitUsage)
	}
	if !strings.HasPrefix(stderr.String(), "internal error: assignment to entry in nil map\n") {
		t.Errorf("stderr = %q", stderr.String())
	}
}
