package engine

import "math"

// Unlimited is the TTL of a message that may be forwarded forever.
const Unlimited = -1

// HeaderSize is the size in bytes of a message's header, as in p2psimpy:
// the size of a message with no payload (ping, pong, a message whose size
// is not given) and the base that payload bytes are added to.
const HeaderSize = 20

// Message is one immutable unit of communication. The per-hop state (TTL
// left, hop count, the peer it came from) travels beside it in a Delivery,
// so forwarding a message never copies it.
//
// Two messages with the same ID are two versions of one logical message
// (an equivocating producer sends two); observation is keyed by ID.
type Message struct {
	Kind    string
	ID      string  // logical id; "" means the message is not tracked
	Origin  int     // the peer that created it
	Data    any     // payload; immutable once sent
	Size    int     // bytes on the wire
	TTL     int     // hops it may still be forwarded after its first; <0 unlimited
	Created float64 // simulated ms

	kind    int32
	version int32
	rec     *record
}

// Version is the index of this message among the versions of its ID (0 for
// the first one created), or -1 when the message is not tracked.
func (m *Message) Version() int {
	if m.rec == nil {
		return -1
	}
	return int(m.version)
}

// Delivery is a message as one peer receives it. The *Delivery a service's
// Handle or a ValidateFunc gets is the engine's own and is reused after the
// call returns: to keep it (e.g. to forward later), copy the value.
type Delivery struct {
	Msg     *Message
	From    int     // the neighbour that sent it
	TTL     int     // TTL left on arrival; forward only while > 0 (or < 0: unlimited)
	Hops    int     // hops travelled, 1 for a direct send
	Arrived float64 // when it reached the peer's inbound queue
	First   bool    // first accepted copy of this ID at this peer

	// ref is the copy's path record (see pathNode) when the paths of its
	// kind are recorded, else the send's number while observing (see
	// observeSend), else 0; copySeq reads the number either way.
	ref uint32
}

// Forwardable reports whether the TTL allows another hop.
func (d *Delivery) Forwardable() bool { return d.TTL != 0 }

// NextTTL is the TTL of a copy forwarded one hop further.
func (d *Delivery) NextTTL() int {
	if d.TTL < 0 {
		return d.TTL
	}
	return d.TTL - 1
}

// record is everything observed about one logical message id.
type record struct {
	id       string
	versions []*Message
	seen     []uint64 // bitset over peer ids
	firsts   []FirstSeen
	inSet    uint64 // see Sim.NewMark
}

// FirstSeen is the first accepted receipt of a message id at one peer.
type FirstSeen struct {
	Peer    int
	T       float64
	Hops    int
	Version int // which version of the id the peer got first
}

func (r *record) has(peer int) bool {
	w := peer >> 6
	return w < len(r.seen) && r.seen[w]&(1<<(uint(peer)&63)) != 0
}

// mark records a first receipt; it reports false if the peer had seen it.
func (r *record) mark(peer int, t float64, hops int, version int32, npeers int) bool {
	w := peer >> 6
	if w >= len(r.seen) {
		n := (npeers + 63) >> 6
		if n <= w {
			n = w + 1
		}
		grown := make([]uint64, n)
		copy(grown, r.seen)
		r.seen = grown
	}
	bit := uint64(1) << (uint(peer) & 63)
	if r.seen[w]&bit != 0 {
		return false
	}
	r.seen[w] |= bit
	r.firsts = append(r.firsts, FirstSeen{Peer: peer, T: t, Hops: hops, Version: int(version)})
	return true
}

// NewMessage creates a message sent by origin at the current time. size < 0
// means "not given": the message is HeaderSize bytes.
func (s *Sim) NewMessage(kind, id string, origin int, data any, size, ttl int) *Message {
	if size < 0 {
		size = HeaderSize
	}
	m := &Message{Kind: kind, ID: id, Origin: origin, Data: data, Size: size, TTL: ttl, Created: s.now}
	m.kind = s.KindIndex(kind)
	if id != "" {
		r := s.records[id]
		if r == nil {
			r = &record{id: id}
			s.records[id] = r
			s.recordOrder = append(s.recordOrder, r)
		}
		m.rec = r
		m.version = int32(len(r.versions))
		r.versions = append(r.versions, m)
	}
	return m
}

