// Command p2prepl runs p2prepl's Starlark experiments and opens its REPL.
//
//	p2prepl                       open the REPL
//	p2prepl run FILE.star         run a script
//	p2prepl -i FILE.star          run a script, then stay at the prompt
//	p2prepl help [NAME]           show the documentation of a builtin
//	p2prepl sweep FILE.star       run a grid of parameters x seeds into a results store
//	p2prepl results STORE         read a results store
//
// Run `p2prepl --help` for the flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings"
	"github.com/p2prepl/p2prepl/explore"
)

// Exit statuses.
const (
	exitOK          = 0
	exitScriptError = 1 // the script failed: the message says where and why
	exitUsage       = 2 // bad command line
	exitInternal    = 3 // a bug in p2prepl (a recovered Go panic)
	exitInterrupted = 130
)

var usageText = fmt.Sprintf(`p2prepl: a discrete-event simulator of peer-to-peer networks, driven by Starlark.

Usage:
  p2prepl [flags]                  open the REPL
  p2prepl run [flags] FILE.star    run a script ("-" reads it from stdin)
  p2prepl -i [flags] FILE.star     run a script, then stay at the prompt with its globals
                                   and the names it loaded
  p2prepl help [NAME]              show the documentation of a builtin
                                   (p2prepl help simulation, p2prepl help dist.lognorm);
                                   without NAME, list every builtin
  p2prepl sweep [flags] FILE.star  run FILE.star over a grid of parameters x seeds on
                                   all cores into a results store (p2prepl sweep --help)
  p2prepl results STORE            print, export or merge a results store
                                   (p2prepl results --help)
  p2prepl explore [flags] FILE.star  search perturbation schedules for a run that
                                   breaks the script's properties, and shrink it
                                   (p2prepl explore --help)
  p2prepl trace FILE.jsonl --shiviz OUT.log
                                   convert an event trace (simulation(trace = ...))
                                   to a ShiViz log, with vector clocks

Flags (before or after FILE.star):
  --seed N          seed of every simulation whose script sets none (default 1)
  --set key=value   a parameter the script reads with param("key"); repeatable
  --out DIR         directory the script writes its files to (default ".";
                    created if missing)
  --max-steps N     Starlark execution steps allowed to the script, and to
                    each REPL input (default %d)
  --max-events N    events allowed to each simulation (default %d)
  --max-pending N   events a simulation may have scheduled at once, or 16
                    per peer if more (default %d): a storm of timers or
                    messages stops with its busiest sources named
  --max-stall N     events a simulation may process in a row without its
                    clock advancing (default %d, grown like --max-pending)
  --max-memory SIZE memory the script may use (4GB, 512MB; off for none;
                    default: a quarter of the machine's memory, at most 2 GB:
                    %s here); a script or run that needs more stops
                    with a message
  --timeout D       wall time allowed to the script (a Go duration: 90s, 10m;
                    default: none)
  --load-path DIR   a directory load() may read modules from, besides the
                    script's own directory tree and @stdlib; repeatable
  --quiet           no progress line on stderr during long runs
  --results FILE    write the rows the script record()s to FILE: .csv, .json,
                    or .db (a results store, as p2prepl sweep writes)
  --budget SPEC     perturb every simulation within a budget, e.g.
                    delay=80,drop=2,crash=1,partition=1x500,strategy=pct
                    (the keys of faults(); replaces the script's faults=)
  --schedule F.json replay a schedule saved by 'p2prepl explore' exactly (on
                    the run it was recorded from: a simulation beyond those
                    it lists is an error)
  --report FILE     write the run's one-page HTML report to FILE (under --out)
                    when the script ends, even if it fails: every simulation
                    keeps its history, the last one created is reported
  -i                after the script, open the REPL with its globals
  -h, --help        show this help

In the REPL: help(x) shows the documentation of x (help("stdlib") the
standard library), dir(x) lists its attributes and dir() your names. Tab
completes names; attributes after a name, ps[0] or a call of a builtin
without side effects (sim.counter("gossip").<Tab>); keyword arguments
(simulation(se<Tab>); and load("@stdlib/... paths and names. A block
(def, for, if) ends with an empty line; Up recalls it whole. Ctrl-C
stops the running command (a simulation stays usable at the time it
reached), Ctrl-D leaves. The history is kept in $P2PREPL_HISTORY, else
in <user config dir>/p2prepl/history.

Exit status: 0 on success, 1 when the script fails (an error in it, or a
limit reached: steps, events, pending events, memory, time), 2 for a bad
command line, 3 for an internal error (a bug in p2prepl, not in the
script: please report it), 130 when interrupted.
`, bindings.DefaultMaxSteps, bindings.DefaultMaxEvents, bindings.DefaultMaxPending, bindings.DefaultMaxStall, bindings.FormatBytes(defaultMaxMemory()))

