package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMemoryLimit: whatever way a script runs out of its memory, it ends
// with one clear message and status 1, never a Go fatal error and a
// goroutine dump: one huge allocation (caught by the address-space limit
// of the supervised child), growth in Starlark or inside a run (caught by
// the watchdog, with the simulated time and the busiest sources).
func TestMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	type tc struct {
		name, src string
		want      []string
	}
	cases := []tc{
		{"dict.star", "x = {}\nfor i in range(100000000):\n    x[i] = str(i) * 10\n",
			[]string{"dict.star:3:", "memory limit of 128 MB exceeded", "--max-memory"}},
		{"run.star", `def _start(self):
    self.kept = []
    self.every(1, _tick)

def _tick(self):
    self.kept.append([self.peer.id] * 1000)

sim = simulation(seed = 1)
sim.add_peers(10, type = "hoarder", services = [service("Hoarder", on_start = _start)()])
sim.run(until = 1000000)
`, []string{"run.star:10:8: memory limit of 128 MB exceeded", " at t=", `timers of service "Hoarder" on "hoarder" peers`}},
	}
	if !raceEnabled { // the race detector's shadow memory forbids an address-space limit
		cases = append(cases,
			// The process ends inside the allocation: the message names
			// the script (not its line), the limit and how to raise it.
			tc{"repeat.star", "x = [0] * 1000000000\n",
				[]string{"repeat.star: memory limit of 128 MB exceeded: the script asked for 15 GB in one allocation",
					"the line is not known", "the limit is --max-memory", "e.g. --max-memory 32GB"}},
			tc{"range.star", "x = list(range(1000000000))\n",
				[]string{"range.star: memory limit of 128 MB exceeded: the script asked for 15 GB in one allocation"}})
	}
	for _, c := range cases {
		r := p2prepl(t, "run", "--max-memory", "128MB", write(c.name, c.src))
		if r.code != exitScriptError {
			t.Errorf("%s: exit %d, want %d\nstderr:\n%s", c.name, r.code, exitScriptError, r.stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", c.name, w, r.stderr)
			}
		}
		if strings.Contains(r.stderr, "goroutine") || strings.Contains(r.stderr, "fatal error") {
			t.Errorf("%s: a Go crash reached the user:\n%s", c.name, r.stderr)
		}
	}
	if r := p2prepl(t, "run", "--max-memory", "lots", write("ok.star", "print(1)\n")); r.code != exitUsage || !strings.Contains(r.stderr, "like 4GB or 512MB") {
		t.Errorf("--max-memory lots: exit %d\n%s", r.code, r.stderr)
	}
	if r := ok(t, "run", "--max-memory", "off", filepath.Join(dir, "ok.star")); r.stdout != "1\n" {
		t.Errorf("--max-memory off: %q", r.stdout)
	}
}

func TestParseBytes(t *testing.T) {
	for s, want := range map[string]int64{"4GB": 4 << 30, "512MB": 512 << 20, "1.5G": 3 << 29, "2gib": 2 << 30, "off": 0, "0": 0, "1T": 1 << 40} {
		if got, err := parseBytes(s); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "4", "GB", "-1GB", "4XB", "1MB", "nanGB", "infGB"} {
		if _, err := parseBytes(s); err == nil {
			t.Errorf("parseBytes(%q) succeeded", s)
		}
	}
	for args, want := range map[string]int64{"run --max-memory 1GB x.star": 1 << 30, "-max-memory=2GB run": 2 << 30, "run x.star -- --max-memory 1GB": -1, "run --max-memory": -1} {
		got, ok := maxMemoryArg(strings.Fields(args))
		if !ok {
			got = -1
		}
		if got != want {
			t.Errorf("maxMemoryArg(%q) = %d, want %d", args, got, want)
		}
	}
}

func TestCrashMessages(t *testing.T) {
	oom := "runtime: out of memory: cannot allocate 16001269760-byte block (3866624 in use)\nfatal error: out of memory\n\ngoroutine 1 gp=0x1 m=3 [running]:\n"
	asked, inUse, ok := outOfMemory(oom)
	if !ok || asked != 16001269760 || inUse != 3866624 {
		t.Fatalf("outOfMemory = %d, %d, %v", asked, inUse, ok)
	}
	msg := memoryMessage(2<<30, asked, inUse, childStatus{running: true, now: 1234.5, script: "s/x.star"})
	if want := "p2prepl: s/x.star: memory limit of 2 GB exceeded: the script asked for 15 GB in one allocation (a list, string or table that large: [0] * 1000000000 is 16 GB); a simulation was running, last seen at t=1234 ms; the line is not known (the process ended inside the allocation); the limit is --max-memory (the default is a quarter of the machine's memory, at most 2 GB): raise it, e.g. --max-memory 32GB, or make the value smaller"; msg != want {
		t.Errorf("message:\n%s\nwant\n%s", msg, want)
	}
	if msg := memoryMessage(2<<30, 1<<29, 3<<29, childStatus{}); !strings.Contains(msg, "with 1.5 GB in use the script asked for 512 MB more") {
		t.Errorf("gradual: %s", msg)
	}
	// A dict doubling its table near the limit is not one huge value.
	if msg := memoryMessage(2<<30, 1800<<20, 1900<<20, childStatus{}); !strings.Contains(msg, "with 1.9 GB in use the script asked for 1.8 GB more") {
		t.Errorf("table growth: %s", msg)
	}
	if !isCrash("panic: boom\n\ngoroutine 7 [running]:\nmain.f()\n") || !isCrash("fatal error: concurrent map writes\n") || isCrash("==================\nWARNING: DATA RACE\n") {
		t.Error("isCrash misjudges")
	}
	if _, _, ok := outOfMemory("panic: boom\n"); ok {
		t.Error("a panic taken for out of memory")
	}
}
