// Package engine is the discrete-event kernel of p2prepl: simulated time,
// one seeded generator, peers, links, messages, faults and services. It is
// plain Go and knows nothing of Starlark; bindings/ builds on it.
package engine

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
)

// Config sets up a simulation.
type Config struct {
	Seed    uint64
	Network *Network // nil: one region with zero latency
	// StrictKinds makes a message that no service of the receiver handles
	// an error instead of a counted "unhandled" message.
	StrictKinds bool
	// MaxEvents bounds the events processed over the simulation's life
	// (0: no bound), so that a runaway script ends with a clear error.
	MaxEvents uint64
	// MaxPending bounds the events scheduled at once (0: no bound), so
	// that a storm of timers or messages ends with an error naming its
	// sources (StormError) before it takes the machine's memory. The
	// bound grows to PerPeer events per peer in a larger simulation.
	MaxPending uint64
	// MaxStall bounds the events processed in a row at one simulated time
	// (0: no bound): a handler rescheduling itself at delay 0 never lets
	// the clock advance. It grows like MaxPending.
	MaxStall uint64
	// StrictLinks makes a send to a peer the sender is no longer connected
	// to (the connection was closed during the run) an error instead of a
	// message counted as DroppedDisconnected.
	StrictLinks bool
}

// Sim is one simulation. It is not safe for concurrent use, except
// Interrupt and Progress, which may be called from any goroutine.
type Sim struct {
	line  *lineNode // the checkpoint the current state descends from last
	cfg   Config
	net   *Network
	rng   *rand.Rand
	pcg   *rand.PCG // rng's source, saved by Checkpoint
	now   float64
	q     queue
	peers []*Peer // indexed by peer id; nil where no peer has that id
	npeer int

	kinds     map[string]int32
	kindNames []string
	counters  []Counter
	types     map[string]int
	typeNames []string

	signals     map[signalKey]*Message
	markEpoch   uint64
	records     map[string]*record
	recordOrder []*record

	load      []LoadPoint
	events    uint64
	nextTimer uint64
	cancelled map[uint64]struct{}

	lossy      bool
	linkLoss   map[uint64]float64
	partitions []*partition
	severed    map[uint64]struct{} // links closed during the run (see SendHop)

	paths     bool       // some kind's paths are recorded (see RecordPaths)
	pathKind  []bool     // per kind index
	pathNodes []pathNode // node 0 stands for "no node"
	coinKey   [2]uint64  // the common coin's secret (see CommonCoin)
	coinReady bool

	scratch   []int32
	trace     *tracer
	hist      *History
	obs       bool   // a trace or a history is kept: the observe* hooks run
	sendSeq   uint32 // sends numbered while observing (see observeSend)
	pert      *perturber
	onDeliver []deliverHook
	streams   []*rand.PCG // the sources of every Stream, saved by Checkpoint

	stall uint64 // events processed in a row at time now
	// The event and storm limits as compared: the Config value, or
	// MaxUint64 when it is off (a pending or stall limit may then still
	// grow; see limit).
	maxEvents, maxPending, maxStall uint64
	// trip is the event count from which step calls limits: maxEvents, or
	// 0 after an event that left stall at maxStall or beyond. Then the
	// event and stall limits cost step one comparison per event, the
	// pending limit another.
	trip uint64

	stop         atomic.Bool
	progressNow  atomic.Uint64
	progressEvts atomic.Uint64
}

// Errors a run can end with.
var (
	ErrInterrupted = errors.New("run interrupted")
	ErrEventLimit  = errors.New("event limit reached")
)

// RunError is an error raised inside a run by a service, a validation step
// or a scheduled action; it says when and where it happened.
type RunError struct {
	T    float64
	Peer int // -1 when no peer was involved
	Err  error
}

func (e *RunError) Error() string {
	if e.Peer < 0 {
		return fmt.Sprintf("at t=%s ms: %v", FormatTime(e.T), e.Err)
	}
	return fmt.Sprintf("at t=%s ms, peer %d: %v", FormatTime(e.T), e.Peer, e.Err)
}

