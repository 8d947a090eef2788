package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chzyer/readline"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/p2prepl/p2prepl/bindings"
)

const (
	ps1 = ">>> "
	ps2 = "... "
	// replFile names REPL input in error messages, as bindings does.
	replFile = "<repl>"
)

// parseOpts only decides where a chunk of input ends; bindings parses it
// again with the real dialect and reports its own errors. It is the most
// permissive dialect so that it never rejects what bindings accepts.
var parseOpts = &syntax.FileOptions{
	Set:               true,
	While:             true,
	TopLevelControl:   true,
	GlobalReassign:    true,
	LoadBindsGlobally: true,
	Recursion:         true,
}

// replIO is where the REPL reads and writes.
type replIO struct {
	stdin  io.ReadCloser
	stdout *progressWriter
	stderr io.Writer
}

// historyPath is the REPL's history file: $P2PREPL_HISTORY if set (empty:
// no history), else <user config dir>/p2prepl/history, else
// ~/.p2prepl_history.
func historyPath() string {
	if p, ok := os.LookupEnv("P2PREPL_HISTORY"); ok {
		if p != "" {
			os.MkdirAll(filepath.Dir(p), 0o755)
		}
		return p
	}
	if dir, err := os.UserConfigDir(); err == nil {
		d := filepath.Join(dir, "p2prepl")
		if os.MkdirAll(d, 0o755) == nil {
			return filepath.Join(d, "history")
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".p2prepl_history")
	}
	return ""
}

// repl reads, evaluates and prints until Ctrl-D. globals are the script's
// when started with -i. It returns the exit status.
func repl(env *bindings.Env, globals starlark.StringDict, rio replIO) int {
	// The REPL's globals: a copy, since a script's globals are frozen.
	// bindings adds the builtins (help included) at the first chunk.
	g := make(starlark.StringDict, len(globals))
	for k, v := range globals {
		g[k] = v
	}
	predeclared := env.Predeclared()

	cfg := &readline.Config{
		Prompt:            ps1,
		HistoryFile:       historyPath(),
		AutoComplete:      &completer{globals: g, predeclared: predeclared, thread: env.NewThread("complete")},
		InterruptPrompt:   "^C",
		EOFPrompt:         "",
		HistorySearchFold: true,
		// chunkReader saves each input, a whole block as one entry.
		DisableAutoSaveHistory: true,
		Stderr:                 rio.stderr,
	}
	var stdin io.Reader = rio.stdin
	if rio.stdin == os.Stdin {
		stdin = readline.NewCancelableStdin(os.Stdin)
	}
	paste := newPasteReader(stdin)
	if rio.stdin == os.Stdin {
		paste.pending = stdinPending
	}
	cfg.Stdin, cfg.Listener = paste, paste
	rl, err := readline.NewEx(cfg)
	if err != nil {
		fmt.Fprintf(rio.stderr, "p2prepl: cannot start the REPL: %v\n", err)
		return exitScriptError
	}
	defer rl.Close()

	// SIGINT is caught for the whole session: at the prompt readline holds
	// the terminal in raw mode and Ctrl-C reaches it as a key
	// (readline.ErrInterrupt); during an evaluation the terminal is cooked
	// and Ctrl-C is a SIGINT, which interrupts the evaluation. Between
	// the two it is ignored instead of killing the session.
	ev := &evaluator{env: env, thread: env.NewThread("repl"), globals: g, io: rio}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)
	go func() {
		defer exitOnPanic()
		for range sigs {
			ev.interrupt()
		}
	}()

	if readline.DefaultIsTerminal() {
		fmt.Fprintln(rio.stdout, "p2prepl: help(x) shows documentation, dir(x) lists attributes, Tab completes, Ctrl-D leaves.")
	}
	in := &chunkReader{rl: rl}
	for {
		src, err := in.read()
		switch {
		case err == io.EOF:
			return exitOK
		case errors.Is(err, readline.ErrInterrupt):
			continue // the line (or block) was abandoned
		case err != nil:
			// A NUL or a byte that is not UTF-8 is what went wrong, not
			// the syntax error the parser made of it.
			if serr := bindings.CheckSource(replFile, replSource(src)); serr != nil {
				err = serr
			}
			fmt.Fprintln(rio.stderr, bindings.FormatError(err))
			continue
		case strings.TrimSpace(src) == "":
			continue
		}
		ev.eval(src)
	}
}

// chunkReader reads the REPL's input one complete statement at a time.
type chunkReader struct {
	rl       *readline.Instance
	pending  string // a line read past the end of a bad block
	skipping bool   // dropping the rest of a block with a syntax error
	recalled recall // the lines of a block recalled from the history
}

// line reads one line, prompting with prompt, or takes the pending one,
// or the next of a recalled block (see history.go).
func (c *chunkReader) line(prompt string) (string, error) {
	if c.pending != "" {
		l := c.pending
		c.pending = ""
		return l, nil
	}
	if l, ok := c.recalled.next(); ok {
		return l, nil
	}
	c.rl.SetPrompt(prompt)
	l, err := c.rl.Readline()
	if err == nil {
		l = c.recalled.expand(l)
	}
	return l, err
}

