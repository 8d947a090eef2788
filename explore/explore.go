// Package explore searches the perturbation schedules a budget allows for a
// run of a script that breaks one of its properties, and cuts a failing run
// down to the few perturbations that matter (delta debugging). A run is a
// pure function of (script, parameters, seed, schedule): exploration run i
// samples its schedule with faults seed i, and replaying a recorded
// schedule reproduces the run exactly, so every finding is a command line.
package explore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/p2prepl/p2prepl/bindings"
	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/runner"
	"github.com/p2prepl/p2prepl/runner/store"
	"github.com/p2prepl/p2prepl/stdlib"
)

// Script is a script read once: every run executes these bytes (the
// sweep runner's, since sampled runs go through it).
type Script = runner.Script

// LoadScript reads a script file.
func LoadScript(path string) (*Script, error) { return runner.LoadScript(path) }

// NewScript makes a Script of src, named path.
func NewScript(path string, src []byte) *Script { return runner.NewScript(path, src) }

// Config is an exploration: a script, its parameters and seed, and the
// budget of perturbations to search.
type Config struct {
	Script  *Script
	Seed    uint64 // the script's seed (--seed); SeedSet as for bindings.Options
	SeedSet bool
	Params  map[string]string
	// Budget replaces the script's own faults= budget (nil: keep it; a
	// script with neither is explored with nothing to perturb).
	Budget   *engine.Faults
	Strategy string // "" keeps the budget's
	// Runs is the number of schedules to try; run i (from 1) uses faults
	// seed FirstSeed+i-1 (FirstSeed 0 means 1).
	Runs      int
	FirstSeed uint64
	Jobs      int  // runs at once (0: one per core)
	All       bool // go on after the first failure and collect them all
	MaxSteps  uint64
	MaxEvents uint64
	Timeout   time.Duration // per run (0: none)
	// NewEnv makes the environment of one run (nil: the bindings with the
	// standard library).
	NewEnv func(bindings.Options) *bindings.Env
	// Results, if set, stores every run of Explore as it ends.
	Results *Results
	// OutDir is where runs write their files (runs/<parameters>/ under
	// it, as sweeps do; "": a temporary directory).
	OutDir string
}

// Status is how a run ended.
type Status string

// The statuses of a run.
const (
	OK          Status = "ok"
	Violation   Status = "violation"   // a property failed
	Failed      Status = "error"       // the script failed otherwise
	Interrupted Status = "interrupted" // stopped from outside, or timed out
)

// Outcome is one run.
type Outcome struct {
	Run       int    // 0: the unperturbed calibration run
	FaultSeed uint64 // the faults seed of its schedule
	Params    map[string]string
	Status    Status
	Property  string                  // the property that failed
	Err       string                  // the error, formatted
	Schedules [][]engine.Perturbation // of failing and replayed runs only
	Count     int                     // perturbations applied
	Shrink    []bindings.ShrinkParam
	Sends     int64
	Faults    bool // the script gives a simulation a faults= budget
	Events    uint64
	Delivered uint64
	Wall      time.Duration
}

// Failed reports whether the run broke a property or failed.
func (o *Outcome) Failed() bool { return o.Status == Violation || o.Status == Failed }

// Signature says which failure a run had: the property's name, or the
// first line of the error. Shrinking keeps runs with the same signature.
func (o *Outcome) Signature() string {
	if o.Status == Violation {
		return "property " + o.Property
	}
	first, _, _ := strings.Cut(o.Err, "\n")
	return "error " + first
}

// Perturbations counts the perturbations applied in the run.
func (o *Outcome) Perturbations() int { return o.Count }

// runSpec is one run to do.
type runSpec struct {
	params    map[string]string
	faultSeed uint64
	budget    *engine.Faults
	sends     int
	schedule  [][]engine.Perturbation // replay instead of sampling
	history   bool
}

// run executes one run of the script.
func (c *Config) run(ctx context.Context, r runSpec) Outcome {
	o, _ := c.runEnv(ctx, r)
	return o
}

// Replay runs the script with params, replaying the schedules.
func Replay(c *Config, params map[string]string, schedules [][]engine.Perturbation) Outcome {
	return c.run(context.Background(), runSpec{params: params, schedule: schedules})
}

// ReplayHistory replays a run from its schedules keeping the history of
// every simulation, and returns the simulations (for pictures).
func ReplayHistory(c *Config, o Outcome) ([]*engine.Sim, error) {
	r, env := c.runEnv(context.Background(), runSpec{params: o.Params, schedule: o.Schedules, history: true})
	if r.Signature() != o.Signature() {
		return nil, fmt.Errorf("the replay ended differently (%s)", r.Signature())
	}
	return env.EngineSims(), nil
}

