package scenario_test

import (
	"reflect"
	"testing"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/scenario"
	"github.com/p2prepl/p2prepl/engine/services"
)

type builder func(n int, seed uint64) (*engine.Sim, *services.Producer, error)

func run(t *testing.T, build builder, n int, seed uint64) (*engine.Sim, *services.Producer) {
	t.Helper()
	s, p, err := build(n, seed)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(scenario.Until); err != nil {
		t.Fatal(err)
	}
	return s, p
}

// outcome is everything observable that a run must reproduce.
type outcome struct {
	Events uint64
	Total  engine.Counter
	Kinds  map[string]engine.Counter
	Seen   map[string][]engine.FirstSeen
	Load   []engine.LoadPoint
}

func observe(s *engine.Sim) outcome {
	o := outcome{Events: s.Events(), Total: s.Total(), Kinds: map[string]engine.Counter{}, Seen: map[string][]engine.FirstSeen{}, Load: s.Load()}
	for _, k := range s.Kinds() {
		o.Kinds[k] = s.CounterOf(k)
	}
	for _, id := range s.MessageIDs() {
		o.Seen[id] = s.FirstSeen(id)
	}
	return o
}

// The same scenario and seed give the same run: event count, counters of
// every kind, and the first-seen table (peer, time, hops, version) of
// every message id; another seed gives another run.
func TestDeterminism(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build builder
	}{{"S1", scenario.S1}, {"S2", scenario.S2}} {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := run(t, tc.build, 300, 42)
			b, _ := run(t, tc.build, 300, 42)
			oa, ob := observe(a), observe(b)
			if oa.Total.Delivered == 0 || len(oa.Seen) == 0 {
				t.Fatalf("the run did nothing: %+v", oa.Total)
			}
			if !reflect.DeepEqual(oa, ob) {
				t.Errorf("two runs with seed 42 differ:\n%+v\n%+v", oa.Total, ob.Total)
				for id, fa := range oa.Seen {
					if !reflect.DeepEqual(fa, ob.Seen[id]) {
						t.Errorf("first-seen table of %s differs", id)
						break
					}
				}
			}
			c, _ := run(t, tc.build, 300, 43)
			if oc := observe(c); reflect.DeepEqual(oa.Total, oc.Total) || reflect.DeepEqual(oa.Seen, oc.Seen) {
				t.Errorf("seeds 42 and 43 give the same run")
			}
		})
	}
}

// The per-second load series adds up to the delivered totals.
func TestLoadSumsToDelivered(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build builder
	}{{"S1", scenario.S1}, {"S2", scenario.S2}} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := run(t, tc.build, 300, 1)
			var msgs, bytes int64
			load := s.Load()
			for i, p := range load {
				if p.Second != i {
					t.Errorf("load point %d is for second %d", i, p.Second)
				}
				msgs += p.Messages
				bytes += p.Bytes
			}
			total := s.Total()
			if msgs != total.Delivered || bytes != total.DeliveredBytes {
				t.Errorf("load series sums to %d messages, %d bytes; delivered %d, %d", msgs, bytes, total.Delivered, total.DeliveredBytes)
			}
			// One point per second up to the last delivery; one at exactly
			// t = 10000 would open second 10.
			if len(load) < 10 || len(load) > 11 {
				t.Errorf("%d load points for 10 s, want 10 or 11", len(load))
			}
		})
	}
}

// S1 is built as SCENARIOS.md says.
func TestS1Shape(t *testing.T) {
	const n = 300
	s, prod, err := scenario.S1(n, 5)
	if err != nil {
		t.Fatal(err)
	}
	client := s.Peer(n + 1)
	if client == nil || client.Type() != scenario.ClientType || client.Degree() != scenario.ClientLinks {
		t.Fatalf("client: %+v", client)
	}
	if len(s.PeersOf(scenario.PeerType)) != n || len(s.Peers()) != n+1 {
		t.Fatalf("%d peers of type peer, %d in all", len(s.PeersOf(scenario.PeerType)), len(s.Peers()))
	}
	regions := map[string]int{}
	for _, p := range s.PeersOf(scenario.PeerType) {
		links := p.Degree()
		if p.Connected(n + 1) {
			links--
		}
		if links != scenario.Degree {
			t.Errorf("peer %d has %d peer links, want %d", p.ID(), links, scenario.Degree)
		}
		regions[p.Region()]++
		if up := p.Upload(); up < scenario.MinBandwidth || up > 120*engine.Mbps {
			t.Errorf("peer %d: upload %g bit/s", p.ID(), up)
		}
	}
	if regions["r1"] < n/3 || regions["r2"] < n/3 {
		t.Errorf("regions not drawn uniformly: %v", regions)
	}
	if err := s.Run(scenario.Until); err != nil {
		t.Fatal(err)
	}
	// One message every 200 ms from 1000 until 10000 (the one due at 10000
	// would come in a later run): 45, as in p2psimpy.
	if prod.Produced() != 45 || len(s.MessageIDs()) != 45 {
		t.Errorf("produced %d (%d ids), want 45", prod.Produced(), len(s.MessageIDs()))
	}
	for _, id := range s.MessageIDs() {
		for _, f := range s.FirstSeen(id) {
			if f.Hops > prod.TTL+1 {
				t.Errorf("%s reached peer %d on hop %d", id, f.Peer, f.Hops)
			}
		}
	}
	if c := s.CounterOf("gossip"); c.Dropped != 0 || c.Unhandled != 0 {
		t.Errorf("gossip in S1 (no faults) was dropped or unhandled: %+v", c)
	}
	cov := scenario.Coverage(s, n, scenario.Until-500)
	t.Logf("S1 coverage %.4f", cov)
	if !(cov > 0.5 && cov <= 1) {
		t.Errorf("coverage %g; with 300 peers and TTL 4 most peers see each message", cov)
	}
}

// S2's peers crash and recover, and pull gossip carries the messages.
func TestS2Shape(t *testing.T) {
	const n = 300
	s, _ := run(t, scenario.S2, n, 5)
	if c := s.Total(); c.DroppedOffline == 0 {
		t.Errorf("no message met an offline peer: %+v", c)
	}
	if c := s.CounterOf(services.KindMsgResponse); c.Delivered == 0 {
		t.Errorf("pull gossip exchanged no messages: %+v", c)
	}
	offline := 0
	for _, p := range s.PeersOf(scenario.PeerType) {
		if !p.Online() {
			offline++
		}
	}
	// About 40% of the peers are down at any time after the first failures.
	if offline < n/5 || offline > 3*n/5 {
		t.Errorf("%d of %d peers offline at the end", offline, n)
	}
	cov := scenario.Coverage(s, n, scenario.Until-2000)
	t.Logf("S2 coverage %.4f", cov)
	if !(cov > 0.5 && cov <= 1) {
		t.Errorf("coverage %g", cov)
	}
}
