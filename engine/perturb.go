package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// A perturbation is something an adversarial environment does to a run
// within the model's assumptions: a message copy delayed or dropped, a peer
// crashed, the network partitioned for a while. A Faults budget says how
// much of each the environment may do; Perturb samples a schedule within
// it from the simulation's seed (on a stream of its own, so the run's
// other draws are the same with or without it) and applies it. Every
// perturbation applied is recorded (Applied) as a concrete event that
// Replay applies again exactly, which is what exploration, shrinking and
// `p2prepl run --schedule` are built on.

// Strategy is how delays are drawn within a Faults budget.
type Strategy uint8

const (
	// Uniform delays every copy by a uniform draw in [0, Delay].
	Uniform Strategy = iota
	// PCT gives every sending peer a random priority that orders its
	// concurrent deliveries (a tie-breaking delay far below the latency)
	// and, at Depth-1 change points chosen among the first Sends sends,
	// demotes the copy sent there below every message in flight: it
	// arrives Delay late. This is PCT (Burckhardt et al., ASPLOS 2010)
	// over messages in flight: an ordering bug that needs d-1 messages to
	// be overtaken is found with probability about 1/Sends^(d-1) per run.
	PCT
	// Boundary delays every copy by 0 or by Delay (the extremes of the
	// allowed range), each with probability 1/2, and gives partitions the
	// full PartitionLen.
	Boundary
)

var strategyNames = [...]string{"uniform", "pct", "boundary"}

func (s Strategy) String() string {
	if int(s) < len(strategyNames) {
		return strategyNames[s]
	}
	return fmt.Sprintf("strategy(%d)", s)
}

// ParseStrategy reads a strategy name.
func ParseStrategy(name string) (Strategy, error) {
	for i, n := range strategyNames {
		if n == name {
			return Strategy(i), nil
		}
	}
	return 0, fmt.Errorf("unknown strategy %q (known: uniform, pct, boundary)", name)
}

// Faults is a perturbation budget. The zero value perturbs nothing.
type Faults struct {
	Delay        float64  // extra delay of a message copy, at most this many ms
	DelayMin     float64  // and at least this many (when a copy is delayed at all: Kinds)
	Drop         int      // at most this many copies dropped
	Crash        int      // at most this many peers crashed (for good)
	Partitions   int      // at most this many partitions
	PartitionLen float64  // each lasting at most this many ms
	Kinds        []string // message kinds delays and drops apply to (nil: every kind)
	Peers        []int    // peers that may crash or be cut off (nil: every peer)
	// Horizon is how long after the first Run crashes and partitions may
	// start, in ms (0: the span of that first Run).
	Horizon  float64
	Strategy Strategy
	Depth    int // PCT: d, the number of change points plus one (0: 3)
	// Sends is how many sends (of Kinds) drops and PCT change points are
	// spread over, an estimate of the sends of a run (e.g. counted in a
	// plain run; 0: 1000).
	Sends int
	// Seed selects one of many schedules for the same simulation seed:
	// exploration varies it, so that scripts that fix their seed are
	// explored too (0: the stream "faults" of the simulation's seed).
	Seed uint64
}

// Validate reports a budget that cannot be applied.
func (f *Faults) Validate() error {
	switch {
	case f.Delay < 0 || math.IsNaN(f.Delay) || math.IsInf(f.Delay, 0):
		return fmt.Errorf("faults: delay must be a finite number of ms >= 0 (got %g)", f.Delay)
	case f.DelayMin < 0 || !(f.DelayMin <= f.Delay):
		return fmt.Errorf("faults: the least delay must be in [0, delay] ms (got %g, delay %g)", f.DelayMin, f.Delay)
	case f.Drop < 0:
		return fmt.Errorf("faults: drop must be >= 0 (got %d)", f.Drop)
	case f.Crash < 0:
		return fmt.Errorf("faults: crash must be >= 0 (got %d)", f.Crash)
	case f.Partitions < 0:
		return fmt.Errorf("faults: partitions must be >= 0 (got %d)", f.Partitions)
	case f.Partitions > 0 && !(f.PartitionLen > 0) || math.IsInf(f.PartitionLen, 0):
		return fmt.Errorf("faults: a partition needs a finite length > 0 ms (got %g)", f.PartitionLen)
	case f.Horizon < 0 || math.IsNaN(f.Horizon) || math.IsInf(f.Horizon, 0):
		return fmt.Errorf("faults: horizon must be a finite number of ms >= 0 (got %g)", f.Horizon)
	case f.Depth < 0:
		return fmt.Errorf("faults: depth must be >= 1 (got %d)", f.Depth)
	case f.Sends < 0:
		return fmt.Errorf("faults: sends must be >= 0 (got %d)", f.Sends)
	case f.Strategy > Boundary:
		return fmt.Errorf("faults: unknown strategy %d", f.Strategy)
	case f.Partitions > MaxPartitions:
		return fmt.Errorf("faults: at most %d partitions (got %d)", MaxPartitions, f.Partitions)
	case f.Sends > math.MaxUint32:
		return fmt.Errorf("faults: sends must be at most %d (got %d)", uint32(math.MaxUint32), f.Sends)
	}
	sends := f.Sends
	if sends == 0 {
		sends = 1000
	}
	if n := min(f.Drop, sends); n > MaxPicks {
		return fmt.Errorf("faults: at most %d drops can be spread over the sends (got drop=%d over %d sends); for a loss rate, give the network a loss", MaxPicks, f.Drop, sends)
	}
	if n := min(f.Depth-1, sends); f.Strategy == PCT && n > MaxPicks {
		return fmt.Errorf("faults: depth must be at most %d (got %d)", MaxPicks+1, f.Depth)
	}
	return nil
}

