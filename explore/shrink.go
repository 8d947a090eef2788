package explore

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/p2prepl/p2prepl/engine"
)

// ShrinkOptions bound shrinking.
type ShrinkOptions struct {
	// ParamRuns is how many schedules are sampled at each smaller value of
	// a shrinkable parameter to find the failure again (0: 20).
	ParamRuns int
	// MaxRuns bounds the runs shrinking may spend (0: 5000).
	MaxRuns int
}

// Shrunk is a failing run cut down: the fewest perturbations (and the
// smallest shrinkable parameters) found that still fail the same way.
type Shrunk struct {
	From    Outcome // the failure shrunk
	Outcome Outcome // the minimal failing run, replayed from its schedule
	Runs    int     // runs spent
}

// item is one perturbation of one simulation.
type item struct {
	sim int
	p   engine.Perturbation
}

type shrinker struct {
	ctx   context.Context
	c     *Config
	sig   string
	nsims int
	runs  int
	max   int
	mu    sync.Mutex
}

func (sh *shrinker) budgetLeft() bool {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.runs < sh.max && sh.ctx.Err() == nil
}

func (sh *shrinker) do(r runSpec) Outcome {
	sh.mu.Lock()
	sh.runs++
	sh.mu.Unlock()
	return sh.c.run(sh.ctx, r)
}

func (sh *shrinker) fails(o *Outcome) bool { return o.Failed() && o.Signature() == sh.sig }

func (sh *shrinker) schedule(items []item) [][]engine.Perturbation {
	out := make([][]engine.Perturbation, sh.nsims)
	for i := range out {
		out[i] = []engine.Perturbation{}
	}
	for _, it := range items {
		out[it.sim] = append(out[it.sim], it.p)
	}
	return out
}

