package bindings

import (
	"errors"
	"sync"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/api"
)

// sweep() and results() are declared here, with every other builtin,
// but run by package runner, which imports bindings and so cannot be
// imported by it. The runner installs its implementations at init with
// SetSweeps, as database/sql drivers register themselves; a program that
// does not link the runner gets a clear error instead.

const sweepDoc = `sweep(script, grid={}, seeds=1, jobs=0, store=None, resume=False, max_events=0, timeout=0) -> a table of the rows of script run over grid x seeds, on all cores

Runs script once per cell of grid x seeds on jobs workers (0: one per
core), each run a fresh execution of the script with those param()
values and that seed, exactly as 'p2prepl run script --seed S --set k=v'
would run it, and returns what the runs record()ed as a table: columns
run, seed, the parameters, then the recorded values (rows of runs that
succeeded only; a failed run is reported on the output with the command
that reproduces it).

  grid     dict of parameter name -> list of values (a single value fixes it)
  seeds    a count (20 means seeds 1..20) or a list of seeds
  store    a results store file under --out to keep every run in
           (SQLite; read it with results(path), p2prepl results, pandas)
  resume   with store: skip runs the store has finished already
  max_events, timeout   per-run limits (timeout in wall seconds)

The script path is taken from the calling script's directory. Runs write
their files under --out/runs/<parameters,seed>/.

  t = sweep("gossip_cell.star", grid = {"fanout": [1, 2, 3], "loss": [0.0, 0.1]}, seeds = 10)
  t.group_by("fanout", "loss").mean("coverage")`

const resultsDoc = `results(path) -> a table of the rows of a results store (also results.read(path))

Reads a results store written by sweep() or p2prepl sweep (see
results.read). (Not results.load: load is a Starlark keyword.)`

const resultsReadDoc = `results.read(path) -> table

Reads a results store (a .db file written by sweep(store = ...), p2prepl
sweep or p2prepl run --results FILE.db), or a directory of them (the
shards of a Slurm sweep, read as if merged), as a table: one row per
recorded row of the runs that succeeded, with columns run, seed, the
parameters, then the recorded values. A relative path is looked up in the
script's directory, then under --out.

  t = results("results.db")      # or results.read("results.db")
  print(t.where(fanout = 3).mean("coverage"))`

var (
	sweepsMu    sync.RWMutex
	sweepFn     api.Fn
	loadResults api.Fn
)

// SetSweeps installs the implementations of sweep() and results.read()
// (package runner calls it at init).
func SetSweeps(sweep, load api.Fn) {
	sweepsMu.Lock()
	defer sweepsMu.Unlock()
	sweepFn, loadResults = sweep, load
}

var errNoRunner = errors.New("sweeps are not available in this program (it does not include p2prepl's runner); use the p2prepl command")

func init() {
	api.Register(api.Function("sweep", sweepDoc, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		sweepsMu.RLock()
		fn := sweepFn
		sweepsMu.RUnlock()
		if fn == nil {
			return nil, errNoRunner
		}
		return fn(thread, b, args, kwargs)
	}))
	read := func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		sweepsMu.RLock()
		fn := loadResults
		sweepsMu.RUnlock()
		if fn == nil {
			return nil, errNoRunner
		}
		return fn(thread, b, args, kwargs)
	}
	api.Register(api.NewModule(&api.Module{Name: "results", Doc: resultsDoc, Call: read,
		Members: []api.Builtin{api.Method("read", resultsReadDoc, read)}}).Global())
}

// EnvOf returns the Env a thread made by Env.NewThread belongs to (nil for
// other threads).
func EnvOf(thread *starlark.Thread) *Env { return envOf(thread) }

// Options returns the options the Env was made with (defaults filled in).
func (e *Env) Options() Options { return e.opts }

// ScriptDir is the directory of the innermost script on the thread's
// stack ("." in the REPL): relative paths a script gives are taken from it.
func ScriptDir(thread *starlark.Thread) string { return scriptDir(thread) }

// OnInterrupt arranges for f to be called by Interrupt (Ctrl-C in the
// REPL, a timeout) until the returned function is called: work a builtin
// runs outside Starlark and the engine, such as a sweep, stops with it.
func (e *Env) OnInterrupt(f func()) (remove func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.nextHook++
	id := e.nextHook
	if e.hooks == nil {
		e.hooks = map[int]func(){}
	}
	e.hooks[id] = f
	return func() {
		e.mu.Lock()
		delete(e.hooks, id)
		e.mu.Unlock()
	}
}
