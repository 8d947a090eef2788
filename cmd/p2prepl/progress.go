package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chzyer/readline"

	"github.com/p2prepl/p2prepl/bindings"
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
// also keeps a progress line on stderr
// ("run 3/20  t=4200/10000 ms 42%  ETA 6 s, all 1 min 30 s  1.2M events/s"),
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

// progressFunc reports the progress of the simulation run in progress,
// as bindings.Env.Progress does.
type progressFunc func() (bindings.Progress, bool)

// watch shows the progress of running until the returned stop function is
// called; stop erases the line. It does nothing when the writer is not
// enabled (stderr is not a terminal, or --quiet).
func (p *progressWriter) watch(running progressFunc) (stop func()) {
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
			pr, ok := running()
			if !ok {
				rate.reset()
				p.clear()
				continue
			}
			perSec, simPerSec := rate.add(time.Now(), pr.Events, pr.Now)
			if time.Since(start) < progressDelay {
				continue
			}
			p.draw(progressLine(pr, perSec, simPerSec))
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

// progressLine formats what pr says, with the event rate and the rate
// simulated time advances at (ms per wall second; < 0 when unknown):
//
//	run 3/20  t=4200/10000 ms 42%  ETA 6 s, all 1 min 30 s  1.2M events/s
//
// "run 3/20" and the overall ETA need a declared count (expect_runs),
// the percentage and the ETA a finite until.
func progressLine(pr bindings.Progress, perSec, simPerSec float64) string {
	if pr.Elsewhere { // a runner's runs: "runs 12/40 done  all 1 min 30 s"
		line := fmt.Sprintf("runs %d/%d done", pr.Run, pr.Runs)
		if pr.Run > 0 {
			line += "  ETA all " + formatETA(pr.BatchWall.Seconds()*float64(pr.Runs-pr.Run)/float64(pr.Run))
		}
		return line
	}
	var parts []string
	if pr.Runs > 0 {
		parts = append(parts, fmt.Sprintf("run %d/%d", pr.Run, pr.Runs))
	}
	t := "t=" + formatMs(pr.Now)
	finite := !math.IsInf(pr.Until, 0) && !math.IsNaN(pr.Until)
	if finite {
		t += "/" + formatMs(pr.Until)
	}
	t += " ms"
	frac := -1.0 // of this run
	if finite && pr.Until > pr.From {
		frac = min(max((pr.Now-pr.From)/(pr.Until-pr.From), 0), 1)
		t += fmt.Sprintf(" %d%%", int(100*frac))
	}
	parts = append(parts, t)
	var eta []string
	if frac >= 0 && simPerSec > 0 {
		eta = append(eta, "ETA "+formatETA((pr.Until-pr.Now)/simPerSec))
	}
	if pr.Runs > 0 && frac >= 0 && pr.Run <= pr.Runs {
		done := float64(pr.Run-1) + frac // simulations done, the running one in part
		if done > 0 {
			all := pr.BatchWall.Seconds() * (float64(pr.Runs) - done) / done
			eta = append(eta, "all "+formatETA(all))
		}
	}
	if len(eta) > 0 {
		parts = append(parts, strings.Join(eta, ", "))
	}
	if perSec >= 0 {
		parts = append(parts, formatCount(perSec)+" events/s")
	}
	return strings.Join(parts, "  ")
}

// formatETA formats a remaining wall time in seconds: "8 s", "2 min 10
// s", "1 h 5 min", "> 1000 h".
func formatETA(secs float64) string {
	if !(secs < 1000*3600) {
		return "> 1000 h"
	}
	s := int(math.Round(max(secs, 0)))
	switch {
	case s < 60:
		return fmt.Sprintf("%d s", s)
	case s < 3600:
		return fmt.Sprintf("%d min %d s", s/60, s%60)
	default:
		return fmt.Sprintf("%d h %d min", s/3600, s%3600/60)
	}
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

// rateMeter measures events per second, and simulated ms per second,
// over the last second or so.
type rateMeter struct {
	samples []rateSample
}

type rateSample struct {
	at     time.Time
	events uint64
	now    float64 // simulated time
}

func (r *rateMeter) reset() { r.samples = r.samples[:0] }

// add records a sample and returns the event rate and the simulated-time
// rate since the oldest kept one, or -1, -1 when there are none yet.
func (r *rateMeter) add(at time.Time, events uint64, now float64) (perSec, simPerSec float64) {
	if n := len(r.samples); n > 0 && (events < r.samples[n-1].events || now < r.samples[n-1].now) {
		r.reset() // a different simulation started
	}
	r.samples = append(r.samples, rateSample{at, events, now})
	for len(r.samples) > 2 && at.Sub(r.samples[0].at) > time.Second {
		r.samples = r.samples[1:]
	}
	first := r.samples[0]
	dt := at.Sub(first.at).Seconds()
	if dt <= 0 {
		return -1, -1
	}
	return float64(events-first.events) / dt, (now - first.now) / dt
}
