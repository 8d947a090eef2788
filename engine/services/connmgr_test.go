package services_test

import (
	"testing"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/services"
)

// Two peers ping each other every second from a random phase and answer
// every ping they get while connected.
func TestConnManagerPings(t *testing.T) {
	s := engine.New(engine.Config{Seed: 1, Network: constNet(t, 10)})
	for id := 1; id <= 2; id++ {
		if _, err := s.AddPeer(engine.PeerSpec{ID: id, Services: []engine.Service{services.NewConnManager()}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Connect(1, 2); err != nil {
		t.Fatal(err)
	}
	if err := s.Run(10500); err != nil {
		t.Fatal(err)
	}
	ping, pong := s.CounterOf("ping"), s.CounterOf("pong")
	// Each peer's timer fires at phase + k*1000 <= 10500, phase in
	// [0, 1000): 10 or 11 times, one ping each.
	if ping.Sent < 20 || ping.Sent > 22 {
		t.Errorf("%d pings in 10.5 s, want 20..22", ping.Sent)
	}
	if pong.Sent != ping.Delivered || ping.Dropped+pong.Dropped != 0 {
		t.Errorf("ping %+v, pong %+v: want one pong per ping delivered, none dropped", ping, pong)
	}
	if !s.Peer(1).Connected(2) {
		t.Error("the peers disconnected while talking")
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
	if err := s.Run(9000); err != nil {
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
	// 11 s of three peers pinging over two links: about 44 pings.
	if got := s.CounterOf("ping").Delivered - pings; got < 40 || got > 48 {
		t.Errorf("%d pings delivered in the 11 s after the return, want about 44", got)
	}
}
