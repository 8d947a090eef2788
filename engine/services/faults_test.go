package services_test

import (
	"math"
	"testing"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/services"
	"github.com/p2prepl/p2prepl/engine/topology"
)

// faultNet builds a random regular graph of n peers (degree 6) and a client
// (id n+1) linked to peers 1..5, on a 10 ms round-trip network. Peers run
// what peerSvcs returns; the client runs a producer of 5 messages/s from
// t = 1000 ms with fanout 5 and the given TTL.
func faultNet(t *testing.T, seed uint64, n, ttl int, peerSvcs func(id int) []engine.Service) (*engine.Sim, int) {
	t.Helper()
	s := engine.New(engine.Config{Seed: seed, Network: constNet(t, 10)})
	g, err := topology.RandomRegular(n, 6, s.Stream("test"))
	if err != nil {
		t.Fatal(err)
	}
	client := n + 1
	for i := 1; i <= 5; i++ {
		g = withEdges(t, g, topology.Edge{A: i, B: client})
	}
	addGraph(t, s, g, func(id int) bool { return id == client }, func(id int) []engine.Service {
		if id == client {
			// No connection manager: peers without one never answer,
			// and it would drop them after 5 s of silence.
			return []engine.Service{producer(5, 1000, 5, ttl)}
		}
		return peerSvcs(id)
	})
	return s, client
}

// Loss cuts delivery: with every link (or every link of the client) losing
// all messages nothing is delivered and only the producer holds its
// messages; with one peer's links cut, that peer alone misses everything.
func TestLossCutsDelivery(t *testing.T) {
	const n = 100
	cases := []struct {
		name   string
		lose   func(s *engine.Sim, client int) error
		missed func(id int) bool // peers that must not see any message
	}{
		{"no loss", func(*engine.Sim, int) error { return nil }, func(int) bool { return false }},
		{"loss 1 on every link", func(s *engine.Sim, _ int) error { return s.SetLoss(1) }, func(int) bool { return true }},
		{"loss 1 on the client's links", func(s *engine.Sim, client int) error {
			for _, nb := range s.Peer(client).Neighbours() {
				if err := s.SetLinkLoss(client, nb, 1); err != nil {
					return err
				}
			}
			return nil
		}, func(int) bool { return true }},
		{"loss 1 on peer 50's links", func(s *engine.Sim, _ int) error {
			for _, nb := range s.Peer(50).Neighbours() {
				if err := s.SetLinkLoss(50, nb, 1); err != nil {
					return err
				}
			}
			return nil
		}, func(id int) bool { return id == 50 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, client := faultNet(t, 2, n, engine.Unlimited, func(int) []engine.Service {
				return []engine.Service{pushGossip(-1)}
			})
			if err := tc.lose(s, client); err != nil {
				t.Fatal(err)
			}
			if err := s.Run(2100); err != nil { // 6 messages
				t.Fatal(err)
			}
			ids := s.MessageIDs()
			if len(ids) != 6 {
				t.Fatalf("%d messages, want 6", len(ids))
			}
			for _, id := range ids {
				for p := 1; p <= n; p++ {
					if _, saw := s.SeenAt(p, id); saw == tc.missed(p) {
						t.Errorf("message %s: peer %d saw it: %v", id, p, saw)
					}
				}
				if _, saw := s.SeenAt(client, id); !saw {
					t.Errorf("the producer does not hold its message %s", id)
				}
			}
			c := s.CounterOf("gossip")
			if tc.missed(1) { // everything lost
				if c.Delivered != 0 || c.DroppedLoss != c.Sent || c.Sent != 6*5 {
					t.Errorf("counters %+v: want 30 sent, all lost", c)
				}
			} else if c.Delivered == 0 {
				t.Errorf("nothing delivered: %+v", c)
			}
		})
	}
}

