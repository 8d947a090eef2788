package engine

import (
	"encoding/binary"
	"fmt"
	"hash"
	"hash/fnv"
	"math"
	"sort"
)

// Digest hashes everything the future of the run depends on: the clock,
// the pending events in order, every peer (state, connections, inbound
// queue, storage, counters), the message counters and records, and the
// state of every random generator, read without drawing from it. Two
// simulations with equal digests run on identically; time travel is
// tested by comparing them. It takes time proportional to the state.
func (s *Sim) Digest() uint64 {
	d := digester{h: fnv.New64a()}
	d.f(s.now)
	d.u(s.events, uint64(s.q.n), uint64(s.sendSeq), s.markEpoch, s.nextTimer)
	keys := append([]key(nil), s.q.at[s.q.head:]...)
	for j := range s.q.bkt {
		keys = append(keys, s.q.bkt[j]...)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].less(keys[j]) })
	for _, k := range keys {
		ev := &s.q.slab[k.slot()]
		d.f(k.t)
		d.u(k.id>>32, uint64(ev.kind), uint64(ev.peer), uint64(ev.from), uint64(ev.tag), ev.timer)
		if ev.msg != nil {
			d.s(ev.msg.Kind)
			d.s(ev.msg.ID)
			d.u(uint64(ev.msg.version))
		}
	}
	for _, p := range s.peers {
		if p == nil {
			continue
		}
		d.u(uint64(p.id), b2u(p.online), b2u(p.busy), b2u(p.crashed), uint64(p.epoch), uint64(len(p.inbox)-p.head), uint64(len(p.held)))
		d.f(p.uplink)
		d.u(uint64(p.stats.Sent), uint64(p.stats.SentBytes), uint64(p.stats.Received), uint64(p.stats.ReceivedBytes))
		for _, c := range p.conns {
			d.u(uint64(c.peer))
			d.f(c.heard)
		}
		for _, ns := range p.Namespaces() {
			m := p.storage[ns]
			ks := make([]string, 0, len(m))
			for k := range m {
				ks = append(ks, k)
			}
			sort.Strings(ks)
			for _, k := range ks {
				d.s(ns)
				d.s(k)
				fmt.Fprint(d.h, m[k])
			}
		}
	}
	for _, c := range s.counters {
		d.u(uint64(c.Sent), uint64(c.Delivered), uint64(c.Unhandled), uint64(c.Rejected), uint64(c.Dropped))
	}
	for _, l := range s.load {
		d.u(uint64(l.Messages), uint64(l.Bytes))
	}
	for _, r := range s.recordOrder {
		d.s(r.id)
		d.u(uint64(len(r.versions)))
		for _, f := range r.firsts {
			d.u(uint64(f.Peer), uint64(f.Hops), uint64(f.Version))
			d.f(f.T)
		}
	}
	b, _ := s.pcg.MarshalBinary()
	d.h.Write(b)
	for _, p := range s.streams {
		b, _ := p.MarshalBinary()
		d.h.Write(b)
	}
	return d.h.Sum64()
}

type digester struct {
	h   hash.Hash64
	buf [8]byte
}

func (d *digester) u(xs ...uint64) {
	for _, x := range xs {
		binary.LittleEndian.PutUint64(d.buf[:], x)
		d.h.Write(d.buf[:])
	}
}

func (d *digester) f(x float64) { d.u(math.Float64bits(x)) }

func (d *digester) s(x string) {
	d.u(uint64(len(x)))
	d.h.Write([]byte(x))
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
