package bindings

import (
	"fmt"
	"time"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/engine"
)

// Progress is where a session's work stands, for a progress line: the
// simulation inside sim.run and, when a script or a runner declared how
// many simulations it will run (ExpectRuns), which of them it is.
type Progress struct {
	From, Now, Until float64 // simulated ms: where this sim.run started, is, and will stop
	Events           uint64  // events the simulation has processed
	RunWall          time.Duration
	Run              int           // the running simulation is the Run-th of the batch (from 1)
	Runs             int           // simulations expected in the batch; 0 when not declared
	BatchWall        time.Duration // wall time since the batch's first simulation started
	// Elsewhere is set when no simulation runs in this session but a
	// runner reports runs it does for it (RunsDone): Run of Runs are
	// done, and only the batch fields are set.
	Elsewhere bool
}

// batch counts the simulations of a session that ran, for "run 3/20".
// Guarded by Env.mu.
type batch struct {
	expected int
	started  int // simulations of the batch that ran here
	done     int // runs done elsewhere, reported with RunsDone
	declared time.Time
	start    time.Time
	last     *engine.Sim // the simulation that ran last: sim.run again continues its run
}

// ExpectRuns declares that n more simulations will run in this session
// (a script's seeds, a runner's cells run in one Env), so that progress
// shows "run 3/20" and an ETA for all of them. Declarations add up. Safe
// from any goroutine.
func (e *Env) ExpectRuns(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.batch.expected <= e.batch.started+e.batch.done-boolInt(len(e.runs) > 0) {
		// the previous batch is over: count afresh
		e.batch = batch{declared: time.Now()}
	}
	e.batch.expected += n
}

// RunsDone reports n runs of the declared batch (ExpectRuns) done outside
// this session's own simulations: a runner running a sweep's cells in
// other sessions on this one's behalf. Between simulations of its own,
// Progress then reports the batch (Elsewhere). Safe from any goroutine.
func (e *Env) RunsDone(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.batch.done += n
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// countRun notes that s entered sim.run; e.mu is held.
func (e *Env) countRun(s *engine.Sim) {
	b := &e.batch
	if b.last == s {
		return
	}
	b.last = s
	if b.started == 0 {
		b.start = time.Now()
	}
	b.started++
}

// Progress reports the progress of the simulation inside sim.run (ok
// false when none is) and of the batch it belongs to. Safe from any
// goroutine.
func (e *Env) Progress() (p Progress, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.runs) == 0 {
		b := e.batch
		if b.done == 0 || b.started+b.done >= b.expected {
			return p, false
		}
		return Progress{Elsewhere: true, Run: b.started + b.done, Runs: b.expected, BatchWall: time.Since(b.declared)}, true
	}
	r := e.runs[len(e.runs)-1]
	p.Now, p.Events = r.sim.Progress()
	p.From, p.Until, p.RunWall = r.from, r.until, time.Since(r.start)
	p.Run, p.Runs = e.batch.started, e.batch.expected
	if p.Run > 0 {
		p.BatchWall = time.Since(e.batch.start)
	}
	return p, true
}

func init() {
	api.Register(api.Function("expect_runs", `expect_runs(n) -> None; declares that n more simulations will run, for the progress line

A script that runs many simulations (one per seed, one per parameter)
says how many, so that the progress line on the terminal shows which one
is running and an ETA for all of them: "run 3/20 ... all: ETA 1 min".
Declarations add up (a loop over 4 algorithms, 20 seeds each, may
declare 20 four times). It changes nothing else.

  expect_runs(seeds)
  for seed in range(seeds):
      sim = simulation(seed = seed)
      ...`, builtinExpectRuns))
}

func builtinExpectRuns(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var n int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "n", &n); err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, fmt.Errorf("expect_runs: n must be >= 0 (got %d)", n)
	}
	envOf(thread).ExpectRuns(n)
	return starlark.None, nil
}