// Bounds of a budget, so that sampling a schedule stays cheap: a budget
// beyond them models a different network, not a worse one.
const (
	MaxPartitions = 1000    // partitions of one run
	MaxPicks      = 1000000 // drops, and PCT change points, chosen among the sends
)

// PerturbKind names a perturbation.
type PerturbKind string

// The perturbations.
const (
	PerturbDelay     PerturbKind = "delay"     // one copy arrives Delay ms late
	PerturbDrop      PerturbKind = "drop"      // one copy is lost
	PerturbSlow      PerturbKind = "slow"      // every copy Peer sends arrives Delay ms late (PCT priorities)
	PerturbCrash     PerturbKind = "crash"     // Peer crashes at At
	PerturbPartition PerturbKind = "partition" // Group is cut off from every other peer during [At, Until)
)

// Perturbation is one perturbation applied. A copy of a message is named
// by its sender, receiver, kind, id and version and by N, its place among
// the copies with those five; Send, its number among every send of the
// run, is what a person reads ("message #n"). Replay matches copies by the
// name, which survives shrinking better than the number: removing one
// perturbation shifts every later send number, rarely a copy's name.
type Perturbation struct {
	Kind    PerturbKind `json:"kind"`
	Send    uint32      `json:"send,omitempty"`
	From    int         `json:"from,omitempty"`
	To      int         `json:"to,omitempty"`
	Msg     string      `json:"msg,omitempty"`     // the message kind
	ID      string      `json:"id,omitempty"`      // its id ("" for untracked messages)
	Version int         `json:"version,omitempty"` // its version
	N       int         `json:"n,omitempty"`
	Delay   float64     `json:"delay,omitempty"`
	Peer    int         `json:"peer,omitempty"`
	At      float64     `json:"at,omitempty"`
	Until   float64     `json:"until,omitempty"`
	Group   []int       `json:"group,omitempty"`
	Kinds   []string    `json:"kinds,omitempty"` // slow: the message kinds it delays (nil: every kind)
	// T is when a delay or drop was applied (informational).
	T float64 `json:"t,omitempty"`
}

func (p Perturbation) String() string {
	switch p.Kind {
	case PerturbDelay:
		return fmt.Sprintf("t=%s: message #%d (%q %d->%d) delayed %s ms", FormatTime(p.T), p.Send, p.Msg, p.From, p.To, FormatTime(p.Delay))
	case PerturbDrop:
		return fmt.Sprintf("t=%s: message #%d (%q %d->%d) dropped", FormatTime(p.T), p.Send, p.Msg, p.From, p.To)
	case PerturbSlow:
		return fmt.Sprintf("peer %d's messages delayed %s ms", p.Peer, FormatTime(p.Delay))
	case PerturbCrash:
		return fmt.Sprintf("t=%s: peer %d crashed", FormatTime(p.At), p.Peer)
	case PerturbPartition:
		return fmt.Sprintf("t=%s..%s: peers %v cut off", FormatTime(p.At), FormatTime(p.Until), p.Group)
	}
	return string(p.Kind)
}

// sendKey counts the copies with one name during a run: a tracked
// message's pointer stands for its id and version, cheaper to hash than
// the strings; untracked messages are counted by kind.
type sendKey struct {
	from, to, kind int32
	m              *Message // nil for untracked messages
}

