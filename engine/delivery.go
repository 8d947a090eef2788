package engine

import (
	"errors"
	"fmt"
	"slices"

	"github.com/p2prepl/p2prepl/internal/sample"
)

// Send sends a new message to a connected peer, with the message's own TTL.
func (p *Peer) Send(to int, m *Message) error {
	return p.SendHop(to, m, m.TTL, 1)
}

// ErrTTLExhausted is the error, wrapped, of forwarding a delivery whose TTL
// allows no further hop (see Delivery.Forwardable).
var ErrTTLExhausted = errors.New("its TTL is exhausted")

// Forward sends a received message one hop further: with d.NextTTL() and
// one hop more. Forwarding a delivery that is not Forwardable is an error
// wrapping ErrTTLExhausted, and sends nothing.
func (p *Peer) Forward(to int, d *Delivery) error {
	if !d.Forwardable() {
		return p.exhausted(d)
	}
	return p.sendHop(to, d.Msg, d.NextTTL(), d.Hops+1, d.ref)
}

// ForwardGossip forwards a received message, as Forward does, to up to
// fanout random neighbours not excluded and never back to d.From, and
// returns how many it sent to. A fanout < 0 means every eligible
// neighbour.
func (p *Peer) ForwardGossip(d *Delivery, fanout int, ex Exclude) (int, error) {
	if !d.Forwardable() {
		return 0, p.exhausted(d)
	}
	return p.gossip(d.Msg, d.NextTTL(), d.Hops+1, fanout, ex, d.From, d.ref), nil
}

// exhausted is the error of forwarding d, which is not Forwardable. It is
// kept out of Forward and ForwardGossip so that their check is a compare,
// not a call.
func (p *Peer) exhausted(d *Delivery) error {
	return fmt.Errorf("peer %d cannot forward %q from peer %d: %w", p.id, d.Msg.Kind, d.From, ErrTTLExhausted)
}

// SendHop sends m to a connected peer with explicit TTL and hop count, as
// a fresh send (its path, when recorded, starts at p). A send from an
// offline peer is counted as dropped (DroppedOffline), and so is a send to
// a peer p was connected to earlier in the run (DroppedDisconnected: a
// connection manager may drop a silent neighbour at any time, and a
// protocol must not stop on it), unless Config.StrictLinks makes that an
// error. A send to a peer p was never connected to is an error.
func (p *Peer) SendHop(to int, m *Message, ttl, hops int) error {
	return p.sendHop(to, m, ttl, hops, 0)
}

// sendHop is SendHop forwarding the copy whose path record is parent.
func (p *Peer) sendHop(to int, m *Message, ttl, hops int, parent uint32) error {
	for i := range p.conns {
		if c := &p.conns[i]; int(c.peer) == to {
			p.sim.transmit(p, c.peer, c.region, m, int32(ttl), int32(hops), parent)
			return nil
		}
	}
	s := p.sim
	if s.Peer(to) == nil {
		return fmt.Errorf("peer %d cannot send %q: there is no peer %d", p.id, m.Kind, to)
	}
	if _, was := s.severed[linkKey(p.id, to)]; was {
		if !s.cfg.StrictLinks {
			c, seq := s.count(p, int32(to), m, int32(hops))
			s.drop(m, &c.DroppedDisconnected, p.id, to, DropDisconnected, seq, hops)
			return nil
		}
		return fmt.Errorf("peer %d cannot send %q to peer %d: their connection was closed during the run (strict_links is on; without it such sends are counted as dropped_disconnected)", p.id, m.Kind, to)
	}
	return fmt.Errorf("peer %d cannot send %q to peer %d: they are not connected (connect them first, or send to one of %v)", p.id, m.Kind, to, p.Neighbours())
}

// Exclude says which neighbours a gossip or broadcast skips.
type Exclude struct {
	Peer  int   // NoPeer for none; usually the neighbour a message came from
	Type  int   // a Sim.TypeIndex; 0 for none
	Peers []int // more peers to skip; scanned for every neighbour, so keep it short
}

// Gossip sends m to up to fanout random neighbours not excluded, with the
// given TTL and hop count, and returns how many it sent to. A fanout < 0
// means every eligible neighbour.
func (p *Peer) Gossip(m *Message, ttl, hops, fanout int, ex Exclude) int {
	return p.gossip(m, ttl, hops, fanout, ex, NoPeer, 0)
}

// gossip is Gossip that also skips the neighbour from, forwarding the
// copy whose path record is parent.
func (p *Peer) gossip(m *Message, ttl, hops, fanout int, ex Exclude, from int, parent uint32) int {
	s := p.sim
	c := s.scratch[:0] // indices into p.conns
	for i, cn := range p.conns {
		id := int(cn.peer)
		if id == ex.Peer || id == from || (ex.Type != 0 && s.peers[id].typ == ex.Type) {
			continue
		}
		c = append(c, int32(i))
	}
	if len(ex.Peers) > 0 {
		// A pass of its own, so that the usual gossip without the list
		// does not test for it at every neighbour.
		c = slices.DeleteFunc(c, func(i int32) bool { return slices.Contains(ex.Peers, int(p.conns[i].peer)) })
	}
	s.scratch = c
	if fanout >= 0 && fanout < len(c) {
		c = sample.Choose(s.rng, c, fanout)
	}
	for _, i := range c {
		cn := &p.conns[i]
		s.transmit(p, cn.peer, cn.region, m, int32(ttl), int32(hops), parent)
	}
	return len(c)
}