func (e *RunError) Unwrap() error { return e.Err }

// FormatTime prints a simulated time in plain decimals (1777011.5, not
// 1.7770115e+06), the way people read milliseconds.
func FormatTime(t float64) string { return strconv.FormatFloat(t, 'f', -1, 64) }

// New creates an empty simulation.
func New(cfg Config) *Sim {
	net := cfg.Network
	if net == nil {
		net = DefaultNetwork()
	}
	s := &Sim{
		cfg:       cfg,
		net:       net,
		pcg:       rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15),
		kinds:     map[string]int32{},
		types:     map[string]int{},
		records:   map[string]*record{},
		cancelled: map[uint64]struct{}{},
		linkLoss:  map[uint64]float64{},
	}
	s.rng = rand.New(s.pcg)
	s.maxEvents, s.maxPending, s.maxStall = orMax(cfg.MaxEvents), orMax(cfg.MaxPending), orMax(cfg.MaxStall)
	s.trip = s.maxEvents
	s.typeNames = []string{""} // type index 0 means "no type"
	s.lossy = net.Loss > 0
	return s
}

// Seed is the seed the simulation was created with.
func (s *Sim) Seed() uint64 { return s.cfg.Seed }

// Now is the current simulated time in ms.
func (s *Sim) Now() float64 { return s.now }

// Rand is the simulation's generator. Everything random in a run draws
// from it or from a Stream derived from it.
func (s *Sim) Rand() *rand.Rand { return s.rng }

// Stream derives an independent generator named name from the seed, for
// parts of an experiment (topology, scripts) whose draws should not shift
// when another part draws more or less.
func (s *Sim) Stream(name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return s.newRand(s.cfg.Seed, h.Sum64())
}

// newRand makes a generator whose state Checkpoint saves.
func (s *Sim) newRand(a, b uint64) *rand.Rand {
	src := rand.NewPCG(a, b)
	s.streams = append(s.streams, src)
	return rand.New(src)
}

// Network is the simulation's network model.
func (s *Sim) Network() *Network { return s.net }

// Events is the number of events processed so far.
func (s *Sim) Events() uint64 { return s.events }

// Pending is the number of scheduled events.
func (s *Sim) Pending() int { return s.q.Len() }

// Interrupt asks a running Run to stop before its next event. The
// simulation stays consistent and a later Run resumes it. Safe from any
// goroutine.
func (s *Sim) Interrupt() { s.stop.Store(true) }

// Progress reports the simulated time and event count reached, updated
// every few thousand events; safe from any goroutine.
func (s *Sim) Progress() (now float64, events uint64) {
	return math.Float64frombits(s.progressNow.Load()), s.progressEvts.Load()
}

// Schedule runs fn at time t (not before now). An error from fn ends the run.
func (s *Sim) Schedule(t float64, fn func() error) error {
	if math.IsNaN(t) || t < s.now {
		return fmt.Errorf("cannot schedule at t=%g ms: it is before now (%g ms)", t, s.now)
	}
	s.q.push(t, event{kind: evFunc, fn: fn, peer: -1})
	return nil
}

// Run processes the events before time until, then sets the clock to
// until. Events at exactly until are left for the next call, as SimPy's
// run(until) leaves them: Run(1000) then Run(2000) processes each event
// once, a producer ticking every 200 ms from 0 makes 5 messages in
// Run(1000), not 6, and peers scheduled to come back at 1000 are still
// down when Run(1000) returns. It returns early with ErrInterrupted after Interrupt, with
// ErrEventLimit when Config.MaxEvents is reached, or with a *RunError when a
// service fails; in each case the clock stays at the last event processed
// and a later Run carries on from there.
func (s *Sim) Run(until float64) error {
	if math.IsNaN(until) {
		return errors.New("run: until is NaN")
	}
	s.stop.Store(false)
	if s.pert != nil && !s.pert.started {
		if err := s.pert.start(s, until); err != nil {
			return err
		}
	}
	for s.q.Len() > 0 && s.q.peekTime() < until {
		if err := s.step(); err != nil {
			s.publish()
			return err
		}
	}
	if until > s.now && !math.IsInf(until, 1) {
		s.now = until
	}
	s.publish()
	return nil
}

