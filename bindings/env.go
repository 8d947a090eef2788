package bindings

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	starlarktime "go.starlark.net/lib/time"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/bindings/outfiles"
	_ "github.com/p2prepl/p2prepl/bindings/plot" // registers the plot module
	"github.com/p2prepl/p2prepl/engine"
)

// Default limits, used when Options leaves them zero.
const (
	DefaultMaxSteps  = 1_000_000_000 // Starlark steps per top-level exec/eval
	DefaultMaxEvents = 1_000_000_000 // simulated events per simulation
	// DefaultMaxPending bounds the events scheduled at once, or
	// engine.PerPeer per peer if that is more: ten times what the
	// 100,000-peer gossip benchmark keeps pending (about 106,000), a few
	// hundred MB, reached by a storm of timers or messages in seconds.
	DefaultMaxPending = 1_000_000
	// DefaultMaxStall bounds the events in a row at one simulated time,
	// grown the same way.
	DefaultMaxStall = 1_000_000
)

// Options configure an Env. The zero value is usable: seed 1, no
// parameters, output to the current directory, default limits, print to
// os.Stdout.
type Options struct {
	// Seed is the seed simulation() uses when the script gives none
	// (--seed). Zero means 1 unless SeedSet is true. It also seeds the
	// generator behind random, dist sampling and topology generators
	// used before any simulation exists.
	Seed uint64
	// SeedSet records that --seed was given on the command line. A
	// script's explicit simulation(seed=...) still wins over it: a script
	// that fixes its seed means it (the seed is part of the experiment);
	// --seed varies only scripts that leave the seed open. SeedSet only
	// makes an explicit --seed 0 mean 0 rather than the default 1.
	SeedSet bool
	// Params are the --set key=value pairs; scripts read them with
	// param("key", default), converted to the default's type (int, float,
	// bool or string).
	Params map[string]string
	// OutDir is where scripts write files (--out, default "."). Relative
	// output paths are resolved under it; paths escaping it are refused.
	OutDir string
	// MaxSteps bounds the Starlark execution steps of each top-level
	// ExecFile / ExecREPLChunk, handlers run by sim.run included
	// (--max-steps; 0 means DefaultMaxSteps).
	MaxSteps uint64
	// MaxEvents bounds the simulated events of each simulation over its
	// life (--max-events; 0 means DefaultMaxEvents).
	MaxEvents uint64
	// MaxPending bounds the events a simulation has scheduled at once, or
	// engine.PerPeer per peer if more (--max-pending; 0 means
	// DefaultMaxPending): a storm of timers or messages ends with an error
	// naming its busiest sources.
	MaxPending uint64
	// MaxStall bounds the events a simulation processes in a row without
	// its clock advancing (--max-stall; 0 means DefaultMaxStall).
	MaxStall uint64
	// Record makes every simulation keep its history from creation (as
	// sim.keep_history() does), for a report of the run (p2prepl run --report).
	Record bool
	// Stdout receives print() and help() output (nil means os.Stdout).
	Stdout io.Writer
	// Timeline records automatic checkpoints of every simulation as it
	// runs, so that sim.rewind(t) works without sim.record_timeline() (the
	// REPL sets it).
	Timeline bool
	// Perturb perturbs every simulation the script creates (exploration,
	// --budget, --schedule); nil: only as the script's faults= says.
	Perturb *Perturbation
	// LoadPath lists directories, besides the main script's directory
	// tree and @stdlib, that load() may read modules from (--load-path).
	LoadPath []string
	// Sweeping lists the scripts (SHA-256 of their source) whose sweeps
	// this run is a cell of, outermost first: a script that sweeps one of
	// them would start sweeps without end.
	Sweeping []string
}

