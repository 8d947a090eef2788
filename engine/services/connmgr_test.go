package services_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/services"
	"github.com/p2prepl/p2prepl/engine/topology"
)

// chatter sends a "chat" message to every neighbour every half ping
// interval from a quarter interval on (when talk), and takes the chat of
// others, so that its links are never silent for a whole interval.
type chatter struct {
	engine.Base
	talk bool
}

const interval = 1000.0 // the connection manager's default ping interval

func (c *chatter) Name() string    { return "chatter" }
func (c *chatter) Kinds() []string { return []string{"chat"} }
func (c *chatter) Start(p *engine.Peer) error {
	if !c.talk {
		return nil
	}
	_, err := p.After(c, interval/4, 0)
	return err
}
func (c *chatter) Timer(p *engine.Peer, _ int64) error {
	p.Broadcast(p.Sim().Signal("chat", 20), 0, 1, engine.Exclude{Peer: engine.NoPeer})
	_, err := p.After(c, interval/2, 0)
	return err
}

// The connection manager pings only the neighbours it has heard nothing
// from for more than an interval T, so the pings a run sends have a closed
// form. All links are made at t = 0 and the run lasts D ms.
//
//   - Quiet, rounds out of phase (the default), zero latency: on a link
//     whose ends have phases 0 < a < b < T, the a end pings at a+T (silent
//     since 0); the b end, last hearing at a+T, pings at b+2T; the a end,
//     last hearing at b+2T, pings next at a+4T; and so on: two pings every
//     3T. With D = (3M+1)T that is exactly 2M pings per link.
//   - Quiet, aligned rounds (p2psimpy's): both ends ping at 2T (at T they
//     have been silent for exactly T, not more), hear each other at once,
//     skip 3T and ping at 4T: 2M pings per link with D = (2M+1)T, whatever
//     the latency (below half an interval).
//   - Busy both ways (each end sends every T/2): no pings at all.
//   - Busy one way (only even peers talk, on a ring of even length): the
//     silent end never pings; the talking end hears only pongs and pings
//     at a+T, a+3T, ...: M pings per link with D = (2M+1)T.
//
// Every ping delivered is answered by one pong.
func TestConnManagerPingsClosedForm(t *testing.T) {
	const m = 10
	ring := topology.Ring(40)
	regular, err := topology.RandomRegular(60, 4, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		g           *topology.Graph
		rtt         float64 // ms; 0 gives the default zero-latency network
		aligned     bool
		talks       func(id int) bool
		until       float64
		perLinkPing int
	}{
		{"quiet ring", ring, 0, false, nil, (3*m + 1) * interval, 2 * m},
		{"quiet regular", regular, 0, false, nil, (3*m + 1) * interval, 2 * m},
		{"quiet aligned", regular, 0, true, nil, (2*m + 1) * interval, 2 * m},
		{"quiet aligned, 20 ms", regular, 20, true, nil, (2*m + 1) * interval, 2 * m},
		{"busy", regular, 0, false, func(int) bool { return true }, (3*m + 1) * interval, 0},
		{"busy, 20 ms", regular, 20, false, func(int) bool { return true }, (3*m + 1) * interval, 0},
		{"busy one way", ring, 0, false, func(id int) bool { return id%2 == 0 }, (2*m + 1) * interval, m},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 3; seed++ {
				cfg := engine.Config{Seed: seed}
				if tc.rtt > 0 {
					cfg.Network = constNet(t, tc.rtt)
				}
				s := engine.New(cfg)
				addGraph(t, s, tc.g, nil, func(id int) []engine.Service {
					c := services.NewConnManager()
					c.Aligned = tc.aligned
					return []engine.Service{c, &chatter{talk: tc.talks != nil && tc.talks(id)}}
				})
				if err := s.Run(tc.until); err != nil {
					t.Fatal(err)
				}
				ping, pong := s.CounterOf("ping"), s.CounterOf("pong")
				if want := int64(tc.perLinkPing * len(tc.g.Edges)); ping.Sent != want {
					t.Errorf("seed %d: %d pings over %d links in %g ms, want %d", seed, ping.Sent, len(tc.g.Edges), tc.until, want)
				}
				if ping.Delivered != ping.Sent || pong.Sent != ping.Delivered || pong.Delivered != pong.Sent {
					t.Errorf("seed %d: ping %+v, pong %+v: want every ping answered and nothing lost", seed, ping, pong)
				}
				if tc.talks != nil && s.CounterOf("chat").Delivered == 0 {
					t.Errorf("seed %d: no chat delivered", seed)
				}
			}
		})
	}
}

