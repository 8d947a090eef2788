//go:build !windows

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostileFixture lays out, in a fresh directory,
//
//	s/ok.star          a script that runs a small simulation
//	s/fails.star       a script whose run breaks a property (for explore)
//	s/fifo             a named pipe
//	out/               the output directory
//	outside/victim     a file no command may touch
//
// and returns its path.
func hostileFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"s", "out", "outside"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sim := `sim = simulation(seed = 1, faults = faults(delay = 5))
sim.add_peers(topology.ring(4), services = [gossip()])
sim.add_peer(type = "client", connect = 2, services = [producer(rate = 5, start = 10)])
sim.run(until = 100)
record(n = 1)
`
	write("s/ok.star", sim)
	write("s/fails.star", sim+`invariant("never", lambda: False)`+"\n")
	write("outside/victim", "precious")
	if err := syscall.Mkfifo(filepath.Join(dir, "s/fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestHostileCommandLines: absurd flags and hostile files on the command
// line get one clear error with the documented exit status, never a hang
// (a named pipe read or written), a misleading message or a file outside
// --out. Each case was found by trying, and went wrong before its fix.
func TestHostileCommandLines(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup func(dir string) // optional, run in the fixture
		args  []string         // run in the fixture directory
		code  int
		want  string
		after func(t *testing.T, dir string) // optional checks
	}{
		{name: "negative run timeout", args: []string{"run", "s/ok.star", "--timeout", "-1s"},
			code: exitUsage, want: "a wall-time limit cannot be negative (0 for none)"},
		{name: "negative sweep timeout", args: []string{"sweep", "s/ok.star", "--timeout", "-1s"},
			code: exitUsage, want: "cannot be negative"},
		{name: "negative explore timeout", args: []string{"explore", "s/ok.star", "--timeout", "-5m"},
			code: exitUsage, want: "cannot be negative"},
		{name: "budget key twice", args: []string{"run", "s/ok.star", "--budget", "delay=5,delay=6"},
			code: exitUsage, want: "budget: delay is given twice"},
		{name: "a million partitions", args: []string{"run", "s/ok.star", "--budget", "partition=1000000x500"},
			code: exitUsage, want: "faults: at most 1000 partitions (got 1000000)"},
		{name: "tasks without slurm", args: []string{"sweep", "s/ok.star", "--tasks", "5"},
			code: exitUsage, want: "--tasks goes with --slurm DIR"},
		{name: "sbatch arg over two lines", args: []string{"sweep", "s/ok.star", "--slurm", "sl", "--sbatch-arg", "--time=1\nrm -rf ~"},
			code: exitUsage, want: "spans lines: give one option per --sbatch-arg",
			after: func(t *testing.T, dir string) {
				if _, err := os.Stat(filepath.Join(dir, "sl")); err == nil {
					t.Error("a refused --slurm left its directory")
				}
			}},
		{name: "schedule from a named pipe", args: []string{"run", "s/ok.star", "--schedule", "s/fifo"},
			code: exitUsage, want: "--schedule: s/fifo is not a schedule file"},
		{name: "schedule from a device", args: []string{"run", "s/ok.star", "--schedule", "/dev/zero"},
			code: exitUsage, want: "--schedule: /dev/zero is not a schedule file"},
		{name: "trace from a named pipe", args: []string{"trace", "s/fifo", "--shiviz", "t.log", "--out", "out"},
			code: exitScriptError, want: "s/fifo is a named pipe, socket or device, not a trace file"},
		{name: "trace from a device", args: []string{"trace", "/dev/zero", "--shiviz", "t.log", "--out", "out"},
			code: exitScriptError, want: "/dev/zero is a named pipe, socket or device"},
		{name: "explore results to a named pipe", args: []string{"explore", "s/ok.star", "--runs", "1", "--results", "s/fifo.json"},
			setup: func(dir string) { syscall.Mkfifo(filepath.Join(dir, "s/fifo.json"), 0o644) },
			code:  exitUsage, want: "--results s/fifo.json: it exists and is not a regular file"},
		{name: "explore results to a directory", args: []string{"explore", "s/ok.star", "--runs", "1", "--results", "out.json"},
			setup: func(dir string) { os.Mkdir(filepath.Join(dir, "out.json"), 0o755) },
			code:  exitUsage, want: "is not a regular file"},
		{name: "explore results not json", args: []string{"explore", "s/ok.star", "--runs", "1", "--results", "r.csv"},
			code: exitUsage, want: "--results r.csv: want a .json file"},
		{name: "explore a trillion runs", args: []string{"explore", "s/ok.star", "--runs", "1000000000000"},
			code: exitUsage, want: "--runs 1000000000000: at most 10000000 schedules"},
		{name: "store is a named pipe", args: []string{"sweep", "s/ok.star", "--quiet", "--store", "s/fifo"},
			code: exitScriptError, want: "s/fifo is a named pipe (FIFO), not a results store file"},
		{name: "store is a device", args: []string{"sweep", "s/ok.star", "--quiet", "--store", "/dev/null"},
			code: exitScriptError, want: "/dev/null is a device or another special file, not a results store file"},
		{name: "results of a named pipe", args: []string{"results", "s/fifo"},
			code: exitScriptError, want: "s/fifo is a named pipe (FIFO), not a results store file"},
		{name: "results of a text file", args: []string{"results", "s/ok.star"},
			code: exitScriptError, want: "s/ok.star is not a p2prepl results store (not an SQLite database); it was left untouched: use another file\n"},
		{name: "merge a named pipe", args: []string{"results", "merge", "sh"},
			setup: func(dir string) {
				os.MkdirAll(filepath.Join(dir, "sh/shards"), 0o755)
				syscall.Mkfifo(filepath.Join(dir, "sh/shards/0.db"), 0o644)
			},
			code: exitScriptError, want: "sh/shards/0.db is a named pipe (FIFO)",
			after: func(t *testing.T, dir string) {
				if _, err := os.Stat(filepath.Join(dir, "sh/results.db")); err == nil {
					t.Error("a failed merge left sh/results.db")
				}
			}},
		{name: "explore diagram through a link", args: []string{"explore", "s/fails.star", "--runs", "1", "--quiet", "--out", "out"},
			setup: func(dir string) { os.Symlink("../outside/victim", filepath.Join(dir, "out/fails.spacetime.svg")) },
			code:  exitScriptError, want: "no space-time diagram: fails.spacetime.svg is a symbolic link; p2prepl does not write through links"},
		{name: "explore schedule through a link", args: []string{"explore", "s/fails.star", "--runs", "1", "--quiet", "--out", "out"},
			setup: func(dir string) { os.Symlink("../outside/victim", filepath.Join(dir, "out/fails.schedule.json")) },
			code:  exitScriptError, want: "fails.schedule.json is a symbolic link"},
		{name: "default store through a link", args: []string{"sweep", "s/ok.star", "--quiet", "--out", "out"},
			setup: func(dir string) { os.Symlink("../outside/victim", filepath.Join(dir, "out/results.db")) },
			code:  exitScriptError, want: "results.db is a symbolic link"},
		{name: "explore store through a link", args: []string{"explore", "s/ok.star", "--runs", "1", "--quiet", "--out", "out"},
			setup: func(dir string) { os.Symlink("../outside/victim", filepath.Join(dir, "out/results.db")) },
			code:  exitScriptError, want: "results.db is a symbolic link"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := hostileFixture(t)
			if c.setup != nil {
				c.setup(dir)
			}
			r := p2preplIn(t, dir, c.args...)
			if r.code != c.code || !strings.Contains(r.stderr, c.want) {
				t.Errorf("p2prepl %s: exit %d (want %d)\nstderr: %s\nwant stderr containing %q",
					strings.Join(c.args, " "), r.code, c.code, r.stderr, c.want)
			}
			if strings.Contains(r.stderr, "not a p2prepl results store: not a p2prepl results store") {
				t.Errorf("the message repeats itself: %s", r.stderr)
			}
			if b, err := os.ReadFile(filepath.Join(dir, "outside/victim")); err != nil || string(b) != "precious" {
				t.Errorf("outside/victim was changed: %q, %v", b, err)
			}
			if ents, _ := os.ReadDir(filepath.Join(dir, "outside")); len(ents) != 1 {
				t.Errorf("files appeared outside --out: %v", ents)
			}
			if c.after != nil {
				c.after(t, dir)
			}
		})
	}
}

// TestInterruptWithoutTerminal: a SIGINT sent to p2prepl alone (kill
// -INT, timeout -s INT), not by a terminal to its whole process group,
// stops the script in the supervised child (the supervisor used to
// swallow it, and the script ran on).
func TestInterruptWithoutTerminal(t *testing.T) {
	out := t.TempDir()
	for _, args := range [][]string{
		{"run", "testdata/forever.star", "--out", out},
		{"explore", "testdata/forever.star", "--budget", "delay=1", "--quiet", "--out", out},
	} {
		cmd := exec.Command(binary, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // no terminal, not its foreground
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		cmd.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Fatalf("p2prepl %s ran on after SIGINT\n%s", strings.Join(args, " "), &stderr)
		}
		if code := cmd.ProcessState.ExitCode(); code != exitInterrupted && code != exitScriptError {
			t.Errorf("p2prepl %s: exit %d after SIGINT\n%s", strings.Join(args, " "), code, &stderr)
		}
	}
}