// Broadcast sends m to every neighbour not excluded.
func (p *Peer) Broadcast(m *Message, ttl, hops int, ex Exclude) int {
	return p.Gossip(m, ttl, hops, -1, ex)
}

// transmit puts a message on the wire to peer to, in region toRegion: it
// occupies the sender's uplink, may be lost or cut by a partition, and
// arrives after a one-way delay. It does not touch the receiver's Peer,
// whose cache line the arrival will need only later. parent is the path
// record of the copy forwarded (0 for a fresh send).
func (s *Sim) transmit(from *Peer, to, toRegion int32, m *Message, ttl, hops int32, parent uint32) {
	c := &s.counters[m.kind]
	size := int64(m.Size)
	c.Sent++
	c.SentBytes += size
	from.stats.Sent++
	from.stats.SentBytes += size
	var seq uint32
	if s.obs {
		seq = s.observeSend(m, from.id, int(to), hops)
	}
	if !from.online {
		s.drop(m, &c.DroppedOffline, from.id, int(to), DropSenderOffline, seq, int(hops))
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
			s.drop(m, &c.DroppedLoss, from.id, int(to), DropLoss, seq, int(hops))
			return
		}
	}
	if len(s.partitions) > 0 && s.partitioned(from.id, int(to), start) {
		s.drop(m, &c.DroppedPartition, from.id, int(to), DropPartition, seq, int(hops))
		return
	}
	at := done + s.net.oneWay(from.region, int(toRegion), s.rng)
	if s.pert != nil {
		extra, lost := s.pert.onSend(s, seq, m, int32(from.id), to)
		if lost {
			s.drop(m, &c.DroppedFault, from.id, int(to), DropFault, seq, int(hops))
			return
		}
		at += extra
	}
	ref := seq
	if s.paths && s.recordsPaths(m.kind) {
		ref = s.pathNode(from.id, parent, seq)
	}
	s.q.push(at, event{kind: evArrive, msg: m, peer: to, from: int32(from.id), tag: hopTag(ttl, hops), timer: uint64(ref)})
}

// count counts a copy of m from one peer to another as sent, as transmit
// does inline, and returns its counter and observation number.
func (s *Sim) count(from *Peer, to int32, m *Message, hops int32) (*Counter, uint32) {
	c := &s.counters[m.kind]
	c.Sent++
	c.SentBytes += int64(m.Size)
	from.stats.Sent++
	from.stats.SentBytes += int64(m.Size)
	var seq uint32
	if s.obs {
		seq = s.observeSend(m, from.id, int(to), hops)
	}
	return c, seq
}

// drop counts a lost copy of m (seq numbers it while observing).
func (s *Sim) drop(m *Message, reason *int64, from, to int, why DropReason, seq uint32, hops int) {
	c := &s.counters[m.kind]
	c.Dropped++
	c.DroppedBytes += int64(m.Size)
	*reason++
	if s.obs {
		s.observeDrop(m, from, to, why, seq, hops)
	}
}

// arrive puts a message in the receiver's inbound queue.
func (s *Sim) arrive(ev *event) {
	p := s.peers[ev.peer]
	if !p.online {
		_, hops := ev.ttlHops()
		s.drop(ev.msg, &s.counters[ev.msg.kind].DroppedOffline, int(ev.from), p.id, DropReceiverOffline, s.copySeq(ev.msg, uint32(ev.timer)), int(hops))
		return
	}
	for i := range p.conns {
		if p.conns[i].peer == ev.from {
			p.conns[i].heard = s.now
			break
		}
	}
	ttl, hops := ev.ttlHops()
	d := Delivery{Msg: ev.msg, From: int(ev.from), TTL: int(ttl), Hops: int(hops), Arrived: s.now, ref: uint32(ev.timer)}
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
		if s.obs {
			s.observeReceipt(p, d, EntryRejected)
		}
	} else {
		if m.rec != nil {
			d.First = s.mark(p, m, d.Hops)
		}
		size := int64(m.Size)
		p.stats.Received++
		p.stats.ReceivedBytes += size
		if s.obs {
			// Before the services run, so that what they send follows
			// the receipt (in the trace's vector clocks too).
			s.observeReceipt(p, d, p.receiptKind(m.kind))
		}
		handled := false
		ki := int(m.kind)
		w, bit := ki>>6, uint64(1)<<(uint(ki)&63)
		for i := 0; i < len(p.services) && err == nil && !p.crashed; i++ {
			e := &p.services[i]
			if (w == 0 && e.mask0&bit != 0) || (w > 0 && w < len(e.mask) && e.mask[w]&bit != 0) {
				handled = true
				if herr := e.svc.Handle(p, d); herr != nil {
					err = &RunError{T: s.now, Peer: p.id, Err: fmt.Errorf("%s handling %q from peer %d: %w", e.svc.Name(), m.Kind, d.From, herr)}
				}
			}
		}
		if handled {
			if len(s.onDeliver) > 0 && err == nil {
				err = s.afterDelivery(p, d)
			}
			c.Delivered++
			c.DeliveredBytes += size
			sec := int(s.now / 1000)
			for len(s.load) <= sec {
				s.load = append(s.load, LoadPoint{})
			}
			s.load[sec].Messages++
			s.load[sec].Bytes += size
		} else {
			c.Unhandled++
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
