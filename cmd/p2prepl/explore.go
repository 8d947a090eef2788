package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/p2prepl/p2prepl/bindings"
	"github.com/p2prepl/p2prepl/bindings/outfiles"
	"github.com/p2prepl/p2prepl/bindings/spacetime"
	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/explore"
	"github.com/p2prepl/p2prepl/runner"
)

const exploreUsage = `Usage: p2prepl explore [flags] FILE.star

Runs FILE.star under many perturbation schedules sampled within a budget
(message delays, drops, crashes, partitions: what the model allows) and
reports the first run that breaks a property the script states with
invariant(...) or always(...) (or fails otherwise). The failing run is
then shrunk: parameters marked param(..., shrink = True) are lowered and
the schedule is cut by delta debugging to the few perturbations that
matter. The result is a schedule file and the one command that replays it:
  p2prepl run FILE.star --seed S --set k=v --schedule FILE.schedule.json

Flags:
  --budget SPEC     the budget, e.g. delay=80,drop=2,crash=1,partition=1x500
                    (keys of faults(): delay=D or LEAST..MOST, drop, crash,
                    partition=COUNTxMS, horizon, kinds=a|b, peers=1|2,
                    strategy, depth, sends); default: the script's faults=
  --strategy S      uniform, pct or boundary (replaces the budget's)
  --runs N          schedules to try (default 100)
  -j N              runs at once (default: one per core)
  --all             try every run and report every failure (default: stop
                    at the first; "first" is the lowest run number, whatever -j)
  --first-seed N    run i samples with faults seed N+i-1 (default 1)
  --no-shrink       report the failure without shrinking it
  --shrink-runs N   schedules tried at each smaller parameter value (default 20)
  --seed N, --set key=value, --max-steps N, --max-events N, --max-memory SIZE
                    as for p2prepl run, for every run
  --timeout D       wall time allowed to each run (default: none)
  --out DIR         where the schedule file (and the space-time diagram of
                    the shrunk run) go (default ".")
  --store PATH      the results store every run goes to, as sweeps'
                    (default DIR/results.db; read it with p2prepl results)
  --results F.json  also write every run's outcome as JSON
  --quiet           no progress line

Exit status: 0 when no run failed, 1 when one did, 2 for a bad command
line, 130 when interrupted.
`

func exploreCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("explore", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		seed                     seedFlag
		params                   = paramFlag{}
		budget, strategy, outDir string
		resultsPath, storePath   string
		runs, jobs, shrinkRuns   int
		firstSeed                uint64
		all, noShrink, quiet     bool
		maxSteps, maxEvents      uint64
		timeout                  time.Duration
	)
	fs.Var(&seed, "seed", "")
	fs.Var(params, "set", "")
	fs.StringVar(&budget, "budget", "", "")
	fs.StringVar(&strategy, "strategy", "", "")
	fs.Var(new(memFlag), "max-memory", "") // the process's, applied in main
	fs.StringVar(&outDir, "out", ".", "")
	fs.StringVar(&resultsPath, "results", "", "")
	fs.StringVar(&storePath, "store", "", "")
	fs.IntVar(&runs, "runs", 100, "")
	fs.IntVar(&jobs, "j", 0, "")
	fs.IntVar(&shrinkRuns, "shrink-runs", 20, "")
	fs.Uint64Var(&firstSeed, "first-seed", 1, "")
	fs.BoolVar(&all, "all", false, "")
	fs.BoolVar(&noShrink, "no-shrink", false, "")
	fs.BoolVar(&quiet, "quiet", false, "")
	fs.Uint64Var(&maxSteps, "max-steps", 0, "")
	fs.Uint64Var(&maxEvents, "max-events", 0, "")
	fs.Var((*timeoutFlag)(&timeout), "timeout", "")
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, exploreUsage)
		return exitOK
	}
	if err != nil {
		return exploreUsageError(stderr, err)
	}
	if len(pos) != 1 {
		return exploreUsageError(stderr, errors.New("explore needs one script: p2prepl explore [flags] FILE.star"))
	}
	noteScript(pos[0])
	if runs < 0 || jobs < 0 || shrinkRuns < 0 {
		return exploreUsageError(stderr, errors.New("--runs, -j and --shrink-runs must be >= 0"))
	}
	if runs > maxExploreRuns {
		return exploreUsageError(stderr, fmt.Errorf("--runs %d: at most %d schedules per exploration (explore again with --first-seed for more)", runs, maxExploreRuns))
	}
	if resultsPath != "" {
		if err := checkResultsPath(resultsPath); err != nil {
			return exploreUsageError(stderr, err)
		}
	}
	cfg := &explore.Config{
		Seed: seed.v, SeedSet: seed.set, Params: map[string]string(params),
		Strategy: strategy, Runs: runs, FirstSeed: firstSeed, Jobs: jobs, All: all,
		MaxSteps: maxSteps, MaxEvents: maxEvents, Timeout: timeout, OutDir: outDir,
	}
	if strategy != "" {
		if _, err := engine.ParseStrategy(strategy); err != nil {
			return exploreUsageError(stderr, err)
		}
	}
	if budget != "" {
		if cfg.Budget, err = bindings.ParseBudget(budget); err != nil {
			return exploreUsageError(stderr, err)
		}
	}
	if cfg.Script, err = explore.LoadScript(pos[0]); err != nil {
		fmt.Fprintf(stderr, "p2prepl: %v\n", err)
		return exitScriptError
	}

	if storePath == "" {
		// Like every file under --out: not through a link leading out.
		if storePath, err = outfiles.Dir(outDir).Path("results.db"); err != nil {
			fmt.Fprintf(stderr, "p2prepl: the results store: %v\n", err)
			return exitScriptError
		}
	} else if err := os.MkdirAll(filepath.Dir(storePath), 0o755); err != nil {
		fmt.Fprintf(stderr, "p2prepl: %v\n", err)
		return exitScriptError
	}
	res, err := explore.OpenResults(storePath, cfg, runner.ShellJoin(append([]string{"p2prepl", "explore"}, args...)), version())
	if err != nil {
		fmt.Fprintf(stderr, "p2prepl: the results store: %v\n", err)
		return exitScriptError
	}
	cfg.Results = res
	defer func() {
		if err := res.Close(); err != nil {
			fmt.Fprintf(stderr, "p2prepl: writing the results store %s: %v\n", storePath, err)
		}
	}()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-ctx.Done():
		}
	}()

	showProgress := !quiet && isTerminal(stderr)
	var progress explore.Progress
	if showProgress {
		progress = func(done, total, failures int) {
			fmt.Fprintf(stderr, "\r\x1b[Kexplore: %d/%d runs, %d failing", done, total, failures)
		}
	}
	rep, err := explore.Explore(ctx, cfg, progress)
	if showProgress {
		fmt.Fprint(stderr, "\r\x1b[K")
	}
	resultsFailed := false
	if resultsPath != "" && rep != nil {
		if werr := writeResults(resultsPath, rep); werr != nil {
			fmt.Fprintf(stderr, "p2prepl: writing %s: %v\n", resultsPath, werr)
			resultsFailed = true
		}
	}
	if errors.Is(err, explore.ErrNothingToPerturb) {
		return exploreUsageError(stderr, err)
	}
	if err != nil {
		fmt.Fprintf(stderr, "p2prepl: %v\n", err)
		return exitInterrupted
	}
	if rep.Plain.Status == explore.Failed && rep.Plain.Property == "" && len(rep.Runs) == 0 {
		// The script fails without any perturbation: show why, as run does.
		fmt.Fprintln(stderr, "the script fails without any perturbation:")
		fmt.Fprintln(stderr, rep.Plain.Err)
		return exitScriptError
	}
	perSec := 0.0
	if rep.Wall > 0 {
		perSec = float64(len(rep.Runs)+1) / rep.Wall.Seconds()
	}
	fmt.Fprintf(stdout, "explore %s: %d runs (and the unperturbed one) in %.1f s (%.1f runs/s), %d failing; stored in %s\n",
		cfg.Script.Path, len(rep.Runs), rep.Wall.Seconds(), perSec, len(rep.Failures), storePath)
	first := rep.First()
	if first == nil {
		fmt.Fprintln(stdout, "no run broke a property")
		if resultsFailed {
			return exitScriptError
		}
		return exitOK
	}
	if first.Run == 0 {
		fmt.Fprintln(stdout, "the unperturbed run already fails:")
	} else {
		fmt.Fprintf(stdout, "first failure: run %d (faults seed %d), %d perturbations:\n", first.Run, first.FaultSeed, first.Perturbations())
	}
	fmt.Fprintln(stdout, indent(firstLines(first.Err, 3)))
	if all {
		for _, f := range rep.Failures[1:] {
			fmt.Fprintf(stdout, "run %d (faults seed %d): %s\n", f.Run, f.FaultSeed, f.Signature())
		}
	}
	final := *first
	if !noShrink && first.Run != 0 {
		start := time.Now()
		sh, err := explore.Shrink(ctx, cfg, *first, explore.ShrinkOptions{ParamRuns: shrinkRuns})
		if err != nil {
			fmt.Fprintf(stderr, "p2prepl: %v\n", err)
		} else {
			final = sh.Outcome
			fmt.Fprintf(stdout, "shrunk in %d runs (%.1f s): %d perturbations -> %d%s\n", sh.Runs, time.Since(start).Seconds(),
				first.Perturbations(), final.Perturbations(), paramChange(first.Params, final.Params))
			for _, s := range final.Schedules {
				for _, p := range s {
					fmt.Fprintf(stdout, "  %s\n", p)
				}
			}
			fmt.Fprintln(stdout, indent(firstLines(final.Err, 3)))
		}
	}
	base := strings.TrimSuffix(filepath.Base(cfg.Script.Path), filepath.Ext(cfg.Script.Path))
	schedPath := filepath.Join(outDir, base+".schedule.json")
	sf := &explore.File{
		Script: cfg.Script.Path, ScriptSHA256: cfg.Script.SHA256, Seed: seedOf(cfg), Params: final.Params,
		FaultSeed: final.FaultSeed, Failure: final.Signature(), Error: final.Err, Simulations: final.Schedules,
	}
	if cfg.Budget != nil {
		sf.Budget = bindings.FormatBudget(cfg.Budget)
	}
	if err := sf.Save(schedPath); err != nil {
		fmt.Fprintf(stderr, "p2prepl: writing %s: %v\n", schedPath, err)
		return exitScriptError
	}
	fmt.Fprintf(stdout, "schedule: %s\n", schedPath)
	replay := fmt.Sprintf("p2prepl run %s", shellArg(cfg.Script.Path))
	if cfg.SeedSet {
		replay += fmt.Sprintf(" --seed %d", cfg.Seed)
	}
	replay += explore.ParamArgs(final.Params) + " --schedule " + shellArg(schedPath)
	fmt.Fprintf(stdout, "replay: %s\n", replay)
	if svg, err := diagram(cfg, final, filepath.Join(outDir, base+".spacetime.svg")); err != nil {
		fmt.Fprintf(stderr, "p2prepl: no space-time diagram: %v\n", err)
	} else if svg != "" {
		fmt.Fprintf(stdout, "space-time diagram: %s\n", svg)
	}
	return exitScriptError
}

