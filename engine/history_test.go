package engine_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/shiviz"
)

// marker marks its peer when it accepts a message.
type marker struct{ engine.Base }

func (marker) Name() string    { return "marker" }
func (marker) Kinds() []string { return []string{"tx"} }
func (marker) Handle(p *engine.Peer, d *engine.Delivery) error {
	p.Mark("got " + d.Msg.ID)
	return nil
}

// scheduleRun builds four peers on a 10 ms round trip and runs a schedule
// with one of each kind of history entry:
//
//	t=0   1 -> 2 m1 delivered at 5 (2 marks "got m1")
//	t=0   1 -> 3 lost (link loss 1)
//	t=0   1 -> 4 arrives at 5 while 4 is offline (2..20)
//	t=10  4 -> 1 while 4 is offline: dropped at the sender
//	t=35  1 -> 2 across a partition {1} | rest during [30, 40)
//	t=50  2 -> 1 untracked "ping", unhandled by 1
func scheduleRun(t *testing.T, observe func(s *engine.Sim)) *engine.Sim {
	t.Helper()
	s := engine.New(engine.Config{Seed: 1, Network: constNet(t, 10)})
	observe(s)
	var ps [5]*engine.Peer
	for id := 1; id <= 4; id++ {
		ps[id] = mustPeer(t, s, engine.PeerSpec{ID: id, Type: "peer", Services: []engine.Service{marker{}}})
	}
	for _, e := range [][2]int{{1, 2}, {1, 3}, {1, 4}} {
		if err := s.Connect(e[0], e[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetLinkLoss(1, 3, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Partition([]int{1}, nil, 30, 40); err != nil {
		t.Fatal(err)
	}
	at := func(when float64, f func() error) {
		if err := s.Schedule(when, f); err != nil {
			t.Fatal(err)
		}
	}
	send := func(from, to int, id string) func() error {
		return func() error { return ps[from].Send(to, s.NewMessage("tx", id, from, nil, 10, 0)) }
	}
	at(0, send(1, 2, "m1"))
	at(0, send(1, 3, "m2"))
	at(0, send(1, 4, "m3"))
	at(2, func() error { return ps[4].SetOnline(false) })
	at(10, send(4, 1, "m4"))
	at(20, func() error { return ps[4].SetOnline(true) })
	at(35, send(1, 2, "m5"))
	at(50, func() error { return ps[2].Send(1, s.Signal("ping", 20)) })
	if err := s.Run(100); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestHistory(t *testing.T) {
	s := scheduleRun(t, (*engine.Sim).KeepHistory)
	h := s.History()
	var got []string
	for i := 0; i < h.Len(); i++ {
		e := h.At(i)
		line := fmt.Sprintf("%g %s %d", e.T, e.Kind, e.Peer)
		if e.Msg != nil {
			line += fmt.Sprintf(" %s%s other=%d hops=%d", e.Msg.Kind, e.Msg.ID, e.Other, e.Hops)
		}
		if e.Kind != engine.EntrySent && e.Msg != nil {
			line += fmt.Sprintf(" send=%d", e.Send)
			if e.Send >= 0 {
				se := h.At(int(e.Send))
				if se.Kind != engine.EntrySent || se.Msg != e.Msg {
					t.Errorf("entry %d links to entry %d, which is not its send: %+v", i, e.Send, *se)
				}
			}
		}
		if e.Reason != engine.DropNone {
			line += " (" + e.Reason.String() + ")"
		}
		if e.Kind == engine.EntryMark {
			line += " " + h.Label(e)
		}
		got = append(got, line)
	}
	want := []string{
		"0 sent 1 txm1 other=2 hops=1",
		"0 sent 1 txm2 other=3 hops=1",
		"0 dropped 1 txm2 other=3 hops=1 send=1 (loss)",
		"0 sent 1 txm3 other=4 hops=1",
		"2 offline 4",
		"5 dropped 4 txm3 other=1 hops=1 send=3 (offline)",
		"5 delivered 2 txm1 other=1 hops=1 send=0",
		"5 mark 2 got m1",
		"10 sent 4 txm4 other=1 hops=1",
		"10 dropped 4 txm4 other=1 hops=1 send=8 (sender offline)",
		"20 online 4",
		"35 sent 1 txm5 other=2 hops=1",
		"35 dropped 1 txm5 other=2 hops=1 send=11 (partition)",
		"50 sent 2 ping other=1 hops=1",
		"55 unhandled 1 ping other=2 hops=1 send=13",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	pts := s.Partitions()
	if len(pts) != 1 || pts[0].From != 30 || pts[0].Until != 40 || fmt.Sprint(pts[0].A) != "[1]" || len(pts[0].B) != 0 {
		t.Errorf("partitions: %+v", pts)
	}
}

// Without a trace or a history, a message delivered and answered
// allocates nothing, and Mark does nothing.
func TestNotObservingAllocatesNothing(t *testing.T) {
	s := engine.New(engine.Config{Seed: 1, Network: constNet(t, 10)})
	a := mustPeer(t, s, engine.PeerSpec{ID: 1, Services: []engine.Service{&bouncer{}}})
	mustPeer(t, s, engine.PeerSpec{ID: 2, Services: []engine.Service{&bouncer{}}})
	s.Connect(1, 2)
	if err := a.Send(2, s.NewMessage("b", "x", 1, nil, 10, engine.Unlimited)); err != nil {
		t.Fatal(err)
	}
	s.Run(1000) // warm up: the queue and inboxes reach their size
	allocs := testing.AllocsPerRun(20, func() {
		if err := s.Run(s.Now() + 100); err != nil {
			t.Fatal(err)
		}
		a.Mark("ignored")
	})
	if allocs != 0 {
		t.Errorf("%v allocations per 10 deliveries without observing", allocs)
	}
	if s.History() != nil {
		t.Error("a history without KeepHistory")
	}
}

// bouncer sends every message back where it came from.
type bouncer struct{ engine.Base }

func (*bouncer) Name() string    { return "bouncer" }
func (*bouncer) Kinds() []string { return []string{"b"} }
func (*bouncer) Handle(p *engine.Peer, d *engine.Delivery) error {
	return p.Forward(d.From, d)
}

// The ShiViz trace of a run is what converting its JSON Lines trace gives,
// it passes ShiViz's checks, and each receipt's clock dominates its send's.
func TestShiVizTrace(t *testing.T) {
	var jsonl, live bytes.Buffer
	s := scheduleRun(t, func(s *engine.Sim) { s.SetTrace(&jsonl) })
	if err := s.FlushTrace(); err != nil {
		t.Fatal(err)
	}
	s = scheduleRun(t, func(s *engine.Sim) { s.SetTraceOptions(&live, engine.TraceOptions{Format: engine.TraceShiViz}) })
	if err := s.FlushTrace(); err != nil {
		t.Fatal(err)
	}
	var conv bytes.Buffer
	if err := shiviz.Convert(bytes.NewReader(jsonl.Bytes()), &conv); err != nil {
		t.Fatal(err)
	}
	if conv.String() != live.String() {
		t.Fatalf("converted JSON Lines trace:\n%s\nlive ShiViz trace:\n%s", conv.String(), live.String())
	}
	evs, err := shiviz.Parse(bytes.NewReader(live.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := shiviz.Check(evs); err != nil {
		t.Fatalf("%v\n%s", err, live.String())
	}
	// 6 sends, 2 receipts, 4 drops, 2 state changes, 1 mark.
	if len(evs) != 15 {
		t.Errorf("%d events, want 15:\n%s", len(evs), live.String())
	}
	sends := map[string]map[string]uint64{}
	receipts := 0
	for _, e := range evs {
		seq := ""
		if i := strings.LastIndex(e.Text, "seq="); i >= 0 {
			seq = e.Text[i:]
		}
		switch {
		case strings.HasPrefix(e.Text, "send "):
			sends[seq] = e.Clock
		case strings.HasPrefix(e.Text, "deliver "), strings.HasPrefix(e.Text, "unhandled "):
			receipts++
			sc, ok := sends[seq]
			if !ok {
				t.Fatalf("line %d: a receipt before its send: %s", e.Line, e.Text)
			}
			if !shiviz.Dominates(e.Clock, sc) || e.Clock[e.Host] <= sc[e.Host] {
				t.Errorf("line %d: receipt clock %v does not dominate its send's %v", e.Line, e.Clock, sc)
			}
		}
	}
	if receipts != 2 {
		t.Errorf("%d receipts, want 2", receipts)
	}
	// The JSON Lines trace carries the same clocks, keyed by peer id.
	if !strings.Contains(jsonl.String(), `"ev":"unhandled","kind":"ping","from":2,"to":1,"size":20,"hops":1,"seq":6,"vc":{"1":7,"2":3}`) {
		t.Errorf("JSON Lines trace lacks the clock of the last receipt:\n%s", jsonl.String())
	}
}

// A JSON Lines trace of a simulation larger than ClockPeers has no clocks
// (they would outweigh the rest of the trace), but keeps its seq numbers.
func TestTraceClockPeers(t *testing.T) {
	for _, tc := range []struct {
		limit int
		vc    bool
	}{{0, true}, {4, true}, {3, false}, {-1, false}} {
		var b bytes.Buffer
		scheduleRun(t, func(s *engine.Sim) { s.SetTraceOptions(&b, engine.TraceOptions{ClockPeers: tc.limit}) }).FlushTrace()
		if got := strings.Contains(b.String(), `"vc":`); got != tc.vc {
			t.Errorf("ClockPeers %d with 4 peers: clocks %v, want %v", tc.limit, got, tc.vc)
		}
		if !strings.Contains(b.String(), `"seq":6`) {
			t.Errorf("ClockPeers %d: no seq numbers", tc.limit)
		}
	}
}

// Observing numbers each copy in Delivery without growing it: inboxes
// copy Deliveries by value.
func TestDeliverySize(t *testing.T) {
	if n := unsafe.Sizeof(engine.Delivery{}); n != 48 {
		t.Errorf("Delivery is %d bytes, want 48", n)
	}
}
