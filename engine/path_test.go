package engine_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/p2prepl/p2prepl/engine"
)

// A line 1 - 2 - 3 - 4 (and 2 - 5): each peer forwards the "m" it gets to
// its other neighbours, and 3 also sends a fresh copy of what it got. The
// recorded path of each copy lists who sent or forwarded it, in order;
// a fresh send starts a new path at its sender, whoever created the
// message; a kind whose paths are not recorded has none.
func TestPathRecord(t *testing.T) {
	s := engine.New(engine.Config{Network: constNet(t, 10)})
	if err := s.RecordPaths("m"); err != nil {
		t.Fatal(err)
	}
	paths := map[string][]string{}
	r := &relay{}
	r.fn = func(p *engine.Peer, d *engine.Delivery) error {
		key := fmt.Sprint(p.ID())
		paths[key] = append(paths[key], fmt.Sprint(s.Path(d)))
		if p.ID() == 3 && d.Hops == 2 {
			if err := p.Send(4, d.Msg); err != nil { // a fresh send of someone else's message
				return err
			}
		}
		_, err := p.ForwardGossip(d, -1, engine.Exclude{Peer: engine.NoPeer})
		return err
	}
	for id := 1; id <= 5; id++ {
		mustPeer(t, s, engine.PeerSpec{ID: id, Services: []engine.Service{r}})
	}
	for _, e := range [][2]int{{1, 2}, {2, 3}, {3, 4}, {2, 5}} {
		s.Connect(e[0], e[1])
	}
	a := s.Peer(1)
	if err := a.Send(2, s.NewMessage("m", "", 1, nil, 10, engine.Unlimited)); err != nil {
		t.Fatal(err)
	}
	if err := s.Run(1000); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"2": {"[1]"},
		"3": {"[1 2]"},
		"5": {"[1 2]"},
		"4": {"[3]", "[1 2 3]"},
	}
	if fmt.Sprint(paths) != fmt.Sprint(want) {
		t.Errorf("paths %v, want %v", paths, want)
	}
	if !s.RecordsPaths("m") || s.RecordsPaths("other") {
		t.Error("RecordsPaths")
	}

	// Not recorded: nil. Too late to record a kind already sent.
	rec := &recorder{kinds: []string{"x"}}
	var got [][]int
	s2 := engine.New(engine.Config{})
	b := mustPeer(t, s2, engine.PeerSpec{ID: 1})
	mustPeer(t, s2, engine.PeerSpec{ID: 2, Services: []engine.Service{&pathReader{rec, &got}}})
	s2.Connect(1, 2)
	b.Send(2, s2.NewMessage("x", "", 1, nil, 10, 0))
	s2.Run(10)
	if len(got) != 1 || got[0] != nil {
		t.Errorf("path of an unrecorded kind: %v", got)
	}
	if err := s2.RecordPaths("x"); err == nil || !strings.Contains(err.Error(), "before its first message") {
		t.Errorf("RecordPaths after a send: %v", err)
	}
}

type pathReader struct {
	*recorder
	paths *[][]int
}

func (r *pathReader) Handle(p *engine.Peer, d *engine.Delivery) error {
	*r.paths = append(*r.paths, p.Sim().Path(d))
	return r.recorder.Handle(p, d)
}

// Recording paths changes nothing the history or trace sees: every receipt
// and drop still links to its send.
func TestHistoryWithPaths(t *testing.T) {
	lines := func(s *engine.Sim) []string {
		h := s.History()
		var out []string
		for i := 0; i < h.Len(); i++ {
			e := h.At(i)
			out = append(out, fmt.Sprintf("%g %s %d %d %d %s", e.T, e.Kind, e.Peer, e.Other, e.Send, e.Reason))
		}
		return out
	}
	plain := lines(scheduleRun(t, (*engine.Sim).KeepHistory))
	withPaths := lines(scheduleRun(t, func(s *engine.Sim) {
		s.KeepHistory()
		if err := s.RecordPaths("tx"); err != nil {
			t.Fatal(err)
		}
	}))
	if !slices.Equal(plain, withPaths) {
		t.Errorf("history with paths:\n%s\nwithout:\n%s", strings.Join(withPaths, "\n"), strings.Join(plain, "\n"))
	}
}

// Forwarding a message whose path is recorded allocates nothing per hop
// in steady state (the records share one growing slab); a kind whose path
// is not recorded allocates nothing at all (TestNotObservingAllocatesNothing).
func TestPathRecordAllocations(t *testing.T) {
	s := engine.New(engine.Config{Seed: 1, Network: constNet(t, 10)})
	s.RecordPaths("b")
	a := mustPeer(t, s, engine.PeerSpec{ID: 1, Services: []engine.Service{&bouncer{}}})
	mustPeer(t, s, engine.PeerSpec{ID: 2, Services: []engine.Service{&bouncer{}}})
	s.Connect(1, 2)
	if err := a.Send(2, s.NewMessage("b", "x", 1, nil, 10, engine.Unlimited)); err != nil {
		t.Fatal(err)
	}
	s.Run(1000)
	allocs := testing.AllocsPerRun(50, func() {
		if err := s.Run(s.Now() + 100); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0.5 {
		t.Errorf("%v allocations per 10 recorded hops", allocs)
	}
}