// Two peers with a 10 ms round trip and nothing else to say: their link
// is never silent long enough to be dropped, and carries two pings every
// 3 s (every 2 s from each end if their rounds are within a latency of
// each other).
func TestConnManagerKeepsQuietLinks(t *testing.T) {
	s := engine.New(engine.Config{Seed: 1, Network: constNet(t, 10)})
	for id := 1; id <= 2; id++ {
		if _, err := s.AddPeer(engine.PeerSpec{ID: id, Services: []engine.Service{services.NewConnManager()}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Connect(1, 2); err != nil {
		t.Fatal(err)
	}
	if err := s.Run(60000); err != nil {
		t.Fatal(err)
	}
	if !s.Peer(1).Connected(2) {
		t.Error("the peers disconnected while talking")
	}
	if ping := s.CounterOf("ping").Sent; ping < 38 || ping > 60 {
		t.Errorf("%d pings in 60 s on one quiet link, want 40 (or up to 60 in phase)", ping)
	}
}

// Peer 2, between peers 1 and 3, is down from 1 s to 9 s. Its neighbours
// ping it in vain, drop it once it has been silent for more than 5 s (by
// t = 7010 at the latest: it was last heard by t = 1010 and pings come every
// second) and it reconnects to both when it returns; meanwhile it sends
// nothing.
func TestConnManagerDropsSilentAndReconnects(t *testing.T) {
	s := engine.New(engine.Config{Seed: 2, Network: constNet(t, 10)})
	down, err := services.NewScheduledDowntime([]services.Window{{From: 1000, Until: 9000}})
	if err != nil {
		t.Fatal(err)
	}
	for id := 1; id <= 3; id++ {
		svcs := []engine.Service{services.NewConnManager()}
		if id == 2 {
			svcs = append(svcs, down)
		}
		if _, err := s.AddPeer(engine.PeerSpec{ID: id, Services: svcs}); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range [][2]int{{1, 2}, {2, 3}} {
		if err := s.Connect(e[0], e[1]); err != nil {
			t.Fatal(err)
		}
	}
	p1, p2, p3 := s.Peer(1), s.Peer(2), s.Peer(3)
	connected := func() bool { return p1.Connected(2) && p2.Connected(1) && p3.Connected(2) && p2.Connected(3) }
	disconnected := func() bool { return !p1.Connected(2) && !p3.Connected(2) && p2.Degree() == 0 }

	if err := s.Run(1000); err != nil {
		t.Fatal(err)
	}
	sentWhenDown := p2.Stats().Sent
	if err := s.Run(5000); err != nil {
		t.Fatal(err)
	}
	if !connected() {
		t.Fatal("t=5000: a neighbour dropped peer 2 before 5 s of silence")
	}
	if err := s.Run(7011); err != nil {
		t.Fatal(err)
	}
	if !disconnected() {
		t.Fatalf("t=7011: peer 2, silent since t<=1010, still connected (1: %v, 3: %v)", p1.Neighbours(), p3.Neighbours())
	}
	if err := s.Run(8999); err != nil {
		t.Fatal(err)
	}
	if got := p2.Stats().Sent; got != sentWhenDown {
		t.Errorf("peer 2 sent %d messages while down", got-sentWhenDown)
	}
	if c := s.CounterOf("ping"); c.DroppedOffline == 0 {
		t.Errorf("no ping to the down peer was dropped: %+v", c)
	}
	// Events at exactly 9000, its return among them, run in the next
	// call (as SimPy's run(until) leaves them): run just past 9000.
	if err := s.Run(math.Nextafter(9000, math.Inf(1))); err != nil {
		t.Fatal(err)
	}
	if !p2.Online() || !connected() {
		t.Fatalf("t=9000: peer 2 back (online %v) but not reconnected: %v", p2.Online(), p2.Neighbours())
	}
	pings := s.CounterOf("ping").Delivered
	if err := s.Run(20000); err != nil {
		t.Fatal(err)
	}
	if !connected() {
		t.Error("t=20000: connections lost again after the return")
	}
	// 11 s of two quiet links: two pings every 3 s on each (every 2 s
	// from each end if their rounds are within a latency of each other).
	if got := s.CounterOf("ping").Delivered - pings; got < 12 || got > 24 {
		t.Errorf("%d pings delivered in the 11 s after the return, want about 15", got)
	}
}
