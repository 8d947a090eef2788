package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/chzyer/readline"
)

// Progress line timing: nothing for runs shorter than progressDelay, then
// a redraw every progressTick.
const (
	progressDelay = 2 * time.Second
	progressTick  = 250 * time.Millisecond
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && readline.IsTerminal(int(f.Fd()))
}

// progressWriter is the script's stdout. While a long simulation runs it
// also keeps a progress line on stderr ("t=4200/10000 ms  1.2M events/s"),
// which it erases before any output so the two never mix on a terminal.
type progressWriter struct {
	mu      sync.Mutex
	out     io.Writer // the script's output
	term    io.Writer // where the progress line goes (a terminal)
	enabled bool
	shown   bool // a progress line is on the terminal now
}

func newProgressWriter(out, term io.Writer, enabled bool) *progressWriter {
	return &progressWriter{out: out, term: term, enabled: enabled}
}

func (p *progressWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	return p.out.Write(b)
}

// clear erases the progress line, if shown.
func (p *progressWriter) clear() {
	p.mu.Lock()
	p.clearLocked()
	p.mu.Unlock()
}

func (p *progressWriter) clearLocked() {
	if p.shown {
		io.WriteString(p.term, "\r\x1b[K")
		p.shown = false
	}
}

func (p *progressWriter) draw(line string) {
	p.mu.Lock()
	io.WriteString(p.term, "\r"+line+"\x1b[K")
	p.shown = true
	p.mu.Unlock()
}

// runningFunc reports the progress of the simulation run in progress,
// as bindings.Env.Running does.
type runningFunc func() (now, until float64, events uint64, ok bool)

// watch shows the progress of running until the returned stop function is
// called; stop erases the line. It does nothing when the writer is not
// enabled (stderr is not a terminal, or --quiet).
func (p *progressWriter) watch(running runningFunc) (stop func()) {
	if !p.enabled {
		return func() {}
	}
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer exitOnPanic()
		defer close(done)
		start := time.Now()
		tick := time.NewTicker(progressTick)
		defer tick.Stop()
		var rate rateMeter
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
			}
			now, until, events, ok := running()
			if !ok {
				rate.reset()
				p.clear()
				continue
			}
			perSec := rate.add(time.Now(), events)
			if time.Since(start) < progressDelay {
				continue
			}
			p.draw(progressLine(now, until, perSec))
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(quit)
			<-done
			p.clear()
		})
	}
}

// progressLine formats "t=4200/10000 ms  1.2M events/s".
func progressLine(now, until float64, perSec float64) string {
	t := "t=" + formatMs(now)
	if !math.IsInf(until, 0) && !math.IsNaN(until) {
		t += "/" + formatMs(until)
	}
	t += " ms"
	if perSec >= 0 {
		t += "  " + formatCount(perSec) + " events/s"
	}
	return t
}

// formatMs formats a simulated time in ms compactly.
func formatMs(t float64) string {
	switch {
	case math.IsInf(t, 0) || math.IsNaN(t):
		return fmt.Sprint(t)
	case math.Abs(t) >= 1e9:
		return strconv.FormatFloat(t, 'g', 4, 64)
	case math.Abs(t) >= 100 || t == math.Trunc(t):
		return strconv.FormatFloat(t, 'f', 0, 64)
	default:
		return strconv.FormatFloat(t, 'f', 1, 64)
	}
}

// formatCount formats a rate as 950, 12.3k, 1.2M, 3.4G.
func formatCount(x float64) string {
	switch {
	case x >= 1e9:
		return strconv.FormatFloat(x/1e9, 'f', 1, 64) + "G"
	case x >= 1e6:
		return strconv.FormatFloat(x/1e6, 'f', 1, 64) + "M"
	case x >= 1e3:
		return strconv.FormatFloat(x/1e3, 'f', 1, 64) + "k"
	default:
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
}

// rateMeter measures events per second over the last second or so.
type rateMeter struct {
	samples []rateSample
}

type rateSample struct {
	at     time.Time
	events uint64
}

func (r *rateMeter) reset() { r.samples = r.samples[:0] }

// add records a sample and returns the rate since the oldest kept one,
// or -1 when there is no rate yet.
func (r *rateMeter) add(at time.Time, events uint64) float64 {
	if n := len(r.samples); n > 0 && events < r.samples[n-1].events {
		r.reset() // a different simulation started
	}
	r.samples = append(r.samples, rateSample{at, events})
	for len(r.samples) > 2 && at.Sub(r.samples[0].at) > time.Second {
		r.samples = r.samples[1:]
	}
	first := r.samples[0]
	dt := at.Sub(first.at).Seconds()
	if dt <= 0 {
		return -1
	}
	return float64(events-first.events) / dt
}
