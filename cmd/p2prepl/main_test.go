package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// binary is the p2prepl executable built once by TestMain; the tests drive
// it as a user would.
var binary string

// buildFlags are the go build flags of binary.
var buildFlags []string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "p2prepl-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "p2prepl")
	args := append([]string{"build", "-o", binary}, buildFlags...)
	build := exec.Command("go", append(args, ".")...)
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building p2prepl:", err)
		return 1
	}
	return m.Run()
}

// result is what one run of the binary produced.
type result struct {
	stdout, stderr string
	code           int
}

// p2prepl runs the binary with args in the package directory, with the
// history file in a temporary directory.
func p2prepl(t *testing.T, args ...string) result {
	t.Helper()
	return p2preplIn(t, "", args...)
}

// p2preplIn runs the binary in the directory dir ("": the current one).
func p2preplIn(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "P2PREPL_HISTORY="+filepath.Join(t.TempDir(), "history"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("p2prepl %s did not finish in 30 s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), &stdout, &stderr)
	}
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return r
}

// ok runs the binary and fails the test unless it exits 0.
func ok(t *testing.T, args ...string) result {
	t.Helper()
	r := p2prepl(t, args...)
	if r.code != 0 {
		t.Fatalf("p2prepl %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

func TestRunScript(t *testing.T) {
	r := ok(t, "run", "testdata/hello.star")
	if r.stdout != "hello 3\n" {
		t.Errorf("stdout = %q, want %q", r.stdout, "hello 3\n")
	}
	if r.stderr != "" {
		t.Errorf("stderr = %q, want nothing (no progress line when piped)", r.stderr)
	}
	// Without "run", and with the script on stdin.
	if r := ok(t, "testdata/hello.star"); r.stdout != "hello 3\n" {
		t.Errorf("p2prepl FILE: stdout = %q", r.stdout)
	}
}

func TestRunScriptFromStdin(t *testing.T) {
	cmd := exec.Command(binary, "run", "-")
	cmd.Stdin = strings.NewReader("print('from stdin', 2 * 21)\n")
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "from stdin 42\n" {
		t.Errorf("run -: %v, output %q", err, out)
	}
}

func TestRunParams(t *testing.T) {
	r := ok(t, "run", "testdata/params.star")
	if want := "n=10 name=world fast=False\n"; r.stdout != want {
		t.Errorf("defaults: stdout = %q, want %q", r.stdout, want)
	}
	// Flags before and after the file, --flag and -flag forms.
	r = ok(t, "run", "--set", "n=25", "testdata/params.star", "-set", "name=p2p", "--set=fast=true")
	if want := "n=25 name=p2p fast=True\n"; r.stdout != want {
		t.Errorf("--set: stdout = %q, want %q", r.stdout, want)
	}
	// A parameter the script never reads is worth a warning.
	r = ok(t, "run", "testdata/params.star", "--set", "nn=3")
	if !strings.Contains(r.stderr, "nn") {
		t.Errorf("unused --set nn=3: stderr = %q, want a warning naming nn", r.stderr)
	}
}

func TestRunSeed(t *testing.T) {
	a := ok(t, "run", "testdata/random.star", "--seed", "7")
	b := ok(t, "run", "--seed", "7", "testdata/random.star")
	c := ok(t, "run", "testdata/random.star", "--seed", "8")
	if a.stdout == "" {
		t.Fatal("random.star printed nothing")
	}
	if a.stdout != b.stdout {
		t.Errorf("same seed, different output:\n%s\n---\n%s", a.stdout, b.stdout)
	}
	if a.stdout == c.stdout {
		t.Errorf("seeds 7 and 8 gave the same output:\n%s", a.stdout)
	}
}

func TestRunError(t *testing.T) {
	r := p2prepl(t, "run", "testdata/error.star")
	if r.code == 0 {
		t.Fatalf("failing script exited 0\nstderr:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "error.star:5") {
		t.Errorf("stderr does not name error.star:5:\n%s", r.stderr)
	}
	if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine") {
		t.Errorf("stderr looks like a Go panic:\n%s", r.stderr)
	}
	if r.stdout != "before\n" {
		t.Errorf("stdout = %q, want the output before the error", r.stdout)
	}

	r = p2prepl(t, "run", "testdata/syntax_error.star")
	if r.code == 0 || !strings.Contains(r.stderr, "syntax_error.star:3") {
		t.Errorf("syntax error: exit %d, stderr:\n%s", r.code, r.stderr)
	}

	r = p2prepl(t, "run", "testdata/no_such_file.star")
	if r.code == 0 || !strings.Contains(r.stderr, "no_such_file.star") {
		t.Errorf("missing file: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

func TestRunLimits(t *testing.T) {
	r := p2prepl(t, "run", "testdata/limits.star", "--max-steps", "10000")
	if r.code == 0 || !strings.Contains(r.stderr, "step limit") || !strings.Contains(r.stderr, "limits.star:") {
		t.Errorf("--max-steps: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	r = p2prepl(t, "run", "testdata/random.star", "--max-events", "100")
	if r.code == 0 || !strings.Contains(r.stderr, "event limit") || !strings.Contains(r.stderr, "random.star:10") {
		t.Errorf("--max-events: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

func TestRunTimeout(t *testing.T) {
	r := p2prepl(t, "run", "--timeout", "300ms", "testdata/forever.star")
	if r.code != 1 || !strings.Contains(r.stderr, "wall-time limit reached") || !strings.Contains(r.stderr, "--timeout") ||
		!strings.Contains(r.stderr, "forever.star:13") || strings.Contains(r.stdout, "not reached") {
		t.Errorf("--timeout: exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	r = p2prepl(t, "run", "--timeout", "soon", "testdata/hello.star")
	if r.code != 2 {
		t.Errorf("--timeout soon: exit %d, want 2 (usage)", r.code)
	}
}

func TestRunOut(t *testing.T) {
	out := filepath.Join(t.TempDir(), "new", "results")
	ok(t, "run", "testdata/out.star", "--out", out)
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatalf("--out %s: %v", out, err)
	}
	if len(entries) == 0 {
		t.Fatalf("--out %s: no file written", out)
	}
	data, err := os.ReadFile(filepath.Join(out, "traces", "gossip.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "gossip") {
		t.Errorf("traces/gossip.jsonl = %q", data)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"run", "--help"}, {"help", "run"}} {
		r := p2prepl(t, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "p2prepl run") || !strings.Contains(r.stdout, "--seed") {
			t.Errorf("p2prepl %s: exit %d, stdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
	for _, args := range [][]string{
		{"run"},
		{"run", "--seed", "x", "testdata/hello.star"},
		{"run", "--nope", "testdata/hello.star"},
		{"run", "testdata/hello.star", "extra"},
		{"-i"},
	} {
		r := p2prepl(t, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "--help") {
			t.Errorf("p2prepl %s: exit %d, want 2 and a usage hint; stderr:\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
}

func TestHelp(t *testing.T) {
	r := ok(t, "help", "simulation")
	if !strings.Contains(r.stdout, "simulation(") {
		t.Errorf("help simulation:\n%s", r.stdout)
	}
	r = ok(t, "help", "dist.lognorm")
	if !strings.Contains(r.stdout, "lognorm") {
		t.Errorf("help dist.lognorm:\n%s", r.stdout)
	}
	r = ok(t, "help")
	for _, name := range []string{"simulation", "param", "dist"} {
		if !strings.Contains(r.stdout, "\n  "+name+" ") {
			t.Errorf("help: no line for %s:\n%s", name, r.stdout)
		}
	}
	r = p2prepl(t, "help", "simulaton")
	if r.code == 0 || !strings.Contains(r.stderr, "simulation") {
		t.Errorf("help simulaton: exit %d, stderr %q, want a suggestion", r.code, r.stderr)
	}
}

// TestHelpStdlib: the standard library is documented through the same
// lookup as the builtins, from its own doc strings.
func TestHelpStdlib(t *testing.T) {
	for _, c := range []struct {
		name string
		want []string
	}{
		{"coverage", []string{"coverage(sim, of=\"peer\", ids=None, settle=None, keep_late=False)", "fraction of peers it reached", `load("@stdlib/analysis.star", "coverage")`}},
		{"check.agreement", []string{"check.agreement(sim, key=\"decided\"", "decided the same value", `load("@stdlib/checks.star", "check")`}},
		{"check", []string{"check.validity", "check.termination"}},
		{"equivocating_producer", []string{"service EquivocatingProducer(rate=5", "two versions of each transaction"}},
		{"signature_time", []string{"The time (ms) to check a transaction"}},
		{"analysis", []string{"@stdlib/analysis.star", "Exports", "coverage_over_time"}},
		{"consensus/ben_or", []string{"@stdlib/consensus/ben_or.star", "ben_or"}},
		{"stdlib", []string{"@stdlib/analysis.star:", "@stdlib/consensus/majority.star:", "  majority_vote", "  versions", "  check "}},
	} {
		r := ok(t, "help", c.name)
		for _, w := range c.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("p2prepl help %s lacks %q:\n%s", c.name, w, r.stdout)
			}
		}
	}
	if r := ok(t, "help"); !strings.Contains(r.stdout, "p2prepl help stdlib") {
		t.Errorf("p2prepl help does not point to the standard library:\n%s", r.stdout)
	}
	if r := p2prepl(t, "help", "coverag"); r.code == 0 || !strings.Contains(r.stderr, "did you mean coverage") {
		t.Errorf("help coverag: exit %d, stderr %q, want a suggestion", r.code, r.stderr)
	}
}

func TestREPLPiped(t *testing.T) {
	// Without a terminal the REPL still reads statements line by line.
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), "P2PREPL_HISTORY=")
	cmd.Stdin = strings.NewReader("x = 2\nx * 21\n[1][5]\ndef f(n):\n    return n + x\n\nf(1)\n")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, &stderr)
	}
	if got := stdout.String(); got != "42\n3\n" {
		t.Errorf("stdout = %q, want %q", got, "42\n3\n")
	}
	if !strings.Contains(stderr.String(), "<repl>:1") {
		t.Errorf("stderr = %q, want an error naming <repl>:1", &stderr)
	}
}
