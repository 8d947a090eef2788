package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/p2prepl/p2prepl/bindings/outfiles"
	"github.com/p2prepl/p2prepl/runner"
	"github.com/p2prepl/p2prepl/runner/store"
)

const sweepUsage = `Usage: p2prepl sweep [flags] FILE.star

Runs FILE.star once per cell of a grid of parameters times seeds, each run
a fresh script execution with those param() values and that seed, on all
cores, and stores every run and every row it record()s in a results store
(SQLite). Read it with 'p2prepl results STORE', results(STORE) in
Starlark, sqlite3, pandas or DuckDB.

Flags:
  --grid name=v1,v2,...  a parameter and its values; repeatable (the grid is
                         every combination). Ranges: 1..6 (integers),
                         0:0.1:0.5 (start:step:stop)
  --set key=value        a parameter fixed for every run; repeatable
  --seeds S              seeds: a count (20 means 1..20) or seeds and ranges
                         (1..20, 3,5,8); default 1
  -j N                   runs at once (default: one per core)
  --out DIR              output directory (default "."): each run writes its
                         files under DIR/runs/<params,seed>/
  --store PATH           the results store (default DIR/results.db)
  --resume               skip the runs the store has finished already (same
                         script, parameters and seed); run the rest
  --max-steps N          Starlark steps allowed to each run
  --max-events N         events allowed to each simulation of a run
  --max-memory SIZE      memory the whole sweep may use (default: a quarter
                         of the machine's), shared by the runs in parallel
  --timeout D            wall time allowed to each run (90s, 10m)
  --shard i/K            run only part i of K of the grid (0 <= i < K)
  --quiet                no progress line
  --slurm DIR            do not run: write DIR/sweep.sbatch, a Slurm job array
                         whose task i runs '--shard i/K' into DIR/shards/i.db;
                         then 'p2prepl results merge DIR'
  --tasks K              array tasks for --slurm (default 10)
  --sbatch-arg ARG       an extra sbatch option for --slurm, as '--time=1:00:00'
                         (repeatable)
  --submit               with --slurm: submit the job array with sbatch

Exit status: 0 when every run succeeded, 1 when any failed (they are stored
with their errors; 'p2prepl results STORE --failed' prints the command that
reproduces each), 2 for a bad command line, 130 when interrupted (the runs
in flight are stored as interrupted; --resume finishes the sweep).
`

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// sweepConfig is the parsed command line of sweep.
type sweepConfig struct {
	file       string
	grid, sets listFlag
	seeds      string
	jobs       int
	out        string
	store      string
	ownStore   bool // the default store, DIR/results.db: under --out's rules
	resume     bool
	quiet      bool
	shard      string
	limits     runner.Limits
	slurm      string
	tasks      int
	sbatchArgs listFlag
	submit     bool
}

