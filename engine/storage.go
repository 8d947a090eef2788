package engine

import "sort"

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