// firstFailing runs the specs on the workers and returns the lowest index
// whose run fails the same way, with its outcome (-1 if none): specs after
// a failing one are not started.
func (sh *shrinker) firstFailing(specs []runSpec) (int, Outcome) {
	var (
		mu   sync.Mutex
		best = len(specs)
		out  Outcome
		next int
		wg   sync.WaitGroup
	)
	for w := 0; w < sh.c.jobs(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				if i >= best || !sh.budgetLeft() {
					mu.Unlock()
					return
				}
				next++
				mu.Unlock()
				o := sh.do(specs[i])
				if sh.fails(&o) {
					mu.Lock()
					if i < best {
						best, out = i, o
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if best == len(specs) {
		return -1, Outcome{}
	}
	return best, out
}

func (sh *shrinker) replay(params map[string]string, items []item) runSpec {
	return runSpec{params: params, schedule: sh.schedule(items)}
}

// Shrink minimises a failing run: first the parameters the script marked
// shrinkable (each lowered as far as a failure of the same kind is found
// again within ParamRuns sampled schedules), then the schedule by delta
// debugging (ddmin: Zeller and Hildebrandt, 2002) over its perturbations,
// then each remaining delay and partition is shortened while the run still
// fails. Every candidate is a replay, run on the workers.
func Shrink(ctx context.Context, c *Config, failing Outcome, opt ShrinkOptions) (*Shrunk, error) {
	if !failing.Failed() {
		return nil, fmt.Errorf("shrink: the run did not fail")
	}
	c.normalize()
	if opt.ParamRuns <= 0 {
		opt.ParamRuns = 20
	}
	if opt.MaxRuns <= 0 {
		opt.MaxRuns = 5000
	}
	sh := &shrinker{ctx: ctx, c: c, sig: failing.Signature(), nsims: len(failing.Schedules), max: opt.MaxRuns}
	cur := failing
	if cur.Params == nil {
		cur.Params = cloneParams(c.Params)
	}

	// Parameters.
	for _, sp := range failing.Shrink {
		lo, hi := sp.Least, sp.Value // hi fails
		for lo < hi && sh.budgetLeft() {
			mid := lo + (hi-lo)/2
			params := cloneParams(cur.Params)
			params[sp.Name] = strconv.FormatInt(mid, 10)
			if o, ok := sh.findAt(params, opt.ParamRuns); ok {
				hi, cur = mid, o
			} else {
				lo = mid + 1
			}
		}
	}
	sh.nsims = len(cur.Schedules)

	// The schedule.
	var items []item
	for si, s := range cur.Schedules {
		for _, p := range s {
			items = append(items, item{si, p})
		}
	}
	// Replayed as recorded, the run must fail: the rest builds on it.
	if o := sh.do(sh.replay(cur.Params, items)); !sh.fails(&o) {
		return nil, fmt.Errorf("shrink: replaying the recorded schedule did not fail the same way (%s); the run is not reproducible", o.Status)
	}
	items = sh.ddmin(cur.Params, items)
	items = sh.shorten(cur.Params, items)

	final := sh.do(sh.replay(cur.Params, items))
	if !sh.fails(&final) {
		return nil, fmt.Errorf("shrink: the minimal schedule no longer fails (a bug: every step kept a failing run)")
	}
	final.Run = failing.Run
	return &Shrunk{From: failing, Outcome: final, Runs: sh.runs}, nil
}

// findAt looks for a failure of the same kind with params: the
// unperturbed run, then n sampled schedules.
func (sh *shrinker) findAt(params map[string]string, n int) (Outcome, bool) {
	plain := sh.do(runSpec{params: params, budget: sh.c.calibration()})
	if sh.fails(&plain) {
		return plain, true
	}
	if plain.Status != OK {
		return Outcome{}, false
	}
	specs := make([]runSpec, n)
	for i := range specs {
		specs[i] = runSpec{params: params, budget: sh.c.Budget, faultSeed: uint64(i + 1), sends: int(plain.Sends)}
	}
	i, o := sh.firstFailing(specs)
	return o, i >= 0
}

// ddmin reduces items to a 1-minimal failing subset.
func (sh *shrinker) ddmin(params map[string]string, items []item) []item {
	if len(items) == 0 {
		return items
	}
	if i, _ := sh.firstFailing([]runSpec{sh.replay(params, nil)}); i == 0 {
		return nil
	}
	n := 2
	for len(items) >= 2 && sh.budgetLeft() {
		if n > len(items) {
			n = len(items)
		}
		chunks := split(items, n)
		var specs []runSpec
		var cands [][]item
		for _, ch := range chunks {
			cands = append(cands, ch)
		}
		if n > 2 {
			for i := range chunks {
				cands = append(cands, complement(chunks, i))
			}
		}
		for _, cd := range cands {
			specs = append(specs, sh.replay(params, cd))
		}
		i, _ := sh.firstFailing(specs)
		switch {
		case i >= 0 && i < len(chunks):
			items, n = cands[i], 2
		case i >= len(chunks):
			items = cands[i]
			n = max(n-1, 2)
		default:
			if n >= len(items) {
				return items
			}
			n = min(2*n, len(items))
		}
	}
	return items
}

func split(items []item, n int) [][]item {
	out := make([][]item, 0, n)
	for i := 0; i < n; i++ {
		lo, hi := i*len(items)/n, (i+1)*len(items)/n
		out = append(out, items[lo:hi:hi])
	}
	return out
}

func complement(chunks [][]item, skip int) []item {
	var out []item
	for i, ch := range chunks {
		if i != skip {
			out = append(out, ch...)
		}
	}
	return out
}

// shorten halves each delay and partition while the run still fails.
func (sh *shrinker) shorten(params map[string]string, items []item) []item {
	least := 0.0
	if b := sh.c.Budget; b != nil {
		least = b.DelayMin
	}
	items = append([]item(nil), items...)
	for i := range items {
		for step := 0; step < 6 && sh.budgetLeft(); step++ {
			p := items[i].p
			switch p.Kind {
			case engine.PerturbDelay, engine.PerturbSlow:
				if p.Delay/2 < least || p.Delay < 1e-9 {
					step = 6
					continue
				}
				p.Delay /= 2
			case engine.PerturbPartition:
				if p.Until-p.At < 1 {
					step = 6
					continue
				}
				p.Until = p.At + (p.Until-p.At)/2
			default:
				step = 6
				continue
			}
			trial := append([]item(nil), items...)
			trial[i].p = p
			if j, _ := sh.firstFailing([]runSpec{sh.replay(params, trial)}); j == 0 {
				items = trial
			} else {
				break
			}
		}
	}
	return items
}