func parseSweep(args []string) (*sweepConfig, error) {
	fs := flag.NewFlagSet("p2prepl sweep", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := &sweepConfig{}
	fs.Var(&c.grid, "grid", "")
	fs.Var(&c.sets, "set", "")
	fs.StringVar(&c.seeds, "seeds", "1", "")
	fs.IntVar(&c.jobs, "j", 0, "")
	fs.StringVar(&c.out, "out", ".", "")
	fs.StringVar(&c.store, "store", "", "")
	fs.BoolVar(&c.resume, "resume", false, "")
	fs.BoolVar(&c.quiet, "quiet", false, "")
	fs.StringVar(&c.shard, "shard", "", "")
	fs.Uint64Var(&c.limits.MaxSteps, "max-steps", 0, "")
	fs.Uint64Var(&c.limits.MaxEvents, "max-events", 0, "")
	fs.Var(new(memFlag), "max-memory", "") // the process's, applied in main
	fs.Var((*timeoutFlag)(&c.limits.Timeout), "timeout", "")
	fs.StringVar(&c.slurm, "slurm", "", "")
	fs.IntVar(&c.tasks, "tasks", 10, "")
	fs.Var(&c.sbatchArgs, "sbatch-arg", "")
	fs.BoolVar(&c.submit, "submit", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, err
	}
	switch {
	case len(pos) == 0:
		return nil, errors.New("sweep needs a script: p2prepl sweep FILE.star --grid name=v1,v2 --seeds 20")
	case len(pos) > 1:
		return nil, fmt.Errorf("unexpected argument %q after %s (one script at a time)", pos[1], pos[0])
	}
	c.file = pos[0]
	if c.jobs < 0 {
		return nil, errors.New("-j must be at least 1 (0: one per core)")
	}
	if c.store == "" {
		c.store, c.ownStore = filepath.Join(c.out, "results.db"), true
	}
	if c.tasks < 1 {
		return nil, errors.New("--tasks must be at least 1")
	}
	if c.submit && c.slurm == "" {
		return nil, errors.New("--submit goes with --slurm DIR")
	}
	if c.slurm != "" && c.shard != "" {
		return nil, errors.New("--slurm makes the shards itself; drop --shard")
	}
	if c.slurm == "" {
		var err error
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "tasks" || f.Name == "sbatch-arg" {
				err = fmt.Errorf("--%s goes with --slurm DIR", f.Name)
			}
		})
		if err != nil {
			return nil, err
		}
	}
	for _, a := range c.sbatchArgs {
		if strings.ContainsAny(a, "\n\r") { // checked before DIR is made
			return nil, fmt.Errorf("--sbatch-arg %q spans lines: give one option per --sbatch-arg", a)
		}
	}
	return c, nil
}

// build turns the command line into a sweep (the script is read now).
func (c *sweepConfig) build(args []string) (*runner.Sweep, error) {
	var axes []runner.Axis
	for _, g := range c.grid {
		a, err := runner.ParseAxis(g)
		if err != nil {
			return nil, err
		}
		axes = append(axes, a)
	}
	for _, s := range c.sets {
		k, v, ok := strings.Cut(s, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("--set %q: want key=value", s)
		}
		axes = append(axes, runner.Axis{Name: k, Values: []string{v}})
	}
	seeds, err := runner.ParseSeeds(c.seeds)
	if err != nil {
		return nil, err
	}
	var shard runner.Shard
	if c.shard != "" {
		if shard, err = runner.ParseShard(c.shard); err != nil {
			return nil, err
		}
	}
	script, err := runner.LoadScript(c.file)
	if err != nil {
		return nil, fmt.Errorf("cannot read the script: %w", err)
	}
	sw := &runner.Sweep{
		Script: script, Axes: axes, Seeds: seeds, Shard: shard,
		Runner:  runner.Runner{Jobs: c.jobs, Limits: c.limits, OutDir: c.out, NewEnv: newEnv, Sweeping: []string{script.SHA256}},
		Store:   c.store,
		Resume:  c.resume,
		Command: runner.ShellJoin(append([]string{"p2prepl", "sweep"}, args...)),
		Version: version(),
	}
	if _, err := sw.Cells(); err != nil {
		return nil, err
	}
	return sw, nil
}

// version is this binary's version for the store: the module version and
// VCS revision when the build recorded them.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			v += " " + s.Value
		}
	}
	return v
}

