// Package runner runs many runs of a script: each run is a pure function
// of (script, parameters, seed) giving (status, rows, costs), executed as
// a fresh Starlark thread and fresh simulations in a fresh bindings.Env on
// a pool of workers. Nothing mutable is shared between runs. Sweeps (grid
// x seeds, optionally one shard of it) are built on it and write to a
// results store (package store).
package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/p2prepl/p2prepl/bindings"
	"github.com/p2prepl/p2prepl/runner/store"
	"github.com/p2prepl/p2prepl/stdlib"
)

// Script is a script read once for every run of a sweep: the runs execute
// these bytes, whatever happens to the file meanwhile.
type Script struct {
	Path   string // as given; errors and load() paths are relative to it
	Src    []byte
	SHA256 string // hex digest of Src
}

// LoadScript reads a script file.
func LoadScript(path string) (*Script, error) {
	src, err := bindings.ReadScriptFile(path) // a regular file: a FIFO would block
	if err != nil {
		return nil, err
	}
	return NewScript(path, src), nil
}

// NewScript makes a Script of src, named path.
func NewScript(path string, src []byte) *Script {
	sum := sha256.Sum256(src)
	return &Script{Path: path, Src: src, SHA256: hex.EncodeToString(sum[:])}
}

// Task is one run to do.
type Task struct {
	Script *Script
	Cell
}

// Limits bound each run.
type Limits struct {
	MaxSteps  uint64        // Starlark steps (0: the bindings default)
	MaxEvents uint64        // simulated events per simulation (0: the default)
	Timeout   time.Duration // wall time (0: none)
}

// Result is how one run went.
type Result struct {
	Task
	Status    store.Status
	Err       string // the formatted error (file:line, message, traceback)
	ErrAt     string // file:line of the error, when known
	Wall      time.Duration
	Events    uint64
	Delivered uint64
	Rows      []store.Row
	Output    string   // the tail of what the run printed
	Unused    []string // parameters the script never read with param()
}

// Run converts the result for the store.
func (r *Result) Run(sweepID int64) *store.Run {
	return &store.Run{
		SweepID:      sweepID,
		ScriptSHA256: r.Script.SHA256,
		Script:       r.Script.Path,
		Params:       r.Params,
		Seed:         r.Seed,
		Status:       r.Status,
		Err:          r.Err,
		ErrAt:        r.ErrAt,
		Wall:         r.Wall.Seconds(),
		Events:       r.Events,
		Delivered:    r.Delivered,
		Finished:     time.Now(),
		Output:       r.Output,
		Rows:         r.Rows,
	}
}

// Runner executes runs.
type Runner struct {
	// Jobs is the number of runs at once (0: one per core).
	Jobs int
	Limits
	// OutDir is where runs write their files: each run under
	// OutDir/runs/<its parameters and seed>/ (created only if it writes).
	OutDir string
	// NewEnv makes the environment of one run (nil: bindings.NewEnv with
	// the standard library). It must return a new Env each call.
	NewEnv func(bindings.Options) *bindings.Env
	// Sweeping is given to each run as bindings.Options.Sweeping: the
	// scripts swept around it, the run's own included.
	Sweeping []string
}

// outputTail is how much of a run's printed output the result keeps.
const outputTail = 8 << 10

// RunDir is the directory, under the output directory, where the run of
// cell writes its files: runs/fanout=3,loss=0.1,seed=7.
func RunDir(c Cell) string {
	var b strings.Builder
	for _, p := range c.Params {
		b.WriteString(p.Name + "=" + p.Value + ",")
	}
	fmt.Fprintf(&b, "seed=%d", c.Seed)
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 || r == ':' {
			return '_'
		}
		return r
	}, b.String())
	if len(name) > 200 {
		sum := sha256.Sum256([]byte(name))
		name = name[:180] + "~" + hex.EncodeToString(sum[:8])
	}
	return filepath.Join("runs", name)
}

