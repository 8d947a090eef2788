package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/p2prepl/p2prepl/bindings"
	"github.com/p2prepl/p2prepl/bindings/outfiles"
	"github.com/p2prepl/p2prepl/runner"
	"github.com/p2prepl/p2prepl/runner/store"
)

const resultsUsage = `Usage:
  p2prepl results STORE [--csv | --json] [--runs] [--failed]
  p2prepl results merge DIR [-o STORE]

STORE is a results store written by p2prepl sweep (or p2prepl run
--results FILE.db), or a directory of them (the shards of a Slurm sweep:
DIR/shards/*.db), read as if merged.

  (no flag)   a summary and the results table: one line per recorded row of
              the runs that succeeded (run, seed, parameters, values)
  --csv       the results table as CSV on stdout
  --json      the results table as JSON on stdout
  --runs      one line per run instead: parameters, status, error position,
              wall seconds, events, messages delivered
  --failed    every run that failed, timed out or was interrupted, with its
              error and the p2prepl run command that reproduces it alone

merge combines the stores of DIR into one store (default DIR/results.db);
merging again adds only the runs that are new.
`

func resultsCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "merge" {
		return mergeCommand(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("p2prepl results", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var asCSV, asJSON, runs, failed bool
	fs.BoolVar(&asCSV, "csv", false, "")
	fs.BoolVar(&asJSON, "json", false, "")
	fs.BoolVar(&runs, "runs", false, "")
	fs.BoolVar(&failed, "failed", false, "")
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, resultsUsage)
		return exitOK
	}
	usage := func(err error) int {
		fmt.Fprintf(stderr, "p2prepl results: %v\n", err)
		fmt.Fprintln(stderr, "Run 'p2prepl results --help' for usage.")
		return exitUsage
	}
	switch {
	case err != nil:
		return usage(err)
	case len(pos) != 1:
		return usage(errors.New("give one store (a .db file or a directory of them)"))
	case asCSV && asJSON:
		return usage(errors.New("--csv or --json, not both"))
	}
	res, err := runner.Read(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "p2prepl results: %v\n", err)
		return exitScriptError
	}
	if failed {
		printFailed(stdout, res)
		return exitOK
	}
	t, err := res.Table()
	if runs {
		t, err = res.RunsTable()
	}
	if err != nil {
		fmt.Fprintf(stderr, "p2prepl results: %v\n", err)
		return exitScriptError
	}
	switch {
	case asCSV:
		io.WriteString(stdout, t.CSV())
	case asJSON:
		io.WriteString(stdout, t.JSON())
	default:
		fmt.Fprintln(stdout, summaryLine(pos[0], res))
		fmt.Fprintln(stdout, t.String())
	}
	return exitOK
}

// summaryLine: "results.db: 1 sweep of cell.star, 18 runs (12 ok, 6 error), 240 rows".
func summaryLine(path string, res *runner.Results) string {
	scripts := map[string]bool{}
	for _, sw := range res.Sweeps {
		scripts[sw.Script] = true
	}
	var names []string
	for s := range scripts {
		names = append(names, s)
	}
	sort.Strings(names)
	counts := res.Counts()
	var parts []string
	for _, st := range []store.Status{store.OK, store.Error, store.Timeout, store.Interrupted} {
		if counts[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[st], st))
		}
	}
	rows := 0
	for _, r := range res.Runs {
		if r.Status == store.OK {
			rows += len(r.Rows)
		}
	}
	plural := func(n int, w string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, w)
		}
		return fmt.Sprintf("%d %ss", n, w)
	}
	line := fmt.Sprintf("%s: %s of %s, %s", path, plural(len(res.Sweeps), "sweep"), strings.Join(names, ", "), plural(len(res.Runs), "run"))
	if len(parts) > 0 {
		line += " (" + strings.Join(parts, ", ") + ")"
	}
	return line + ", " + plural(rows, "row")
}

