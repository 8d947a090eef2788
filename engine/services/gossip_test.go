package services_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/topology"
)

// infectAndDie solves pi = 1 - exp(-f pi) for its non-zero root: the
// fraction of a large complete graph reached by push gossip in which every
// peer, on first receipt, sends the message to f peers drawn at random and
// then never again ("infect and die"). The iteration from 1 decreases
// monotonically to the root for f > 1.
func infectAndDie(f float64) float64 {
	pi := 1.0
	for i := 0; i < 10000; i++ {
		next := 1 - math.Exp(-f*pi)
		if math.Abs(next-pi) < 1e-15 {
			return next
		}
		pi = next
	}
	return pi
}

func TestInfectAndDieFixedPoint(t *testing.T) {
	for f, want := range map[float64]float64{2: 0.7968, 3: 0.9405} {
		if got := infectAndDie(f); math.Abs(got-want) > 1e-4 {
			t.Errorf("fixed point for f=%g: %.5f, want %.4f", f, got, want)
		}
	}
}

// Push gossip forwarding once, on first receipt, is infect-and-die: on a
// complete graph of 2,000 peers it reaches the fraction pi = 1 - e^(-f pi).
//
// To match the model the source is itself one of the 2,000 peers: it
// produces the message, counts as infected (the producer marks it seen)
// and, like every infected peer, sends to f random peers once; copies that
// come back to it are duplicates and are not forwarded. TTL is unlimited,
// so only the first-receipt rule stops the spread. The network has zero
// latency and unlimited bandwidth: each message spreads completely at the
// instant it is produced, so the ten messages of a run (one every 200 ms)
// are independent trials. (The model draws among all n-1 other peers; the
// engine excludes the sender too, drawing among n-2, a 1/n effect.)
// Early extinction cannot happen: until the spread saturates, every
// infected peer infects exactly f new ones.
//
// Tolerance: 2 points. The final fraction of one trial fluctuates by about
// 1/sqrt(n) ~ 0.02 around pi; the mean of 40 trials (4 seeds x 10
// messages) fluctuates by ~0.004, so a 0.02 miss means the rule is wrong.
func TestPushGossipInfectAndDie(t *testing.T) {
	const n = 2000
	g := topology.Complete(n)
	for _, f := range []int{2, 3} {
		t.Run(fmt.Sprintf("fanout %d", f), func(t *testing.T) {
			pi := infectAndDie(float64(f))
			sum, trials := 0.0, 0
			for seed := uint64(1); seed <= 4; seed++ {
				s := engine.New(engine.Config{Seed: seed})
				addGraph(t, s, g, nil, func(id int) []engine.Service {
					svcs := []engine.Service{pushGossip(f)}
					if id == 1 {
						svcs = append(svcs, producer(5, 0, f, engine.Unlimited))
					}
					return svcs
				})
				if err := s.Run(1900); err != nil {
					t.Fatal(err)
				}
				ids := s.MessageIDs()
				if len(ids) != 10 {
					t.Fatalf("seed %d: %d messages produced, want 10", seed, len(ids))
				}
				for _, id := range ids {
					sum += float64(len(s.FirstSeen(id))) / n
					trials++
				}
				// Each infected peer sent exactly f copies, once.
				c := s.CounterOf("gossip")
				infected := int64(0)
				for _, id := range ids {
					infected += int64(len(s.FirstSeen(id)))
				}
				if c.Sent != int64(f)*infected || c.Delivered != c.Sent {
					t.Errorf("seed %d: sent %d, delivered %d; want %d x %d infected", seed, c.Sent, c.Delivered, f, infected)
				}
			}
			mean := sum / float64(trials)
			t.Logf("f=%d: mean reach %.4f over %d trials, fixed point %.4f", f, mean, trials, pi)
			if math.Abs(mean-pi) > 0.02 {
				t.Errorf("f=%d: mean reach %.4f, want %.4f +- 0.02", f, mean, pi)
			}
		})
	}
}

