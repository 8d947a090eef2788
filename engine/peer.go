package engine

import (
	"fmt"
	"math"

	"github.com/p2prepl/p2prepl/engine/topology"
)

// NoPeer stands for "no peer" where a peer id is optional.
const NoPeer = -1

// ValidateFunc is a peer's validation step, run on each message after it is
// downloaded: it accepts or rejects the message and may take simulated
// time (delay ms) before the decision takes effect.
type ValidateFunc func(p *Peer, d *Delivery) (ok bool, delay float64, err error)

// PeerSpec describes a peer to add.
type PeerSpec struct {
	ID       int    // NoPeer: the next free id
	Type     string // e.g. "peer", "client"
	Region   string // "" means the network's first region
	Upload   float64
	Download float64 // bits per second; 0 means unlimited
	Validate ValidateFunc
	Services []Service
}

type svcEntry struct {
	svc   Service
	mask0 uint64   // mask[0], kept inline: most simulations have < 64 kinds
	mask  []uint64 // bitset over kind indices
}

// Peer is one node of the network.
//
// The fields are ordered so that a message arriving, being processed and
// answered touches as few cache lines as possible: the first 64 bytes
// hold what every arrival reads, the next 64 the connection and service
// tables and the inbound queue; the rest is colder.
type Peer struct {
	online   bool
	busy     bool
	keepHeld bool
	crashed  bool
	epoch    int64 // bumped when the peer goes offline, voiding its pending work
	id       int
	dnMsPerB float64 // ms per byte on the downlink
	upMsPerB float64 // ms per byte on the uplink
	uplink   float64 // time the uplink is free again
	region   int
	validate ValidateFunc

	conns    []conn
	services []svcEntry
	inbox    []Delivery // FIFO of waiting messages: inbox[head:]
	head     int

	cur   Delivery
	stats PeerStats
	sim   *Sim
	typ   int

	storage map[string]map[string]any
	held    []*Message
	// Attachment lets a binding hang its own value on the peer.
	Attachment any

	// The first connections and services live in the Peer's own memory
	// (conns and services start as slices of these arrays and move to the
	// heap only when they outgrow them): in large networks each separate
	// allocation read by every message is one more cache and TLB miss.
	connBuf [8]conn
	svcBuf  [3]svcEntry

	// Pad to 576 bytes, a size class that is a multiple of 64: every Peer
	// then starts on a cache line, and so does each group above.
	_ [16]byte
}

// PeerStats counts one peer's traffic.
type PeerStats struct {
	Sent, SentBytes         int64
	Received, ReceivedBytes int64 // accepted messages
}

// ID is the peer's id.
func (p *Peer) ID() int { return p.id }

// Sim is the simulation the peer belongs to.
func (p *Peer) Sim() *Sim { return p.sim }

// Type is the peer's type name.
func (p *Peer) Type() string { return p.sim.typeNames[p.typ] }

// Region is the peer's region name.
func (p *Peer) Region() string { return p.sim.net.regions[p.region] }

// Online reports whether the peer is up.
func (p *Peer) Online() bool { return p.online }

// Crashed reports whether the peer has crashed (see Crash).
func (p *Peer) Crashed() bool { return p.crashed }

// Upload and Download are the peer's bandwidths in bits per second.
func (p *Peer) Upload() float64   { return bandwidth(p.upMsPerB) }
func (p *Peer) Download() float64 { return bandwidth(p.dnMsPerB) }

// Stats returns the peer's traffic counters.
func (p *Peer) Stats() PeerStats { return p.stats }

// Services lists the services the peer runs.
func (p *Peer) Services() []Service {
	out := make([]Service, len(p.services))
	for i, e := range p.services {
		out[i] = e.svc
	}
	return out
}

func bandwidth(msPerByte float64) float64 {
	if msPerByte == 0 {
		return math.Inf(1)
	}
	return 8000 / msPerByte
}

func msPerByte(bps float64) float64 {
	if bps == 0 || math.IsInf(bps, 1) {
		return 0
	}
	return 8000 / bps
}

// MaxPeerID is the largest peer id: peers live in a table indexed by id,
// so an id costs memory whether or not the ids below it are used.
const MaxPeerID = topology.MaxNodes - 1

// AddPeer adds a peer and schedules the start of its services at the
// current time.
func (s *Sim) AddPeer(spec PeerSpec) (*Peer, error) {
	id := spec.ID
	if id == NoPeer {
		id = len(s.peers)
		if id == 0 {
			id = 1 // peer ids start at 1, like the notebooks'
		}
	}
	if id < 0 || id > MaxPeerID {
		return nil, fmt.Errorf("peer id must be between 0 and %d (got %d)", MaxPeerID, id)
	}
	if s.Peer(id) != nil {
		return nil, fmt.Errorf("a peer with id %d already exists", id)
	}
	for _, bw := range []struct {
		name string
		v    float64
	}{{"upload", spec.Upload}, {"download", spec.Download}} {
		if bw.v < 0 || math.IsNaN(bw.v) {
			return nil, fmt.Errorf("peer %d: %s bandwidth must be > 0 bits/s, or 0 for unlimited (got %g)", id, bw.name, bw.v)
		}
	}
	region := 0
	if spec.Region != "" {
		r, err := s.net.Region(spec.Region)
		if err != nil {
			return nil, fmt.Errorf("peer %d: %w", id, err)
		}
		region = r
	}
	p := &Peer{
		sim: s, id: id, typ: s.typeIndex(spec.Type), region: region, online: true,
		upMsPerB: msPerByte(spec.Upload), dnMsPerB: msPerByte(spec.Download),
		validate: spec.Validate,
	}
	p.conns = p.connBuf[:0]
	p.services = p.svcBuf[:0]
	for _, svc := range spec.Services {
		p.addService(svc)
	}
	for len(s.peers) <= id {
		s.peers = append(s.peers, nil)
	}
	s.peers[id] = p
	s.npeer++
	s.q.push(s.now, event{kind: evFunc, peer: int32(id), fn: p.start})
	return p, nil
}

