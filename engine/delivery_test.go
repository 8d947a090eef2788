package engine_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/internal/sample"
)

// relay is a test service that records each delivery and hands it to fn.
type relay struct {
	engine.Base
	got []hop
	fn  func(p *engine.Peer, d *engine.Delivery) error
}

type hop struct{ peer, from, ttl, hops int }

func (r *relay) Name() string    { return "relay" }
func (r *relay) Kinds() []string { return []string{"m"} }
func (r *relay) Handle(p *engine.Peer, d *engine.Delivery) error {
	r.got = append(r.got, hop{p.ID(), d.From, d.TTL, d.Hops})
	if r.fn == nil {
		return nil
	}
	return r.fn(p, d)
}

// star adds hub 1 and leaves 2..n+1 (types from typ, "peer" when nil),
// all running r, and connects every leaf to the hub.
func star(t *testing.T, seed uint64, n int, r *relay, typ func(id int) string) *engine.Sim {
	t.Helper()
	s := engine.New(engine.Config{Seed: seed, Network: constNet(t, 10)})
	for id := 1; id <= n+1; id++ {
		ty := "peer"
		if typ != nil {
			ty = typ(id)
		}
		mustPeer(t, s, engine.PeerSpec{ID: id, Type: ty, Services: []engine.Service{r}})
		if id > 1 {
			if err := s.Connect(1, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s
}

// Forward takes one from the TTL (unless unlimited) and adds one hop; an
// exhausted TTL is an error wrapping ErrTTLExhausted that sends nothing.
func TestForwardTTLAndHops(t *testing.T) {
	for _, c := range []struct {
		name      string
		ttl       int
		want      []hop
		exhausted int // forwards refused
	}{
		{"ttl 2", 2, []hop{{2, 1, 2, 1}, {3, 2, 1, 2}, {4, 3, 0, 3}}, 0},
		{"ttl 1", 1, []hop{{2, 1, 1, 1}, {3, 2, 0, 2}}, 1},
		{"ttl 0", 0, []hop{{2, 1, 0, 1}}, 1},
		{"unlimited", engine.Unlimited, []hop{{2, 1, -1, 1}, {3, 2, -1, 2}, {4, 3, -1, 3}}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := engine.New(engine.Config{Seed: 1, Network: constNet(t, 10)})
			exhausted := 0
			r := &relay{fn: func(p *engine.Peer, d *engine.Delivery) error {
				if p.ID() == 4 {
					return nil
				}
				err := p.Forward(p.ID()+1, d)
				if errors.Is(err, engine.ErrTTLExhausted) {
					exhausted++
					return nil
				}
				return err
			}}
			for id := 1; id <= 4; id++ {
				mustPeer(t, s, engine.PeerSpec{ID: id, Services: []engine.Service{r}})
				if id > 1 {
					s.Connect(id-1, id)
				}
			}
			if err := s.Peer(1).Send(2, s.NewMessage("m", "x", 1, nil, 10, c.ttl)); err != nil {
				t.Fatal(err)
			}
			if err := s.Run(1000); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.got, c.want) {
				t.Errorf("deliveries (peer, from, ttl, hops) = %v, want %v", r.got, c.want)
			}
			if exhausted != c.exhausted {
				t.Errorf("%d forwards refused, want %d", exhausted, c.exhausted)
			}
			if sent := s.CounterOf("m").Sent; sent != int64(len(c.want)) {
				t.Errorf("%d sends counted, want %d (a refused forward sends nothing)", sent, len(c.want))
			}
		})
	}
}

// ForwardGossip never sends back to the sender and honours every part of
// Exclude; Broadcast and Gossip honour Exclude.Peers too.
func TestForwardGossipExcludes(t *testing.T) {
	client := func(id int) string {
		if id == 7 {
			return "client"
		}
		return "peer"
	}
	for _, c := range []struct {
		name string
		ex   func(s *engine.Sim) engine.Exclude
		want []int
	}{
		{"sender only", func(*engine.Sim) engine.Exclude { return engine.Exclude{Peer: engine.NoPeer} }, []int{3, 4, 5, 6, 7}},
		{"type and peers", func(s *engine.Sim) engine.Exclude {
			return engine.Exclude{Peer: engine.NoPeer, Type: s.TypeIndex("client"), Peers: []int{4}}
		}, []int{3, 5, 6}},
		{"peer and peers", func(*engine.Sim) engine.Exclude { return engine.Exclude{Peer: 5, Peers: []int{3, 6}} }, []int{4, 7}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &relay{}
			var sentTo int
			r.fn = func(p *engine.Peer, d *engine.Delivery) error {
				if p.ID() != 1 {
					return nil
				}
				var err error
				sentTo, err = p.ForwardGossip(d, -1, c.ex(p.Sim()))
				return err
			}
			s := star(t, 1, 6, r, client)
			s.Peer(2).Send(1, s.NewMessage("m", "x", 2, nil, 10, 3))
			if err := s.Run(1000); err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, h := range r.got[1:] {
				if h.from != 1 || h.ttl != 2 || h.hops != 2 {
					t.Errorf("leaf %d got (from %d, ttl %d, hops %d), want (1, 2, 2)", h.peer, h.from, h.ttl, h.hops)
				}
				got = append(got, h.peer)
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) || sentTo != len(c.want) {
				t.Errorf("forwarded to %v (returned %d), want %v", got, sentTo, c.want)
			}

			// Broadcast of a new message with the same exclusions.
			r2 := &relay{}
			s2 := star(t, 1, 6, r2, client)
			ex := c.ex(s2)
			ex.Peers = append(slices.Clone(ex.Peers), 2) // the sender above
			n := s2.Peer(1).Broadcast(s2.NewMessage("m", "y", 1, nil, 10, 0), 0, 1, ex)
			s2.Run(1000)
			got = got[:0]
			for _, h := range r2.got {
				got = append(got, h.peer)
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) || n != len(c.want) {
				t.Errorf("broadcast to %v (returned %d), want %v", got, n, c.want)
			}
		})
	}
	// An exhausted TTL is refused.
	r := &relay{}
	s := star(t, 1, 2, r, nil)
	p := s.Peer(1)
	d := &engine.Delivery{Msg: s.NewMessage("m", "", 2, nil, 10, 0), From: 2, TTL: 0, Hops: 1}
	if n, err := p.ForwardGossip(d, -1, engine.Exclude{Peer: engine.NoPeer}); !errors.Is(err, engine.ErrTTLExhausted) || n != 0 {
		t.Errorf("ForwardGossip of an exhausted TTL = %d, %v; want 0 and ErrTTLExhausted", n, err)
	}
	if sent := s.CounterOf("m").Sent; sent != 0 {
		t.Errorf("%d sends counted after a refused forward", sent)
	}
}

