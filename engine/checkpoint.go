package engine

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"unsafe"
)

// Time travel. A Checkpoint saves a simulation's whole state; Restore puts
// it back in place, into the same Sim, peers and services, so that every
// pointer held elsewhere (a binding's peer values, the closures of
// scheduled functions, timers naming a service) stays valid. Since a run
// is deterministic, carrying on after a Restore reproduces the original
// future bit for bit. What a checkpoint cannot take back is output already
// written: a trace file keeps its lines.

// Snapshotter is a service whose state can be saved: Snapshot returns a
// function that puts the state of now back, as often as it is called.
// Every service of a simulation must be one for Checkpoint to work; a
// stateless service returns a function that does nothing.
type Snapshotter interface {
	Snapshot() (restore func())
}

// Checkpoint is a saved state of one simulation (see Sim.Checkpoint).
type Checkpoint struct {
	sim  *Sim
	node *lineNode
	now  float64
	evts uint64
	size int64

	npeer     int
	markEpoch uint64
	nextTimer uint64
	lossy     bool
	coinKey   [2]uint64
	coinReady bool
	obs       bool
	sendSeq   uint32
	paths     bool

	pcg     rand.PCG
	streams []rand.PCG

	q        queue
	qat      []key
	qbkt     [64][]key
	qslab    []event
	qfree    []int32
	peers    []*Peer
	peerVals []peerState

	nkinds   int
	counters []Counter
	ntypes   int
	signals  map[signalKey]*Message
	records  []recordState
	load     []LoadPoint

	cancelled  map[uint64]struct{}
	linkLoss   map[uint64]float64
	partitions []*partition
	severed    map[uint64]struct{}
	pathKind   []bool
	npathNodes int

	hist      historyState
	pert      *perturberState
	ndeliver  int
	services  []func()
	netLoss   float64
	netLatSet bool
}

type peerState struct {
	v        Peer
	conns    []conn
	services []svcEntry
	inbox    []Delivery
	storage  map[string]map[string]any
	nheld    int
}

type recordState struct {
	r        *record
	nversion int
	nfirst   int
	seen     []uint64
	inSet    uint64
}

type historyState struct {
	n, nlabels, nsendAt int
}

type perturberState struct {
	v       perturber
	nth     map[sendKey]int32
	peerAll map[int32]float64
	pending []Perturbation
	applied int
}

// Now is the simulated time the checkpoint was taken at.
func (c *Checkpoint) Now() float64 { return c.now }

// Events is the number of events processed when it was taken.
func (c *Checkpoint) Events() uint64 { return c.evts }

// Bytes estimates the memory the checkpoint holds, in bytes.
func (c *Checkpoint) Bytes() int64 { return c.size }

// ErrNotSnapshotter is the error, wrapped, of checkpointing a simulation
// with a service that cannot save its state.
var ErrNotSnapshotter = errors.New("the service cannot save its state (it does not implement engine.Snapshotter)")

