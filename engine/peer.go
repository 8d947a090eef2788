package engine

import (
	"fmt"
	"math"
	"sort"
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

type conn struct {
	peer   int32
	region int32   // the neighbour's region, so a send need not load its Peer
	heard  float64 // last time a message from this neighbour arrived
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
	if id < 0 || id > math.MaxInt32-1 {
		return nil, fmt.Errorf("peer id must be >= 0 (got %d)", id)
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

// Connect opens a (bidirectional) connection between two peers; connecting
// peers that are already connected does nothing.
func (s *Sim) Connect(a, b int) error {
	pa, pb := s.Peer(a), s.Peer(b)
	if pa == nil || pb == nil {
		return fmt.Errorf("connect: no peer %d", pick(pa == nil, a, b))
	}
	if a == b {
		return fmt.Errorf("connect: peer %d cannot connect to itself", a)
	}
	if pa.Connected(b) {
		return nil
	}
	s.connect(pa, pb)
	return nil
}

// connect links two distinct peers that are not connected yet.
func (s *Sim) connect(pa, pb *Peer) {
	pa.conns = append(pa.conns, conn{peer: int32(pb.id), region: int32(pb.region), heard: s.now})
	pb.conns = append(pb.conns, conn{peer: int32(pa.id), region: int32(pa.region), heard: s.now})
	s.traceConn("connect", pa.id, pb.id)
}

func pick(c bool, a, b int) int {
	if c {
		return a
	}
	return b
}

// Disconnect closes the connection between two peers, if there is one.
func (s *Sim) Disconnect(a, b int) {
	pa, pb := s.Peer(a), s.Peer(b)
	if pa == nil || pb == nil {
		return
	}
	if pa.removeConn(b) {
		pb.removeConn(a)
		s.traceConn("disconnect", a, b)
	}
}

func (p *Peer) removeConn(id int) bool {
	for i, c := range p.conns {
		if int(c.peer) == id {
			p.conns = append(p.conns[:i], p.conns[i+1:]...)
			return true
		}
	}
	return false
}

// Connected reports whether the peer has a live connection to id.
func (p *Peer) Connected(id int) bool {
	for _, c := range p.conns {
		if int(c.peer) == id {
			return true
		}
	}
	return false
}

// Neighbours lists the ids of connected peers, in connection order.
func (p *Peer) Neighbours() []int {
	out := make([]int, len(p.conns))
	for i, c := range p.conns {
		out[i] = int(c.peer)
	}
	return out
}

// Degree is the number of connections.
func (p *Peer) Degree() int { return len(p.conns) }

// Neighbour returns the i-th neighbour's id (0 <= i < Degree) and when a
// message from it last arrived.
func (p *Peer) Neighbour(i int) (id int, heard float64) {
	return int(p.conns[i].peer), p.conns[i].heard
}

// Heard marks every connection as heard from now, e.g. after the peer
// returns from downtime and must not judge its neighbours by the silence.
func (p *Peer) Heard() {
	for i := range p.conns {
		p.conns[i].heard = p.sim.now
	}
}

// SetOnline brings the peer up or down. Going down drops its inbound queue
// (counted as dropped) and voids the message being processed; services that
// implement OnlineObserver are told either way.
func (p *Peer) SetOnline(up bool) error {
	if p.online == up {
		return nil
	}
	s := p.sim
	p.online = up
	if !up {
		p.epoch++
		if p.busy {
			s.drop(p.cur.Msg, &s.counters[p.cur.Msg.kind].DroppedOffline, p.cur.From, p.id, "offline")
			p.busy = false
		}
		for i := p.head; i < len(p.inbox); i++ {
			m := p.inbox[i].Msg
			s.drop(m, &s.counters[m.kind].DroppedOffline, p.inbox[i].From, p.id, "offline")
			p.inbox[i] = Delivery{}
		}
		p.inbox, p.head = p.inbox[:0], 0
	}
	s.traceState(p.id, up)
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

// Send sends a new message to a connected peer, with the message's own TTL.
func (p *Peer) Send(to int, m *Message) error {
	return p.SendHop(to, m, m.TTL, 1)
}

// Forward sends a received message one hop further.
func (p *Peer) Forward(to int, d *Delivery) error {
	return p.SendHop(to, d.Msg, d.NextTTL(), d.Hops+1)
}

// SendHop sends m to a connected peer with explicit TTL and hop count. A
// send on a missing connection is an error; a send from an offline peer is
// counted as dropped.
func (p *Peer) SendHop(to int, m *Message, ttl, hops int) error {
	for i := range p.conns {
		if c := &p.conns[i]; int(c.peer) == to {
			p.sim.transmit(p, c.peer, c.region, m, int32(ttl), int32(hops))
			return nil
		}
	}
	if p.sim.Peer(to) == nil {
		return fmt.Errorf("peer %d cannot send %q: there is no peer %d", p.id, m.Kind, to)
	}
	return fmt.Errorf("peer %d cannot send %q to peer %d: they are not connected (connect them first, or send to one of %v)", p.id, m.Kind, to, p.Neighbours())
}

// Exclude says which neighbours a gossip or broadcast skips.
type Exclude struct {
	Peer int // NoPeer for none; usually the neighbour a message came from
	Type int // a Sim.TypeIndex; 0 for none
}

// Gossip sends m to up to fanout random neighbours not excluded, with the
// given TTL and hop count, and returns how many it sent to. A fanout < 0
// means every eligible neighbour.
func (p *Peer) Gossip(m *Message, ttl, hops, fanout int, ex Exclude) int {
	s := p.sim
	c := s.scratch[:0] // indices into p.conns
	for i, cn := range p.conns {
		if int(cn.peer) == ex.Peer || (ex.Type != 0 && s.peers[cn.peer].typ == ex.Type) {
			continue
		}
		c = append(c, int32(i))
	}
	s.scratch = c
	n := len(c)
	if fanout >= 0 && fanout < n {
		for i := 0; i < fanout; i++ {
			j := i + s.rng.IntN(n-i)
			c[i], c[j] = c[j], c[i]
		}
		n = fanout
	}
	for i := 0; i < n; i++ {
		cn := &p.conns[c[i]]
		s.transmit(p, cn.peer, cn.region, m, int32(ttl), int32(hops))
	}
	return n
}

// Broadcast sends m to every neighbour not excluded.
func (p *Peer) Broadcast(m *Message, ttl, hops int, ex Exclude) int {
	return p.Gossip(m, ttl, hops, -1, ex)
}

// transmit puts a message on the wire to peer to, in region toRegion: it
// occupies the sender's uplink, may be lost or cut by a partition, and
// arrives after a one-way delay. It does not touch the receiver's Peer,
// whose cache line the arrival will need only later.
func (s *Sim) transmit(from *Peer, to, toRegion int32, m *Message, ttl, hops int32) {
	c := &s.counters[m.kind]
	size := int64(m.Size)
	c.Sent++
	c.SentBytes += size
	from.stats.Sent++
	from.stats.SentBytes += size
	if !from.online {
		s.drop(m, &c.DroppedOffline, from.id, int(to), "sender offline")
		return
	}
	start := from.uplink
	if start < s.now {
		start = s.now
	}
	done := start + float64(size)*from.upMsPerB
	from.uplink = done
	if s.lossy {
		if p := s.lossOf(from.id, int(to)); p > 0 && s.rng.Float64() < p {
			s.drop(m, &c.DroppedLoss, from.id, int(to), "loss")
			return
		}
	}
	if len(s.partitions) > 0 && s.partitioned(from.id, int(to), start) {
		s.drop(m, &c.DroppedPartition, from.id, int(to), "partition")
		return
	}
	at := done + s.net.oneWay(from.region, int(toRegion), s.rng)
	if s.trace != nil {
		s.trace.msg(s.now, "send", m, from.id, int(to), "")
	}
	s.q.push(at, event{kind: evArrive, msg: m, peer: to, from: int32(from.id), tag: hopTag(ttl, hops)})
}

func (s *Sim) drop(m *Message, reason *int64, from, to int, why string) {
	c := &s.counters[m.kind]
	c.Dropped++
	c.DroppedBytes += int64(m.Size)
	*reason++
	if s.trace != nil {
		s.trace.msg(s.now, "drop", m, from, to, why)
	}
}

// arrive puts a message in the receiver's inbound queue.
func (s *Sim) arrive(ev *event) {
	p := s.peers[ev.peer]
	if !p.online {
		s.drop(ev.msg, &s.counters[ev.msg.kind].DroppedOffline, int(ev.from), p.id, "offline")
		return
	}
	for i := range p.conns {
		if p.conns[i].peer == ev.from {
			p.conns[i].heard = s.now
			break
		}
	}
	ttl, hops := ev.ttlHops()
	d := Delivery{Msg: ev.msg, From: int(ev.from), TTL: int(ttl), Hops: int(hops), Arrived: s.now}
	if p.busy {
		if p.head > 0 && p.head == len(p.inbox) {
			p.inbox, p.head = p.inbox[:0], 0
		}
		p.inbox = append(p.inbox, d)
		return
	}
	s.begin(p, d)
}

// begin starts downloading a message: the peer handles one at a time.
func (s *Sim) begin(p *Peer, d Delivery) {
	p.busy = true
	p.cur = d
	s.q.push(s.now+float64(d.Msg.Size)*p.dnMsPerB, event{kind: evDownloaded, peer: int32(p.id), tag: p.epoch})
}

func (s *Sim) downloaded(ev *event) error {
	p := s.peers[ev.peer]
	if p.epoch != ev.tag {
		return nil
	}
	if p.validate == nil {
		return s.finish(p, true)
	}
	ok, delay, err := p.validate(p, &p.cur)
	if err != nil {
		return &RunError{T: s.now, Peer: p.id, Err: fmt.Errorf("validation of %q from peer %d: %w", p.cur.Msg.Kind, p.cur.From, err)}
	}
	if p.epoch != ev.tag {
		// The validation step took the peer offline, which dropped (and
		// counted) this message with the rest of its inbound queue.
		return nil
	}
	if delay > 0 {
		s.q.push(s.now+delay, event{kind: evValidated, peer: ev.peer, ok: ok, tag: p.epoch})
		return nil
	}
	return s.finish(p, ok)
}

// finish hands the current message to the peer's services (or rejects it)
// and starts on the next waiting message.
func (s *Sim) finish(p *Peer, ok bool) error {
	// The message is past download and validation: a service that takes
	// the peer offline while handling it must not also drop it.
	p.busy = false
	d := &p.cur
	m := d.Msg
	c := &s.counters[m.kind]
	var err error
	if !ok {
		c.Rejected++
		if s.trace != nil {
			s.trace.msg(s.now, "reject", m, d.From, p.id, "")
		}
	} else {
		if m.rec != nil {
			d.First = s.mark(p, m, d.Hops)
		}
		size := int64(m.Size)
		p.stats.Received++
		p.stats.ReceivedBytes += size
		handled := false
		ki := int(m.kind)
		w, bit := ki>>6, uint64(1)<<(uint(ki)&63)
		for i := 0; i < len(p.services) && err == nil; i++ {
			e := &p.services[i]
			if (w == 0 && e.mask0&bit != 0) || (w > 0 && w < len(e.mask) && e.mask[w]&bit != 0) {
				handled = true
				if herr := e.svc.Handle(p, d); herr != nil {
					err = &RunError{T: s.now, Peer: p.id, Err: fmt.Errorf("%s handling %q from peer %d: %w", e.svc.Name(), m.Kind, d.From, herr)}
				}
			}
		}
		if handled {
			c.Delivered++
			c.DeliveredBytes += size
			sec := int(s.now / 1000)
			for len(s.load) <= sec {
				s.load = append(s.load, LoadPoint{})
			}
			s.load[sec].Messages++
			s.load[sec].Bytes += size
			if s.trace != nil {
				s.trace.msg(s.now, "deliver", m, d.From, p.id, "")
			}
		} else {
			c.Unhandled++
			if s.trace != nil {
				s.trace.msg(s.now, "unhandled", m, d.From, p.id, "")
			}
			if s.cfg.StrictKinds && err == nil {
				err = &RunError{T: s.now, Peer: p.id, Err: fmt.Errorf("no service of peer %d (type %q) handles message kind %q (from peer %d); add a service for it or exclude this peer type from the sender", p.id, p.Type(), m.Kind, d.From)}
			}
		}
	}
	p.cur = Delivery{}
	p.busy = false
	if p.online && p.head < len(p.inbox) {
		next := p.inbox[p.head]
		p.inbox[p.head] = Delivery{}
		p.head++
		if p.head >= 64 && 2*p.head >= len(p.inbox) {
			n := copy(p.inbox, p.inbox[p.head:])
			clear(p.inbox[n:])
			p.inbox, p.head = p.inbox[:n], 0
		}
		s.begin(p, next)
	}
	return err
}

// Store puts a value in the peer's storage under namespace ns.
func (p *Peer) Store(ns, key string, v any) {
	if p.storage == nil {
		p.storage = map[string]map[string]any{}
	}
	m := p.storage[ns]
	if m == nil {
		m = map[string]any{}
		p.storage[ns] = m
	}
	m[key] = v
}

// Get reads a value from the peer's storage.
func (p *Peer) Get(ns, key string) (any, bool) {
	v, ok := p.storage[ns][key]
	return v, ok
}

// Namespace returns the live map of one storage namespace (nil if empty).
func (p *Peer) Namespace(ns string) map[string]any { return p.storage[ns] }

// Namespaces lists the storage namespaces in sorted order.
func (p *Peer) Namespaces() []string {
	out := make([]string, 0, len(p.storage))
	for k := range p.storage {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// KeepHeld makes the peer remember, in order, the first version of every
// message id it accepts (see Held). Pull gossip turns it on.
func (p *Peer) KeepHeld() { p.keepHeld = true }

// Held lists the messages the peer holds, in the order it got them, when
// KeepHeld is on. The list only grows, so a prefix of it is a snapshot that
// later receipts never change; callers must not modify it.
func (p *Peer) Held() []*Message { return p.held[:len(p.held):len(p.held)] }

func (s *Sim) mark(p *Peer, m *Message, hops int) bool {
	first := m.rec.mark(p.id, s.now, hops, m.version, len(s.peers))
	if first && p.keepHeld {
		p.held = append(p.held, m)
	}
	return first
}
