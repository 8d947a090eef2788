package services_test

import (
	"testing"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/dist"
	"github.com/p2prepl/p2prepl/engine/services"
	"github.com/p2prepl/p2prepl/engine/topology"
)

// constNet is a one-region network with a constant round trip (ms).
func constNet(t testing.TB, rtt float64) *engine.Network {
	t.Helper()
	n, err := engine.NewNetwork([]string{"eu"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.SetLatency("eu", "eu", dist.Constant(rtt)); err != nil {
		t.Fatal(err)
	}
	return n
}

// addGraph adds g's peers with the services that svcs returns for each id
// (type "client" when client(id), else "peer"), unlimited bandwidth.
func addGraph(t testing.TB, s *engine.Sim, g *topology.Graph, client func(id int) bool, svcs func(id int) []engine.Service) {
	t.Helper()
	_, err := s.AddGraph(g, func(id int) (engine.PeerSpec, error) {
		typ := "peer"
		if client != nil && client(id) {
			typ = "client"
		}
		return engine.PeerSpec{Type: typ, Services: svcs(id)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// withEdges returns g plus extra edges (and their nodes).
func withEdges(t testing.TB, g *topology.Graph, extra ...topology.Edge) *topology.Graph {
	t.Helper()
	out, err := topology.FromEdges(append(append([]topology.Edge(nil), g.Edges...), extra...), g.Nodes...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// pushGossip is push gossip of kind "gossip" with a fanout (-1: every
// neighbour).
func pushGossip(fanout int) *services.Gossip {
	g := services.NewPushGossip()
	g.Fanout = fanout
	return g
}

// producer makes messages from t=from every 1000/rate ms.
func producer(rate, from float64, fanout, ttl int) *services.Producer {
	p := services.NewProducer()
	p.Rate, p.InitDelay, p.Fanout, p.TTL = rate, from, fanout, ttl
	return p
}

// seenBy counts the peers among ids that saw message id.
func seenBy(s *engine.Sim, id string, ids func(peer int) bool) int {
	n := 0
	for _, f := range s.FirstSeen(id) {
		if ids(f.Peer) {
			n++
		}
	}
	return n
}

// createdIn lists the produced message ids created in [from, until).
func createdIn(s *engine.Sim, from, until float64) []string {
	var out []string
	for _, id := range s.MessageIDs() {
		if c := s.Versions(id)[0].Created; c >= from && c < until {
			out = append(out, id)
		}
	}
	return out
}