// A partition isolating peers 1..30 from everyone else during
// [2000, 5000) ms: none of them sees a message produced in the window
// before the window closes (the rest of the network does), and after it
// the pull half of push-pull gossip repairs them.
func TestPartitionThenPullRepairs(t *testing.T) {
	const n, from, until = 120, 2000.0, 5000.0
	s, client := faultNet(t, 3, n, 4, func(int) []engine.Service {
		return []engine.Service{services.NewPushPullGossip()}
	})
	// The group, peers 91..120, excludes the client's neighbours (1..5):
	// messages enter on the other side.
	group := make([]int, 0, 30)
	inGroup := map[int]bool{}
	for id := n - 29; id <= n; id++ {
		group = append(group, id)
		inGroup[id] = true
	}
	if err := s.Partition(group, nil, from, until); err != nil {
		t.Fatal(err)
	}
	if err := s.Run(until); err != nil {
		t.Fatal(err)
	}
	window := createdIn(s, from, until)
	if len(window) != 15 {
		t.Fatalf("%d messages in the window, want 15", len(window))
	}
	for _, id := range window {
		outside := 0
		for _, f := range s.FirstSeen(id) {
			if inGroup[f.Peer] {
				t.Errorf("message %s (created %g): isolated peer %d saw it at %g, inside the window", id, s.Versions(id)[0].Created, f.Peer, f.T)
			} else if f.Peer != client {
				outside++
			}
		}
		if outside == 0 {
			t.Errorf("message %s: no peer outside the group saw it", id)
		}
	}
	if c := s.Total(); c.DroppedPartition == 0 {
		t.Errorf("nothing was cut by the partition: %+v", c)
	}
	if err := s.Run(9000); err != nil {
		t.Fatal(err)
	}
	for _, id := range createdIn(s, 0, 8000) {
		for p := 1; p <= n; p++ {
			at, saw := s.SeenAt(p, id)
			if !saw {
				t.Errorf("message %s: peer %d never got it", id, p)
			} else if inGroup[p] && at < until && s.Versions(id)[0].Created >= from {
				t.Errorf("message %s: isolated peer %d got it at %g", id, p, at)
			}
		}
	}
}

// Peers that are down miss what is pushed meanwhile; once back, pull
// gossip (push-pull here, so that push does the bulk) brings them every
// message. Peers 50..59 are down 2 s, fewer than the connection manager's
// 5 s of silence, so they keep their connections; peers 60..64 are down
// 7 s: their neighbours drop them, and they reconnect when they return.
func TestDowntimeThenPullRepairs(t *testing.T) {
	const n = 100
	windows := map[int]services.Window{}
	for id := 50; id <= 59; id++ {
		windows[id] = services.Window{From: 2000, Until: 4000}
	}
	for id := 60; id <= 64; id++ {
		windows[id] = services.Window{From: 3000, Until: 10000}
	}
	s, _ := faultNet(t, 4, n, 4, func(id int) []engine.Service {
		svcs := []engine.Service{services.NewConnManager(), services.NewPushPullGossip()}
		if w, ok := windows[id]; ok {
			d, err := services.NewScheduledDowntime([]services.Window{w})
			if err != nil {
				t.Fatal(err)
			}
			svcs = append(svcs, d)
		}
		return svcs
	})
	degree := map[int]int{}
	for id := range windows {
		degree[id] = s.Peer(id).Degree()
	}
	longDown := func(id int) bool { return id >= 60 && id <= 64 }

	// Just before the long downtime ends, no online peer is still
	// connected to a long-down peer.
	if err := s.Run(9900); err != nil {
		t.Fatal(err)
	}
	for _, p := range s.Peers() {
		if !p.Online() {
			continue
		}
		for _, nb := range p.Neighbours() {
			if longDown(nb) {
				t.Errorf("t=9900: online peer %d still connected to peer %d, silent since t=3000", p.ID(), nb)
			}
		}
	}
	// Back at t=10000, they have all their neighbours again (running
	// just past 10000: the events at 10000 run in the next call).
	if err := s.Run(math.Nextafter(10000, math.Inf(1))); err != nil {
		t.Fatal(err)
	}
	for id := 60; id <= 64; id++ {
		if got := s.Peer(id).Degree(); got != degree[id] {
			t.Errorf("peer %d back with %d connections, had %d", id, got, degree[id])
		}
	}

	if err := s.Run(16000); err != nil {
		t.Fatal(err)
	}
	for id, w := range windows {
		if got := s.Peer(id).Degree(); got != degree[id] {
			t.Errorf("peer %d ends with %d connections, had %d", id, got, degree[id])
		}
		missed := createdIn(s, w.From, w.Until)
		if len(missed) == 0 {
			t.Fatalf("no message produced while peer %d was down", id)
		}
		for _, mid := range missed {
			at, saw := s.SeenAt(id, mid)
			if !saw {
				t.Errorf("peer %d never got %s, produced while it was down", id, mid)
			} else if at < w.Until {
				t.Errorf("peer %d got %s at %g, while down until %g", id, mid, at, w.Until)
			}
		}
	}
	// Every peer ends holding every message (but those of the last 2 s,
	// which may still be spreading by pull).
	for _, mid := range createdIn(s, 0, 14000) {
		if got := seenBy(s, mid, func(p int) bool { return p <= n }); got != n {
			t.Errorf("message %s: held by %d of %d peers", mid, got, n)
		}
	}
	if c := s.CounterOf("gossip"); c.DroppedOffline == 0 {
		t.Errorf("no push reached a down peer: %+v", c)
	}
	if c := s.CounterOf(services.KindMsgResponse); c.Delivered == 0 {
		t.Errorf("pull gossip never sent a message: %+v", c)
	}
}
