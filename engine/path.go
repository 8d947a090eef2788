package engine

import "fmt"

// Path records. For the kinds named with RecordPaths the engine keeps, for
// every copy of a message it delivers, the peers that sent or forwarded
// it: the sender of a fresh send, then each peer that forwarded that copy
// on. The record is the engine's, so a peer can withhold, delay or
// forward a message, but never put another peer's id on its path: the
// path is a chain of signatures that cannot be forged, which is what
// authenticated protocols (Dolev–Strong) need.
//
// A record is a parent-pointer chain in one slab per simulation: a send
// adds one node (the sender and the node of the copy it forwards), a
// broadcast of one copy shares one node among all its receivers, and a
// Delivery refers to its node by index. Kinds whose paths are not
// recorded cost one predictable branch per send.

// pathNode is one hop of a recorded path.
type pathNode struct {
	peer int32  // the peer that sent this copy
	prev uint32 // the node of the copy it forwarded; 0 for a fresh send
	seq  uint32 // the send's number while observing (the Delivery's ref is the node)
}

// RecordPaths makes the engine record the path of every message of kind
// sent from now on (see Sim.Path). It must be called before the first
// message of the kind is sent, so that every copy of the kind has a path.
func (s *Sim) RecordPaths(kind string) error {
	k := s.KindIndex(kind)
	if s.RecordsPaths(kind) {
		return nil
	}
	if s.counters[k].Sent > 0 {
		return fmt.Errorf("record paths of %q before its first message is sent (%d sent so far)", kind, s.counters[k].Sent)
	}
	for len(s.pathKind) <= int(k) {
		s.pathKind = append(s.pathKind, false)
	}
	s.pathKind[k] = true
	if s.pathNodes == nil {
		s.pathNodes = make([]pathNode, 1, 1024) // node 0: no node
	}
	s.paths = true
	return nil
}

// RecordsPaths reports whether the paths of kind are recorded.
func (s *Sim) RecordsPaths(kind string) bool {
	k, ok := s.kinds[kind]
	return ok && s.recordsPaths(k)
}

func (s *Sim) recordsPaths(k int32) bool {
	return s.paths && int(k) < len(s.pathKind) && s.pathKind[k]
}

// Path returns the peers d's copy went through, in order: the peer that
// first sent it, then each peer that forwarded it; the last is d.From. It
// is nil when the paths of the message's kind are not recorded.
func (s *Sim) Path(d *Delivery) []int {
	if !s.recordsPaths(d.Msg.kind) || d.ref == 0 {
		return nil
	}
	n := 0
	for i := d.ref; i != 0; i = s.pathNodes[i].prev {
		n++
	}
	out := make([]int, n)
	for i := d.ref; i != 0; i = s.pathNodes[i].prev {
		n--
		out[n] = int(s.pathNodes[i].peer)
	}
	return out
}

// pathNode returns the node of a copy sent by from, forwarding the copy
// of node parent (0 for a fresh send). The copies of one broadcast share
// a node unless they are numbered for observation.
func (s *Sim) pathNode(from int, parent, seq uint32) uint32 {
	last := len(s.pathNodes) - 1
	if n := &s.pathNodes[last]; last > 0 && seq == 0 && n.seq == 0 && n.peer == int32(from) && n.prev == parent {
		return uint32(last)
	}
	s.pathNodes = append(s.pathNodes, pathNode{peer: int32(from), prev: parent, seq: seq})
	return uint32(last + 1)
}

// copySeq is the observation number of a copy of m whose Delivery (or
// arrival) holds ref.
func (s *Sim) copySeq(m *Message, ref uint32) uint32 {
	if s.recordsPaths(m.kind) {
		return s.pathNodes[ref].seq
	}
	return ref
}