// Seeded runs must not shift when a caller moves to ForwardGossip or to
// Exclude.Peers: both draw exactly what the code they replace drew.
func TestGossipDrawsUnchanged(t *testing.T) {
	const leaves, fanout = 20, 4
	received := func(r *relay) []int {
		var out []int
		for _, h := range r.got {
			if h.peer != 1 {
				out = append(out, h.peer)
			}
		}
		return out
	}
	for seed := uint64(1); seed <= 20; seed++ {
		// ForwardGossip vs Gossip with the hop arithmetic written out.
		ra := &relay{fn: func(p *engine.Peer, d *engine.Delivery) error {
			if p.ID() == 1 {
				_, err := p.ForwardGossip(d, fanout, engine.Exclude{Peer: engine.NoPeer})
				return err
			}
			return nil
		}}
		rb := &relay{fn: func(p *engine.Peer, d *engine.Delivery) error {
			if p.ID() == 1 {
				p.Gossip(d.Msg, d.NextTTL(), d.Hops+1, fanout, engine.Exclude{Peer: d.From})
			}
			return nil
		}}
		var got [2][]int
		for i, r := range []*relay{ra, rb} {
			s := star(t, seed, leaves, r, nil)
			s.Peer(5).Send(1, s.NewMessage("m", "x", 5, nil, 10, 3))
			if err := s.Run(1000); err != nil {
				t.Fatal(err)
			}
			got[i] = received(r)
		}
		if len(got[0]) != fanout || !slices.Equal(got[0], got[1]) {
			t.Errorf("seed %d: ForwardGossip reached %v, Gossip %v", seed, got[0], got[1])
		}

		// Exclude.Peers vs picking among the eligible neighbours by hand
		// (what bindings did for several exclusions).
		skip := []int{3, 8, 13}
		r1, r2 := &relay{}, &relay{}
		s1, s2 := star(t, seed, leaves, r1, nil), star(t, seed, leaves, r2, nil)
		s1.Peer(1).Gossip(s1.NewMessage("m", "y", 1, nil, 10, 0), 0, 1, fanout, engine.Exclude{Peer: 4, Peers: skip})
		var cand []int
		for _, id := range s2.Peer(1).Neighbours() {
			if id != 4 && !slices.Contains(skip, id) {
				cand = append(cand, id)
			}
		}
		m := s2.NewMessage("m", "y", 1, nil, 10, 0)
		for _, id := range sample.Choose(s2.Rand(), cand, fanout) {
			if err := s2.Peer(1).SendHop(id, m, 0, 1); err != nil {
				t.Fatal(err)
			}
		}
		s1.Run(1000)
		s2.Run(1000)
		if a, b := received(r1), received(r2); len(a) != fanout || !slices.Equal(a, b) {
			t.Errorf("seed %d: Exclude.Peers reached %v, the hand-written pick %v", seed, a, b)
		}
		if s1.Rand().Uint64() != s2.Rand().Uint64() {
			t.Errorf("seed %d: the generators differ afterwards", seed)
		}
	}
}