func main() {
	args := os.Args[1:]
	stderr := os.Stderr
	if runsScripts(args) {
		if os.Getenv(childEnv) == "" {
			limit := defaultMaxMemory()
			if v, ok := maxMemoryArg(args); ok {
				limit = v
			}
			if limit > 0 {
				if code := supervise(args, limit); code >= 0 {
					os.Exit(code)
				}
			}
		}
		stderr, _ = startMemoryLimit(args)
	}
	os.Exit(realMain(args, os.Stdin, os.Stdout, stderr))
}

// realMain is the whole program; it never lets a Go panic reach the user.
func realMain(args []string, stdin io.ReadCloser, stdout, stderr io.Writer) (status int) {
	defer func() {
		if r := recover(); r != nil {
			reportInternal(stderr, r)
			status = exitInternal
		}
	}()
	return dispatch(args, stdin, stdout, stderr)
}

// dispatch runs the command args names (a variable so that a test can
// make it panic).
var dispatch = func(args []string, stdin io.ReadCloser, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "help":
			return helpCommand(args[1:], stdout, stderr)
		case "run":
			return runCommand(args[1:], true, stdin, stdout, stderr)
		case "sweep":
			return sweepCommand(args[1:], stdout, stderr)
		case "results":
			return resultsCommand(args[1:], stdout, stderr)
		case "explore":
			return exploreCommand(args[1:], stdout, stderr)
		case "trace":
			return traceCommand(args[1:], stdin, stdout, stderr)
		}
	}
	return runCommand(args, false, stdin, stdout, stderr)
}

// reportInternal prints a recovered Go panic as an internal error.
func reportInternal(stderr io.Writer, r any) {
	fmt.Fprintf(stderr, "internal error: %v\n", r)
	fmt.Fprintln(stderr, "This is a bug in p2prepl, not in your script; please report it with the script that caused it.")
	if os.Getenv("P2PREPL_DEBUG") != "" {
		stderr.Write(debug.Stack())
	} else {
		fmt.Fprintln(stderr, "(set P2PREPL_DEBUG=1 to see the Go stack)")
	}
}

// exitOnPanic ends the process with an internal error if the goroutine it
// is deferred in panics; realMain cannot recover other goroutines' panics.
func exitOnPanic() {
	if r := recover(); r != nil {
		reportInternal(os.Stderr, r)
		os.Exit(exitInternal)
	}
}

// config is the parsed command line of run (and of the bare REPL).
type config struct {
	file        string // "" for the bare REPL
	budget      string
	schedule    string
	warnings    []string // printed before the script runs
	interactive bool
	quiet       bool
	timeout     time.Duration
	results     string // --results FILE
	report      string // --report: the HTML report to write after the script
	opts        bindings.Options
}

// paramFlag collects repeated --set key=value flags.
type paramFlag map[string]string

func (p paramFlag) String() string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=" + p[k])
	}
	return b.String()
}

func (p paramFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	p[k] = v
	return nil
}

// dirList collects repeated --load-path DIR flags; each must be a
// directory.
type dirList []string

func (d *dirList) String() string { return strings.Join(*d, ",") }
func (d *dirList) Set(s string) error {
	fi, err := os.Stat(s)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", s)
	}
	*d = append(*d, s)
	return nil
}

// seedFlag is a uint64 flag that remembers whether it was given.
type seedFlag struct {
	v   uint64
	set bool
}