// Step processes the next event, if any; it reports whether there was one.
func (s *Sim) Step() (bool, error) {
	if s.q.Len() == 0 {
		return false, nil
	}
	s.stop.Store(false)
	if s.pert != nil && !s.pert.started {
		if err := s.pert.start(s, math.Inf(1)); err != nil {
			return true, err
		}
	}
	err := s.step()
	s.publish()
	return true, err
}

// RunEvents processes events until the n-th event of the simulation's life
// (counted by Events) has been processed, or none is left before until,
// and reports whether it reached event n. Like Run, it stops early with
// ErrInterrupted, ErrEventLimit or a *RunError; unlike Run, it leaves the
// clock at the last event processed, so that a later Run or RunEvents
// continues exactly where it stopped.
func (s *Sim) RunEvents(n uint64, until float64) (bool, error) {
	if math.IsNaN(until) {
		return false, errors.New("run: until is NaN")
	}
	s.stop.Store(false)
	if s.pert != nil && !s.pert.started {
		if err := s.pert.start(s, until); err != nil {
			return false, err
		}
	}
	for s.events < n && s.q.Len() > 0 && s.q.peekTime() < until {
		if err := s.step(); err != nil {
			s.publish()
			return false, err
		}
	}
	s.publish()
	return s.events >= n, nil
}

func (s *Sim) publish() {
	s.progressNow.Store(math.Float64bits(s.now))
	s.progressEvts.Store(s.events)
}

// PerPeer is how many pending events (and events at one time) per peer
// the limits allow at least: a 100,000-peer gossip run keeps about one
// event per peer pending.
const PerPeer = 16

// orMax is a limit as step compares it: 0 (no limit) is MaxUint64.
func orMax(l uint64) uint64 {
	if l == 0 {
		return math.MaxUint64
	}
	return l
}

// limit is a storm limit, grown for a large simulation.
func (s *Sim) limit(l uint64) uint64 {
	if l > 0 && uint64(s.npeer)*PerPeer > l {
		return uint64(s.npeer) * PerPeer
	}
	return l
}

// limits ends a run that reached Config.MaxEvents, MaxPending or MaxStall,
// checked in that order. step calls it only when trip or maxPending says
// one of them may have been reached; short of them, it sets trip back to
// maxEvents (step sets it to 0 again after the next event while the clock
// still stalls).
func (s *Sim) limits() error {
	if s.events >= s.maxEvents {
		return fmt.Errorf("%w: %d events processed (raise the limit if the run is meant to be this long)", ErrEventLimit, s.events)
	}
	if uint64(s.q.Len()) > s.maxPending {
		if l := s.limit(s.cfg.MaxPending); uint64(s.q.Len()) > l {
			return s.storm(ErrPendingLimit, l)
		}
	}
	if s.stall >= s.maxStall && s.q.peekTime() == s.now {
		if l := s.limit(s.cfg.MaxStall); s.stall >= l {
			return s.storm(ErrTimeStalled, l)
		}
	}
	s.trip = s.maxEvents
	return nil
}

