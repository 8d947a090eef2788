package runner

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings"
	"github.com/p2prepl/p2prepl/bindings/outfiles"
	"github.com/p2prepl/p2prepl/runner/store"
)

// The Starlark face of the runner: sweep() and results(), declared
// (with their docs) in bindings and implemented here.
func init() {
	bindings.SetSweeps(builtinSweep, builtinLoad)
}

func builtinSweep(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var (
		path      string
		grid      *starlark.Dict
		seedsV    starlark.Value = starlark.MakeInt(1)
		jobs      int
		storeV    starlark.Value = starlark.None
		resume    bool
		maxEvents int64
		timeout   starlark.Value = starlark.MakeInt(0)
	)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "script", &path, "grid?", &grid, "seeds?", &seedsV,
		"jobs?", &jobs, "store?", &storeV, "resume?", &resume, "max_events?", &maxEvents, "timeout?", &timeout); err != nil {
		return nil, err
	}
	env := bindings.EnvOf(thread)
	if env == nil {
		return nil, fmt.Errorf("%s: no p2prepl environment on this thread", b.Name())
	}
	opts := env.Options()
	// The cell is read as load() reads modules: from the script's tree
	// or --load-path, never another file of the host.
	name, src, err := env.ReadScript(thread, "sweep", path)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	script := NewScript(name, src)
	if slices.Contains(opts.Sweeping, script.SHA256) {
		return nil, fmt.Errorf("sweep: %s is being swept already, by a sweep this run is a cell of: sweeping it again would start sweeps without end", path)
	}
	var axes []Axis
	if grid != nil {
		for _, kv := range grid.Items() {
			name, ok := starlark.AsString(kv[0])
			if !ok {
				return nil, fmt.Errorf("sweep: grid keys are parameter names (strings), got %s", kv[0].Type())
			}
			if err := checkName(name); err != nil {
				return nil, fmt.Errorf("sweep: grid: %w", err)
			}
			vals, err := paramStrings(name, kv[1])
			if err != nil {
				return nil, err
			}
			axes = append(axes, Axis{Name: name, Values: vals})
		}
	}
	var seeds []uint64
	switch v := seedsV.(type) {
	case starlark.Int:
		n, ok := v.Uint64()
		if !ok || n == 0 || n > maxCells {
			return nil, fmt.Errorf("sweep: seeds = %s: want a count from 1 to %d or a list of seeds", v, maxCells)
		}
		seeds = SeedRange(1, n)
	case *starlark.List, starlark.Tuple:
		it := starlark.Iterate(v)
		defer it.Done()
		var x starlark.Value
		for it.Next(&x) {
			i, ok := x.(starlark.Int)
			var s uint64
			if ok {
				s, ok = i.Uint64()
			}
			if !ok {
				return nil, fmt.Errorf("sweep: seeds: %s is not a seed (a non-negative int)", x)
			}
			seeds = append(seeds, s)
		}
		if len(seeds) == 0 {
			return nil, fmt.Errorf("sweep: seeds is empty")
		}
	default:
		return nil, fmt.Errorf("sweep: seeds must be a count or a list of seeds, got %s", seedsV.Type())
	}
	if jobs < 0 {
		return nil, fmt.Errorf("sweep: jobs must be >= 0 (0: one per core)")
	}
	if maxEvents < 0 {
		return nil, fmt.Errorf("sweep: max_events must be >= 0")
	}
	secs, ok := starlark.AsFloat(timeout)
	if !ok || !(secs >= 0) || secs > maxTimeout.Seconds() {
		return nil, fmt.Errorf("sweep: timeout must be a number of wall seconds from 0 (none) to %.0f (got %s)", maxTimeout.Seconds(), timeout)
	}
	sw := &Sweep{
		Script: script, Axes: axes, Seeds: seeds,
		Runner: Runner{Jobs: jobs, OutDir: opts.OutDir, Sweeping: append(slices.Clip(opts.Sweeping), script.SHA256), Limits: Limits{
			MaxSteps: opts.MaxSteps, MaxEvents: uint64(maxEvents), Timeout: time.Duration(secs * float64(time.Second))}},
		Resume:  resume,
		Command: fmt.Sprintf("sweep(%q, ...) from %s", path, thread.CallFrame(1).Pos),
		Version: "starlark",
	}
	if maxEvents == 0 {
		sw.Runner.MaxEvents = opts.MaxEvents
	}
	if storeV != starlark.None {
		p, ok := starlark.AsString(storeV)
		if !ok {
			return nil, fmt.Errorf("sweep: store must be a file path, got %s", storeV.Type())
		}
		if sw.Store, err = outfiles.Dir(opts.OutDir).Path(p); err != nil {
			return nil, fmt.Errorf("sweep: store: %w", err)
		}
	} else if resume {
		return nil, fmt.Errorf("sweep: resume = True needs a store = PATH to resume from")
	}
	cells, err := sw.Cells()
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer env.OnInterrupt(cancel)()
	sum, err := sw.Run(ctx)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("sweep: interrupted (%d runs done, %d in flight, %d not started)", sum.Done-sum.Interrupted, sum.Interrupted, sum.NotStarted)
	}
	if sum.Failed > 0 {
		for _, r := range sum.Results {
			if r.Status == store.Error || r.Status == store.Timeout {
				run := r.Run(0)
				thread.Print(thread, fmt.Sprintf("sweep: %d of %d runs failed; the first: %s\n  reproduce: %s",
					sum.Failed, len(cells), firstLine(r.Err), Command(run, &store.Sweep{MaxEvents: sw.Runner.MaxEvents, Timeout: sw.Runner.Timeout})))
				break
			}
		}
	}
	for _, name := range sum.Unused {
		thread.Print(thread, fmt.Sprintf("sweep: warning: parameter %s was never read by %s (no param(%q))", name, script.Path, name))
	}

	res := &Results{}
	if sw.Store != "" {
		// The runs done now and the ones resumed from the store.
		all, err := Read(sw.Store)
		if err != nil {
			return nil, err
		}
		want := map[store.Key]bool{}
		for _, c := range cells {
			want[store.Key{ScriptSHA256: script.SHA256, Params: store.ParamsJSON(c.Params), Seed: c.Seed}] = true
		}
		for _, r := range all.Runs {
			if want[r.Key()] {
				res.Runs = append(res.Runs, r)
			}
		}
	} else {
		for i, r := range sum.Results {
			run := r.Run(0)
			run.ID = int64(i + 1)
			res.Runs = append(res.Runs, run)
		}
	}
	return res.Table()
}