// nameKey is a copy's name as a schedule gives it (replay).
type nameKey struct {
	from, to, version, n int32
	kind, id             string
}

// sentPerturbation is a delay or drop as recorded during the run, made a
// Perturbation only when Applied asks: recording is on the send path.
type sentPerturbation struct {
	m        *Message
	delay, t float64
	seq      uint32
	from, to int32
	n        int32
	drop     bool
}

func (sp *sentPerturbation) perturbation() Perturbation {
	p := Perturbation{Kind: PerturbDelay, Send: sp.seq, From: int(sp.from), To: int(sp.to), Msg: sp.m.Kind,
		ID: sp.m.ID, N: int(sp.n), Delay: sp.delay, T: sp.t}
	if sp.m.rec != nil {
		p.Version = int(sp.m.version)
	}
	if sp.drop {
		p.Kind = PerturbDrop
	}
	return p
}

// perturber applies a sampled or replayed schedule during a run.
type perturber struct {
	f       Faults // the budget (sampling)
	replay  bool
	rng     *rand.Rand
	started bool
	kinds   map[string]bool // nil: every kind

	nth     map[sendKey]int32
	byName  map[nameKey]Perturbation  // replay: delays and drops
	peerAll map[int32]float64         // slow peers' extra delay (replay, and PCT)
	slowFor map[int32]map[string]bool // replay: the kinds a slow peer's delay applies to (absent: all)
	pending []Perturbation            // replay: crashes and partitions to install

	dropAt   map[uint32]bool // sampling: numbers (among eligible sends) to drop
	changeAt map[uint32]bool // sampling, PCT: numbers to demote
	eligible uint32          // sends of the budget's kinds so far
	tieMax   float64

	applied []Perturbation       // crashes, partitions and slow peers
	sent    [][]sentPerturbation // delays and drops, in chunks: growing never copies
	nsent   int
}

const sentChunk = 4096

func (pt *perturber) record(sp sentPerturbation) {
	c := pt.nsent / sentChunk
	if c == len(pt.sent) {
		pt.sent = append(pt.sent, make([]sentPerturbation, 0, sentChunk))
	}
	pt.sent[c] = append(pt.sent[c], sp)
	pt.nsent++
}

// Perturb samples perturbations within budget f as the simulation runs,
// from a stream of the simulation's seed named "faults": the rest of the
// run draws exactly what it would without them. It replaces an earlier
// Perturb or Replay and must be called before the first Run.
func (s *Sim) Perturb(f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	f.Kinds = slices.Clone(f.Kinds)
	f.Peers = slices.Clone(f.Peers)
	if f.Depth == 0 {
		f.Depth = 3
	}
	if f.Sends == 0 {
		f.Sends = 1000
	}
	var rng *rand.Rand
	if f.Seed != 0 {
		rng = s.newRand(s.cfg.Seed^f.Seed*0x9e3779b97f4a7c15, f.Seed+0x6a09e667f3bcc909)
	} else {
		rng = s.Stream("faults")
	}
	pt := &perturber{f: f, rng: rng, nth: map[sendKey]int32{}, peerAll: map[int32]float64{}}
	if f.Kinds != nil {
		pt.kinds = map[string]bool{}
		for _, k := range f.Kinds {
			pt.kinds[k] = true
		}
	}
	pt.dropAt = pickSends(pt.rng, f.Drop, f.Sends)
	if f.Strategy == PCT && f.Delay > 0 {
		pt.changeAt = pickSends(pt.rng, f.Depth-1, f.Sends)
		// Priorities only break ties: far below any delay that matters.
		pt.tieMax = math.Min(f.Delay*1e-3, 1e-3)
	}
	s.setPerturber(pt)
	return nil
}

