//go:build !windows

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/creack/pty"
)

// wait is how long to wait for expected output. It bounds waits; nothing
// is asserted about how fast the REPL answers.
const wait = 20 * time.Second

// session is p2prepl running on a pseudo-terminal, as a user would see it.
type session struct {
	t    *testing.T
	cmd  *exec.Cmd
	tty  *os.File
	done chan struct{} // closed when the output reader stops

	mu   sync.Mutex
	out  bytes.Buffer // everything the terminal showed
	seen int          // how much of out expect consumed
}

// startSession starts the binary with args on a terminal, with its
// history in histFile.
func startSession(t *testing.T, histFile string, args ...string) *session {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "P2PREPL_HISTORY="+histFile, "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 200})
	if err != nil {
		t.Fatal(err)
	}
	s := &session{t: t, cmd: cmd, tty: tty, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return // EIO once the child has exited
			}
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		tty.Close()
	})
	return s
}

// rest is the raw output expect has not consumed yet.
func (s *session) rest() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()[s.seen:]
}

var csi = regexp.MustCompile(`^\x1b\[([0-9;?]*)([A-Za-z])`)

// render interprets the carriage returns, backspaces and line-erasing
// escapes of terminal output; other escape sequences are dropped.
func render(out string) string {
	var (
		done strings.Builder // finished lines
		line []rune          // the line the cursor is on
		col  int
	)
	for len(out) > 0 {
		if m := csi.FindStringSubmatch(out); m != nil {
			out = out[len(m[0]):]
			switch {
			case m[2] == "K" && m[1] == "2":
				line, col = line[:0], 0
			case m[2] == "K" || m[2] == "J":
				if col < len(line) {
					line = line[:col]
				}
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(out)
		out = out[size:]
		switch r {
		case '\r':
			col = 0
		case '\n':
			done.WriteString(string(line))
			done.WriteByte('\n')
			line, col = line[:0], 0
		case '\b':
			col = max(col-1, 0)
		case '\x1b', '\a':
		default:
			for len(line) < col {
				line = append(line, ' ')
			}
			if col < len(line) {
				line[col] = r
			} else {
				line = append(line, r)
			}
			col++
		}
	}
	return done.String() + string(line)
}

// send types keys.
func (s *session) send(keys string) {
	s.t.Helper()
	if _, err := s.tty.Write([]byte(keys)); err != nil {
		s.t.Fatalf("typing %q: %v", keys, err)
	}
}

// expect waits until want appears in the output after what earlier
// expects consumed, and returns that output (rendered) up to and
// including want.
func (s *session) expect(want string) string {
	s.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		exited := false
		select {
		case <-s.done:
			exited = true
		default:
		}
		raw := s.rest()
		if strings.Contains(render(raw), want) {
			// Consume the shortest prefix of the raw output that shows want.
			for n := len(want); n <= len(raw); n++ {
				if raw[n-1] != want[len(want)-1] {
					continue
				}
				if text := render(raw[:n]); strings.HasSuffix(text, want) || strings.Contains(text, want) {
					s.seen += n
					return text
				}
			}
		}
		if exited {
			s.t.Fatalf("p2prepl exited without printing %q; output after the last match:\n%s", want, render(raw))
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no %q in the output within %v; output after the last match:\n%s", want, wait, render(raw))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// line types a line and waits for the next prompt; it returns what was
// printed in between.
func (s *session) line(input string) string {
	s.t.Helper()
	s.send(input + "\r")
	s.expect(input + "\n")
	return strings.TrimSuffix(s.expect(">>> "), ">>> ")
}

// exit sends Ctrl-D and returns the exit status.
func (s *session) exit() int {
	s.t.Helper()
	s.send("\x04")
	waited := make(chan error, 1)
	go func() { waited <- s.cmd.Wait() }()
	select {
	case err := <-waited:
		<-s.done
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			s.t.Fatal(err)
		}
		return 0
	case <-time.After(wait):
		s.t.Fatalf("p2prepl did not exit after Ctrl-D; output:\n%s", render(s.rest()))
		return -1
	}
}

func TestREPL(t *testing.T) {
	hist := filepath.Join(t.TempDir(), "new", "history")
	s := startSession(t, hist)
	s.expect(">>> ")

	// An assignment prints nothing; an expression prints its value.
	if out := s.line("x = 6 * 7"); out != "" {
		t.Errorf("assignment printed %q", out)
	}
	if out := s.line("x + 1"); out != "43\n" {
		t.Errorf("x + 1 printed %q, want 43", out)
	}

	// A multi-line block: "... " prompts until an empty line.
	s.send("def twice(n):\r")
	s.expect("... ")
	s.send("    return 2 * n\r")
	s.expect("... ")
	s.send("\r")
	s.expect(">>> ")
	if out := s.line("twice(x)"); out != "84\n" {
		t.Errorf("twice(x) printed %q, want 84", out)
	}

	// An error names the REPL input and the session goes on.
	if out := s.line("[1, 2][5]"); !strings.Contains(out, "<repl>:1") || !strings.Contains(out, "out of range") {
		t.Errorf("error printed %q, want a message naming <repl>:1", out)
	}
	if out := s.line("undefined_name + 1"); !strings.Contains(out, "<repl>:1") || !strings.Contains(out, "undefined") {
		t.Errorf("undefined name printed %q", out)
	}
	// A syntax error in a block's first line is reported at once; the
	// block's remaining lines are dropped up to an empty line.
	s.send("def f(:\r")
	if out := s.expect("... "); !strings.Contains(out, "<repl>:1:8: syntax error") {
		t.Errorf("syntax error printed %q", out)
	}
	s.send("\r")
	s.expect(">>> ")
	if out := s.line("x - 2"); out != "40\n" {
		t.Errorf("after errors, x - 2 printed %q", out)
	}

	// help and dir.
	if out := s.line("help(param)"); !strings.Contains(out, "param(name, default") {
		t.Errorf("help(param) printed %q", out)
	}
	if out := s.line("dir(json)"); !strings.Contains(out, `"encode"`) {
		t.Errorf("dir(json) printed %q", out)
	}

	// Ctrl-C at the prompt abandons the line.
	s.send("this is not starlark")
	s.expect("starlark")
	s.send("\x03")
	s.expect("^C")
	s.expect(">>> ")
	if out := s.line("x"); out != "42\n" {
		t.Errorf("after Ctrl-C at the prompt, x printed %q", out)
	}

	if code := s.exit(); code != 0 {
		t.Errorf("Ctrl-D: exit status %d, want 0", code)
	}

	// Every input is in the history file, a block as one entry.
	data, err := os.ReadFile(hist)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"x = 6 * 7", "x + 1", "def twice(n):" + blockSep + "    return 2 * n", "twice(x)", "[1, 2][5]"} {
		if !strings.Contains(string(data), l+"\n") {
			t.Errorf("history has no line %q:\n%s", l, data)
		}
	}
}

func TestREPLCompletion(t *testing.T) {
	s := startSession(t, filepath.Join(t.TempDir(), "history"))
	s.expect(">>> ")
	s.line("sim = simulation(seed = 1)")
	s.line("ps = sim.add_peers(3)")

	// Candidates with nothing in common beyond what was typed are listed.
	s.send("sim.pe\t")
	out := s.expect("pending")
	for _, want := range []string{"peers", "peers_of"} {
		if !strings.Contains(out, want) {
			t.Errorf("sim.pe<Tab> listed %q, want %s among the candidates", out, want)
		}
	}
	// Ctrl-C leaves the list, a second one the line.
	s.send("\x03")
	s.send("\x03")
	s.expect("^C\n>>> ")

	// A single candidate completes the name: sim.peers_ -> sim.peers_of.
	s.send("sim.peers_\t")
	s.expect("sim.peers_of")
	s.send("\r")
	s.expect("sim.peers_of\n")
	if out := s.expect(">>> "); !strings.Contains(out, "peers_of") || strings.Contains(out, "rror") {
		t.Errorf("sim.peers_of printed %q", out)
	}
	// Several with a common prefix: sim.pee -> sim.peer.
	s.send("sim.pee\t(ps[0].id) == ps[0]\r")
	s.expect("sim.peer(ps[0].id) == ps[0]\nTrue\n>>> ")

	// A global name, then a builtin module's attribute.
	s.line("my_long_variable = 5")
	s.send("my_lo\t")
	s.expect("my_long_variable")
	s.send(" * 2\r")
	s.expect("my_long_variable * 2\n10\n>>> ")
	s.send("json.enc\t")
	s.expect("json.encode")
	s.send("([1])\r")
	s.expect("json.encode([1])\n\"[1]\"\n>>> ")

	if code := s.exit(); code != 0 {
		t.Errorf("exit status %d", code)
	}
}

func TestREPLInterrupt(t *testing.T) {
	s := startSession(t, filepath.Join(t.TempDir(), "history"), "-i", "testdata/long.star")
	s.expect(">>> ")

	// A run that would take hours: Ctrl-C stops it and the simulation
	// stays usable at the time it reached.
	s.send("sim.run(until = 1e12)\r")
	s.expect("sim.run(until = 1e12)\n")
	time.Sleep(1500 * time.Millisecond) // let it get going
	s.send("\x03")
	s.expect("interrupted at t=")
	s.expect(">>> ")

	out := s.line("sim.now")
	now, err := strconv.ParseFloat(strings.TrimSpace(lastLine(out)), 64)
	if err != nil || now <= 0 || now >= 1e12 {
		t.Fatalf("after the interruption sim.now printed %q, want a time in (0, 1e12)", out)
	}
	out = s.line("sim.run(until = sim.now + 10)")
	if out != "" {
		t.Errorf("resuming the run printed %q", out)
	}
	out = s.line("sim.now")
	if now2, err := strconv.ParseFloat(strings.TrimSpace(lastLine(out)), 64); err != nil || now2 != now+10 {
		t.Errorf("after resuming, sim.now printed %q, want %v", out, now+10)
	}

	// Ctrl-C in a Starlark loop.
	s.send("while True: pass\r")
	s.expect("... ")
	s.send("\r")
	s.expect("... \n")
	time.Sleep(300 * time.Millisecond)
	s.send("\x03")
	s.expect("interrupted")
	s.expect(">>> ")
	if out := s.line("1 + 1"); out != "2\n" {
		t.Errorf("after interrupting a loop, 1 + 1 printed %q", out)
	}

	if code := s.exit(); code != 0 {
		t.Errorf("exit status %d", code)
	}
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// waitExit waits for the session's process to end and returns its status.
func (s *session) waitExit() int {
	s.t.Helper()
	waited := make(chan error, 1)
	go func() { waited <- s.cmd.Wait() }()
	select {
	case err := <-waited:
		<-s.done
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			s.t.Fatal(err)
		}
		return 0
	case <-time.After(wait):
		s.t.Fatalf("p2prepl did not exit; output:\n%s", render(s.rest()))
		return -1
	}
}

func TestRunProgressAndInterrupt(t *testing.T) {
	// On a terminal, a run longer than ~2 s shows its progress; Ctrl-C
	// stops it with a message saying where.
	s := startSession(t, filepath.Join(t.TempDir(), "history"), "run", "testdata/forever.star")
	s.expect("events/s")
	s.send("\x03")
	s.expect("interrupted at t=")
	if code := s.waitExit(); code != 130 {
		t.Errorf("interrupted run: exit status %d, want 130", code)
	}

	// With the runs declared (expect_runs), which one, its percentage
	// and ETAs for it and for all.
	s = startSession(t, filepath.Join(t.TempDir(), "history"), "run", "testdata/batch.star")
	out := s.expect("events/s")
	if !regexp.MustCompile(`run 1/3  t=[0-9]+/1e\+09 ms 0%  ETA [0-9 hmins>]+, all [0-9 hmins>]+  [0-9.]+[kM]? events/s`).MatchString(out) {
		t.Errorf("progress line of a declared batch:\n%s", out)
	}
	s.send("\x03")
	s.expect("interrupted at t=")
	if code := s.waitExit(); code != 130 {
		t.Errorf("interrupted run: exit status %d, want 130", code)
	}

	// --quiet: no progress line.
	s = startSession(t, filepath.Join(t.TempDir(), "history"), "run", "--quiet", "testdata/forever.star")
	time.Sleep(2600 * time.Millisecond)
	s.send("\x03")
	out = s.expect("interrupted")
	if code := s.waitExit(); code != 130 {
		t.Errorf("interrupted run: exit status %d, want 130", code)
	}
	if strings.Contains(out, "events/s") {
		t.Errorf("--quiet showed progress:\n%s", out)
	}
}

func TestRunInteractive(t *testing.T) {
	// run -i: the script's output, then a prompt with its globals.
	s := startSession(t, filepath.Join(t.TempDir(), "history"), "run", "-i", "testdata/params.star", "--set", "n=5")
	s.expect("n=5 name=world fast=False")
	s.expect(">>> ")
	if out := s.line("n * name"); out != "\"worldworldworldworldworld\"\n" {
		t.Errorf("n * name printed %q", out)
	}
	if code := s.exit(); code != 0 {
		t.Errorf("exit status %d", code)
	}

	// -i after a failing script: the error, then the prompt with what the
	// script defined before it failed.
	s = startSession(t, filepath.Join(t.TempDir(), "history"), "-i", "testdata/error.star")
	s.expect("error.star:5")
	s.expect(">>> ")
	if out := s.line("balances"); out != "{\"alice\": 10}\n" {
		t.Errorf("balances printed %q", out)
	}
	if code := s.exit(); code != 0 {
		t.Errorf("exit status %d", code)
	}
}

func TestREPLLoad(t *testing.T) {
	// -i: the names the script loaded are at the prompt with its globals.
	s := startSession(t, filepath.Join(t.TempDir(), "history"), "-i", "testdata/loads.star")
	s.expect(">>> ")
	if out := s.line("nine, triple(4)"); out != "(9, 12)\n" {
		t.Errorf("nine, triple(4) printed %q", out)
	}
	if out := s.line("type(check.agreement)"); out != "\"function\"\n" {
		t.Errorf("type(check.agreement) printed %q", out)
	}
	// dir() lists the globals, builtins left out.
	if out := s.line("dir()"); out != "[\"check\", \"nine\", \"triple\"]\n" {
		t.Errorf("dir() printed %q", out)
	}
	// help of a unit constant explains the unit.
	if out := s.line("help(ms)"); !strings.Contains(out, "simulated time is in milliseconds") {
		t.Errorf("help(ms) printed %q", out)
	}
	if out := s.line("help(Mbps)"); !strings.Contains(out, "Mbps = 1000000 bits per second") {
		t.Errorf("help(Mbps) printed %q", out)
	}

	// load() at the prompt binds names for the inputs that follow, from
	// the standard library and from files relative to the working
	// directory; an error names the module and leaves the session usable.
	if out := s.line(`load("@stdlib/analysis.star", "latencies", lat = "latencies")`); out != "" {
		t.Errorf("load printed %q", out)
	}
	if out := s.line("type(latencies), lat == latencies"); out != "(\"function\", True)\n" {
		t.Errorf("after load, latencies printed %q", out)
	}
	if out := s.line(`load("testdata/lib.star", "triple")`); out != "" {
		t.Errorf("relative load printed %q", out)
	}
	if out := s.line(`load("@stdlib/nope.star", "x")`); !strings.Contains(out, "nope.star") {
		t.Errorf("loading a missing module printed %q", out)
	}
	// help of a loaded function: its signature, doc string and load line;
	// of a name as a string, even before it is loaded.
	if out := s.line("help(lat)"); !strings.Contains(out, "latencies(sim, of=\"peer\", id=None, settle=None)") || !strings.Contains(out, `load("@stdlib/analysis.star", "latencies")`) {
		t.Errorf("help(lat) printed %q", out)
	}
	if out := s.line(`help("check.validity")`); !strings.Contains(out, "some version") {
		t.Errorf("help(\"check.validity\") printed %q", out)
	}
	if out := s.line("help(check)"); !strings.Contains(out, "check.termination") {
		t.Errorf("help(check) printed %q", out)
	}
	if out := s.line("triple(5)"); out != "15\n" {
		t.Errorf("triple(5) printed %q", out)
	}
	if code := s.exit(); code != 0 {
		t.Errorf("exit status %d", code)
	}
}

func TestREPLHistoryBlocks(t *testing.T) {
	hist := filepath.Join(t.TempDir(), "history")
	s := startSession(t, hist)
	s.expect(">>> ")
	s.send("for i in range(2):\r")
	s.expect("... ")
	s.send("    print('hi', i)\r")
	s.expect("... ")
	s.send("\r")
	s.expect("hi 1\n>>> ")
	s.line("x = 5")

	// Up twice recalls the block as one entry; Enter runs all of it.
	s.send("\x1b[A\x1b[A")
	s.expect("for i in range(2):" + blockSep + "    print('hi', i)")
	s.send("\r")
	s.expect("hi 0\nhi 1\n>>> ")
	if code := s.exit(); code != 0 {
		t.Errorf("exit status %d", code)
	}

	// In a new session, from the history file.
	s = startSession(t, hist)
	s.expect(">>> ")
	s.send("\x1b[A")
	s.expect("for i in range(2):" + blockSep + "    print('hi', i)")
	s.send("\r")
	s.expect("hi 0\nhi 1\n>>> ")
	if code := s.exit(); code != 0 {
		t.Errorf("exit status %d", code)
	}
	data, _ := os.ReadFile(hist)
	if n := strings.Count(string(data), "for i in range(2):"); n < 2 {
		t.Errorf("history file has the block %d times:\n%s", n, data)
	}
}

func TestREPLCompletionOfExpressions(t *testing.T) {
	s := startSession(t, filepath.Join(t.TempDir(), "history"))
	s.expect(">>> ")
	s.line("sim = simulation(seed = 1)")
	s.line("ps = sim.add_peers(3)")
	s.send("ps[0].neighbo\t")
	s.expect("neighbors")
	s.send("u\t")
	s.expect("ps[0].neighbours")
	s.send("\r")
	s.expect(">>> ")
	s.send(`sim.counter("gossip").deliv` + "\t")
	s.expect("delivered")
	s.send("\x03\x03")
	s.expect(">>> ")
	s.send("simulation(see\t")
	s.expect("simulation(seed = ")
	s.send("3).seed\r")
	s.expect("3\n>>> ")
	s.send(`load("@stdlib/anal` + "\t")
	s.expect(`load("@stdlib/analysis.star`)
	s.send(`", "latenc` + "\t")
	s.expect(`load("@stdlib/analysis.star", "latencies`)
	s.send(`")` + "\r")
	s.expect(">>> ")
	if out := s.line("type(latencies)"); out != "\"function\"\n" {
		t.Errorf("after the completed load, type(latencies) printed %q", out)
	}
	if code := s.exit(); code != 0 {
		t.Errorf("exit status %d", code)
	}
}