// Checkpoint saves the simulation's state: the clock, the event queue,
// every peer (connections, inbound queue, storage, counters), message
// records, faults, perturbations, the history, every random generator and
// every service's state. It must not be called while an event is being
// processed (from a handler).
func (s *Sim) Checkpoint() (*Checkpoint, error) {
	c := &Checkpoint{
		sim: s, now: s.now, evts: s.events, npeer: s.npeer, markEpoch: s.markEpoch,
		nextTimer: s.nextTimer, lossy: s.lossy, coinKey: s.coinKey, coinReady: s.coinReady,
		obs: s.obs, sendSeq: s.sendSeq, paths: s.paths, netLoss: s.net.Loss,
		pcg: *s.pcg, ndeliver: len(s.onDeliver),
	}
	var size int64
	for _, p := range s.streams {
		c.streams = append(c.streams, *p)
	}
	// The queue: its slices are copied, its events' payloads shared (a
	// message is immutable; closures and services keep their identity).
	c.q = s.q
	c.qat = slices.Clone(s.q.at)
	for j := range s.q.bkt {
		c.qbkt[j] = slices.Clone(s.q.bkt[j])
		size += int64(len(s.q.bkt[j])) * int64(unsafe.Sizeof(key{}))
	}
	c.qslab = slices.Clone(s.q.slab)
	c.qfree = slices.Clone(s.q.free)
	size += int64(len(c.qat))*int64(unsafe.Sizeof(key{})) + int64(len(c.qslab))*int64(unsafe.Sizeof(event{})) + int64(len(c.qfree))*4

	c.peers = slices.Clone(s.peers)
	c.peerVals = make([]peerState, len(s.peers))
	for i, p := range s.peers {
		if p == nil {
			continue
		}
		ps := &c.peerVals[i]
		ps.v = *p
		ps.conns = slices.Clone(p.conns)
		ps.services = slices.Clone(p.services)
		ps.inbox = slices.Clone(p.inbox)
		ps.nheld = len(p.held)
		if p.storage != nil {
			ps.storage = make(map[string]map[string]any, len(p.storage))
			for ns, m := range p.storage {
				ps.storage[ns] = maps.Clone(m)
				size += int64(len(m)) * 48
			}
		}
		size += int64(unsafe.Sizeof(peerState{})) + int64(len(ps.conns))*int64(unsafe.Sizeof(conn{})) +
			int64(len(ps.inbox))*int64(unsafe.Sizeof(Delivery{}))
		for _, e := range p.services {
			sn, ok := e.svc.(Snapshotter)
			if !ok {
				return nil, fmt.Errorf("checkpoint: peer %d, service %s: %w", p.id, e.svc.Name(), ErrNotSnapshotter)
			}
			c.services = append(c.services, sn.Snapshot())
		}
	}

	c.nkinds = len(s.kindNames)
	c.counters = slices.Clone(s.counters)
	c.ntypes = len(s.typeNames)
	c.signals = maps.Clone(s.signals)
	c.records = make([]recordState, len(s.recordOrder))
	for i, r := range s.recordOrder {
		c.records[i] = recordState{r: r, nversion: len(r.versions), nfirst: len(r.firsts), seen: slices.Clone(r.seen), inSet: r.inSet}
		size += int64(len(r.seen))*8 + 64
	}
	c.load = slices.Clone(s.load)
	c.cancelled = maps.Clone(s.cancelled)
	c.linkLoss = maps.Clone(s.linkLoss)
	c.partitions = slices.Clone(s.partitions)
	c.severed = maps.Clone(s.severed)
	c.pathKind = slices.Clone(s.pathKind)
	c.npathNodes = len(s.pathNodes)
	if h := s.hist; h != nil {
		c.hist = historyState{n: h.n, nlabels: len(h.labels), nsendAt: len(h.sendAt)}
	}
	if pt := s.pert; pt != nil {
		ps := &perturberState{v: *pt, nth: maps.Clone(pt.nth), peerAll: maps.Clone(pt.peerAll), pending: slices.Clone(pt.pending), applied: len(pt.applied)}
		c.pert = ps
		size += int64(len(pt.nth)) * 40
	}
	c.size = size
	c.node = &lineNode{parent: s.line}
	s.line = c.node
	return c, nil
}

// lineNode places a checkpoint in the tree of states a simulation went
// through: its parent is the checkpoint the state it saved descended
// from. A checkpoint saves the lengths of what only grows (message
// records, paths, the history), not copies, so it can restore only a
// state that descends from it: one reached by running on from it, or from
// a checkpoint taken after it.
type lineNode struct{ parent *lineNode }

// Descends reports whether the current state descends from c, so that c
// can be restored: no checkpoint older than c has been restored since c
// was taken (that left c's line of time).
func (s *Sim) Descends(c *Checkpoint) bool {
	for n := s.line; n != nil; n = n.parent {
		if n == c.node {
			return true
		}
	}
	return false
}

