package bindings

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/p2prepl/p2prepl/engine"
)

// The memory limit is the process's: every session (Env) in it shares the
// Go heap, so one watchdog stops them all.
var memory struct {
	sync.Mutex
	limit    int64          // bytes; 0: none
	active   map[*Env]bool  // sessions evaluating something
	hardStop func(string)   // called when a stop is not honoured (see SetMemoryLimit)
	started  bool           // the watchdog runs
	stopping map[*Env]int64 // sessions asked to stop, and when (unix ns)
}

// GCHeadroom: the collector may let the heap, garbage included, reach
// the limit plus 1/GCHeadroom of it.
const GCHeadroom = 5

// memoryPoll is how often the watchdog reads the heap size.
const memoryPoll = 20 * time.Millisecond

// memoryGrace is how long a session asked to stop may take before the
// watchdog calls the hard stop: a script inside one long Go call (a
// builtin building a huge value) cannot be cancelled.
const memoryGrace = 10 * time.Second

// SetMemoryLimit bounds the memory of the process to limit bytes of Go
// heap (0 lifts the bound). The garbage collector works to stay under it
// (debug.SetMemoryLimit), and a watchdog reading the heap every 20 ms
// stops every running script and simulation once the live heap exceeds
// it: the run ends with an error saying so, with the simulated time and
// the busiest event sources if a simulation was running. hardStop, if not
// nil, is called with the message when a session has not stopped
// memoryGrace after being asked (it is inside one Go call that cannot be
// cancelled) while the heap is still over the limit; the command line
// exits the process there.
//
// The watchdog cannot catch a single allocation larger than what is left
// ([0] * 1000000000 asks for 16 GB at once): for that the command line
// also limits the address space of the process it runs scripts in.
func SetMemoryLimit(limit int64, hardStop func(msg string)) {
	memory.Lock()
	defer memory.Unlock()
	memory.limit, memory.hardStop = limit, hardStop
	if limit > 0 {
		// The collector's target is a little above the limit on live
		// data, so that it does not run back to back while the heap
		// nears the limit (garbage included, the heap may reach it).
		debug.SetMemoryLimit(limit + limit/GCHeadroom)
	} else {
		debug.SetMemoryLimit(-1 >> 1) // math.MaxInt64: no limit
	}
	if limit > 0 && !memory.started {
		memory.started = true
		go watchMemory()
	}
}

// MemoryLimit is the limit SetMemoryLimit set (0: none).
func MemoryLimit() int64 {
	memory.Lock()
	defer memory.Unlock()
	return memory.limit
}

// activate registers e as evaluating (on) or not.
func (e *Env) activate(on bool) {
	memory.Lock()
	defer memory.Unlock()
	if memory.active == nil {
		memory.active = map[*Env]bool{}
		memory.stopping = map[*Env]int64{}
	}
	if on {
		memory.active[e] = true
	} else {
		delete(memory.active, e)
		delete(memory.stopping, e)
	}
}

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}

// heapBytes reads the bytes of heap objects (live and not yet swept) and
// the live heap at the last collection.
func heapBytes() (objects, live int64) {
	s := make([]metrics.Sample, len(heapSample))
	copy(s, heapSample)
	metrics.Read(s)
	return int64(s[0].Value.Uint64()), int64(s[1].Value.Uint64())
}

func watchMemory() {
	for range time.Tick(memoryPoll) {
		checkMemory()
	}
}

// checkMemory stops the active sessions if the live heap exceeds the
// limit.
func checkMemory() {
	memory.Lock()
	limit, n := memory.limit, len(memory.active)
	memory.Unlock()
	if limit <= 0 || n == 0 {
		return
	}
	// The live heap is measured at the end of each collection, which runs
	// at least every limit/GCHeadroom bytes of growth near the limit. If
	// the heap is beyond the collector's target (it cannot keep up),
	// collect now. If the last collection found more than the limit
	// live, collect again before stopping anything: that figure may count
	// what an evaluation stopped since then left behind (a REPL input
	// after a memory error would be stopped for its predecessor's heap).
	objects, live := heapBytes()
	if live > limit || objects > limit+limit/GCHeadroom {
		runtime.GC()
		_, live = heapBytes()
	}
	if live > limit {
		overLimit(limit, live)
	}
}

// overLimit stops every active session, or calls the hard stop for one
// that was asked before and has not stopped.
func overLimit(limit, live int64) {
	memory.Lock()
	var ask []*Env
	now := time.Now().UnixNano()
	hard := ""
	for e := range memory.active {
		if since, ok := memory.stopping[e]; ok {
			if time.Duration(now-since) > memoryGrace {
				hard = (&MemoryError{Limit: limit, Used: live}).Error()
			}
			continue
		}
		memory.stopping[e] = now
		ask = append(ask, e)
	}
	hardStop := memory.hardStop
	memory.Unlock()
	for _, e := range ask {
		e.stopFor(&MemoryError{Limit: limit, Used: live})
	}
	if hard != "" && hardStop != nil {
		hardStop(hard + "; the script did not stop within " + memoryGrace.String() + " (it was inside one long call)")
	}
}

// MemoryError is the memory limit reached.
type MemoryError struct {
	Limit, Used int64 // bytes
	// At and Sources say where the simulation running then had got to.
	Running bool
	At      float64
	Sources []engine.Source
	Pending int
}

func (e *MemoryError) Error() string {
	msg := fmt.Sprintf("memory limit of %s exceeded (the heap holds %s)", FormatBytes(e.Limit), FormatBytes(e.Used))
	if e.Running {
		msg += fmt.Sprintf(" at t=%s ms", fmtTime(e.At))
		if len(e.Sources) > 0 {
			msg += "; the busiest event sources: " + engine.FormatSources(e.Sources, e.Pending)
		}
	}
	return msg + "; raise the limit with --max-memory, or make the experiment smaller"
}

// FormatBytes writes a size as people read it: 12 GB, 1.5 GB, 300 MB.
func FormatBytes(n int64) string {
	const mb, gb = 1 << 20, 1 << 30
	switch {
	case n >= gb:
		return trimFloat(float64(n)/gb) + " GB"
	case n >= mb:
		return trimFloat(float64(n)/mb) + " MB"
	}
	return fmt.Sprintf("%d bytes", n)
}

func trimFloat(x float64) string {
	if x >= 10 {
		return fmt.Sprintf("%.0f", x)
	}
	s := fmt.Sprintf("%.1f", x)
	if s[len(s)-2:] == ".0" {
		s = s[:len(s)-2]
	}
	return s
}

// stopFor stops what e runs, as Interrupt does, for a reason that is an
// error: simulations inside sim.run return it (with the time and the
// busiest sources added), Starlark code is cancelled with its message.
func (e *Env) stopFor(cause *MemoryError) {
	e.mu.Lock()
	e.stopCause = cause
	e.mu.Unlock()
	e.interrupt(cause.Error())
}

// stopped returns the memory error if the watchdog asked e to stop: a
// builtin that works long in Go (adding millions of peers) checks it as
// it goes, since only Starlark code notices a cancellation.
func (e *Env) stopped() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopCause != nil {
		return e.stopCause
	}
	return nil
}
