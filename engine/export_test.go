package engine

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

// StateDigest is Sim.Digest, kept for the tests written against it.
func StateDigest(s *Sim) uint64 { return s.Digest() }