func (p *Peer) addService(svc Service) {
	e := svcEntry{svc: svc}
	for _, k := range svc.Kinds() {
		ki := int(p.sim.KindIndex(k))
		for len(e.mask) <= ki>>6 {
			e.mask = append(e.mask, 0)
		}
		e.mask[ki>>6] |= 1 << (uint(ki) & 63)
	}
	if len(e.mask) > 0 {
		e.mask0 = e.mask[0]
	}
	p.services = append(p.services, e)
}

func (p *Peer) start() error {
	if p.crashed {
		return nil
	}
	for _, e := range p.services {
		if err := e.svc.Start(p); err != nil {
			return &RunError{T: p.sim.now, Peer: p.id, Err: fmt.Errorf("%s: start: %w", e.svc.Name(), err)}
		}
	}
	return nil
}

func (s *Sim) typeIndex(name string) int {
	if i, ok := s.types[name]; ok {
		return i
	}
	i := len(s.typeNames)
	s.types[name] = i
	s.typeNames = append(s.typeNames, name)
	return i
}

// TypeIndex returns the index of a peer type, 0 if no peer has that type;
// services resolve it once to exclude a type cheaply.
func (s *Sim) TypeIndex(name string) int { return s.types[name] }

// TypeIndex is the index of the peer's type.
func (p *Peer) TypeIndex() int { return p.typ }

// Peer returns the peer with an id, or nil.
func (s *Sim) Peer(id int) *Peer {
	if id < 0 || id >= len(s.peers) {
		return nil
	}
	return s.peers[id]
}

// Peers lists every peer in id order.
func (s *Sim) Peers() []*Peer {
	out := make([]*Peer, 0, s.npeer)
	for _, p := range s.peers {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

// PeersOf lists the peers of one type in id order.
func (s *Sim) PeersOf(typ string) []*Peer {
	var out []*Peer
	ti, ok := s.types[typ]
	if !ok {
		return nil
	}
	for _, p := range s.peers {
		if p != nil && p.typ == ti {
			out = append(out, p)
		}
	}
	return out
}

// Types lists the peer types in the order first used.
func (s *Sim) Types() []string { return append([]string(nil), s.typeNames[1:]...) }

// SetOnline brings the peer up or down. Going down drops its inbound queue
// (counted as dropped) and voids the message being processed; services that
// implement OnlineObserver are told either way.
//
// An offline peer is cut off from the network, not stopped: no message
// reaches it, so no validation step or message handler runs, and what it
// sends is dropped (DroppedOffline), but its services' timers keep firing
// (a downtime service's timer brings it back; a protocol's timers go on
// counting time) and its services may act on them. A peer that stops for
// good is crashed (Crash). Bringing a crashed peer up is an error.
func (p *Peer) SetOnline(up bool) error {
	if p.online == up {
		return nil
	}
	if up && p.crashed {
		return fmt.Errorf("peer %d has crashed: a crashed peer never comes back (take it offline with downtime instead to bring it back later)", p.id)
	}
	p.setOnline(up)
	return p.notify(up)
}

// Crash stops the peer for good at the current time: it goes offline (its
// inbound queue and the message it was processing are dropped) and does
// nothing more: no handler, validation step or timer of it runs again
// (pending timers die out unfired), its services are not told (a crash
// gives no warning), and it never comes back. Crashing it again does
// nothing.
func (p *Peer) Crash() {
	if p.crashed {
		return
	}
	p.crashed = true
	if p.online {
		p.setOnline(false)
	}
}

// setOnline changes the state, dropping the inbound queue on the way down.
func (p *Peer) setOnline(up bool) {
	s := p.sim
	p.online = up
	if !up {
		p.epoch++
		if p.busy {
			s.drop(p.cur.Msg, &s.counters[p.cur.Msg.kind].DroppedOffline, p.cur.From, p.id, DropReceiverOffline, s.copySeq(p.cur.Msg, p.cur.ref), p.cur.Hops)
			p.busy = false
		}
		for i := p.head; i < len(p.inbox); i++ {
			d := &p.inbox[i]
			s.drop(d.Msg, &s.counters[d.Msg.kind].DroppedOffline, d.From, p.id, DropReceiverOffline, s.copySeq(d.Msg, d.ref), d.Hops)
			p.inbox[i] = Delivery{}
		}
		p.inbox, p.head = p.inbox[:0], 0
	}
	if s.obs {
		s.observeState(p.id, up)
	}
}

// notify tells the services that implement OnlineObserver.
func (p *Peer) notify(up bool) error {
	s := p.sim
	for _, e := range p.services {
		if o, ok := e.svc.(OnlineObserver); ok {
			var err error
			if up {
				err = o.Online(p)
			} else {
				err = o.Offline(p)
			}
			if err != nil {
				return &RunError{T: s.now, Peer: p.id, Err: fmt.Errorf("%s: %w", e.svc.Name(), err)}
			}
		}
	}
	return nil
}
