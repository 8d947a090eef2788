package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/p2prepl/p2prepl/bindings/outfiles"
	"github.com/p2prepl/p2prepl/engine/shiviz"
)

const traceUsage = `Usage: p2prepl trace FILE.jsonl --shiviz OUT.log [--out DIR]

Converts an event trace written by simulation(trace = "FILE.jsonl") into a
ShiViz log: one line per event of a peer (sends, receipts, drops, marks,
going offline and back) with its vector clock, computed from the trace's
send numbers. Open OUT.log in ShiViz (its first line is the parser
expression ShiViz asks for) to see the run as a space-time diagram.
FILE "-" reads the trace from stdin; OUT.log is written under --out
(default ".").
`

// traceCommand runs p2prepl trace.
func traceCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("p2prepl trace", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var out, dir string
	fs.StringVar(&out, "shiviz", "", "")
	fs.StringVar(&dir, "out", ".", "")
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, traceUsage)
		return exitOK
	}
	switch {
	case err != nil:
	case len(pos) == 0:
		err = errors.New("trace needs a trace file: p2prepl trace FILE.jsonl --shiviz OUT.log")
	case len(pos) > 1:
		err = fmt.Errorf("unexpected argument %q after %s (one trace at a time)", pos[1], pos[0])
	case out == "":
		err = errors.New("trace: say what to write: --shiviz OUT.log")
	}
	if err != nil {
		fmt.Fprintf(stderr, "p2prepl: %v\n", err)
		fmt.Fprintln(stderr, "Run 'p2prepl trace --help' for usage.")
		return exitUsage
	}
	in := stdin
	name := pos[0]
	if name != "-" {
		// A named pipe would block until a writer comes ("-" reads a
		// stream from stdin), a device never end.
		fi, err := os.Stat(name)
		if err == nil && !fi.Mode().IsRegular() {
			what := "a named pipe, socket or device"
			if fi.IsDir() {
				what = "a directory"
			}
			fmt.Fprintf(stderr, "p2prepl: trace: %s is %s, not a trace file (to convert a stream, pipe it to p2prepl trace -)\n", name, what)
			return exitScriptError
		}
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(stderr, "p2prepl: trace: %v\n", err)
			return exitScriptError
		}
		defer f.Close()
		in = f
	}
	w, err := outfiles.Dir(dir).Create(out)
	if err != nil {
		fmt.Fprintf(stderr, "p2prepl: trace: --shiviz %s: %v\n", out, err)
		return exitScriptError
	}
	if err := shiviz.Convert(in, w); err != nil {
		if a, ok := w.(outfiles.Aborter); ok {
			a.Abort()
		}
		fmt.Fprintf(stderr, "p2prepl: trace: %s: %v\n", name, err)
		return exitScriptError
	}
	if err := w.Close(); err != nil {
		fmt.Fprintf(stderr, "p2prepl: trace: --shiviz %s: %v\n", out, err)
		return exitScriptError
	}
	fmt.Fprintf(stderr, "p2prepl: wrote the ShiViz log %s\n", filepath.Join(dir, out))
	return exitOK
}

// scriptTitle is how the report names the script.
func scriptTitle(file string) string {
	if file == "-" {
		return "<stdin>"
	}
	return filepath.Base(file)
}

// reportPath is where --report wrote, for the message saying so.
func reportPath(cfg *config) string {
	if cfg.opts.OutDir == "" || filepath.IsAbs(cfg.report) {
		return cfg.report
	}
	return filepath.Join(cfg.opts.OutDir, cfg.report)
}