func (s *Sim) step() error {
	if s.stop.Load() {
		s.stop.Store(false)
		return ErrInterrupted
	}
	if s.events >= s.trip || uint64(s.q.Len()) > s.maxPending {
		if err := s.limits(); err != nil {
			return err
		}
	}
	var ev event
	t := s.q.pop(&ev)
	if t == s.now {
		s.stall++
		if s.stall >= s.maxStall {
			s.trip = 0
		}
	} else {
		s.stall = 0
	}
	s.now = t
	s.events++
	if s.events&4095 == 0 {
		s.publish()
	}
	var err error
	switch ev.kind {
	case evArrive:
		s.arrive(&ev)
	case evDownloaded:
		err = s.downloaded(&ev)
	case evValidated:
		p := s.peers[ev.peer]
		if p.epoch == ev.tag {
			err = s.finish(p, ev.ok)
		}
	case evTimer:
		if len(s.cancelled) > 0 {
			if _, ok := s.cancelled[ev.timer]; ok {
				delete(s.cancelled, ev.timer)
				return nil
			}
		}
		p := s.peers[ev.peer]
		if p.crashed {
			return nil // a crashed peer does nothing, and its timers die out
		}
		if e := ev.svc.Timer(p, ev.tag); e != nil {
			err = &RunError{T: t, Peer: p.id, Err: e}
		}
	case evFunc:
		if e := ev.fn(); e != nil {
			var re *RunError
			if errors.As(e, &re) {
				err = e
			} else {
				err = &RunError{T: t, Peer: int(ev.peer), Err: e}
			}
		}
	}
	return err
}

// TimerID identifies a scheduled timer so that it can be cancelled.
type TimerID uint64

// After schedules svc.Timer(p, tag) delay ms from now.
func (s *Sim) After(p *Peer, svc Service, delay float64, tag int64) (TimerID, error) {
	if math.IsNaN(delay) || delay < 0 {
		return 0, fmt.Errorf("timer delay must be >= 0 ms (got %g)", delay)
	}
	s.nextTimer++
	id := s.nextTimer
	s.q.push(s.now+delay, event{kind: evTimer, peer: int32(p.id), svc: svc, tag: tag, timer: id})
	return TimerID(id), nil
}

// Cancel stops a timer that has not fired yet; cancelling a fired or
// unknown timer does nothing.
func (s *Sim) Cancel(id TimerID) {
	if uint64(id) != 0 && uint64(id) <= s.nextTimer {
		s.cancelled[uint64(id)] = struct{}{}
	}
}

// Counter counts messages of one kind. Every message sent ends as exactly
// one of delivered, unhandled, rejected or dropped (or is still in flight).
type Counter struct {
	Sent, SentBytes           int64
	Delivered, DeliveredBytes int64 // accepted and handed to at least one service
	Unhandled                 int64 // accepted, but no service takes the kind
	Rejected                  int64 // refused by the receiver's validation step
	Dropped, DroppedBytes     int64 // lost, partitioned, a peer was offline, or the link was closed
	DroppedOffline            int64
	DroppedLoss               int64
	DroppedPartition          int64
	DroppedDisconnected       int64 // sent to a peer the sender had been connected to earlier
	DroppedFault              int64 // dropped by a perturbation schedule (Sim.Perturb, Sim.Replay)
}

// Kinds lists the message kinds seen so far, in the order first used.
func (s *Sim) Kinds() []string { return append([]string(nil), s.kindNames...) }

// CounterOf returns the counters of one message kind.
func (s *Sim) CounterOf(kind string) Counter {
	if k, ok := s.kinds[kind]; ok {
		return s.counters[k]
	}
	return Counter{}
}

// Total sums the counters of every kind.
func (s *Sim) Total() Counter {
	var t Counter
	for _, c := range s.counters {
		t.Sent += c.Sent
		t.SentBytes += c.SentBytes
		t.Delivered += c.Delivered
		t.DeliveredBytes += c.DeliveredBytes
		t.Unhandled += c.Unhandled
		t.Rejected += c.Rejected
		t.Dropped += c.Dropped
		t.DroppedBytes += c.DroppedBytes
		t.DroppedOffline += c.DroppedOffline
		t.DroppedLoss += c.DroppedLoss
		t.DroppedPartition += c.DroppedPartition
		t.DroppedDisconnected += c.DroppedDisconnected
		t.DroppedFault += c.DroppedFault
	}
	return t
}

// LoadPoint is the traffic delivered during one simulated second.
type LoadPoint struct {
	Second   int
	Messages int64
	Bytes    int64
}

// Load is the per-second series of delivered messages and bytes.
func (s *Sim) Load() []LoadPoint {
	out := make([]LoadPoint, len(s.load))
	copy(out, s.load)
	for i := range out {
		out[i].Second = i
	}
	return out
}