// onlineSubgraph keeps the edges between peers for which keep is true.
func onlineSubgraph(t *testing.T, g *topology.Graph, keep func(int) bool) *topology.Graph {
	t.Helper()
	var nodes []int
	for _, id := range g.Nodes {
		if keep(id) {
			nodes = append(nodes, id)
		}
	}
	var edges []topology.Edge
	for _, e := range g.Edges {
		if keep(e.A) && keep(e.B) {
			edges = append(edges, e)
		}
	}
	sub, err := topology.FromEdges(edges, nodes...)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// Flooding (fanout -1: every neighbour but the sender, never the client)
// reaches every online peer of a connected graph and no offline one. The
// traffic is exact: the client sends to its 5 neighbours; each online peer
// forwards once to each peer neighbour except the one it first got the
// message from (none when that was the client, i.e. on hop 1); copies to
// offline peers are dropped.
func TestFloodingReachesEveryOnlinePeer(t *testing.T) {
	const n = 300
	cases := []struct {
		name  string
		graph func(r *rand.Rand) (*topology.Graph, error)
	}{
		{"erdos_renyi(300, 0.03)", func(r *rand.Rand) (*topology.Graph, error) { return topology.ErdosRenyi(n, 0.03, r) }},
		{"random_regular(300, 6)", func(r *rand.Rand) (*topology.Graph, error) { return topology.RandomRegular(n, 6, r) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := engine.New(engine.Config{Seed: 11, Network: constNet(t, 10)})
			r := s.Stream("test")
			peers, err := tc.graph(r)
			if err != nil {
				t.Fatal(err)
			}
			g, clients, err := topology.AttachClients(peers, 1, 5, r)
			if err != nil {
				t.Fatal(err)
			}
			client := clients[0]
			// A random tenth of the peers is offline throughout.
			offline := map[int]bool{}
			for _, i := range r.Perm(n)[:n/10] {
				offline[i+1] = true
			}
			online := func(id int) bool { return id != client && !offline[id] }
			if !onlineSubgraph(t, peers, online).Connected() {
				t.Fatal("test set-up: the online peers are not connected; pick another seed")
			}
			prod := producer(5, 100, -1, engine.Unlimited)
			addGraph(t, s, g, func(id int) bool { return id == client }, func(id int) []engine.Service {
				if id == client {
					return []engine.Service{prod}
				}
				return []engine.Service{pushGossip(-1)}
			})
			for id := range offline {
				if err := s.Peer(id).SetOnline(false); err != nil {
					t.Fatal(err)
				}
			}
			clientOnlineNbrs := 0
			for _, id := range s.Peer(client).Neighbours() {
				if !offline[id] {
					clientOnlineNbrs++
				}
			}
			if clientOnlineNbrs == 0 {
				t.Fatal("test set-up: every neighbour of the client is offline")
			}
			if err := s.Run(1050); err != nil { // messages at 100, 300, ..., 900
				t.Fatal(err)
			}
			ids := s.MessageIDs()
			if len(ids) != 5 {
				t.Fatalf("%d messages, want 5", len(ids))
			}
			var wantSent, wantDropped int64
			for _, id := range ids {
				hops := map[int]int{}
				for _, f := range s.FirstSeen(id) {
					hops[f.Peer] = f.Hops
				}
				wantSent += int64(s.Peer(client).Degree())
				wantDropped += int64(s.Peer(client).Degree() - clientOnlineNbrs)
				for _, p := range s.PeersOf("peer") {
					h, saw := hops[p.ID()]
					if offline[p.ID()] {
						if saw {
							t.Errorf("message %s: offline peer %d saw it", id, p.ID())
						}
						continue
					}
					if !saw {
						t.Errorf("message %s: online peer %d never saw it", id, p.ID())
						continue
					}
					for _, nb := range p.Neighbours() {
						if nb == client {
							continue
						}
						wantSent++
						if offline[nb] {
							wantDropped++
						}
					}
					if h > 1 {
						wantSent-- // not back to the peer it came from
					}
				}
			}
			c := s.CounterOf("gossip")
			if c.Sent != wantSent || c.DroppedOffline != wantDropped || c.Delivered != c.Sent-c.Dropped {
				t.Errorf("traffic: sent %d (want %d), dropped offline %d (want %d), delivered %d (want %d)",
					c.Sent, wantSent, c.DroppedOffline, wantDropped, c.Delivered, c.Sent-c.Dropped)
			}
		})
	}
}

// TTL semantics, as implemented: the producer sends with TTL t; a copy
// arriving on hop h carries TTL t-(h-1); a peer forwards a copy only while
// its TTL is > 0, with TTL-1. So the last hop is t+1, and flooding from one
// first receiver reaches exactly the peers within distance t of it. On a
// ring of 60 peers fed by a client attached to peer 1 that is 2t+1 peers
// (all 60 from t = 30, or with an unlimited TTL), the farthest on hop
// min(t, 30)+1.
func TestTTLBoundsHopsOnRing(t *testing.T) {
	const n = 60
	g := withEdges(t, topology.Ring(n), topology.Edge{A: 1, B: n + 1})
	for _, ttl := range []int{0, 1, 2, 5, 29, 30, 31, engine.Unlimited} {
		t.Run(fmt.Sprintf("ttl %d", ttl), func(t *testing.T) {
			s := engine.New(engine.Config{Seed: 1, Network: constNet(t, 2)})
			addGraph(t, s, g, func(id int) bool { return id == n+1 }, func(id int) []engine.Service {
				if id == n+1 {
					return []engine.Service{producer(5, 100, -1, ttl)}
				}
				return []engine.Service{pushGossip(-1)}
			})
			if err := s.Run(150); err != nil {
				t.Fatal(err)
			}
			id := s.MessageIDs()[0]
			reach := n
			lastHop := n/2 + 1
			if ttl >= 0 && 2*ttl+1 < n {
				reach, lastHop = 2*ttl+1, ttl+1
			}
			got, maxHops := 0, 0
			for _, f := range s.FirstSeen(id) {
				if f.Peer == n+1 {
					continue
				}
				got++
				maxHops = max(maxHops, f.Hops)
				if ttl >= 0 && f.Hops > ttl+1 {
					t.Errorf("peer %d first saw the message on hop %d > TTL+1 = %d", f.Peer, f.Hops, ttl+1)
				}
			}
			if got != reach || maxHops != lastHop {
				t.Errorf("reached %d peers, farthest on hop %d; want %d and %d", got, maxHops, reach, lastHop)
			}
		})
	}
}

// With fanout 3 on a random regular graph, every first receipt is within
// TTL+1 hops and a larger TTL reaches more peers.
func TestTTLCoverageGrows(t *testing.T) {
	const n = 500
	prev := 0.0
	for ttl := 0; ttl <= 4; ttl++ {
		s := engine.New(engine.Config{Seed: 5, Network: constNet(t, 4)})
		r := s.Stream("test")
		peers, err := topology.RandomRegular(n, 8, r)
		if err != nil {
			t.Fatal(err)
		}
		g, clients, err := topology.AttachClients(peers, 1, 5, r)
		if err != nil {
			t.Fatal(err)
		}
		addGraph(t, s, g, func(id int) bool { return id == clients[0] }, func(id int) []engine.Service {
			if id == clients[0] {
				return []engine.Service{producer(5, 0, 5, ttl)}
			}
			return []engine.Service{pushGossip(3)}
		})
		if err := s.Run(1900); err != nil { // 10 messages
			t.Fatal(err)
		}
		sum := 0.0
		for _, id := range s.MessageIDs() {
			for _, f := range s.FirstSeen(id) {
				if f.Hops > ttl+1 {
					t.Errorf("ttl %d: peer %d first saw %s on hop %d", ttl, f.Peer, id, f.Hops)
				}
			}
			sum += float64(seenBy(s, id, func(p int) bool { return p != clients[0] })) / n
		}
		cov := sum / float64(len(s.MessageIDs()))
		t.Logf("ttl %d: coverage %.4f", ttl, cov)
		if cov <= prev {
			t.Errorf("ttl %d: coverage %.4f, not above ttl %d's %.4f", ttl, cov, ttl-1, prev)
		}
		prev = cov
	}
}

// p2psimpy's gossip (ForwardDuplicates) forwards every copy while its TTL
// is > 0, so hop h carries 5 * 3^(h-1) copies (client fanout 5, peer fanout
// 3) and a message costs 5 * (3^(t+1) - 1) / 2 sends: exact on a complete
// graph of 10 peers, where every peer always has at least 8 neighbours
// other than the sender and the client to pick 3 from. Forwarding once
// (the default) costs 5 plus 3 per peer whose first copy still had TTL > 0
// (first seen on hop <= t): never more, and fewer from t = 2 on.
func TestForwardDuplicatesTraffic(t *testing.T) {
	const n = 10
	g := topology.Complete(n)
	for i := 1; i <= 5; i++ {
		g = withEdges(t, g, topology.Edge{A: i, B: n + 1})
	}
	sends := func(ttl int, dup bool) (int64, *engine.Sim) {
		s := engine.New(engine.Config{Seed: uint64(ttl + 1), Network: constNet(t, 2)})
		addGraph(t, s, g, func(id int) bool { return id == n+1 }, func(id int) []engine.Service {
			if id == n+1 {
				return []engine.Service{producer(5, 100, 5, ttl)}
			}
			gs := pushGossip(3)
			gs.ForwardDuplicates = dup
			return []engine.Service{gs}
		})
		if err := s.Run(150); err != nil { // one message
			t.Fatal(err)
		}
		c := s.CounterOf("gossip")
		if c.Delivered != c.Sent {
			t.Errorf("ttl %d: sent %d, delivered %d", ttl, c.Sent, c.Delivered)
		}
		return c.Sent, s
	}
	for ttl := 0; ttl <= 5; ttl++ {
		dup, _ := sends(ttl, true)
		want := int64(5 * (math.Pow(3, float64(ttl+1)) - 1) / 2)
		if dup != want {
			t.Errorf("ttl %d, forwarding duplicates: %d sends, want 5*(3^%d-1)/2 = %d", ttl, dup, ttl+1, want)
		}
		once, s := sends(ttl, false)
		early := 0
		for _, f := range s.FirstSeen(s.MessageIDs()[0]) {
			if f.Peer != n+1 && f.Hops <= ttl {
				early++
			}
		}
		if want := int64(5 + 3*early); once != want {
			t.Errorf("ttl %d, forwarding once: %d sends, want 5 + 3*%d = %d", ttl, once, early, want)
		}
		if once > dup || (ttl >= 2 && once >= dup) {
			t.Errorf("ttl %d: forwarding once sends %d, forwarding duplicates %d", ttl, once, dup)
		}
	}
}
