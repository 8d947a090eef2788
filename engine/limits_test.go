package engine_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/topology"
)

// spawner sets one timer at start; each firing sets `fanout` more, delay
// ms later: fanout 2 is a storm, delay 0 a stall.
type spawner struct {
	engine.Base
	fanout int
	delay  float64
}

func (s *spawner) Name() string { return "spawner" }
func (s *spawner) Start(p *engine.Peer) error {
	_, err := p.After(s, s.delay, 0)
	return err
}
func (s *spawner) Timer(p *engine.Peer, _ int64) error {
	for range s.fanout {
		if _, err := p.After(s, s.delay, 0); err != nil {
			return err
		}
	}
	return nil
}

func TestPendingLimit(t *testing.T) {
	s := engine.New(engine.Config{MaxPending: 1000})
	if _, err := s.AddPeer(engine.PeerSpec{ID: 0, Type: "worker", Services: []engine.Service{&spawner{fanout: 2, delay: 1}}}); err != nil {
		t.Fatal(err)
	}
	quiet := &spawner{fanout: 1, delay: 1} // one pending timer, always
	if _, err := s.AddPeer(engine.PeerSpec{ID: 1, Type: "idle", Services: []engine.Service{quiet}}); err != nil {
		t.Fatal(err)
	}
	err := s.Run(1e6)
	var se *engine.StormError
	if !errors.As(err, &se) || !errors.Is(err, engine.ErrPendingLimit) {
		t.Fatalf("got %v, want a pending-event limit", err)
	}
	if se.Pending <= 1000 || se.Pending > 1002 || s.Pending() != se.Pending || s.Now() != se.T || se.T > 20 {
		t.Errorf("pending %d at t=%v (sim: %d at %v)", se.Pending, se.T, s.Pending(), s.Now())
	}
	want := []engine.Source{{What: "timers", Name: "spawner", PeerType: "worker", Count: se.Pending - 1},
		{What: "timers", Name: "spawner", PeerType: "idle", Count: 1}}
	if len(se.Sources) != 2 || se.Sources[0] != want[0] || se.Sources[1] != want[1] {
		t.Errorf("sources %+v, want %+v", se.Sources, want)
	}
	if msg := err.Error(); !strings.Contains(msg, `timers of service "spawner" on "worker" peers: 1000 (100%)`) {
		t.Errorf("message: %s", msg)
	}
	// Running on stops at once, at the same point.
	before := s.Events()
	if err := s.Run(s.Now() + 10); !errors.Is(err, engine.ErrPendingLimit) || s.Events() != before {
		t.Errorf("a second Run went past the limit: %v", err)
	}
}

func TestStall(t *testing.T) {
	s := engine.New(engine.Config{MaxStall: 500})
	if _, err := s.AddPeer(engine.PeerSpec{Type: "loop", Services: []engine.Service{&spawner{fanout: 1, delay: 0}}}); err != nil {
		t.Fatal(err)
	}
	s.Schedule(0, func() error { return nil })
	err := s.Run(10)
	var se *engine.StormError
	if !errors.As(err, &se) || !errors.Is(err, engine.ErrTimeStalled) || s.Events() != 500 || se.T != 0 {
		t.Fatalf("got %v after %d events, want a stall after 500", err, s.Events())
	}
	if len(se.Sources) == 0 || se.Sources[0].Name != "spawner" {
		t.Errorf("sources %+v", se.Sources)
	}
	// Many events at one time that do end are fine.
	s = engine.New(engine.Config{MaxStall: 500})
	for range 499 {
		s.Schedule(5, func() error { return nil })
	}
	if err := s.Run(10); err != nil {
		t.Errorf("499 events at one time: %v", err)
	}
	// A clock that stands still for as long as the limit allows and then
	// moves on is fine, and the limit holds again at the next time: 501
	// events at t=5 (500 in a row after the first), then at t=7 the 502nd
	// is one too many.
	s = engine.New(engine.Config{MaxStall: 500})
	for _, c := range []struct {
		at float64
		n  int
	}{{5, 501}, {7, 600}} {
		for range c.n {
			s.Schedule(c.at, func() error { return nil })
		}
	}
	err = s.Run(10)
	if !errors.Is(err, engine.ErrTimeStalled) || s.Events() != 501+501 || s.Now() != 7 {
		t.Errorf("got %v after %d events at t=%v, want a stall after %d at t=7", err, s.Events(), s.Now(), 501+501)
	}
}

// TestPeerIDRange: peer ids index a table, so they are bounded; a graph
// node -1 is an error, not the next free id (NoPeer is -1).
func TestPeerIDRange(t *testing.T) {
	s := engine.New(engine.Config{})
	if _, err := s.AddPeer(engine.PeerSpec{ID: engine.MaxPeerID + 1}); err == nil {
		t.Error("a peer id above MaxPeerID was accepted")
	}
	if _, err := s.AddPeer(engine.PeerSpec{ID: engine.MaxPeerID}); err != nil {
		t.Errorf("the largest peer id: %v", err)
	}
	g, err := topology.FromEdges([]topology.Edge{{A: -1, B: 2}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = engine.New(engine.Config{}).AddGraph(g, func(id int) (engine.PeerSpec, error) { return engine.PeerSpec{ID: id}, nil })
	if err == nil || !strings.Contains(err.Error(), "topology node -1: peer ids must be between 0 and") {
		t.Errorf("node -1: %v", err)
	}
}