// Env is one session: the builtins, the settings, the simulations created
// so far and the module cache. Create it with NewEnv.
type Env struct {
	opts        Options
	seed        uint64
	predeclared starlark.StringDict
	stdlib      fs.FS

	// fallback is the generator used by random, dist sampling and the
	// topology generators when no simulation exists yet.
	fallback     *rand.Rand
	fallbackTopo *rand.Rand
	current      *Simulation // the simulation created last
	inRun        *Simulation // the simulation inside sim.run on the script goroutine
	usedParams   map[string]bool
	xp           exploreState

	modules map[string]*moduleEntry
	tree    string // the main script's directory: scripts read files under it and --out

	mu      sync.Mutex
	active  map[*starlark.Thread]int  // threads inside ExecFile / ExecREPLChunk
	threads map[*starlark.Thread]bool // every thread the Env has run
	runs    []*runState               // simulations inside sim.run / sim.step
	outputs []io.Closer               // files opened for scripts (traces)
	runWall time.Duration             // wall time spent inside sim.run / sim.step
	batch   batch                     // simulations run and expected, for progress

	recorded []Row                // rows given to record()
	names    map[string]string    // the names recorded, by their lower case
	params   map[string]paramRead // the parameters param() read, by their lower case
	setNames map[string]string    // the --set names, by their lower case
	// costs sums what every simulation did, counted after each of its
	// runs (keeping the simulations themselves would keep them all alive
	// for the script's life).
	costs    struct{ events, delivered uint64 }
	hooks    map[int]func() // OnInterrupt functions, by id
	nextHook int

	stopCause *MemoryError // why the memory watchdog stopped the session
}

type moduleEntry struct {
	globals starlark.StringDict
	err     error
}

// runState describes a simulation inside sim.run, for Interrupt and Running.
type runState struct {
	sim   *engine.Sim
	until float64
	from  float64   // the simulated time the run started at
	start time.Time // and the wall time
}

// NewEnv creates a session with the given options.
func NewEnv(opts Options) *Env {
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.OutDir == "" {
		opts.OutDir = "."
	}
	if opts.MaxSteps == 0 {
		opts.MaxSteps = DefaultMaxSteps
	}
	if opts.MaxEvents == 0 {
		opts.MaxEvents = DefaultMaxEvents
	}
	if opts.MaxPending == 0 {
		opts.MaxPending = DefaultMaxPending
	}
	if opts.MaxStall == 0 {
		opts.MaxStall = DefaultMaxStall
	}
	seed := opts.Seed
	if seed == 0 && !opts.SeedSet {
		seed = 1
	}
	e := &Env{
		opts:       opts,
		seed:       seed,
		usedParams: map[string]bool{},
		modules:    map[string]*moduleEntry{},
		active:     map[*starlark.Thread]int{},
		threads:    map[*starlark.Thread]bool{},
	}
	e.fallback = rand.New(rand.NewPCG(seed, streamKey("random")))
	e.fallbackTopo = rand.New(rand.NewPCG(seed, streamKey("topology")))
	e.predeclared = api.Predeclared()
	return e
}

// Seed is the seed simulation() uses when a script gives none.
func (e *Env) Seed() uint64 { return e.seed }

// SetStdlib sets the file system that load("@stdlib/NAME.star") reads
// NAME.star from (the stdlib package embeds it).
func (e *Env) SetStdlib(fsys fs.FS) { e.stdlib = fsys }

// Predeclared returns every builtin, keyed by name. The dict is shared:
// callers must not modify it (copy it to seed REPL globals).
func (e *Env) Predeclared() starlark.StringDict { return e.predeclared }

// FileOptions is the Starlark dialect of every script, module and REPL
// chunk: set(), while loops, top-level control flow, global reassignment
// and recursion are allowed.
func FileOptions() *syntax.FileOptions {
	return &syntax.FileOptions{
		Set:             true,
		While:           true,
		TopLevelControl: true,
		GlobalReassign:  true,
		Recursion:       true,
	}
}

const envKey = "p2prepl.env"