func (s *seedFlag) String() string { return strconv.FormatUint(s.v, 10) }
func (s *seedFlag) Set(v string) error {
	n, err := strconv.ParseUint(strings.TrimSpace(v), 0, 64)
	if err != nil {
		return errors.New("want a non-negative integer")
	}
	s.v, s.set = n, true
	return nil
}

// timeoutFlag is a wall-time limit: a positive Go duration, or 0 for none
// (a negative one used to mean none as well, silently).
type timeoutFlag time.Duration

func (d *timeoutFlag) String() string { return time.Duration(*d).String() }
func (d *timeoutFlag) Set(s string) error {
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return errors.New("want a duration such as 90s or 10m (0 for none)")
	}
	if v < 0 {
		return errors.New("a wall-time limit cannot be negative (0 for none)")
	}
	*d = timeoutFlag(v)
	return nil
}

// parseConfig parses the flags of run; flags may come before or after the
// file name. needFile says a file is required (the run subcommand).
func parseConfig(args []string, needFile bool, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("p2prepl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		seed   seedFlag
		params = paramFlag{}
		cfg    config
	)
	fs.Var(&seed, "seed", "")
	fs.Var(params, "set", "")
	fs.StringVar(&cfg.opts.OutDir, "out", "", "")
	fs.Uint64Var(&cfg.opts.MaxSteps, "max-steps", 0, "")
	fs.Uint64Var(&cfg.opts.MaxEvents, "max-events", 0, "")
	fs.Uint64Var(&cfg.opts.MaxPending, "max-pending", 0, "")
	fs.Var(new(memFlag), "max-memory", "") // applied in main, before anything runs
	fs.Uint64Var(&cfg.opts.MaxStall, "max-stall", 0, "")
	fs.BoolVar(&cfg.quiet, "quiet", false, "")
	fs.Var((*timeoutFlag)(&cfg.timeout), "timeout", "")
	fs.BoolVar(&cfg.interactive, "i", false, "")
	fs.StringVar(&cfg.results, "results", "", "")
	fs.StringVar(&cfg.budget, "budget", "", "")
	fs.StringVar(&cfg.schedule, "schedule", "", "")
	fs.Var((*dirList)(&cfg.opts.LoadPath), "load-path", "")
	fs.StringVar(&cfg.report, "report", "", "")

	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, err
	}
	switch {
	case len(pos) > 1:
		return nil, fmt.Errorf("unexpected argument %q after %s (one script at a time)", pos[1], pos[0])
	case len(pos) == 1:
		cfg.file = pos[0]
	case needFile:
		return nil, errors.New("run needs a script: p2prepl run FILE.star")
	case cfg.interactive:
		return nil, errors.New("-i needs a script: p2prepl -i FILE.star")
	}
	cfg.opts.Seed, cfg.opts.SeedSet = seed.v, seed.set
	cfg.opts.Params = map[string]string(params)
	if cfg.budget != "" && cfg.schedule != "" {
		return nil, errors.New("give --budget (sample a schedule) or --schedule (replay one), not both")
	}
	if cfg.budget != "" {
		b, err := bindings.ParseBudget(cfg.budget)
		if err != nil {
			return nil, err
		}
		cfg.opts.Perturb = &bindings.Perturbation{Budget: b}
	}
	if cfg.schedule != "" {
		f, err := explore.LoadFile(cfg.schedule)
		if err != nil {
			return nil, fmt.Errorf("--schedule: %w", err)
		}
		cfg.opts.Perturb = &bindings.Perturbation{Schedule: f.Simulations}
		if cfg.file != "" && cfg.file != "-" && f.ScriptSHA256 != "" {
			if s, err := explore.LoadScript(cfg.file); err == nil && s.SHA256 != f.ScriptSHA256 {
				cfg.warnings = append(cfg.warnings, fmt.Sprintf("%s has changed since %s was recorded from it; the replay may differ", cfg.file, cfg.schedule))
			}
		}
	}
	return &cfg, nil
}

// parseInterspersed parses flags anywhere among the positional arguments,
// up to a "--" after which everything is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) (pos []string, err error) {
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func usageError(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "p2prepl: %v\n", err)
	fmt.Fprintln(stderr, "Run 'p2prepl --help' for usage.")
	return exitUsage
}

