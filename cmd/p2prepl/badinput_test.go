//go:build !windows

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestBadScriptFiles: a script path that is missing, a directory or a
// named pipe is refused at once (a pipe used to block forever), -i or
// not; a NUL byte or invalid UTF-8 is an error at its line and column
// (a NUL used to end the script silently, with status 0).
func TestBadScriptFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.star")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	nul := write("nul.star", "print('before')\nx = 1 \x00\nprint('after')\nfail('never')\n")
	utf := write("utf.star", "print('before')\ns = 'caf\xe9'\n")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run", "missing.star"}, exitUsage, "p2prepl: no script missing.star (no such file)"},
		{[]string{"-i", "missing.star"}, exitUsage, "p2prepl: no script missing.star (no such file)"},
		{[]string{"run", dir}, exitUsage, "is a directory, not a script file"},
		{[]string{"run", fifo}, exitUsage, "is a named pipe (FIFO), not a script file (to pipe a script in, use \"p2prepl run -\")"},
		{[]string{"-i", fifo}, exitUsage, "is a named pipe (FIFO)"},
		{[]string{"sweep", fifo, "--seeds", "1", "--quiet"}, exitUsage, "is a named pipe (FIFO)"},
		{[]string{"explore", fifo, "--runs", "1", "--quiet"}, exitScriptError, "is a named pipe (FIFO)"},
		{[]string{"run", nul}, exitScriptError, "nul.star:2:7: syntax error: NUL byte in the source"},
		{[]string{"run", utf}, exitScriptError, "utf.star:2:9: syntax error: invalid UTF-8 (byte 0xe9)"},
	} {
		r := p2prepl(t, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) || r.stdout != "" {
			t.Errorf("p2prepl %s: exit %d (want %d)\nstdout: %q\nstderr: %q\nwant stderr containing %q",
				strings.Join(c.args, " "), r.code, c.code, r.stdout, r.stderr, c.want)
		}
	}
}

// TestREPLBadInput: one error per bad block (the rest of the block used
// to run as new input and fail again), and a NUL byte or invalid UTF-8
// reported at its line and column.
func TestREPLBadInput(t *testing.T) {
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), "P2PREPL_HISTORY=")
	cmd.Stdin = strings.NewReader(`def f():
    x = = 1
    return 2

print("after f")
def g(:
    y = 1
    return y
print("after g")
for i in range(3):
    print(i))
    print(i)
print("after for")
x = 1` + "\x00" + `
print("after NUL")
s = "caf` + "\xe9" + `"
print("after UTF-8")
`)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, &stderr)
	}
	if want := "after f\nafter g\nafter for\nafter NUL\nafter UTF-8\n"; stdout.String() != want {
		t.Errorf("stdout = %q, want %q", &stdout, want)
	}
	want := []string{
		"<repl>:2:9: syntax error: got '=', want primary expression",
		"<repl>:1:8: syntax error: got ':', want ')'",
		"<repl>:2:13: syntax error: unexpected ')'",
		"<repl>:1:6: syntax error: NUL byte in the source",
		"<repl>:1:9: syntax error: invalid UTF-8 (byte 0xe9)",
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d errors, want one per bad input (%d):\n%s", len(lines), len(want), &stderr)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("error %d = %q, want %q...", i+1, lines[i], w)
		}
	}
}

// TestLoadPath: load() is refused outside the script's tree unless the
// directory is granted with --load-path.
func TestLoadPath(t *testing.T) {
	base := t.TempDir()
	for _, d := range []string{"a", "lib"} {
		os.MkdirAll(filepath.Join(base, d), 0o755)
	}
	os.WriteFile(filepath.Join(base, "lib", "m.star"), []byte("v = 42\n"), 0o644)
	script := filepath.Join(base, "a", "main.star")
	os.WriteFile(script, []byte("load(\"../lib/m.star\", \"v\")\nprint(v)\n"), 0o644)
	r := p2prepl(t, "run", script)
	if r.code != exitScriptError || !strings.Contains(r.stderr, "main.star:1:1: cannot load ../lib/m.star: it is outside the script's directory") ||
		!strings.Contains(r.stderr, "--load-path") {
		t.Errorf("without --load-path: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if r := ok(t, "run", "--load-path", filepath.Join(base, "lib"), script); r.stdout != "42\n" {
		t.Errorf("with --load-path: stdout %q", r.stdout)
	}
	if r := p2prepl(t, "run", "--load-path", filepath.Join(base, "nothere"), script); r.code != exitUsage {
		t.Errorf("--load-path to a missing directory: exit %d, want %d", r.code, exitUsage)
	}
}

// TestTimeoutInsideLongCall: --timeout holds even when the script is
// inside one long Go call that cannot be cancelled (str() of a list
// nested 200,000 deep takes minutes): the process ends after a grace
// period with a message saying so.
func TestTimeoutInsideLongCall(t *testing.T) {
	script := filepath.Join(t.TempDir(), "deep.star")
	os.WriteFile(script, []byte("x = []\nfor i in range(200000):\n    x = [x]\nprint(len(str(x)))\n"), 0o644)
	cmd := exec.Command(binary, "run", "--quiet", "--timeout", "1s", script)
	cmd.Env = append(os.Environ(), "P2PREPL_INTERRUPT_GRACE=1s", "P2PREPL_HISTORY=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitScriptError || !strings.Contains(stderr.String(), "did not stop within 1s of being interrupted") {
		t.Errorf("exit %v, stderr:\n%s", err, &stderr)
	}
}