// NewThread returns a thread whose print goes to Options.Stdout, whose
// load() resolves "@stdlib/NAME.star" in the stdlib file system and other
// names relative to the loading file's directory, and whose time.now()
// follows simulated time. The step limit is set afresh by each ExecFile /
// ExecREPLChunk.
func (e *Env) NewThread(name string) *starlark.Thread {
	t := &starlark.Thread{
		Name: name,
		Print: func(_ *starlark.Thread, msg string) {
			fmt.Fprintln(e.opts.Stdout, msg)
		},
		Load: e.load,
	}
	t.OnMaxSteps = func(t *starlark.Thread) {
		t.Cancel(fmt.Sprintf("step limit reached: more than %d Starlark execution steps (raise it with --max-steps)", e.opts.MaxSteps))
	}
	t.SetLocal(envKey, e)
	t.SetLocal(outfiles.Key, outfiles.Dir(e.opts.OutDir))      // table and plot write under --out
	t.SetLocal(outfiles.TreeKey, outfiles.Dir(e.scriptTree())) // and read under it and the script's tree
	starlarktime.SetNow(t, func() (time.Time, error) {
		now := 0.0
		if s := e.current; s != nil {
			now = s.sim.Now()
		}
		return time.UnixMilli(0).Add(time.Duration(now * float64(time.Millisecond))).UTC(), nil
	})
	return t
}

// scriptTree is the main script's directory, or "." before any script ran
// (a REPL session).
func (e *Env) scriptTree() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.tree == "" {
		return "."
	}
	return e.tree
}

// begin registers a thread as running a top-level evaluation and gives it
// a fresh step budget; the returned function undoes the registration.
func (e *Env) begin(thread *starlark.Thread) func() {
	if thread.Local(envKey) == nil {
		// A thread not made by NewThread: give it our loader and printer.
		nt := e.NewThread(thread.Name)
		if thread.Print == nil {
			thread.Print = nt.Print
		}
		if thread.Load == nil {
			thread.Load = nt.Load
		}
		if thread.OnMaxSteps == nil {
			thread.OnMaxSteps = nt.OnMaxSteps
		}
		thread.SetLocal(envKey, e)
	}
	e.mu.Lock()
	first := e.active[thread] == 0
	idle := len(e.active) == 0
	e.active[thread]++
	e.threads[thread] = true
	if idle {
		e.stopCause = nil
	}
	e.mu.Unlock()
	if idle {
		e.activate(true)
	}
	if first {
		// A new top-level evaluation: a fresh step budget, and no
		// cancellation left over from an interrupt or a limit.
		thread.Uncancel()
		thread.SetMaxExecutionSteps(thread.ExecutionSteps() + e.opts.MaxSteps)
	}
	return func() {
		e.mu.Lock()
		if e.active[thread]--; e.active[thread] <= 0 {
			delete(e.active, thread)
		}
		idle := len(e.active) == 0
		e.mu.Unlock()
		if idle {
			e.activate(false)
		}
	}
}

// ExecFile runs a script file (src as for starlark.ExecFileOptions: nil
// reads filename) with every builtin predeclared and FileOptions(), and
// returns its globals (frozen, as Starlark does after a file runs). The
// step limit counts from the call. Errors are best shown with FormatError.
//
// The first file run is the main script: files the session reads
// (table.read_csv, topology.from_file) must lie under its directory or
// under --out.
func (e *Env) ExecFile(thread *starlark.Thread, filename string, src any) (globals starlark.StringDict, err error) {
	return e.execFile(thread, filename, src, FileOptions())
}

// ExecFileInteractive is ExecFile for a script the REPL carries on from
// (p2prepl -i): the names its load statements bind are among the globals
// it returns, as if loaded at the prompt (Starlark otherwise keeps them
// local to the file).
func (e *Env) ExecFileInteractive(thread *starlark.Thread, filename string, src any) (globals starlark.StringDict, err error) {
	opts := FileOptions()
	opts.LoadBindsGlobally = true
	return e.execFile(thread, filename, src, opts)
}

func (e *Env) execFile(thread *starlark.Thread, filename string, src any, opts *syntax.FileOptions) (globals starlark.StringDict, err error) {
	defer e.begin(thread)()
	if src, err = checkedSource(filename, src); err != nil {
		return nil, err
	}
	e.mu.Lock()
	if e.tree == "" {
		e.tree = filepath.Dir(filename)
	}
	e.mu.Unlock()
	thread.SetLocal(outfiles.TreeKey, outfiles.Dir(e.scriptTree()))
	defer recoverInternal(thread, &err)
	globals, err = starlark.ExecFileOptions(opts, thread, filename, src, e.predeclared)
	if err == nil {
		// The script's invariant(...) properties judge the finished run.
		err = e.checkInvariants(thread)
	}
	return globals, err
}