// runCommand runs a script and/or opens the REPL.
func runCommand(args []string, needFile bool, stdin io.ReadCloser, stdout, stderr io.Writer) int {
	cfg, err := parseConfig(args, needFile, stderr)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usageText)
		return exitOK
	}
	if err != nil {
		return usageError(stderr, err)
	}
	if cfg.report != "" {
		if cfg.file == "" {
			return usageError(stderr, errors.New("--report needs a script: p2prepl run --report out.html FILE.star"))
		}
		if ext := strings.ToLower(filepath.Ext(cfg.report)); ext != ".html" && ext != ".htm" {
			return usageError(stderr, fmt.Errorf("--report %s: want a file name ending in .html", cfg.report))
		}
		cfg.opts.Record = true
	}
	// The script is read before anything starts: a missing file, a
	// directory or a named pipe is a bad command line, -i or not.
	var script *scriptSource
	if cfg.file != "" {
		if script, err = readScript(cfg.file, stdin); err != nil {
			fmt.Fprintf(stderr, "p2prepl: %v\n", err)
			return exitUsage
		}
	}
	if cfg.opts.OutDir != "" {
		if err := os.MkdirAll(cfg.opts.OutDir, 0o755); err != nil {
			fmt.Fprintf(stderr, "p2prepl: cannot create the output directory: %v\n", err)
			return exitScriptError
		}
	}

	showProgress := !cfg.quiet && isTerminal(stderr)
	out := newProgressWriter(stdout, stderr, showProgress)
	cfg.opts.Stdout = out
	if cfg.file == "" || cfg.interactive {
		// At the prompt, sim.rewind(t) works without sim.record_timeline().
		cfg.opts.Timeline = true
	}
	env := newEnv(cfg.opts)
	for _, w := range cfg.warnings {
		fmt.Fprintf(stderr, "p2prepl: warning: %s\n", w)
	}
	running.Store(env)
	noteScript(cfg.file)

	status := exitOK
	if cfg.file != "" {
		var globals starlark.StringDict
		var runErr error
		start := time.Now()
		globals, status, runErr = runScript(env, cfg, script, out, stderr)
		if cfg.report != "" {
			failure := ""
			if runErr != nil {
				failure = bindings.FormatError(runErr)
			}
			if err := env.WriteReport(cfg.report, scriptTitle(cfg.file), failure); err != nil {
				fmt.Fprintf(stderr, "p2prepl: %v\n", err)
				if status == exitOK {
					status = exitScriptError
				}
			} else {
				fmt.Fprintf(stderr, "p2prepl: wrote the report %s\n", reportPath(cfg))
			}
		}
		if cfg.results != "" {
			if err := writeRunResults(env, cfg, runErr, time.Since(start), stderr); err != nil {
				fmt.Fprintf(stderr, "p2prepl: --results: %v\n", err)
				if status == exitOK {
					status = exitScriptError
				}
			}
		}
		if listed, created, short := env.ScheduleShort(); cfg.schedule != "" && short {
			fmt.Fprintf(stderr, "p2prepl: warning: %s lists %d simulations and the script created %d: the rest replayed nothing (it was recorded for another script, seed or parameters?)\n", cfg.schedule, listed, created)
		}
		if n := env.Unmatched(); cfg.schedule != "" && n > 0 {
			fmt.Fprintf(stderr, "p2prepl: warning: %d delays and drops of %s matched no message: it was recorded for another script, seed or parameters (use the replay command explore printed)\n", n, cfg.schedule)
		}
		if status == exitOK && !cfg.interactive { // the REPL may read them later
			for _, k := range env.UnusedParams() {
				fmt.Fprintf(stderr, "p2prepl: warning: --set %s=... was never read (no param(%q) in the script)\n", k, k)
			}
		}
		if cfg.interactive {
			status = repl(env, globals, replIO{stdin: stdin, stdout: out, stderr: stderr})
		}
	} else {
		status = repl(env, nil, replIO{stdin: stdin, stdout: out, stderr: stderr})
	}
	if err := env.Close(); err != nil {
		fmt.Fprintf(stderr, "p2prepl: writing output: %v\n", err)
		if status == exitOK {
			status = exitScriptError
		}
	}
	return status
}

