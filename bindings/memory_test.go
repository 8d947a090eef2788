package bindings

import (
	"errors"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// TestMemoryLimit: a script whose live heap outgrows the limit is stopped,
// in Starlark code or inside a run, with the limit, the simulated time and
// the busiest event sources in the message; the session goes on.
func TestMemoryLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 100+ MB")
	}
	_, live := heapBytes()
	SetMemoryLimit(live+64<<20, nil)
	defer SetMemoryLimit(0, nil)

	e, th, _ := testEnv(t, Options{})
	_, err := e.ExecFile(th, "grow.star", `
x = {}
for i in range(100000000):
    x[i] = str(i) * 10
`)
	msg := FormatError(err)
	// Where on the loop's line the watchdog's cancellation lands depends
	// on timing (x[i] = ... or str(i) * 10).
	if !regexp.MustCompile(`^grow\.star:4:\d+: memory limit of `).MatchString(msg) || !strings.Contains(msg, "--max-memory") {
		t.Errorf("growth in Starlark:\n%s", msg)
	}

	_, err = e.ExecFile(th, "run.star", `
def _start(self):
    self.kept = []
    self.every(1, _tick)

def _tick(self):
    self.kept.append([self.peer.id] * 1000)

sim = simulation(seed = 1)
sim.add_peers(10, type = "hoarder", services = [service("Hoarder", on_start = _start)()])
sim.run(until = 1000000)
`)
	var me *MemoryError
	if !errors.As(err, &me) || !me.Running || me.At <= 0 || len(me.Sources) == 0 || me.Sources[0].Name != "Hoarder" {
		t.Fatalf("growth in a run: %v", FormatError(err))
	}
	msg = FormatError(err)
	for _, want := range []string{"run.star:11:8: memory limit of ", " at t=", `the busiest event sources: timers of service "Hoarder" on "hoarder" peers: 10 (100%)`} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}

	// The session is usable once the memory is given back.
	SetMemoryLimit(0, nil)
	if _, err := e.ExecFile(th, "after.star", "y = 1 + 1\n"); err != nil {
		t.Errorf("after the limit: %v", err)
	}
}

// TestMemoryLimitGarbage: what an earlier evaluation left as garbage is
// not charged to the next one. The live heap measured by the last
// collection still counts it; the watchdog must not stop a session on
// that figure alone.
func TestMemoryLimitGarbage(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 200 MB")
	}
	e, _, _ := testEnv(t, Options{})
	runtime.GC()
	_, before := heapBytes()
	big := make([]byte, 200<<20)
	for i := range big {
		big[i] = 1
	}
	runtime.GC() // the live heap now counts big
	runtime.KeepAlive(big)
	big = nil
	_, stale := heapBytes()
	if stale < before+150<<20 {
		t.Skipf("the live heap did not count the buffer (%d -> %d bytes)", before, stale)
	}
	// The limit is set without debug.SetMemoryLimit, so that no
	// collection is triggered before the check.
	memory.Lock()
	memory.limit = before + 64<<20
	memory.Unlock()
	defer SetMemoryLimit(0, nil)
	e.activate(true)
	defer e.activate(false)
	checkMemory()
	memory.Lock()
	_, stopped := memory.stopping[e]
	memory.Unlock()
	if stopped {
		t.Errorf("a session was stopped for garbage: live heap %d MB at the last collection, limit %d MB", stale>>20, (before+64<<20)>>20)
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{2 << 30: "2 GB", 3 << 29: "1.5 GB", 12 << 30: "12 GB", 300 << 20: "300 MB", 100: "100 bytes"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
