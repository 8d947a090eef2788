package services_test

import (
	"testing"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/services"
	"github.com/p2prepl/p2prepl/engine/topology"
)

// A client added after the peers started (so that the "client" type did
// not exist when their pull gossip started) still gets no anti-entropy
// traffic: with StrictKinds, a sync_ping to it would end the run.
func TestPullGossipExcludesLateClient(t *testing.T) {
	s := engine.New(engine.Config{Seed: 1, Network: constNet(t, 2), StrictKinds: true})
	addGraph(t, s, topology.Complete(5), nil, func(int) []engine.Service {
		return []engine.Service{services.NewPullGossip()}
	})
	if err := s.Run(1000); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddPeer(engine.PeerSpec{ID: 6, Type: "client", Services: []engine.Service{producer(5, 0, 2, 4)}}); err != nil {
		t.Fatal(err)
	}
	for id := 1; id <= 5; id++ {
		if err := s.Connect(6, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Run(5000); err != nil {
		t.Fatalf("pull gossip sent to the client: %v", err)
	}
	for _, id := range createdIn(s, 0, 4000) {
		if got := seenBy(s, id, func(p int) bool { return p <= 5 }); got != 5 {
			t.Errorf("message %s held by %d of 5 peers", id, got)
		}
	}
}