// RunOne executes one run. Cancelling ctx interrupts it (status
// interrupted); the Timeout limit ends it with status timeout.
func (r *Runner) RunOne(ctx context.Context, t Task) Result {
	res := Result{Task: t}
	start := time.Now()
	params := make(map[string]string, len(t.Params))
	for _, p := range t.Params {
		params[p.Name] = p.Value
	}
	out := &tail{max: outputTail}
	outDir := r.OutDir
	if outDir == "" {
		outDir = "."
	}
	opts := bindings.Options{
		Seed: t.Seed, SeedSet: true, Params: params,
		OutDir:   filepath.Join(outDir, RunDir(t.Cell)),
		MaxSteps: r.MaxSteps, MaxEvents: r.MaxEvents,
		Stdout:   out,
		Sweeping: r.Sweeping,
	}
	newEnv := r.NewEnv
	if newEnv == nil {
		newEnv = DefaultEnv
	}
	env := newEnv(opts)

	stopWatch := Watch(ctx, env, r.Timeout)
	thread := env.NewThread(t.Script.Path)
	_, err := env.ExecFile(thread, t.Script.Path, t.Script.Src)
	why := stopWatch()
	if cerr := env.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("writing the run's output files: %w", cerr)
	}
	res.Wall = time.Since(start)
	res.Events, res.Delivered = env.Costs()
	res.Output = out.String()
	res.Unused = env.UnusedParams()
	for _, row := range env.Recorded() {
		sr := make(store.Row, len(row))
		for i, f := range row {
			sr[i] = store.Field{Name: f.Name, Value: f.Value}
		}
		res.Rows = append(res.Rows, sr)
	}
	switch {
	case err == nil:
		res.Status = store.OK
	case why == Cancelled:
		res.Status = store.Interrupted
		res.Err = "interrupted: the sweep was stopped while this run was in flight"
	case why == TimedOut:
		res.Status = store.Timeout
		res.Err = fmt.Sprintf("wall-time limit reached: the run took longer than %v (raise it with --timeout)\n%s", r.Timeout, bindings.FormatError(err))
		res.ErrAt = lineOf(bindings.ErrorPos(err))
	default:
		res.Status = store.Error
		res.Err = bindings.FormatError(err)
		res.ErrAt = lineOf(bindings.ErrorPos(err))
	}
	return res
}

// Why says why Watch interrupted a run.
type Why int32

const (
	NotInterrupted Why = iota
	Cancelled          // ctx was cancelled
	TimedOut           // the wall-time limit passed
)

// Watch interrupts env once ctx is cancelled or timeout (if > 0) has
// passed, and again every 20 ms until the run returns: an interrupt sent
// before the script started would be lost. Call the returned stop when
// the run has returned; it says why the run was interrupted, if it was.
func Watch(ctx context.Context, env *bindings.Env, timeout time.Duration) (stop func() Why) {
	var why atomic.Int32
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var deadline <-chan time.Time
		if timeout > 0 {
			tm := time.NewTimer(timeout)
			defer tm.Stop()
			deadline = tm.C
		}
		select {
		case <-quit:
			return
		case <-ctx.Done():
			why.Store(int32(Cancelled))
		case <-deadline:
			why.Store(int32(TimedOut))
		}
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			env.Interrupt()
			select {
			case <-quit:
				return
			case <-tick.C:
			}
		}
	}()
	return func() Why {
		close(quit)
		<-done
		return Why(why.Load())
	}
}

// ErrorLine is the file:line an error from a script points at ("" when
// none).
func ErrorLine(err error) string { return lineOf(bindings.ErrorPos(err)) }

// lineOf cuts file:line:col to file:line.
func lineOf(pos string) string {
	if i := strings.LastIndexByte(pos, ':'); i > 0 && strings.Count(pos, ":") >= 2 {
		return pos[:i]
	}
	return pos
}

// DefaultEnv is the environment of a run when Runner.NewEnv is nil: the
// bindings with the standard library.
func DefaultEnv(opts bindings.Options) *bindings.Env {
	env := bindings.NewEnv(opts)
	env.SetStdlib(stdlib.FS)
	return env
}

// batchGC is the collector's GOGC while a batch of runs goes on.
const batchGC = 300

// BatchGC makes the garbage collector run less often while many runs go
// on at once, unless the user chose with GOGC, and returns the function
// that restores it. Runs allocate mostly short-lived garbage, and with
// one job the collector's work overlaps the run on the other core, with
// several it competes: collecting a third as often made 40 runs of S1 on
// 2 jobs take 0.56 of one job's time instead of 0.58, both ~10% faster. The
// memory limit (--max-memory, debug.SetMemoryLimit) still makes the
// collector work harder as the heap nears it.
func BatchGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(batchGC)
	return func() { debug.SetGCPercent(old) }
}

// Jobs is the number of workers for jobs (0: one per core).
func Jobs(jobs int) int {
	if jobs <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return jobs
}

// Run executes tasks on Jobs workers and calls done with each result, one
// call at a time, in the order runs finish. Once ctx is cancelled no new
// run starts, and runs in flight end as interrupted (done still gets
// them). It returns when every started run has been reported.
func (r *Runner) Run(ctx context.Context, tasks []Task, done func(Result)) {
	defer BatchGC()()
	jobs := min(Jobs(r.Jobs), len(tasks))
	feed := make(chan Task)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range feed {
				res := r.RunOne(ctx, t)
				mu.Lock()
				done(res)
				mu.Unlock()
			}
		}()
	}
	for _, t := range tasks {
		if ctx.Err() != nil {
			break
		}
		select {
		case feed <- t:
		case <-ctx.Done():
		}
	}
	close(feed)
	wg.Wait()
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu    sync.Mutex
	max   int
	buf   []byte
	trunc bool
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
		t.trunc = true
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	trunc := t.trunc
	if len(b) > t.max {
		b, trunc = b[len(b)-t.max:], true
	}
	if trunc {
		return "...\n" + string(b)
	}
	return string(b)
}