func (c *Config) runEnv(ctx context.Context, r runSpec) (Outcome, *bindings.Env) {
	o := Outcome{FaultSeed: r.faultSeed, Params: r.params}
	out := io.Discard
	// What a repeated or shrinking run writes is thrown away with a
	// directory of its own (runs in parallel would collide in one).
	dir, err := os.MkdirTemp("", "p2prepl-explore-")
	if err != nil {
		o.Status, o.Err = Failed, fmt.Sprintf("a directory for the run's files: %v", err)
		return o, nil
	}
	defer os.RemoveAll(dir)
	opts := bindings.Options{
		Seed: c.Seed, SeedSet: c.SeedSet, Params: r.params,
		OutDir: dir, MaxSteps: c.MaxSteps, MaxEvents: c.MaxEvents, Stdout: out,
		Perturb: &bindings.Perturbation{Budget: r.budget, Strategy: c.Strategy, Seed: r.faultSeed, Sends: r.sends, Schedule: r.schedule, KeepHistory: r.history},
	}
	newEnv := c.NewEnv
	if newEnv == nil {
		newEnv = DefaultEnv
	}
	env := newEnv(opts)
	start := time.Now()
	stopWatch := runner.Watch(ctx, env, c.Timeout)
	thread := env.NewThread(c.Script.Path)
	_, err = env.ExecFile(thread, c.Script.Path, c.Script.Src)
	stopped := stopWatch() != runner.NotInterrupted
	_ = env.Close()
	o.Wall = time.Since(start)
	o.Count = env.PerturbationCount()
	o.Shrink = env.ShrinkParams()
	o.Sends = env.Sends()
	o.Faults = env.ScriptFaults()
	o.Events, o.Delivered = env.Costs()
	switch {
	case err == nil:
		o.Status = OK
	case stopped || bindings.IsInterruption(err):
		o.Status = Interrupted
		o.Err = bindings.FormatError(err)
	default:
		o.Err = bindings.FormatError(err)
		if pe, ok := bindings.AsPropertyError(err); ok {
			o.Status = Violation
			o.Property = pe.Name
		} else {
			o.Status = Failed
		}
	}
	if o.Failed() || r.schedule != nil || r.history {
		o.Schedules = env.Schedules()
	}
	return o, env
}

// normalize fixes the seed: runs through the sweep runner always have one
// (param("seed") follows it), so every run of an exploration does, and
// its replay commands say it.
func (c *Config) normalize() {
	if !c.SeedSet {
		c.Seed, c.SeedSet = 1, true
	}
}

// runner is the sweep runner the sampled runs go through, one run per
// call (the workers are Explore's: it stops at the lowest failing run).
func (c *Config) runner() *runner.Runner {
	out := c.OutDir
	if out == "" {
		out = os.TempDir()
	}
	return &runner.Runner{Jobs: 1, OutDir: out, NewEnv: c.NewEnv,
		Limits: runner.Limits{MaxSteps: c.MaxSteps, MaxEvents: c.MaxEvents, Timeout: c.Timeout}}
}

