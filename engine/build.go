package engine

import (
	"fmt"

	"github.com/p2prepl/p2prepl/engine/topology"
)

// AddGraph adds one peer per node of g (the node id becomes the peer id),
// made by spec, then connects the graph's edges.
func (s *Sim) AddGraph(g *topology.Graph, spec func(id int) (PeerSpec, error)) ([]*Peer, error) {
	return s.AddGraphNodes(g, nil, spec)
}

// AddGraphNodes adds one peer per listed node of g (nil: every node), then
// connects every edge of g whose two ends are peers, so that a graph from
// topology.AttachClients can be added in parts: its peers with one type,
// then its clients with another, linked to the peers already there.
func (s *Sim) AddGraphNodes(g *topology.Graph, nodes []int, spec func(id int) (PeerSpec, error)) ([]*Peer, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	all := nodes == nil
	if all {
		nodes = g.Nodes
	}
	var added map[int]bool // the new peers, when only some nodes are added
	if !all {
		added = make(map[int]bool, len(nodes))
	}
	for _, id := range nodes {
		if !all {
			if !g.HasNode(id) {
				return nil, fmt.Errorf("node %d is not in the graph", id)
			}
			added[id] = true
		}
		if id < 0 || id > MaxPeerID {
			return nil, fmt.Errorf("topology node %d: peer ids must be between 0 and %d, and node ids become peer ids", id, MaxPeerID)
		}
		if s.Peer(id) != nil {
			return nil, fmt.Errorf("topology node %d: a peer with that id already exists (relabel the topology or add it to a new simulation)", id)
		}
	}
	out := make([]*Peer, 0, len(nodes))
	for _, id := range nodes {
		ps, err := spec(id)
		if err != nil {
			return nil, err
		}
		ps.ID = id
		p, err := s.AddPeer(ps)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	// A valid graph has neither duplicate edges nor self loops, so an edge
	// with a new end cannot be a connection already: it skips Connect's
	// duplicate check, which costs O(degree) and made dense graphs
	// quadratic to build (a complete graph of 2,000 peers took a second).
	for _, e := range g.Edges {
		switch {
		case all || added[e.A] || added[e.B]:
			if s.Peer(e.A) != nil && s.Peer(e.B) != nil {
				s.connect(s.peers[e.A], s.peers[e.B])
			}
		case s.Peer(e.A) != nil && s.Peer(e.B) != nil:
			if err := s.Connect(e.A, e.B); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
