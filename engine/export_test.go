package engine

import (
	"fmt"
	"hash/fnv"
	"sort"
)

// InFlight counts the messages of a kind ("" for every kind) that have been
// sent and are not yet delivered, unhandled, rejected or dropped: arrivals
// still in the event queue, messages waiting in inbound queues, and the one
// each busy peer is downloading or validating. It is exported to the
// external tests only, to check the counter invariant mid-run.
func InFlight(s *Sim, kind string) int64 {
	match := func(m *Message) bool { return kind == "" || m.Kind == kind }
	var n int64
	for i := range s.q.slab {
		// Free slots are zeroed, so only pending events have a kind.
		if ev := &s.q.slab[i]; ev.kind == evArrive && match(ev.msg) {
			n++
		}
	}
	for _, p := range s.peers {
		if p == nil {
			continue
		}
		if p.busy && match(p.cur.Msg) {
			n++
		}
		for _, d := range p.inbox[p.head:] {
			if match(d.Msg) {
				n++
			}
		}
	}
	return n
}

// StateDigest hashes everything a run's future depends on: the clock, the
// pending events, every peer, the counters and records, and the state of
// every random generator (read without drawing).
func StateDigest(s *Sim) uint64 {
	h := fnv.New64a()
	w := func(xs ...any) { fmt.Fprint(h, xs...) }
	w(s.now, s.events, s.q.n, s.sendSeq, s.markEpoch, s.nextTimer)
	keys := append([]key(nil), s.q.at[s.q.head:]...)
	for j := range s.q.bkt {
		keys = append(keys, s.q.bkt[j]...)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].less(keys[j]) })
	for _, k := range keys {
		ev := &s.q.slab[k.slot()]
		w(k.t, k.id>>32, ev.kind, ev.peer, ev.from, ev.tag, ev.timer, ev.ok)
		if ev.msg != nil {
			w(ev.msg.Kind, ev.msg.ID, ev.msg.version)
		}
	}
	for _, p := range s.peers {
		if p == nil {
			continue
		}
		w(p.id, p.online, p.busy, p.crashed, p.epoch, p.uplink, p.stats, len(p.inbox)-p.head, len(p.held))
		for _, c := range p.conns {
			w(c.peer, c.heard)
		}
		for _, ns := range p.Namespaces() {
			m := p.storage[ns]
			ks := make([]string, 0, len(m))
			for k := range m {
				ks = append(ks, k)
			}
			sort.Strings(ks)
			for _, k := range ks {
				w(ns, k, m[k])
			}
		}
	}
	w(s.counters, s.load, len(s.recordOrder))
	for _, r := range s.recordOrder {
		w(r.id, len(r.versions), r.firsts)
	}
	b, _ := s.pcg.MarshalBinary()
	h.Write(b)
	for _, p := range s.streams {
		b, _ := p.MarshalBinary()
		h.Write(b)
	}
	return h.Sum64()
}