// SampledParams are the parameters of sampled run with faults seed seed:
// the script's, plus those by which p2prepl run samples the same schedule
// (bindings.ParamFaultsSeed and the rest), in name order.
func (c *Config) SampledParams(seed uint64, sends int) []store.Param {
	ps := make([]store.Param, 0, len(c.Params)+4)
	for k, v := range c.Params {
		ps = append(ps, store.Param{Name: k, Value: v})
	}
	ps = append(ps, store.Param{Name: bindings.ParamFaultsSeed, Value: strconv.FormatUint(seed, 10)},
		store.Param{Name: bindings.ParamFaultsSends, Value: strconv.Itoa(sends)})
	if c.Budget != nil {
		ps = append(ps, store.Param{Name: bindings.ParamFaultsBudget, Value: bindings.FormatBudget(c.Budget)})
	}
	if c.Strategy != "" {
		ps = append(ps, store.Param{Name: bindings.ParamFaultsStrategy, Value: c.Strategy})
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	return ps
}

// runSampled runs the script under the schedule of faults seed seed
// through the sweep runner. A failing run is run again here, where its
// schedule, the property it broke and its shrinkable parameters can be
// read: runs are deterministic, so it fails the same way (if not, that is
// reported as the failure).
func (c *Config) runSampled(ctx context.Context, rr *runner.Runner, seed uint64, sends int) (Outcome, *runner.Result) {
	res := rr.RunOne(ctx, runner.Task{Script: c.Script, Cell: runner.Cell{Params: c.SampledParams(seed, sends), Seed: c.Seed}})
	o := Outcome{FaultSeed: seed, Params: c.Params, Err: res.Err, Wall: res.Wall, Events: res.Events, Delivered: res.Delivered}
	switch res.Status {
	case store.OK:
		o.Status = OK
		return o, &res
	case store.Error:
	default:
		o.Status = Interrupted
		return o, &res
	}
	local := c.run(ctx, runSpec{params: c.Params, budget: c.Budget, faultSeed: seed, sends: sends})
	local.Wall, local.Delivered = res.Wall, res.Delivered
	if !local.Failed() {
		local.Status = Failed
		local.Err = fmt.Sprintf("the run failed through the runner but not when repeated (a non-deterministic script?):\n%s", res.Err)
	}
	return local, &res
}

// Sampled runs the script here (not through the runner) under the
// schedule of faults seed seed, as run number seed of an exploration
// whose unperturbed run sent sends messages does.
func (c *Config) Sampled(seed uint64, sends int) Outcome {
	c.normalize()
	return c.run(context.Background(), runSpec{params: c.Params, budget: c.Budget, faultSeed: seed, sends: sends})
}

// calibration is the budget of the unperturbed run: nothing, but with the
// kinds of Config.Budget, so that the run counts the sends of those kinds.
func (c *Config) calibration() *engine.Faults {
	f := &engine.Faults{}
	if c.Budget != nil {
		f.Kinds = c.Budget.Kinds
	}
	return f
}

// ErrNothingToPerturb is Explore's error for a script whose simulations
// have no faults= budget when the Config gives none either.
var ErrNothingToPerturb = errors.New("nothing to explore: the script gives no simulation a faults= budget; give one, or a --budget")

// DefaultEnv is the environment of a run when Config.NewEnv is nil.
func DefaultEnv(opts bindings.Options) *bindings.Env {
	env := bindings.NewEnv(opts)
	env.SetStdlib(stdlib.FS)
	return env
}

func (c *Config) jobs() int {
	if c.Jobs > 0 {
		return c.Jobs
	}
	return runtime.GOMAXPROCS(0)
}

// Report is what an exploration found.
type Report struct {
	Plain    Outcome   // the unperturbed run, which also counts the sends
	Runs     []Outcome // the perturbed runs done, in run order
	Failures []Outcome // the failing ones, in run order
	Wall     time.Duration
}

// First is the first failing run, or nil.
func (r *Report) First() *Outcome {
	if len(r.Failures) == 0 {
		return nil
	}
	return &r.Failures[0]
}

// Progress is told of each run as it ends (from any goroutine, one call
// at a time).
type Progress func(done, total, failures int)

// Explore runs the unperturbed script once (a failure there is reported
// as run 0), then up to Runs perturbed runs on Jobs workers. Unless All is
// set it stops at the first failure: the failing run with the lowest
// number, whatever the number of workers, so results do not depend on -j.
func Explore(ctx context.Context, c *Config, progress Progress) (*Report, error) {
	if c.Runs < 0 {
		return nil, fmt.Errorf("explore: runs must be >= 0 (got %d)", c.Runs)
	}
	c.normalize()
	start := time.Now()
	rep := &Report{}
	rep.Plain = c.run(ctx, runSpec{params: c.Params, budget: c.calibration()})
	if c.Results != nil {
		c.Results.putPlain(&rep.Plain)
	}
	if rep.Plain.Status == Interrupted {
		return rep, fmt.Errorf("explore: interrupted")
	}
	if rep.Plain.Failed() {
		rep.Failures = append(rep.Failures, rep.Plain)
		rep.Wall = time.Since(start)
		return rep, nil
	}
	if c.Budget == nil && !rep.Plain.Faults {
		return rep, ErrNothingToPerturb
	}
	first := c.FirstSeed
	if first == 0 {
		first = 1
	}
	sends := int(rep.Plain.Sends)
	rr := c.runner()
	defer runner.BatchGC()()
	outs := make([]Outcome, c.Runs)
	var (
		mu    sync.Mutex
		limit = c.Runs // runs numbered >= limit are not needed
		next  = 0
		ndone int
		nfail int
		wg    sync.WaitGroup
	)
	for w := 0; w < c.jobs(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				if i >= limit || ctx.Err() != nil {
					mu.Unlock()
					return
				}
				next++
				mu.Unlock()
				o, res := c.runSampled(ctx, rr, first+uint64(i), sends)
				o.Run = i + 1
				mu.Lock()
				outs[i] = o
				if c.Results != nil {
					c.Results.putResult(res)
				}
				ndone++
				if o.Failed() {
					nfail++
					if !c.All && i < limit {
						limit = i
					}
				}
				if progress != nil {
					progress(ndone, c.Runs, nfail)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for i := range outs {
		if outs[i].Run == 0 {
			continue // not run
		}
		if !c.All && i > limit {
			continue
		}
		rep.Runs = append(rep.Runs, outs[i])
		if outs[i].Failed() {
			rep.Failures = append(rep.Failures, outs[i])
		}
	}
	rep.Wall = time.Since(start)
	if ctx.Err() != nil {
		return rep, fmt.Errorf("explore: interrupted after %d runs", len(rep.Runs))
	}
	return rep, nil
}

func cloneParams(p map[string]string) map[string]string {
	out := make(map[string]string, len(p))
	maps.Copy(out, p)
	return out
}

// ParamArgs writes params as --set flags, in name order.
func ParamArgs(p map[string]string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " --set %s=%s", k, shellQuote(p[k]))
	}
	return b.String()
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '/' || r == ':' || r == ',' || r == '=' ||
			(r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