// maxExploreRuns bounds --runs: each run keeps its outcome in memory.
const maxExploreRuns = 10_000_000

func exploreUsageError(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "p2prepl explore: %v\n", err)
	fmt.Fprintln(stderr, "Run 'p2prepl explore --help' for usage.")
	return exitUsage
}

func seedOf(cfg *explore.Config) uint64 {
	if cfg.SeedSet {
		return cfg.Seed
	}
	return 1
}

func paramChange(from, to map[string]string) string {
	var parts []string
	for k, v := range to {
		if from[k] != v {
			parts = append(parts, fmt.Sprintf("%s: %s -> %s", k, orDefault(from[k]), v))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func orDefault(s string) string {
	if s == "" {
		return "default"
	}
	return s
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

func shellArg(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"$`\\*?[]{}()<>|&;#~!") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// diagram replays the final run keeping its history and draws the first
// simulation's space-time diagram, for runs small enough to read.
func diagram(cfg *explore.Config, o explore.Outcome, path string) (string, error) {
	sims, err := explore.ReplayHistory(cfg, o)
	if err != nil {
		return "", err
	}
	if len(sims) == 0 {
		return "", nil
	}
	d, err := spacetime.Build(sims[0], spacetime.Options{Start: math.NaN(), End: math.NaN()})
	if err != nil {
		return "", err
	}
	w, err := outfiles.Dir(filepath.Dir(path)).Create(filepath.Base(path))
	if err != nil {
		return "", err
	}
	if err := d.SVG(w); err != nil {
		w.(outfiles.Aborter).Abort()
		return "", err
	}
	return path, w.Close()
}

type resultRow struct {
	Run           int               `json:"run"`
	FaultSeed     uint64            `json:"fault_seed"`
	Params        map[string]string `json:"params,omitempty"`
	Status        explore.Status    `json:"status"`
	Property      string            `json:"property,omitempty"`
	Error         string            `json:"error,omitempty"`
	Perturbations int               `json:"perturbations,omitempty"` // counted for failing runs
	Events        uint64            `json:"events"`
	WallSeconds   float64           `json:"wall_s"`
}

func writeResults(path string, rep *explore.Report) error {
	rows := []resultRow{}
	for _, o := range append([]explore.Outcome{rep.Plain}, rep.Runs...) {
		rows = append(rows, resultRow{o.Run, o.FaultSeed, o.Params, o.Status, o.Property, o.Err, o.Perturbations(), o.Events, o.Wall.Seconds()})
	}
	data, err := json.MarshalIndent(rows, "", " ")
	if err != nil {
		return err
	}
	w, err := outfiles.Dir(filepath.Dir(path)).Create(filepath.Base(path))
	if err != nil {
		return err
	}
	if _, err := w.Write(append(data, '\n')); err != nil {
		w.(outfiles.Aborter).Abort()
		return err
	}
	return w.Close()
}

// checkResultsPath refuses, before any run, a --results file that could
// not be written: it names a JSON file, and nothing there but a file.
func checkResultsPath(path string) error {
	if !strings.HasSuffix(path, ".json") {
		return fmt.Errorf("--results %s: want a .json file (every run's outcome is written as JSON)", path)
	}
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("--results %s: it exists and is not a regular file (a directory, link, named pipe or device); give a file name", path)
	}
	return nil
}