// printFailed lists the runs that did not succeed, each with its error
// and the command that reproduces it.
func printFailed(w io.Writer, res *runner.Results) {
	n := 0
	for _, r := range res.Sorted() {
		if r.Status == store.OK {
			continue
		}
		n++
		var ps []string
		for _, p := range r.Params {
			ps = append(ps, p.Name+"="+p.Value)
		}
		at := ""
		if r.ErrAt != "" {
			at = " at " + r.ErrAt
		}
		fmt.Fprintf(w, "run %d (seed %d %s): %s%s\n", r.ID, r.Seed, strings.Join(ps, " "), r.Status, at)
		for _, l := range strings.Split(strings.TrimRight(r.Err, "\n"), "\n") {
			fmt.Fprintf(w, "  %s\n", l)
		}
		fmt.Fprintf(w, "  reproduce: %s\n\n", runner.Command(r, res.Sweep(r)))
	}
	if n == 0 {
		fmt.Fprintf(w, "no failed runs (%d runs)\n", len(res.Runs))
	}
}

func mergeCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("p2prepl results merge", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var out string
	fs.StringVar(&out, "o", "", "")
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, resultsUsage)
		return exitOK
	}
	if err == nil && len(pos) != 1 {
		err = errors.New("merge needs one directory: p2prepl results merge DIR [-o STORE]")
	}
	if err != nil {
		fmt.Fprintf(stderr, "p2prepl results merge: %v\n", err)
		return exitUsage
	}
	if out == "" {
		out = filepath.Join(pos[0], "results.db")
	}
	n, err := runner.Merge(pos[0], out)
	if err != nil {
		fmt.Fprintf(stderr, "p2prepl results merge: %v\n", err)
		return exitScriptError
	}
	res, err := runner.Read(out)
	if err != nil {
		fmt.Fprintf(stderr, "p2prepl results merge: %v\n", err)
		return exitScriptError
	}
	fmt.Fprintf(stdout, "merged %d new runs into %s\n%s\n", n, out, summaryLine(out, res))
	return exitOK
}

// writeRunResults writes the rows a `p2prepl run` recorded to the file
// --results names, by its extension: .csv, .json (on success only), or a
// results store .db (with the run's status and error either way).
func writeRunResults(env *bindings.Env, cfg *config, runErr error, wall time.Duration, stderr io.Writer) error {
	var rows []store.Row
	for _, r := range env.Recorded() {
		sr := make(store.Row, len(r))
		for i, f := range r {
			sr[i] = store.Field{Name: f.Name, Value: f.Value}
		}
		rows = append(rows, sr)
	}
	switch ext := strings.ToLower(filepath.Ext(cfg.results)); ext {
	case ".csv", ".json":
		if runErr != nil {
			fmt.Fprintf(stderr, "p2prepl: the script failed: %s not written\n", cfg.results)
			return nil
		}
		t, err := runner.RowsTable(rows)
		if err != nil {
			return err
		}
		text := t.CSV()
		if ext == ".json" {
			text = t.JSON()
		}
		w, err := outfiles.Dir(filepath.Dir(cfg.results)).Create(filepath.Base(cfg.results))
		if err != nil {
			return err
		}
		if _, err := io.WriteString(w, text); err != nil {
			if a, ok := w.(outfiles.Aborter); ok {
				a.Abort()
			}
			return err
		}
		return w.Close()
	case ".db":
		var src []byte
		if cfg.file != "-" {
			src, _ = os.ReadFile(cfg.file)
		}
		script := runner.NewScript(cfg.file, src)
		st, err := store.Open(cfg.results)
		if err != nil {
			return err
		}
		defer st.Close()
		id, err := st.AddSweep(store.Sweep{Script: cfg.file, ScriptSHA256: script.SHA256,
			Command: runner.ShellJoin(os.Args), Version: version(),
			MaxSteps: cfg.opts.MaxSteps, MaxEvents: cfg.opts.MaxEvents, Timeout: cfg.timeout})
		if err != nil {
			return err
		}
		run := &store.Run{SweepID: id, ScriptSHA256: script.SHA256, Seed: env.Seed(), Status: store.OK,
			Wall: wall.Seconds(), Rows: rows}
		for k, v := range cfg.opts.Params {
			run.Params = append(run.Params, store.Param{Name: k, Value: v})
		}
		sort.Slice(run.Params, func(i, j int) bool { return run.Params[i].Name < run.Params[j].Name })
		run.Events, run.Delivered = env.Costs()
		if runErr != nil {
			run.Status, run.Err, run.ErrAt = store.Error, bindings.FormatError(runErr), runner.ErrorLine(runErr)
		}
		return st.Put(run)
	default:
		return fmt.Errorf("--results %s: want a .csv, .json or .db file", cfg.results)
	}
}