func sweepCommand(args []string, stdout, stderr io.Writer) int {
	c, err := parseSweep(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, sweepUsage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "p2prepl sweep: %v\n", err)
		fmt.Fprintln(stderr, "Run 'p2prepl sweep --help' for usage.")
		return exitUsage
	}
	sw, err := c.build(args)
	if err != nil {
		fmt.Fprintf(stderr, "p2prepl sweep: %v\n", err)
		return exitUsage
	}
	noteScript(c.file)
	if c.slurm != "" {
		return writeSlurm(c, sw, stdout, stderr)
	}
	if c.ownStore {
		// Like every file under --out: not through a link leading out.
		if sw.Store, err = outfiles.Dir(c.out).Path("results.db"); err != nil {
			fmt.Fprintf(stderr, "p2prepl sweep: the results store: %v\n", err)
			return exitScriptError
		}
	}

	// Ctrl-C: the first stops the sweep (runs in flight are stored as
	// interrupted); a second one ends the process at once, which loses
	// only those runs: every stored run is committed.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)
	interrupted := make(chan struct{})
	go func() {
		defer exitOnPanic()
		if _, ok := <-sigs; !ok {
			return
		}
		close(interrupted)
		cancel()
		if _, ok := <-sigs; ok {
			fmt.Fprintln(stderr, "\np2prepl sweep: interrupted again; stopping now (finished runs are stored)")
			os.Exit(exitInterrupted)
		}
	}()

	cells, _ := sw.Cells()
	prog := newProgressWriter(io.Discard, stderr, !c.quiet && isTerminal(stderr))
	var lastDraw time.Time
	sw.Progress = func(p runner.Progress) {
		if !prog.enabled || time.Since(lastDraw) < progressTick && p.Done < p.Total {
			return
		}
		lastDraw = time.Now()
		prog.draw(sweepLine(p))
	}
	start := time.Now()
	sum, err := sw.Run(ctx)
	prog.clear()
	if err != nil {
		fmt.Fprintf(stderr, "p2prepl sweep: %v\n", err)
		if sum == nil {
			return exitScriptError
		}
	}
	for _, name := range sum.Unused {
		fmt.Fprintf(stderr, "p2prepl sweep: warning: parameter %s was never read by the script (no param(%q))\n", name, name)
	}
	wall := time.Since(start)
	ok := sum.Done - sum.Failed - sum.Interrupted
	fmt.Fprintf(stderr, "p2prepl sweep: %d runs of %s: %d ok, %d failed", len(cells), c.file, ok, sum.Failed)
	if sum.Skipped > 0 {
		fmt.Fprintf(stderr, ", %d done before (skipped)", sum.Skipped)
	}
	rate := float64(sum.Done) / wall.Seconds()
	fmt.Fprintf(stderr, " in %.1f s (%.1f runs/s); results in %s\n", wall.Seconds(), rate, c.store)
	if sum.Failed > 0 {
		shown := 0
		for _, r := range sum.Results {
			if r.Status != store.Error && r.Status != store.Timeout {
				continue
			}
			if shown == 3 {
				fmt.Fprintf(stderr, "  ... (p2prepl results %s --failed lists all %d)\n", runner.ShellJoin([]string{c.store}), sum.Failed)
				break
			}
			shown++
			run := r.Run(0)
			fmt.Fprintf(stderr, "  %s: %s\n    %s\n", r.Status, firstLine(r.Err), runner.Command(run, &store.Sweep{MaxSteps: c.limits.MaxSteps, MaxEvents: c.limits.MaxEvents, Timeout: c.limits.Timeout}))
		}
	}
	select {
	case <-interrupted:
		fmt.Fprintf(stderr, "p2prepl sweep: interrupted: %d runs in flight stored as interrupted, %d not started; the same command with --resume finishes the sweep\n",
			sum.Interrupted, sum.NotStarted)
		return exitInterrupted
	default:
	}
	if err != nil || !sum.OK() {
		return exitScriptError
	}
	return exitOK
}

// sweepLine formats "runs 12/40  1 failed  3.2 runs/s  ETA 9 s".
func sweepLine(p runner.Progress) string {
	line := fmt.Sprintf("runs %d/%d", p.Done, p.Total)
	if p.Skipped > 0 {
		line += fmt.Sprintf(" (+%d done before)", p.Skipped)
	}
	if p.Failed > 0 {
		line += fmt.Sprintf("  %d failed", p.Failed)
	}
	if secs := p.Elapsed.Seconds(); secs > 0 && p.Done > 0 {
		rate := float64(p.Done) / secs
		eta := time.Duration(float64(p.Total-p.Done) / rate * float64(time.Second)).Round(time.Second)
		line += fmt.Sprintf("  %s runs/s  ETA %v", strconv.FormatFloat(rate, 'f', 1, 64), eta)
	}
	return line
}