// ExecREPLChunk runs one REPL input: src is parsed with FileOptions(); a
// chunk that is a single expression is evaluated and its value returned
// with isExpr true (print it unless it is None); other chunks run as
// statements whose bindings go into globals. Missing builtins are added to
// globals first, so globals may start empty or as a copy of Predeclared()
// (or as the globals of an ExecFile, for `p2prepl -i`). Errors leave the
// session usable; show them with FormatError.
func (e *Env) ExecREPLChunk(thread *starlark.Thread, globals starlark.StringDict, src string) (value starlark.Value, isExpr bool, err error) {
	defer e.begin(thread)()
	defer recoverInternal(thread, &err)
	for k, v := range e.predeclared {
		if _, ok := globals[k]; !ok {
			globals[k] = v
		}
	}
	thread.SetLocal(replGlobalsKey, globals) // for dir()
	opts := FileOptions()
	opts.LoadBindsGlobally = true // a load at the prompt binds names for the inputs that follow
	if err := CheckSource("<repl>", []byte(src)); err != nil {
		return nil, false, err
	}
	f, err := opts.Parse("<repl>", src, 0)
	if err != nil {
		return nil, false, err
	}
	if len(f.Stmts) == 1 {
		if es, ok := f.Stmts[0].(*syntax.ExprStmt); ok {
			v, err := starlark.EvalExprOptions(f.Options, thread, es.X, globals)
			return v, true, err
		}
	}
	return nil, false, starlark.ExecREPLChunk(f, thread, globals)
}

// interruptReason is the cancellation reason Interrupt gives Starlark
// threads, by which IsInterruption recognises the error it causes.
const interruptReason = "interrupted"

// Interrupt stops whatever the session is running, from any goroutine:
// every simulation inside sim.run stops before its next event (it stays
// usable at the time it reached; sim.run resumes it) and every running
// Starlark thread is cancelled. Call Uncancel before the next evaluation.
func (e *Env) Interrupt() { e.interrupt(interruptReason) }

// interrupt stops what the session runs, cancelling Starlark code with
// reason.
func (e *Env) interrupt(reason string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range e.runs {
		r.sim.Interrupt()
	}
	for t := range e.active {
		t.Cancel(reason)
	}
	for _, f := range e.hooks {
		f()
	}
}

// Uncancel clears the cancellation of every thread Interrupt (or a step
// limit) cancelled, so that the session can carry on. Safe from any
// goroutine. (ExecFile and ExecREPLChunk also start each evaluation
// uncancelled.)
func (e *Env) Uncancel() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for t := range e.threads {
		t.Uncancel()
	}
}

// Running reports the progress of the simulation currently inside sim.run
// (ok false when none is): simulated time reached, the time it runs until
// and the events processed. Safe from any goroutine.
func (e *Env) Running() (now, until float64, events uint64, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.runs) == 0 {
		return 0, 0, 0, false
	}
	r := e.runs[len(e.runs)-1]
	now, events = r.sim.Progress()
	return now, r.until, events, true
}

func (e *Env) enterRun(s *engine.Sim, until float64) func() {
	start := time.Now()
	r := &runState{sim: s, until: until, from: s.Now(), start: start}
	e.mu.Lock()
	e.runs = append(e.runs, r)
	e.countRun(s) // see progress.go
	e.mu.Unlock()
	return func() {
		e.mu.Lock()
		e.runWall += time.Since(start)
		for i, x := range e.runs {
			if x == r {
				e.runs = append(e.runs[:i], e.runs[i+1:]...)
				break
			}
		}
		e.mu.Unlock()
	}
}

// RunWall is the wall-clock time spent inside sim.run and sim.step so far,
// for reporting the run alone apart from script set-up.
func (e *Env) RunWall() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.runWall
}

