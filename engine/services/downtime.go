package services

import (
	"fmt"
	"math"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/dist"
)

const (
	tagDown int64 = iota
	tagUp
)

// RandomDowntime takes its peer offline and back again for random
// durations: the first failure after First ms, then down for Down ms and up
// for Up ms, repeatedly. Negative draws count as their absolute value.
//
// p2psimpy's RandomDowntime applies its two durations the wrong way round
// (a peer is up for the "disruption" time and down for the "interval"), so
// its peers are online only ~40% of the time. We follow the names, so with
// the defaults peers are up ~60% of the time.
type RandomDowntime struct {
	engine.Base
	First dist.Dist // default N(1000, 70)
	Down  dist.Dist // default N(400, 150)
	Up    dist.Dist // default N(600, 200)
	// Swapped applies the durations as p2psimpy's RandomDowntime does: the
	// first failure comes a Down draw after First, then the peer is down
	// for Up draws and up for Down draws (online ~40% of the time with
	// the defaults).
	Swapped bool
}

// NewRandomDowntime returns RandomDowntime with p2psimpy's distributions
// (see its fields).
func NewRandomDowntime() *RandomDowntime {
	first, _ := dist.Norm(1000, 70)
	down, _ := dist.Norm(400, 150)
	up, _ := dist.Norm(600, 200)
	return &RandomDowntime{First: first, Down: down, Up: up}
}

func (r *RandomDowntime) Name() string { return "random_downtime" }

func (r *RandomDowntime) Start(p *engine.Peer) error {
	rng := p.Sim().Rand()
	first := math.Abs(r.First.Sample(rng))
	if r.Swapped {
		first += math.Abs(r.Down.Sample(rng))
	}
	_, err := p.After(r, first, tagDown)
	return err
}

func (r *RandomDowntime) Timer(p *engine.Peer, tag int64) error {
	down, up := r.Down, r.Up
	if r.Swapped {
		down, up = up, down
	}
	next, d := tagUp, down
	if tag == tagUp {
		next, d = tagDown, up
	}
	if err := p.SetOnline(tag == tagUp); err != nil {
		return err
	}
	_, err := p.After(r, math.Abs(d.Sample(p.Sim().Rand())), next)
	return err
}

// Window is a time interval [From, Until) in ms; Until may be +Inf.
type Window struct{ From, Until float64 }

// ScheduledDowntime takes its peer offline during fixed windows; a window
// that never ends is a crash (engine.Peer.Crash): the peer stops for good.
type ScheduledDowntime struct {
	engine.Base
	Windows []Window
}

// NewScheduledDowntime checks the windows: each From < Until, in order,
// not overlapping.
func NewScheduledDowntime(ws []Window) (*ScheduledDowntime, error) {
	for i, w := range ws {
		if math.IsNaN(w.From) || math.IsNaN(w.Until) || w.From < 0 || w.Until <= w.From {
			return nil, fmt.Errorf("scheduled_downtime: window %d must have 0 <= from < until (got %g, %g)", i, w.From, w.Until)
		}
		if i > 0 && w.From < ws[i-1].Until {
			return nil, fmt.Errorf("scheduled_downtime: window %d starts at %g, before window %d ends (%g); give windows in order without overlap", i, w.From, i-1, ws[i-1].Until)
		}
	}
	return &ScheduledDowntime{Windows: append([]Window(nil), ws...)}, nil
}

func (s *ScheduledDowntime) Name() string { return "scheduled_downtime" }

func (s *ScheduledDowntime) Start(p *engine.Peer) error {
	now := p.Sim().Now()
	for i, w := range s.Windows {
		if w.From >= now {
			if _, err := p.After(s, w.From-now, int64(2*i)); err != nil {
				return err
			}
		}
		if !math.IsInf(w.Until, 1) && w.Until >= now {
			if _, err := p.After(s, w.Until-now, int64(2*i+1)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *ScheduledDowntime) Timer(p *engine.Peer, tag int64) error {
	if tag%2 == 0 && math.IsInf(s.Windows[tag/2].Until, 1) {
		p.Crash()
		return nil
	}
	return p.SetOnline(tag%2 == 1)
}

// Snapshot: downtime keeps its state in timers (engine.Snapshotter).
func (r *RandomDowntime) Snapshot() func() { return func() {} }

// Snapshot: downtime keeps its state in timers (engine.Snapshotter).
func (s *ScheduledDowntime) Snapshot() func() { return func() {} }