// Replay applies a recorded schedule (from Applied) again. It replaces an
// earlier Perturb or Replay and must be called before the first Run.
func (s *Sim) Replay(sched []Perturbation) error {
	pt := &perturber{replay: true, nth: map[sendKey]int32{}, byName: map[nameKey]Perturbation{}, peerAll: map[int32]float64{}}
	for i, p := range sched {
		switch p.Kind {
		case PerturbDelay, PerturbDrop:
			if p.Kind == PerturbDelay && !(p.Delay >= 0) {
				return fmt.Errorf("schedule event %d: a delay must be >= 0 ms (got %g)", i+1, p.Delay)
			}
			k := nameKey{int32(p.From), int32(p.To), int32(p.Version), int32(p.N), p.Msg, p.ID}
			pt.byName[k] = p
		case PerturbSlow:
			if !(p.Delay >= 0) {
				return fmt.Errorf("schedule event %d: a delay must be >= 0 ms (got %g)", i+1, p.Delay)
			}
			pt.peerAll[int32(p.Peer)] = p.Delay
			if p.Kinds != nil {
				if pt.slowFor == nil {
					pt.slowFor = map[int32]map[string]bool{}
				}
				ks := map[string]bool{}
				for _, k := range p.Kinds {
					ks[k] = true
				}
				pt.slowFor[int32(p.Peer)] = ks
			}
			p.Kinds = slices.Clone(p.Kinds)
			pt.applied = append(pt.applied, p)
		case PerturbCrash:
			if math.IsNaN(p.At) || p.At < 0 {
				return fmt.Errorf("schedule event %d: a crash needs a time at >= 0 (got %g)", i+1, p.At)
			}
			pt.pending = append(pt.pending, p)
		case PerturbPartition:
			if math.IsNaN(p.At) || !(p.Until > p.At) || len(p.Group) == 0 {
				return fmt.Errorf("schedule event %d: a partition needs at < until and a non-empty group", i+1)
			}
			pt.pending = append(pt.pending, p)
		default:
			return fmt.Errorf("schedule event %d: unknown kind %q (known: delay, drop, slow, crash, partition)", i+1, p.Kind)
		}
	}
	s.setPerturber(pt)
	return nil
}

func (s *Sim) setPerturber(pt *perturber) {
	s.pert = pt
	s.obs = true // sends are numbered
}

// Applied lists the perturbations applied so far, in the order applied
// (crashes and partitions first, as they are planned when the first Run
// starts): a schedule that Replay applies again.
func (s *Sim) Applied() []Perturbation {
	if s.pert == nil {
		return nil
	}
	out := make([]Perturbation, 0, len(s.pert.applied)+s.pert.nsent)
	for _, p := range s.pert.applied {
		p.Group, p.Kinds = slices.Clone(p.Group), slices.Clone(p.Kinds)
		out = append(out, p)
	}
	for _, c := range s.pert.sent {
		for i := range c {
			out = append(out, c[i].perturbation())
		}
	}
	return out
}

// AppliedCount is len(Applied()), without building the list.
func (s *Sim) AppliedCount() int {
	if s.pert == nil {
		return 0
	}
	return len(s.pert.applied) + s.pert.nsent
}

// Perturbing reports whether a budget or a schedule is installed.
func (s *Sim) Perturbing() bool { return s.pert != nil }

// pickSends chooses up to k distinct send numbers in [1, n]. Drawing until
// k are distinct takes about n ln n draws when k nears n: above n/2 it
// draws the n-k that are not chosen instead.
func pickSends(r *rand.Rand, k, n int) map[uint32]bool {
	if k <= 0 {
		return nil
	}
	if k > n {
		k = n
	}
	if k > n/2 {
		skip := pickSends(r, n-k, n)
		out := make(map[uint32]bool, k)
		for i := 1; i <= n; i++ {
			if !skip[uint32(i)] {
				out[uint32(i)] = true
			}
		}
		return out
	}
	out := make(map[uint32]bool, k)
	for len(out) < k {
		out[uint32(1+r.IntN(n))] = true
	}
	return out
}

// start plans the crashes and partitions when the first Run begins, when
// the peers exist; until is that Run's end.
func (pt *perturber) start(s *Sim, until float64) error {
	pt.started = true
	if pt.replay {
		for _, p := range pt.pending {
			if err := pt.install(s, p); err != nil {
				return err
			}
		}
		pt.pending = nil
		return nil
	}
	f := &pt.f
	h := f.Horizon
	if h == 0 {
		h = until - s.now
	}
	if math.IsInf(h, 0) || math.IsNaN(h) || h <= 0 {
		if f.Crash > 0 || f.Partitions > 0 {
			return fmt.Errorf("faults: crashes and partitions need a horizon (the first run has none: give horizon=)")
		}
		h = 0
	}
	cands := f.Peers
	if cands == nil {
		for _, p := range s.Peers() {
			cands = append(cands, p.id)
		}
	}
	for _, id := range cands {
		if s.Peer(id) == nil {
			return fmt.Errorf("faults: no peer %d", id)
		}
	}
	if f.Crash > 0 {
		ids := slices.Clone(cands)
		pt.rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		n := min(f.Crash, len(ids))
		var ps []Perturbation
		for _, id := range ids[:n] {
			ps = append(ps, Perturbation{Kind: PerturbCrash, Peer: id, At: s.now + pt.rng.Float64()*h})
		}
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].At < ps[j].At })
		for _, p := range ps {
			if err := pt.install(s, p); err != nil {
				return err
			}
		}
	}
	for i := 0; i < f.Partitions && len(cands) >= 2; i++ {
		var group []int
		for len(group) == 0 || len(group) == len(cands) {
			group = group[:0]
			for _, id := range cands {
				if pt.rng.IntN(2) == 0 {
					group = append(group, id)
				}
			}
		}
		at := s.now + pt.rng.Float64()*h
		n := f.PartitionLen
		if f.Strategy != Boundary {
			n *= 1 - pt.rng.Float64() // (0, PartitionLen]
		}
		if err := pt.install(s, Perturbation{Kind: PerturbPartition, At: at, Until: at + n, Group: group}); err != nil {
			return err
		}
	}
	return nil
}