// Close flushes and closes the files scripts opened (event traces). The
// Env stays usable; later traces open new files.
func (e *Env) Close() error {
	var first error
	e.mu.Lock()
	outs := e.outputs
	e.outputs = nil
	e.mu.Unlock()
	for _, c := range outs {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// UnusedParams lists, sorted, the Options.Params keys no param() call has
// read so far, so that the command line can warn about a mistyped --set.
func (e *Env) UnusedParams() []string {
	var out []string
	for k := range e.opts.Params {
		if !e.usedParams[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// load implements load(): "@stdlib/NAME.star" from the stdlib file system,
// anything else as a file path relative to the loading file's directory.
// Modules are cached per Env and cycles are reported.
func (e *Env) load(thread *starlark.Thread, module string) (starlark.StringDict, error) {
	key, read, err := e.resolveModule(thread, module)
	if err != nil {
		return nil, err
	}
	if ent, ok := e.modules[key]; ok {
		if ent == nil {
			return nil, fmt.Errorf("cycle in load graph: %s is being loaded already", module)
		}
		return ent.globals, ent.err
	}
	e.modules[key] = nil
	src, err := read()
	if err != nil {
		delete(e.modules, key)
		return nil, err
	}
	if err := CheckSource(key, src); err != nil {
		e.modules[key] = &moduleEntry{nil, err}
		return nil, err
	}
	child := e.NewThread("load " + module)
	defer e.begin(child)()
	var globals starlark.StringDict
	if strings.HasPrefix(key, "@stdlib/") {
		globals, err = e.execStdlib(child, key, src)
	} else {
		globals, err = starlark.ExecFileOptions(FileOptions(), child, key, src, e.predeclared)
	}
	e.modules[key] = &moduleEntry{globals, err}
	return globals, err
}

// stdlibPrograms caches the compiled standard library modules of every
// Env, keyed by name and source: a sweep starts thousands of Envs, and
// compiling the consensus modules costs milliseconds each time. A compiled
// program is immutable; each Env still executes it, so no module state is
// shared between runs.
var stdlibPrograms sync.Map // string (key + NUL + source) -> *starlark.Program

func (e *Env) execStdlib(thread *starlark.Thread, key string, src []byte) (starlark.StringDict, error) {
	ck := key + "\x00" + string(src)
	prog, _ := stdlibPrograms.Load(ck)
	if prog == nil {
		_, p, err := starlark.SourceProgramOptions(FileOptions(), key, src, e.predeclared.Has)
		if err != nil {
			return nil, err
		}
		prog, _ = stdlibPrograms.LoadOrStore(ck, p)
	}
	globals, err := prog.(*starlark.Program).Init(thread, e.predeclared)
	globals.Freeze()
	return globals, err
}

func (e *Env) resolveModule(thread *starlark.Thread, module string) (string, func() ([]byte, error), error) {
	if rest, ok := strings.CutPrefix(module, "@stdlib/"); ok {
		name := path.Clean(rest)
		if !fs.ValidPath(name) {
			return "", nil, fmt.Errorf("bad @stdlib module name %q", module)
		}
		if e.stdlib == nil {
			return "", nil, fmt.Errorf("no standard library is available to load %q", module)
		}
		return "@stdlib/" + name, func() ([]byte, error) {
			b, err := fs.ReadFile(e.stdlib, name)
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("no module %q in the standard library", module)
			}
			return b, err
		}, nil
	}
	if strings.HasPrefix(module, "@") {
		return "", nil, fmt.Errorf("unknown module prefix in %q (only @stdlib/ is known; other modules are file paths)", module)
	}
	p := module
	if !filepath.IsAbs(p) {
		p = filepath.Join(scriptDir(thread), p)
	}
	p = filepath.Clean(p)
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", nil, err
	}
	roots := append([]string{e.scriptTree()}, e.opts.LoadPath...)
	for _, root := range roots {
		rootAbs, err := filepath.Abs(root)
		if err != nil {
			continue
		}
		rel, err := filepath.Rel(rootAbs, abs)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		return p, func() ([]byte, error) { return readModule(root, rel) }, nil
	}
	where := "the script's directory " + roots[0]
	if len(roots) > 1 {
		where += " and the load path (" + strings.Join(roots[1:], ", ") + ")"
	}
	return "", nil, &outsideError{where}
}

// outsideError is a file outside the directories scripts may read
// (load()'s advice; ReadScript gives its builtin's).
type outsideError struct{ where string }

func (e *outsideError) Error() string {
	return "it is outside " + e.where + "; load modules from the script's directory tree or @stdlib/..., or grant a directory with --load-path DIR"
}

// ReadScript reads a script that builtin (its name, for errors: "sweep")
// runs on its own under load()'s rules: a path relative to the calling
// file, inside the main script's directory tree or a --load-path
// directory, a regular file reached without a link leading out. Errors
// never quote the file. It returns the script's name (as load() names
// modules) and its source.
func (e *Env) ReadScript(thread *starlark.Thread, builtin, path string) (string, []byte, error) {
	if strings.IndexByte(path, 0) >= 0 {
		return "", nil, fmt.Errorf("cannot read %q: the path contains a NUL byte", path)
	}
	if strings.HasPrefix(path, "@") {
		return "", nil, fmt.Errorf("cannot read %s: a script to run is a file (copy a standard library module to run it)", path)
	}
	name, read, err := e.resolveModule(thread, path)
	var out *outsideError
	if errors.As(err, &out) {
		return "", nil, fmt.Errorf("cannot read %s: it is outside %s; %s() runs scripts from there only: move or copy %s into the script's directory tree, or grant its directory with --load-path DIR", path, out.where, builtin, filepath.Base(path))
	}
	if err != nil {
		return "", nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	src, err := read()
	if err != nil {
		return "", nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	return name, src, nil
}

// maxModuleSize bounds a module's source: no Starlark module is this big,
// and a larger file is most likely data loaded by mistake.
const maxModuleSize = 16 << 20

// readModule reads the module rel under root through an os.Root, so that
// no symbolic link leads out of root; it must be a regular file. Errors
// never quote the file's content.
func readModule(root, rel string) ([]byte, error) {
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	fi, err := r.Stat(rel)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("no file %s", filepath.Join(root, rel))
	case err != nil && strings.Contains(err.Error(), "path escapes from parent"): // os.Root's unexported error
		return nil, fmt.Errorf("it leads outside %s through a symbolic link", root)
	case err != nil:
		return nil, err
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file", filepath.Join(root, rel))
	case fi.Size() > maxModuleSize:
		return nil, fmt.Errorf("%s is %d MB, too big for a module (at most %d MB)", filepath.Join(root, rel), fi.Size()>>20, maxModuleSize>>20)
	}
	f, err := r.Open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxModuleSize+1))
}

// checkedSource reads a script's source as starlark.ExecFile would (src
// nil: the file) and checks it with CheckSource.
func checkedSource(filename string, src any) (any, error) {
	var data []byte
	switch s := src.(type) {
	case nil:
		b, err := os.ReadFile(filename)
		if err != nil {
			return nil, err
		}
		data = b
	case string:
		data = []byte(s)
	case []byte:
		data = s
	default:
		return src, nil // an io.Reader: Starlark reads it
	}
	if err := CheckSource(filename, data); err != nil {
		return nil, err
	}
	return data, nil
}

// scriptDir is the directory of the innermost Starlark file on the stack
// ("." for the REPL and for modules from the standard library).
func scriptDir(thread *starlark.Thread) string {
	for i := 0; i < thread.CallStackDepth(); i++ {
		fn := thread.CallFrame(i).Pos.Filename()
		if fn == "" || fn == "<builtin>" {
			continue
		}
		if strings.HasPrefix(fn, "<") || strings.HasPrefix(fn, "@") {
			return "."
		}
		return filepath.Dir(fn)
	}
	return "."
}

func envOf(thread *starlark.Thread) *Env {
	e, _ := thread.Local(envKey).(*Env)
	return e
}

// streamKey derives a PCG stream constant from a name, like engine.Sim.Stream.
func streamKey(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}
