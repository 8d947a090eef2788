package engine_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/topology"
)

// TestAddGraphNodesInParts adds a graph with attached clients in two
// calls, as add_peers(g, nodes=...) does, and gets every edge exactly once.
func TestAddGraphNodesInParts(t *testing.T) {
	base := topology.Ring(6)
	g, clients, err := topology.AttachClients(base, 2, 3, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	s := engine.New(engine.Config{Seed: 1})
	spec := func(typ string) func(int) (engine.PeerSpec, error) {
		return func(int) (engine.PeerSpec, error) { return engine.PeerSpec{Type: typ}, nil }
	}
	if _, err := s.AddGraphNodes(g, base.Nodes, spec("peer")); err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		if s.Peer(c) != nil {
			t.Fatalf("client %d added with the peers", c)
		}
	}
	if _, err := s.AddGraphNodes(g, clients, spec("client")); err != nil {
		t.Fatal(err)
	}
	for _, id := range g.Nodes {
		want := g.Neighbours(id)
		got := s.Peer(id).Neighbours()
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("peer %d: neighbours %v, want %v", id, got, want)
		}
	}
	if _, err := s.AddGraphNodes(g, clients[:1], spec("client")); err == nil {
		t.Error("adding a node twice was accepted")
	}
	if _, err := s.AddGraphNodes(g, []int{99}, spec("client")); err == nil {
		t.Error("a node not in the graph was accepted")
	}
}
