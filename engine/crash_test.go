package engine_test

import (
	"strings"
	"testing"

	"github.com/p2prepl/p2prepl/engine"
)

// every fires every 100 ms and records when, and whether its peer was up.
type every struct {
	engine.Base
	fired []float64
	down  int // firings while offline
}

func (e *every) Name() string { return "every" }
func (e *every) Start(p *engine.Peer) error {
	_, err := p.After(e, 100, 0)
	return err
}
func (e *every) Timer(p *engine.Peer, _ int64) error {
	e.fired = append(e.fired, p.Sim().Now())
	if !p.Online() {
		e.down++
	}
	_, err := p.After(e, 100, 0)
	return err
}

// A crashed peer does nothing: its timers stop, no validation step or
// handler runs for messages sent to it (they are dropped), it cannot come
// back, and a peer crashed before it started never starts.
func TestCrashStopsThePeer(t *testing.T) {
	s := engine.New(engine.Config{Network: constNet(t, 10)})
	tick, rec := &every{}, &recorder{kinds: []string{"tx"}}
	validated := 0
	validate := func(p *engine.Peer, d *engine.Delivery) (bool, float64, error) { validated++; return true, 0, nil }
	a := mustPeer(t, s, engine.PeerSpec{ID: 1})
	b := mustPeer(t, s, engine.PeerSpec{ID: 2, Validate: validate, Services: []engine.Service{tick, rec}})
	s.Connect(1, 2)
	for _, at := range []float64{50, 240, 300} {
		s.Schedule(at, func() error { return a.Send(2, s.NewMessage("tx", "", 1, nil, 10, 0)) })
	}
	s.Schedule(250, func() error { b.Crash(); return nil })
	if err := s.Run(1000); err != nil {
		t.Fatal(err)
	}
	if got := tick.fired; len(got) != 2 || got[0] != 100 || got[1] != 200 {
		t.Errorf("timers fired at %v, want [100 200] (none after the crash at 250)", got)
	}
	// the messages sent at 50 and 240 arrive at 55 and 245, before the
	// crash; the one sent at 300 reaches a crashed peer
	if len(rec.got) != 2 || validated != 2 {
		t.Errorf("handled %d, validated %d messages; want 2 each (those before the crash)", len(rec.got), validated)
	}
	if c := s.CounterOf("tx"); c.Delivered != 2 || c.DroppedOffline != 1 {
		t.Errorf("counters %+v", c)
	}
	if !b.Crashed() || b.Online() {
		t.Errorf("crashed %v online %v", b.Crashed(), b.Online())
	}
	if err := b.SetOnline(true); err == nil || !strings.Contains(err.Error(), "never comes back") {
		t.Errorf("bringing a crashed peer up: %v", err)
	}
	b.Crash() // again: nothing

	late := &every{}
	c := mustPeer(t, s, engine.PeerSpec{ID: 3, Services: []engine.Service{late}})
	c.Crash()
	if err := s.Run(2000); err != nil || len(late.fired) != 0 {
		t.Errorf("a peer crashed before its start: %v, fired %v", err, late.fired)
	}
}

// crasher crashes its peer while handling a message.
type crasher struct{ engine.Base }

func (crasher) Name() string    { return "crasher" }
func (crasher) Kinds() []string { return []string{"tx"} }
func (crasher) Handle(p *engine.Peer, d *engine.Delivery) error {
	p.Crash()
	return nil
}

// A peer that crashes while one of its services handles a message does not
// hand that message to its other services, nor process its inbound queue.
func TestCrashWhileHandling(t *testing.T) {
	s := engine.New(engine.Config{Network: constNet(t, 10)})
	rec := &recorder{kinds: []string{"tx"}}
	a := mustPeer(t, s, engine.PeerSpec{ID: 1})
	mustPeer(t, s, engine.PeerSpec{ID: 2, Download: 8 * engine.Kbps, Services: []engine.Service{crasher{}, rec}})
	s.Connect(1, 2)
	for i := 0; i < 3; i++ {
		a.Send(2, s.NewMessage("tx", "", 1, nil, 100, 0))
	}
	if err := s.Run(1000); err != nil {
		t.Fatal(err)
	}
	c := s.CounterOf("tx")
	if len(rec.got) != 0 || c.Delivered != 1 || c.DroppedOffline != 2 {
		t.Errorf("second service got %d; counters %+v", len(rec.got), c)
	}
}

// An offline peer (downtime) is cut off, not stopped: its timers keep
// firing, but no message reaches a handler while it is offline.
func TestOfflineTimersRunHandlersDoNot(t *testing.T) {
	s := engine.New(engine.Config{Network: constNet(t, 10)})
	tick, rec := &every{}, &recorder{kinds: []string{"tx"}}
	a := mustPeer(t, s, engine.PeerSpec{ID: 1})
	b := mustPeer(t, s, engine.PeerSpec{ID: 2, Services: []engine.Service{tick, rec}})
	s.Connect(1, 2)
	s.Schedule(150, func() error { return b.SetOnline(false) })
	s.Schedule(200, func() error { return a.Send(2, s.NewMessage("tx", "", 1, nil, 10, 0)) })
	s.Schedule(450, func() error { return b.SetOnline(true) })
	s.Schedule(500, func() error { return a.Send(2, s.NewMessage("tx", "", 1, nil, 10, 0)) })
	if err := s.Run(600); err != nil {
		t.Fatal(err)
	}
	if len(tick.fired) != 5 || tick.down != 3 { // 100 .. 500: Run(600) leaves the events at 600
		t.Errorf("timer fired %v, %d times offline; want every 100 ms, 3 while offline", tick.fired, tick.down)
	}
	if len(rec.got) != 1 || rec.got[0].t != 505 {
		t.Errorf("handled %v, want only the message that arrived at 505", rec.got)
	}
}

// A send to a peer the sender was connected to earlier is a counted drop
// (a connection manager may drop a silent peer at any time); with
// StrictLinks it is an error. A send to a peer never connected is an error.
func TestSendAfterDisconnect(t *testing.T) {
	for _, strict := range []bool{false, true} {
		s := engine.New(engine.Config{StrictLinks: strict})
		a := mustPeer(t, s, engine.PeerSpec{ID: 1})
		mustPeer(t, s, engine.PeerSpec{ID: 2})
		mustPeer(t, s, engine.PeerSpec{ID: 3})
		s.Connect(1, 2)
		s.Disconnect(2, 1)
		err := a.Send(2, s.NewMessage("tx", "", 1, nil, 10, 0))
		c := s.CounterOf("tx")
		if strict {
			if err == nil || !strings.Contains(err.Error(), "closed during the run") || c.Sent != 0 {
				t.Errorf("strict: %v, %+v", err, c)
			}
		} else if err != nil || c.Sent != 1 || c.Dropped != 1 || c.DroppedDisconnected != 1 || c.DroppedBytes != 10 || s.Total().DroppedDisconnected != 1 {
			t.Errorf("send after disconnect: %v, %+v", err, c)
		}
		if err := a.Send(3, s.NewMessage("tx", "", 1, nil, 10, 0)); err == nil || !strings.Contains(err.Error(), "not connected") {
			t.Errorf("send to a peer never connected: %v", err)
		}
	}
}