// Restore puts the simulation back in the state c saved; c stays valid for
// further restores. Peers added and messages created since are forgotten.
// The current state must descend from c (see Descends): after restoring
// an older checkpoint, a newer one is refused (restoring it corrupted the
// state, or panicked).
func (s *Sim) Restore(c *Checkpoint) error {
	if c == nil || c.sim != s {
		return errors.New("restore: the checkpoint belongs to another simulation")
	}
	if !s.Descends(c) {
		return fmt.Errorf("the checkpoint (t=%s ms) is on a line of time the simulation has left: an earlier checkpoint was restored since it was taken; restore that one and run on, or take a new checkpoint", FormatTime(c.now))
	}
	s.line = c.node
	s.now, s.events, s.npeer, s.markEpoch = c.now, c.evts, c.npeer, c.markEpoch
	s.nextTimer, s.lossy, s.coinKey, s.coinReady = c.nextTimer, c.lossy, c.coinKey, c.coinReady
	s.obs, s.sendSeq, s.paths = c.obs, c.sendSeq, c.paths
	s.net.Loss = c.netLoss
	*s.pcg = c.pcg
	for i, p := range c.streams {
		*s.streams[i] = p
	}
	s.streams = s.streams[:len(c.streams)]

	s.q = c.q
	s.q.at = append(s.q.at[:0:0], c.qat...)
	for j := range c.qbkt {
		s.q.bkt[j] = append([]key(nil), c.qbkt[j]...)
	}
	s.q.slab = slices.Clone(c.qslab)
	s.q.free = slices.Clone(c.qfree)

	s.peers = slices.Clone(c.peers)
	for i, p := range s.peers {
		if p == nil {
			continue
		}
		ps := &c.peerVals[i]
		*p = ps.v
		if len(ps.conns) <= len(p.connBuf) {
			p.conns = p.connBuf[:len(ps.conns)]
			copy(p.conns, ps.conns)
		} else {
			p.conns = slices.Clone(ps.conns)
		}
		if len(ps.services) <= len(p.svcBuf) {
			p.services = p.svcBuf[:len(ps.services)]
			copy(p.services, ps.services)
		} else {
			p.services = slices.Clone(ps.services)
		}
		p.inbox = slices.Clone(ps.inbox)
		p.held = p.held[:ps.nheld]
		p.storage = nil
		if ps.storage != nil {
			p.storage = make(map[string]map[string]any, len(ps.storage))
			for ns, m := range ps.storage {
				p.storage[ns] = maps.Clone(m)
			}
		}
	}
	for _, restore := range c.services {
		restore()
	}

	for _, k := range s.kindNames[c.nkinds:] {
		delete(s.kinds, k)
	}
	s.kindNames = s.kindNames[:c.nkinds]
	s.counters = slices.Clone(c.counters)
	for _, t := range s.typeNames[c.ntypes:] {
		delete(s.types, t)
	}
	s.typeNames = s.typeNames[:c.ntypes]
	s.signals = maps.Clone(c.signals)
	for _, r := range s.recordOrder[len(c.records):] {
		delete(s.records, r.id)
	}
	s.recordOrder = s.recordOrder[:len(c.records)]
	for _, rs := range c.records {
		r := rs.r
		clear(r.versions[rs.nversion:])
		r.versions = r.versions[:rs.nversion]
		r.firsts = r.firsts[:rs.nfirst]
		r.seen = slices.Clone(rs.seen)
		r.inSet = rs.inSet
	}
	s.load = slices.Clone(c.load)
	s.cancelled = maps.Clone(c.cancelled)
	s.linkLoss = maps.Clone(c.linkLoss)
	s.partitions = slices.Clone(c.partitions)
	s.severed = maps.Clone(c.severed)
	s.pathKind = slices.Clone(c.pathKind)
	s.pathNodes = s.pathNodes[:c.npathNodes]
	if h := s.hist; h != nil {
		h.truncate(c.hist)
	}
	if ps := c.pert; ps != nil && s.pert != nil {
		pt := s.pert
		*pt = ps.v
		pt.nth = maps.Clone(ps.nth)
		pt.peerAll = maps.Clone(ps.peerAll)
		pt.pending = slices.Clone(ps.pending)
		pt.applied = pt.applied[:ps.applied]
		pt.truncateSent(ps.v.nsent)
	}
	s.onDeliver = s.onDeliver[:c.ndeliver]
	s.publish()
	return nil
}

// truncate forgets the entries added since st.
func (h *History) truncate(st historyState) {
	if st.n > h.n {
		return
	}
	c := st.n / historyChunk
	if c < len(h.chunks) {
		h.chunks[c] = h.chunks[c][:st.n%historyChunk]
		for i := c + 1; i < len(h.chunks); i++ {
			h.chunks[i] = nil
		}
		h.chunks = h.chunks[:c+1]
	}
	h.n = st.n
	h.labels = h.labels[:st.nlabels]
	h.sendAt = h.sendAt[:st.nsendAt]
}

// truncateSent forgets the delays and drops recorded beyond the first n.
func (pt *perturber) truncateSent(n int) {
	c := n / sentChunk
	if c < len(pt.sent) {
		pt.sent[c] = pt.sent[c][:n%sentChunk]
		pt.sent = pt.sent[:c+1]
	}
	pt.nsent = n
}