// writeSlurm writes DIR/sweep.sbatch, a job array whose task i runs shard
// i/K of the sweep into DIR/shards/i.db, and submits it with --submit.
func writeSlurm(c *sweepConfig, sw *runner.Sweep, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "p2prepl sweep: --slurm: %v\n", err)
		return exitScriptError
	}
	cells, _ := sw.Cells()
	tasks := min(c.tasks, len(cells))
	dir, err := filepath.Abs(c.slurm)
	if err != nil {
		return fail(err)
	}
	for _, d := range []string{dir, filepath.Join(dir, "shards"), filepath.Join(dir, "logs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fail(err)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return fail(fmt.Errorf("cannot find the p2prepl binary: %w", err))
	}
	cwd, err := os.Getwd()
	if err != nil {
		return fail(err)
	}
	out := c.out
	if out == "." {
		out = filepath.Join(dir, "out")
	}
	task := []string{exe, "sweep", c.file, "--seeds", c.seeds}
	for _, g := range c.grid {
		task = append(task, "--grid", g)
	}
	for _, s := range c.sets {
		task = append(task, "--set", s)
	}
	if c.limits.MaxSteps > 0 {
		task = append(task, "--max-steps", strconv.FormatUint(c.limits.MaxSteps, 10))
	}
	if c.limits.MaxEvents > 0 {
		task = append(task, "--max-events", strconv.FormatUint(c.limits.MaxEvents, 10))
	}
	if c.limits.Timeout > 0 {
		task = append(task, "--timeout", c.limits.Timeout.String())
	}
	task = append(task, "--out", out, "--quiet", "--resume")
	jobs := "${SLURM_CPUS_PER_TASK:-1}"
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/bash\n")
	fmt.Fprintf(&b, "# p2prepl sweep as a Slurm job array: task i runs shard i/%d of %d runs\n", tasks, len(cells))
	fmt.Fprintf(&b, "# into its own store %s/shards/i.db. Afterwards: p2prepl results merge %s\n", dir, dir)
	fmt.Fprintf(&b, "# Written by: %s\n", sw.Command)
	fmt.Fprintf(&b, "#SBATCH --job-name=p2prepl-sweep\n")
	fmt.Fprintf(&b, "#SBATCH --array=0-%d\n", tasks-1)
	fmt.Fprintf(&b, "#SBATCH --output=%s/logs/%%A_%%a.out\n", dir)
	if c.jobs > 0 {
		fmt.Fprintf(&b, "#SBATCH --cpus-per-task=%d\n", c.jobs)
		jobs = strconv.Itoa(c.jobs)
	}
	for _, a := range c.sbatchArgs {
		if strings.ContainsAny(a, "\n\r") {
			return fail(fmt.Errorf("--sbatch-arg %q spans lines", a))
		}
		fmt.Fprintf(&b, "#SBATCH %s\n", a)
	}
	fmt.Fprintf(&b, "set -euo pipefail\n")
	fmt.Fprintf(&b, "cd %s\n", runner.ShellJoin([]string{cwd}))
	fmt.Fprintf(&b, "exec %s -j %s --shard \"$SLURM_ARRAY_TASK_ID/%d\" --store %s/\"$SLURM_ARRAY_TASK_ID.db\"\n",
		runner.ShellJoin(task), jobs, tasks, runner.ShellJoin([]string{filepath.Join(dir, "shards")}))
	path := filepath.Join(dir, "sweep.sbatch")
	if err := os.WriteFile(path, []byte(b.String()), 0o755); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "wrote %s: a job array of %d tasks for %d runs\n", path, tasks, len(cells))
	if !c.submit {
		fmt.Fprintf(stdout, "submit it with: sbatch %s\nthen, when it has finished: p2prepl results merge %s\n", path, dir)
		return exitOK
	}
	cmd := exec.Command("sbatch", "--parsable", path)
	cmd.Stderr = stderr
	id, err := cmd.Output()
	if err != nil {
		return fail(fmt.Errorf("sbatch: %w", err))
	}
	jobID := strings.TrimSpace(string(id))
	fmt.Fprintf(stdout, "submitted job %s\nwatch it with: squeue -j %s\nthen, when it has finished: p2prepl results merge %s\n", jobID, jobID, dir)
	return exitOK
}