// install schedules a crash or sets a partition.
func (pt *perturber) install(s *Sim, p Perturbation) error {
	switch p.Kind {
	case PerturbCrash:
		peer := s.Peer(p.Peer)
		if peer == nil {
			return fmt.Errorf("schedule: crash of peer %d, which does not exist", p.Peer)
		}
		at := math.Max(p.At, s.now)
		s.q.push(at, event{kind: evFunc, peer: int32(peer.id), fn: func() error { peer.Crash(); return nil }})
	case PerturbPartition:
		if err := s.Partition(p.Group, nil, p.At, p.Until); err != nil {
			return fmt.Errorf("schedule: %w", err)
		}
	}
	pt.applied = append(pt.applied, p)
	return nil
}

// onSend decides the fate of copy seq of m from one peer to another: an
// extra delay, or a drop.
func (pt *perturber) onSend(s *Sim, seq uint32, m *Message, from, to int32) (extra float64, drop bool) {
	if pt.kinds != nil && !pt.kinds[m.Kind] {
		return 0, false
	}
	ck := sendKey{from: from, to: to, kind: m.kind}
	if m.rec != nil {
		ck.m = m
	}
	n := pt.nth[ck]
	pt.nth[ck] = n + 1
	rec := func(kind PerturbKind, d float64) {
		pt.record(sentPerturbation{m: m, delay: d, t: s.now, seq: seq, from: from, to: to, n: n, drop: kind == PerturbDrop})
	}
	if pt.replay {
		if ks, ok := pt.slowFor[from]; !ok || ks[m.Kind] {
			extra = pt.peerAll[from]
		}
		var version int32
		if m.rec != nil {
			version = m.version
		}
		if p, ok := pt.byName[nameKey{from, to, version, n, m.Kind, m.ID}]; ok {
			if p.Kind == PerturbDrop {
				rec(PerturbDrop, 0)
				return 0, true
			}
			rec(PerturbDelay, p.Delay)
			extra += p.Delay
		}
		return extra, false
	}
	f := &pt.f
	pt.eligible++
	if pt.dropAt[pt.eligible] {
		rec(PerturbDrop, 0)
		return 0, true
	}
	if f.Delay == 0 {
		return 0, false
	}
	switch f.Strategy {
	case Uniform:
		extra = f.DelayMin + (f.Delay-f.DelayMin)*pt.rng.Float64()
	case Boundary:
		extra = f.DelayMin
		if pt.rng.IntN(2) == 1 {
			extra = f.Delay
		}
	case PCT:
		tie, ok := pt.peerAll[from]
		if !ok {
			tie = pt.tieMax * pt.rng.Float64()
			pt.peerAll[from] = tie
			pt.applied = append(pt.applied, Perturbation{Kind: PerturbSlow, Peer: int(from), Delay: tie, Kinds: slices.Clone(f.Kinds)})
		}
		if pt.changeAt[pt.eligible] {
			rec(PerturbDelay, f.Delay)
			return tie + f.Delay, false
		}
		if f.DelayMin > 0 {
			rec(PerturbDelay, f.DelayMin)
		}
		return tie + f.DelayMin, false
	}
	if extra > 0 {
		rec(PerturbDelay, extra)
	}
	return extra, false
}

// Unmatched is the number of delays and drops of a replayed schedule that
// no message copy has matched so far: after a whole run, more than zero
// means the schedule was recorded for another script, seed or parameters.
func (s *Sim) Unmatched() int {
	if s.pert == nil || !s.pert.replay {
		return 0
	}
	return len(s.pert.byName) - s.pert.nsent
}
