package services_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/dist"
	"github.com/p2prepl/p2prepl/engine/services"
	"github.com/p2prepl/p2prepl/engine/topology"
)

// The options that reproduce p2psimpy where p2prepl differs on purpose
// (bindings gather them under simulation(compat = "p2psimpy")).

// flips records when its peer goes down and comes back.
type flips struct {
	engine.Base
	at []float64
}

func (f *flips) Name() string                 { return "flips" }
func (f *flips) Offline(p *engine.Peer) error { f.at = append(f.at, -p.Sim().Now()); return nil }
func (f *flips) Online(p *engine.Peer) error  { f.at = append(f.at, p.Sim().Now()); return nil }

// With constant durations first = 1000, down = 400, up = 600 the order is
// exact: ours goes down at 1000 for 400 ms, up for 600; p2psimpy's waits a
// "down" draw after first, then is down for "up" and up for "down".
func TestRandomDowntimeSwappedOrder(t *testing.T) {
	for _, tc := range []struct {
		swapped bool
		want    []float64 // negative: went down then
	}{
		{false, []float64{-1000, 1400, -2000, 2400, -3000, 3400}},
		{true, []float64{-1400, 2000, -2400, 3000, -3400}},
	} {
		s := engine.New(engine.Config{})
		rd := &services.RandomDowntime{First: dist.Constant(1000), Down: dist.Constant(400), Up: dist.Constant(600), Swapped: tc.swapped}
		f := &flips{}
		if _, err := s.AddPeer(engine.PeerSpec{ID: 1, Services: []engine.Service{rd, f}}); err != nil {
			t.Fatal(err)
		}
		if err := s.Run(3500); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(f.at, tc.want) {
			t.Errorf("swapped %v: flips at %v, want %v", tc.swapped, f.at, tc.want)
		}
	}
}

// p2psimpy's pull gossip sends its first SyncPing a round after its
// initial timeout; DelayFirstRound does the same.
func TestPullGossipDelayFirstRound(t *testing.T) {
	for _, delay := range []bool{false, true} {
		s := engine.New(engine.Config{})
		addGraph(t, s, topology.Complete(2), nil, func(int) []engine.Service {
			g := services.NewPullGossip()
			g.FirstRound, g.RoundTime, g.DelayFirstRound = dist.Constant(100), 500, delay
			return []engine.Service{g}
		})
		first := 100.0
		if delay {
			first = 600
		}
		if err := s.Run(first); err != nil {
			t.Fatal(err)
		}
		if n := s.CounterOf(services.KindSyncPing).Sent; n != 0 {
			t.Errorf("delay %v: %d sync pings before t=%g", delay, n, first)
		}
		if err := s.Run(math.Nextafter(first, math.Inf(1))); err != nil {
			t.Fatal(err)
		}
		if n := s.CounterOf(services.KindSyncPing).Sent; n != 2 {
			t.Errorf("delay %v: %d sync pings at t=%g, want one from each peer", delay, n, first)
		}
	}
}

// A peer that hears two versions of one message keeps the first by
// default, and the last, with the time of the last receipt, with
// StoreEvery, as p2psimpy's services overwrite their storage on every
// copy; through push (version A arrives at 5 ms, B at 15 ms) and through
// a pull response alike.
func TestGossipStoreEvery(t *testing.T) {
	for _, every := range []bool{false, true} {
		s := engine.New(engine.Config{Network: constNet(t, 10)})
		g := services.NewPushPullGossip()
		g.Store, g.StoreEvery, g.Fanout = "msg_data", every, 0
		if _, err := s.AddPeer(engine.PeerSpec{ID: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddPeer(engine.PeerSpec{ID: 2, Services: []engine.Service{g}}); err != nil {
			t.Fatal(err)
		}
		if err := s.Connect(1, 2); err != nil {
			t.Fatal(err)
		}
		a := s.NewMessage("gossip", "x", 1, "A", 250, 4)
		if err := s.Peer(1).Send(2, a); err != nil {
			t.Fatal(err)
		}
		if err := s.Schedule(10, func() error {
			return s.Peer(1).Send(2, s.NewMessage("gossip", "x", 1, "B", 250, 4))
		}); err != nil {
			t.Fatal(err)
		}
		// and a third version in a pull response at t = 20 (arriving 25)
		if err := s.Schedule(20, func() error {
			c := s.NewMessage("gossip", "x", 1, "C", 250, 4)
			return s.Peer(1).Send(2, s.NewMessage(services.KindMsgResponse, "", 1, []*engine.Message{c}, 270, 0))
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.Run(100); err != nil {
			t.Fatal(err)
		}
		p := s.Peer(2)
		m, _ := p.Get("msg_data", "x")
		at, _ := p.Get("msg_time", "x")
		want, wantAt := "A", 5.0
		if every {
			want, wantAt = "C", 25
		}
		if got := m.(*engine.Message).Data; got != want || at != wantAt {
			t.Errorf("store every %v: stored %v at %v, want %v at %v", every, got, at, want, wantAt)
		}
	}
}

// With Hello, each link carries three hellos at start (both ends say
// hello, the first end to hear one answers), whatever the latencies; a
// peer back from downtime says hello once to each neighbour it is still
// connected to, and nobody answers.
func TestConnManagerHello(t *testing.T) {
	g, err := topology.RandomRegular(60, 4, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	net, err := engine.NewNetwork([]string{"eu"})
	if err != nil {
		t.Fatal(err)
	}
	lat, err := dist.Uniform(0, 20)
	if err != nil {
		t.Fatal(err)
	}
	if err := net.SetLatency("eu", "eu", lat); err != nil {
		t.Fatal(err)
	}
	for seed := uint64(1); seed <= 3; seed++ {
		s := engine.New(engine.Config{Seed: seed, Network: net, StrictKinds: true})
		addGraph(t, s, g, nil, func(id int) []engine.Service {
			c := services.NewConnManager()
			c.Hello = true
			svcs := []engine.Service{c}
			if id == 1 {
				d, err := services.NewScheduledDowntime([]services.Window{{From: 2000, Until: 2500}})
				if err != nil {
					t.Fatal(err)
				}
				svcs = append(svcs, d)
			}
			return svcs
		})
		if err := s.Run(1000); err != nil {
			t.Fatal(err)
		}
		hello := s.CounterOf(services.KindHello)
		if want := int64(3 * len(g.Edges)); hello.Sent != want || hello.Delivered != want {
			t.Errorf("seed %d: hellos %+v, want %d sent and delivered over %d links", seed, hello, want, len(g.Edges))
		}
		if err := s.Run(3000); err != nil {
			t.Fatal(err)
		}
		after := s.CounterOf(services.KindHello)
		if got, want := after.Sent-hello.Sent, int64(s.Peer(1).Degree()); got != want {
			t.Errorf("seed %d: %d hellos on return, want one to each of %d neighbours", seed, got, want)
		}
	}
}