// read reads one complete statement (a line, or a block ended by an empty
// line), prompting with ">>> " then "... ". It returns io.EOF on Ctrl-D,
// readline.ErrInterrupt on Ctrl-C and a syntax error when the input cannot
// be parsed.
//
// A syntax error in a block (a def, for, if... whose first line or
// a later one is wrong) is reported at once, and the rest of the block is
// dropped: the indented lines that follow, up to an empty line, prompted
// with "... ". Without that each of them ran as a new statement and
// failed again ("unexpected indent"). A line at the left margin ends the
// block and is read as the next statement.
func (c *chunkReader) read() (string, error) {
	for c.skipping {
		line, err := c.line(ps2)
		switch {
		case err != nil:
			c.skipping = false
			return "", err
		case strings.TrimSpace(line) == "":
			c.skipping = false
			return "", nil
		case line[0] != ' ' && line[0] != '\t':
			c.skipping = false
			c.pending = line
		}
	}
	c.recalled.start()
	var (
		lines  []string
		readEr error
	)
	prompt := ps1
	read := func() ([]byte, error) {
		line, err := c.line(prompt)
		prompt = ps2
		if err != nil {
			readEr = err
			return nil, err
		}
		lines = append(lines, line)
		return []byte(line + "\n"), nil
	}
	_, err := parseOpts.ParseCompoundStmt(replFile, read)
	if readEr != nil {
		return "", readEr
	}
	if entry := historyEntry(lines); strings.TrimSpace(entry) != "" {
		c.rl.SaveHistory(entry)
	}
	if err != nil && (len(lines) > 1 || opensBlock(lines[0])) && strings.TrimSpace(lines[len(lines)-1]) != "" {
		c.skipping = true
	}
	return strings.Join(lines, "\n") + "\n", err
}

// opensBlock reports whether a line starts a block: it ends with ":"
// (before any comment).
func opensBlock(line string) bool {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	return strings.HasSuffix(strings.TrimSpace(line), ":")
}

// evaluator runs REPL chunks and turns Ctrl-C into an interruption.
type evaluator struct {
	env     *bindings.Env
	thread  *starlark.Thread
	globals starlark.StringDict
	io      replIO

	mu          sync.Mutex
	evaluating  bool
	interrupted atomic.Bool
	// interruptedAt is when the evaluation was first interrupted.
	interruptedAt time.Time
	// lastNow is the latest simulated time seen while interrupting.
	lastNow     float64
	lastNowSeen bool
}

// interrupt is called on SIGINT; it stops the evaluation in progress.
func (ev *evaluator) interrupt() {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if !ev.evaluating {
		return
	}
	if ev.interrupted.Load() && time.Since(ev.interruptedAt) > time.Second {
		// Still evaluating well after a first Ctrl-C: it is inside one
		// long Go call that cannot be cancelled; end the session rather
		// than leave the user stuck.
		ev.io.stdout.clear()
		fmt.Fprintln(ev.io.stderr, "p2prepl: interrupted again: the command did not stop (it is inside one long call); leaving")
		os.Exit(exitInterrupted)
	}
	if !ev.interrupted.Load() {
		ev.interruptedAt = time.Now()
	}
	ev.interrupted.Store(true)
	if now, _, _, ok := ev.env.Running(); ok {
		ev.lastNow, ev.lastNowSeen = now, true
	}
	ev.env.Interrupt()
}

func (ev *evaluator) eval(src string) {
	ev.mu.Lock()
	ev.evaluating = true
	ev.interrupted.Store(false)
	ev.lastNowSeen = false
	ev.mu.Unlock()

	var (
		v      starlark.Value
		isExpr bool
		err    = bindings.CheckSource(replFile, replSource(src))
	)
	if err == nil {
		stopProgress := ev.io.stdout.watch(ev.env.Progress)
		v, isExpr, err = ev.env.ExecREPLChunk(ev.thread, ev.globals, src)
		stopProgress()
	}

	ev.mu.Lock()
	ev.evaluating = false
	interrupted := ev.interrupted.Load()
	now, nowSeen := ev.lastNow, ev.lastNowSeen
	ev.mu.Unlock()
	if interrupted {
		// The thread is no longer inside the env once the chunk returned,
		// so clear its cancellation directly as well.
		ev.env.Uncancel()
		ev.thread.Uncancel()
	}

	switch {
	case interrupted:
		msg := "interrupted"
		if t, ok := interruptedAt(err); ok {
			now, nowSeen = t, true
		}
		if nowSeen {
			msg += " at t=" + formatMs(now) + " ms"
		}
		fmt.Fprintln(ev.io.stderr, msg)
		if err != nil && !bindings.IsInterruption(err) {
			fmt.Fprintln(ev.io.stderr, bindings.FormatError(err))
		}
	case err != nil:
		fmt.Fprintln(ev.io.stderr, bindings.FormatError(err))
	case isExpr && v != nil && v != starlark.None:
		fmt.Fprintln(ev.io.stdout, v.String())
	}
	if err == nil && isExpr && v != nil {
		ev.globals["_"] = v
	}
}

// interruptedAt is the simulated time a run stopped by an interruption
// reached, when err says.
func interruptedAt(err error) (float64, bool) {
	var ie *bindings.InterruptedError
	if errors.As(err, &ie) {
		return ie.At, true
	}
	return 0, false
}
