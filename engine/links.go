package engine

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

type conn struct {
	peer   int32
	region int32   // the neighbour's region, so a send need not load its Peer
	heard  float64 // last time a message from this neighbour arrived
}

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
		if s.severed == nil {
			s.severed = map[uint64]struct{}{}
		}
		s.severed[linkKey(a, b)] = struct{}{}
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

func linkKey(a, b int) uint64 {
	if a > b {
		a, b = b, a
	}
	return uint64(uint32(a))<<32 | uint64(uint32(b))
}

// SetLoss sets the default loss probability of every link.
func (s *Sim) SetLoss(p float64) error {
	if p < 0 || p > 1 || math.IsNaN(p) {
		return fmt.Errorf("loss must be a probability in [0, 1] (got %g)", p)
	}
	s.net.Loss = p
	s.lossy = p > 0 || len(s.linkLoss) > 0
	return nil
}

// SetLinkLoss sets the loss probability of the link between peers a and b,
// overriding the network's default for that link.
func (s *Sim) SetLinkLoss(a, b int, p float64) error {
	if p < 0 || p > 1 || math.IsNaN(p) {
		return fmt.Errorf("loss must be a probability in [0, 1] (got %g)", p)
	}
	s.linkLoss[linkKey(a, b)] = p
	s.lossy = true
	return nil
}

func (s *Sim) lossOf(a, b int) float64 {
	if len(s.linkLoss) > 0 {
		if p, ok := s.linkLoss[linkKey(a, b)]; ok {
			return p
		}
	}
	return s.net.Loss
}

// partition separates two groups of peers during [from, until).
type partition struct {
	from, until float64
	side        []int8 // per peer id: 1 group A, 2 group B, 0 neither
	rest        bool   // group B is every peer not in A
}

func (pt *partition) sideOf(id int) int8 {
	var s int8
	if id < len(pt.side) {
		s = pt.side[id]
	}
	if s == 0 && pt.rest {
		return 2
	}
	return s
}

// Partition cuts every link between group a and group b during [from, until):
// messages sent across it in that window are dropped. An empty b means
// "every peer not in a".
func (s *Sim) Partition(a, b []int, from, until float64) error {
	if math.IsNaN(from) || math.IsNaN(until) || until <= from {
		return fmt.Errorf("partition: need from < until (got %g, %g)", from, until)
	}
	if len(a) == 0 {
		return fmt.Errorf("partition: the first group is empty")
	}
	pt := &partition{from: from, until: until, side: make([]int8, len(s.peers)), rest: len(b) == 0}
	for g, ids := range [][]int{a, b} {
		for _, id := range ids {
			if s.Peer(id) == nil {
				return fmt.Errorf("partition: no peer %d", id)
			}
			if pt.side[id] == int8(g+1) {
				return fmt.Errorf("partition: peer %d is listed twice", id)
			}
			if pt.side[id] != 0 {
				return fmt.Errorf("partition: peer %d is in both groups", id)
			}
			pt.side[id] = int8(g + 1)
		}
	}
	// In order of from, after those that start at the same time (a
	// stable sort after each call made many calls quadratic).
	i := sort.Search(len(s.partitions), func(i int) bool { return s.partitions[i].from > from })
	s.partitions = slices.Insert(s.partitions, i, pt)
	return nil
}

// partitioned reports whether a message from a to b at time t is cut.
func (s *Sim) partitioned(a, b int, t float64) bool {
	for _, pt := range s.partitions {
		if t < pt.from || t >= pt.until {
			continue
		}
		sa, sb := pt.sideOf(a), pt.sideOf(b)
		if sa != 0 && sb != 0 && sa != sb {
			return true
		}
	}
	return false
}