// interruptGrace is how long a script may take to stop after --timeout
// interrupted it before the process ends anyway ($P2PREPL_INTERRUPT_GRACE,
// a Go duration, shortens it for tests).
var interruptGrace = func() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("P2PREPL_INTERRUPT_GRACE")); err == nil && d > 0 {
		return d
	}
	return 10 * time.Second
}()

// runScript executes cfg.file. On failure it prints the error and returns
// a non-zero status, and the globals the script had defined so far.
func runScript(env *bindings.Env, cfg *config, script *scriptSource, out *progressWriter, stderr io.Writer) (starlark.StringDict, int, error) {
	name, src := script.name, script.src
	if err := bindings.CheckSource(name, src); err != nil {
		fmt.Fprintln(stderr, bindings.FormatError(err))
		return nil, exitScriptError, err
	}

	// Ctrl-C: the first stops the script cleanly (it fails with a message
	// saying where it was); a second one ends the process.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	done := make(chan struct{})
	var interrupted, timedOut atomic.Bool
	var deadline <-chan time.Time
	if cfg.timeout > 0 {
		timer := time.NewTimer(cfg.timeout)
		defer timer.Stop()
		deadline = timer.C
	}
	go func() {
		defer exitOnPanic()
		select {
		case <-sigs:
			interrupted.Store(true)
			env.Interrupt()
		case <-deadline:
			timedOut.Store(true)
			env.Interrupt()
			// Starlark code and runs stop at once; one long Go call (a
			// builtin building a huge value, str() of a deep list) does
			// not notice: the limit still holds.
			select {
			case <-done:
			case <-time.After(interruptGrace):
				out.clear()
				fmt.Fprintf(stderr, "wall-time limit reached: the script ran longer than %v (raise it with --timeout), and did not stop within %v of being interrupted (it was inside one long call)\n", cfg.timeout, interruptGrace)
				os.Exit(exitScriptError)
			}
			return
		case <-done:
			return
		}
		select {
		case <-sigs:
			out.clear()
			fmt.Fprintln(stderr, "p2prepl: interrupted")
			os.Exit(exitInterrupted)
		case <-done:
		}
	}()

	thread := env.NewThread(name)
	stopProgress := out.watch(env.Progress)
	exec := env.ExecFile
	if cfg.interactive {
		exec = env.ExecFileInteractive // the prompt gets what the script loaded too
	}
	globals, err := exec(thread, name, src)
	stopProgress()
	close(done)
	signal.Stop(sigs)

	if err != nil {
		if timedOut.Load() {
			msg := fmt.Sprintf("wall-time limit reached: the script ran longer than %v (raise it with --timeout)", cfg.timeout)
			if t, ok := interruptedAt(err); ok {
				msg += "; stopped at t=" + formatMs(t) + " ms"
			}
			fmt.Fprintln(stderr, msg)
			fmt.Fprintln(stderr, bindings.FormatError(err))
			return globals, exitScriptError, err
		}
		if interrupted.Load() {
			msg := "interrupted"
			if t, ok := interruptedAt(err); ok {
				msg += " at t=" + formatMs(t) + " ms"
			}
			fmt.Fprintln(stderr, msg)
			fmt.Fprintln(stderr, bindings.FormatError(err))
			return globals, exitInterrupted, err
		}
		fmt.Fprintln(stderr, bindings.FormatError(err))
		var ie *bindings.InternalError
		if errors.As(err, &ie) {
			return globals, exitInternal, err
		}
		return globals, exitScriptError, err
	}
	return globals, exitOK, nil
}

// scriptSource is a script's name (as positions show it) and its text.
type scriptSource struct {
	name string
	src  []byte
}

// readScript reads the script named on the command line ("-": stdin; a
// path must name a regular file, see bindings.ReadScriptFile).
func readScript(file string, stdin io.Reader) (*scriptSource, error) {
	if file == "-" {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("reading the script from stdin: %v", err)
		}
		return &scriptSource{"<stdin>", data}, nil
	}
	data, err := bindings.ReadScriptFile(file)
	if err != nil {
		return nil, err
	}
	return &scriptSource{file, data}, nil
}