// KindIndex interns a message kind and returns its small integer index.
func (s *Sim) KindIndex(kind string) int32 {
	if k, ok := s.kinds[kind]; ok {
		return k
	}
	k := int32(len(s.kindNames))
	s.kinds[kind] = k
	s.kindNames = append(s.kindNames, kind)
	s.counters = append(s.counters, Counter{})
	return k
}

// MessageIDs lists the tracked message ids in creation order.
func (s *Sim) MessageIDs() []string {
	out := make([]string, len(s.recordOrder))
	for i, r := range s.recordOrder {
		out[i] = r.id
	}
	return out
}

// Versions returns the versions created for a message id, oldest first.
func (s *Sim) Versions(id string) []*Message {
	if r := s.records[id]; r != nil {
		return append([]*Message(nil), r.versions...)
	}
	return nil
}

// FirstSeen returns, in time order, each peer's first accepted receipt of id.
func (s *Sim) FirstSeen(id string) []FirstSeen {
	if r := s.records[id]; r != nil {
		return append([]FirstSeen(nil), r.firsts...)
	}
	return nil
}

// SeenAt reports when peer first accepted message id.
func (s *Sim) SeenAt(peer int, id string) (float64, bool) {
	r := s.records[id]
	if r == nil || !r.has(peer) {
		return math.NaN(), false
	}
	for _, f := range r.firsts {
		if f.Peer == peer {
			return f.T, true
		}
	}
	return math.NaN(), false
}

// HasSeen reports whether peer has accepted any version of message id, in
// constant time.
func (s *Sim) HasSeen(peer int, id string) bool {
	r := s.records[id]
	return r != nil && r.has(peer)
}

// Seen reports whether peer has accepted any version of m's id.
func (s *Sim) Seen(peer int, m *Message) bool {
	return m.rec != nil && m.rec.has(peer)
}

// MarkSeen records that peer holds m now, for messages learnt inside another
// message (pull gossip carries messages in its responses). It reports
// whether this was the peer's first copy of the id.
func (s *Sim) MarkSeen(peer int, m *Message, hops int) bool {
	p := s.Peer(peer)
	if m.rec == nil || p == nil {
		return false
	}
	return s.mark(p, m, hops)
}

// Signal returns the simulation's one message of a kind that carries
// nothing (ping, pong): a message is immutable, so one instance serves
// every sender, and in large networks sharing it saves a cache miss per
// delivery. Its Origin is NoPeer; it is not tracked.
func (s *Sim) Signal(kind string, size int) *Message {
	k := signalKey{kind, size}
	if m, ok := s.signals[k]; ok {
		return m
	}
	m := s.NewMessage(kind, "", NoPeer, nil, size, 0)
	if s.signals == nil {
		s.signals = map[signalKey]*Message{}
	}
	s.signals[k] = m
	return m
}

type signalKey struct {
	kind string
	size int
}

// NewMark starts a new, empty set of message ids, valid until the next
// NewMark: a service that needs "is this id among those?" within one call
// marks the ids with Mark and tests them with Marked, without building a
// map. Untracked messages (no ID) are never marked.
func (s *Sim) NewMark() uint64 {
	s.markEpoch++
	return s.markEpoch
}

// Mark adds m's id to the set made by NewMark.
func (m *Message) Mark(set uint64) {
	if m.rec != nil {
		m.rec.inSet = set
	}
}

// Marked reports whether m's id is in the set made by NewMark.
func (m *Message) Marked(set uint64) bool { return m.rec != nil && m.rec.inSet == set }