// paramStrings converts a grid entry's values to --set strings.
func paramStrings(name string, v starlark.Value) ([]string, error) {
	var items []starlark.Value
	switch v := v.(type) {
	case *starlark.List, starlark.Tuple:
		it := starlark.Iterate(v)
		defer it.Done()
		var x starlark.Value
		for it.Next(&x) {
			items = append(items, x)
		}
		if len(items) == 0 {
			return nil, fmt.Errorf("sweep: grid %s has no values", name)
		}
	default:
		items = []starlark.Value{v}
	}
	out := make([]string, len(items))
	for i, x := range items {
		switch x := x.(type) {
		case starlark.String:
			out[i] = string(x)
		case starlark.Int, starlark.Float, starlark.Bool:
			out[i] = x.String()
		default:
			return nil, fmt.Errorf("sweep: grid %s: %s is a %s; parameters are int, float, bool or string", name, x, x.Type())
		}
	}
	return out, nil
}

// builtinLoad is results(path): a store, or a directory of them, in the
// script's tree or --out (found as table.read_csv finds files: nothing
// outside them, no link leading out).
func builtinLoad(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var path string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "path", &path); err != nil {
		return nil, err
	}
	host, under, err := outfiles.Locate(thread, path, true)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	res, err := read(host, under)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	return res.Table()
}

// maxTimeout bounds sweep()'s timeout: a year is no limit at all, and
// larger values (inf) overflow a time.Duration.
const maxTimeout = 365 * 24 * time.Hour

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
