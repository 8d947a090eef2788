package engine_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/dist"
)

// recorder is a test service that remembers what it received and when.
type recorder struct {
	engine.Base
	kinds []string
	got   []got
	fail  error
}

type got struct {
	t     float64
	id    string
	from  int
	hops  int
	first bool
}

func (r *recorder) Name() string    { return "recorder" }
func (r *recorder) Kinds() []string { return r.kinds }
func (r *recorder) Handle(p *engine.Peer, d *engine.Delivery) error {
	r.got = append(r.got, got{p.Sim().Now(), d.Msg.ID, d.From, d.Hops, d.First})
	return r.fail
}

func constNet(t *testing.T, rtt float64) *engine.Network {
	t.Helper()
	n, err := engine.NewNetwork([]string{"eu"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.SetLatency("eu", "eu", dist.Constant(rtt)); err != nil {
		t.Fatal(err)
	}
	return n
}

func mustPeer(t *testing.T, s *engine.Sim, spec engine.PeerSpec) *engine.Peer {
	t.Helper()
	p, err := s.AddPeer(spec)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A burst of three 100-byte messages over an 8 kbit/s uplink (100 ms each)
// with a 10 ms round trip (5 ms one way) into a 4 kbit/s downlink (200 ms
// each) and a 10 ms validation step: the uplink queues the burst and the
// receiver processes one message at a time.
func TestExactDeliveryTimes(t *testing.T) {
	s := engine.New(engine.Config{Seed: 1, Network: constNet(t, 10)})
	rec := &recorder{kinds: []string{"tx"}}
	a := mustPeer(t, s, engine.PeerSpec{ID: 1, Type: "peer", Upload: 8 * engine.Kbps})
	validate := func(p *engine.Peer, d *engine.Delivery) (bool, float64, error) { return true, 10, nil }
	mustPeer(t, s, engine.PeerSpec{ID: 2, Type: "peer", Download: 4 * engine.Kbps, Validate: validate, Services: []engine.Service{rec}})
	if err := s.Connect(1, 2); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		m := s.NewMessage("tx", string(rune('a'+i)), 1, nil, 100, 0)
		if err := a.Send(2, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Run(10000); err != nil {
		t.Fatal(err)
	}
	// arrivals 105, 205, 305; processing 105-305-315, 315-515-525, 525-725-735
	want := []float64{315, 525, 735}
	if len(rec.got) != 3 {
		t.Fatalf("got %d deliveries, want 3", len(rec.got))
	}
	for i, g := range rec.got {
		if g.t != want[i] {
			t.Errorf("message %d delivered at %g, want %g", i, g.t, want[i])
		}
	}
	c := s.CounterOf("tx")
	if c.Sent != 3 || c.Delivered != 3 || c.SentBytes != 300 {
		t.Errorf("counters %+v", c)
	}
	if s.Now() != 10000 {
		t.Errorf("clock %g after Run(10000)", s.Now())
	}
}

func TestRejectedAndUnhandled(t *testing.T) {
	s := engine.New(engine.Config{Seed: 1})
	rec := &recorder{kinds: []string{"tx"}}
	a := mustPeer(t, s, engine.PeerSpec{ID: 1})
	reject := func(p *engine.Peer, d *engine.Delivery) (bool, float64, error) {
		return d.Msg.Data.(int) >= 0, 0, nil
	}
	mustPeer(t, s, engine.PeerSpec{ID: 2, Validate: reject, Services: []engine.Service{rec}})
	s.Connect(1, 2)
	a.Send(2, s.NewMessage("tx", "", 1, -5, 50, 0))
	a.Send(2, s.NewMessage("tx", "", 1, 5, 50, 0))
	a.Send(2, s.NewMessage("other", "", 1, 5, 50, 0))
	if err := s.Run(100); err != nil {
		t.Fatal(err)
	}
	if c := s.CounterOf("tx"); c.Rejected != 1 || c.Delivered != 1 {
		t.Errorf("tx counters %+v", c)
	}
	if c := s.CounterOf("other"); c.Unhandled != 1 || c.Delivered != 0 {
		t.Errorf("other counters %+v", c)
	}

	strict := engine.New(engine.Config{Seed: 1, StrictKinds: true})
	a = mustPeer(t, strict, engine.PeerSpec{ID: 1})
	mustPeer(t, strict, engine.PeerSpec{ID: 2, Type: "client"})
	strict.Connect(1, 2)
	a.Send(2, strict.NewMessage("gossip", "", 1, nil, 50, 0))
	err := strict.Run(100)
	var re *engine.RunError
	if !errors.As(err, &re) || re.Peer != 2 || !strings.Contains(err.Error(), `handles message kind "gossip"`) {
		t.Fatalf("strict kinds: got %v", err)
	}
}

func TestSendNeedsConnection(t *testing.T) {
	s := engine.New(engine.Config{})
	a := mustPeer(t, s, engine.PeerSpec{ID: 1})
	mustPeer(t, s, engine.PeerSpec{ID: 2})
	err := a.Send(2, s.NewMessage("tx", "", 1, nil, 10, 0))
	if err == nil || !strings.Contains(err.Error(), "not connected") {
		t.Fatalf("send without connection: %v", err)
	}
	if err := a.Send(9, s.NewMessage("tx", "", 1, nil, 10, 0)); err == nil || !strings.Contains(err.Error(), "no peer 9") {
		t.Fatalf("send to missing peer: %v", err)
	}
}

func TestHandlerErrorStopsRunWithTimeAndPeer(t *testing.T) {
	s := engine.New(engine.Config{Network: constNet(t, 20)})
	rec := &recorder{kinds: []string{"tx"}, fail: errors.New("boom")}
	a := mustPeer(t, s, engine.PeerSpec{ID: 1})
	mustPeer(t, s, engine.PeerSpec{ID: 2, Services: []engine.Service{rec}})
	s.Connect(1, 2)
	a.Send(2, s.NewMessage("tx", "", 1, nil, 10, 0))
	err := s.Run(100)
	var re *engine.RunError
	if !errors.As(err, &re) || re.T != 10 || re.Peer != 2 || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("got %v", err)
	}
	if s.Now() != 10 {
		t.Errorf("clock after failed run %g, want 10", s.Now())
	}
}

func TestOfflineDropsAndLoss(t *testing.T) {
	s := engine.New(engine.Config{Seed: 3, Network: constNet(t, 10)})
	rec := &recorder{kinds: []string{"tx"}}
	a := mustPeer(t, s, engine.PeerSpec{ID: 1})
	b := mustPeer(t, s, engine.PeerSpec{ID: 2, Services: []engine.Service{rec}})
	s.Connect(1, 2)
	b.SetOnline(false)
	a.Send(2, s.NewMessage("tx", "x", 1, nil, 10, 0))
	s.Run(50)
	b.SetOnline(true)
	a.SetOnline(false)
	a.Send(2, s.NewMessage("tx", "y", 1, nil, 10, 0))
	s.Run(100)
	c := s.CounterOf("tx")
	if c.Dropped != 2 || c.DroppedOffline != 2 || len(rec.got) != 0 {
		t.Fatalf("offline: %+v, got %v", c, rec.got)
	}
	a.SetOnline(true)
	if err := s.SetLoss(0.3); err != nil {
		t.Fatal(err)
	}
	const n = 20000
	for i := 0; i < n; i++ {
		a.Send(2, s.NewMessage("loss", "", 1, nil, 0, 0))
	}
	s.Run(1000)
	lc := s.CounterOf("loss")
	frac := float64(lc.DroppedLoss) / n
	// binomial: sd = sqrt(.3*.7/20000) = 0.0032
	if math.Abs(frac-0.3) > 0.015 {
		t.Errorf("loss fraction %g, want 0.3", frac)
	}
	if lc.Sent != n || lc.Unhandled+lc.Dropped != n {
		t.Errorf("accounting: %+v", lc)
	}
}

func TestPartitionWindow(t *testing.T) {
	s := engine.New(engine.Config{Network: constNet(t, 0)})
	rec := &recorder{kinds: []string{"tx"}}
	a := mustPeer(t, s, engine.PeerSpec{ID: 1})
	mustPeer(t, s, engine.PeerSpec{ID: 2, Services: []engine.Service{rec}})
	s.Connect(1, 2)
	if err := s.Partition([]int{1}, nil, 100, 200); err != nil {
		t.Fatal(err)
	}
	for _, at := range []float64{50, 150, 250} {
		s.Run(at)
		a.Send(2, s.NewMessage("tx", "", 1, nil, 10, 0))
	}
	s.Run(1000)
	if c := s.CounterOf("tx"); c.Delivered != 2 || c.DroppedPartition != 1 {
		t.Fatalf("partition: %+v", c)
	}
}

type ticker struct {
	engine.Base
	fired []float64
	id    engine.TimerID
}

func (k *ticker) Name() string { return "ticker" }
func (k *ticker) Start(p *engine.Peer) error {
	p.After(k, 10, 1)
	k.id, _ = p.After(k, 20, 2)
	return nil
}
func (k *ticker) Timer(p *engine.Peer, tag int64) error {
	k.fired = append(k.fired, p.Sim().Now())
	if tag == 1 {
		p.Sim().Cancel(k.id)
	}
	return nil
}

func TestTimersCancelAndInterrupt(t *testing.T) {
	s := engine.New(engine.Config{})
	k := &ticker{}
	mustPeer(t, s, engine.PeerSpec{ID: 1, Services: []engine.Service{k}})
	s.Run(100)
	if len(k.fired) != 1 || k.fired[0] != 10 {
		t.Fatalf("fired %v, want [10]", k.fired)
	}
	// An interrupt (as from another goroutine) stops the run before the
	// next event; the simulation is consistent and resumable.
	for i := 0; i < 5; i++ {
		i := i
		s.Schedule(200+float64(i), func() error {
			if i == 2 {
				s.Interrupt()
			}
			return nil
		})
	}
	if err := s.Run(1000); !errors.Is(err, engine.ErrInterrupted) {
		t.Fatalf("want ErrInterrupted, got %v", err)
	}
	if s.Now() != 202 || s.Pending() != 2 {
		t.Fatalf("after interrupt now=%g pending=%d", s.Now(), s.Pending())
	}
	if err := s.Run(1000); err != nil || s.Pending() != 0 || s.Now() != 1000 {
		t.Fatalf("resume: %v now=%g pending=%d", err, s.Now(), s.Pending())
	}
}

// Run(until) processes the events before until and leaves those at
// exactly until for the next call, as SimPy's run(until) does; the clock
// then reads until. Splitting a run at an event's time neither skips nor
// repeats it.
func TestRunUntilBoundary(t *testing.T) {
	s := engine.New(engine.Config{})
	var ran []string
	record := func(name string) func() error {
		return func() error { ran = append(ran, name); return nil }
	}
	for _, e := range []struct {
		t    float64
		name string
	}{{100, "a"}, {100, "b"}, {200, "c"}, {300, "d"}} {
		if err := s.Schedule(e.t, record(e.name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []struct {
		until   float64
		ran     string
		now     float64
		pending int
	}{
		{100, "", 100, 4},   // the events at 100 wait
		{100, "", 100, 4},   // until == now: nothing to do
		{200, "ab", 200, 2}, // both at 100, in the order scheduled; not c at 200
		{math.Nextafter(200, math.Inf(1)), "abc", math.Nextafter(200, math.Inf(1)), 1},
		{math.Inf(1), "abcd", 300, 0}, // +Inf drains the queue; the clock stays at the last event
	} {
		if err := s.Run(step.until); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(ran, ""); got != step.ran || s.Now() != step.now || s.Pending() != step.pending {
			t.Errorf("after Run(%v): ran %q, now %v, pending %d; want %q, %v, %d", step.until, got, s.Now(), s.Pending(), step.ran, step.now, step.pending)
		}
	}

	// A tick every 200 ms from 0: five in Run(1000) (0..800), the one at
	// 1000 in the next call, and the same ticks however the run is split.
	for _, splits := range [][]float64{{1000, 2000}, {200, 400, 1000, 1000, 1999, 2000}, {2000}} {
		s := engine.New(engine.Config{})
		var ticks []float64
		var tick func() error
		tick = func() error {
			ticks = append(ticks, s.Now())
			return s.Schedule(s.Now()+200, tick)
		}
		if err := s.Schedule(0, tick); err != nil {
			t.Fatal(err)
		}
		for _, until := range splits {
			if err := s.Run(until); err != nil {
				t.Fatal(err)
			}
			if until == 1000 && len(ticks) != 5 {
				t.Errorf("splits %v: %d ticks by Run(1000), want 5", splits, len(ticks))
			}
		}
		want := []float64{0, 200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800}
		if len(ticks) != len(want) {
			t.Errorf("splits %v: ticks %v, want %v", splits, ticks, want)
			continue
		}
		for i := range want {
			if ticks[i] != want[i] {
				t.Errorf("splits %v: ticks %v, want %v", splits, ticks, want)
				break
			}
		}
	}
}

func TestEventLimit(t *testing.T) {
	s := engine.New(engine.Config{MaxEvents: 10})
	for i := 0; i < 20; i++ {
		s.Schedule(float64(i), func() error { return nil })
	}
	if err := s.Run(100); !errors.Is(err, engine.ErrEventLimit) {
		t.Fatalf("want event limit, got %v", err)
	}
}

func TestTrace(t *testing.T) {
	var b strings.Builder
	s := engine.New(engine.Config{Network: constNet(t, 4)})
	s.SetTrace(&b)
	rec := &recorder{kinds: []string{"tx"}}
	a := mustPeer(t, s, engine.PeerSpec{ID: 1})
	mustPeer(t, s, engine.PeerSpec{ID: 2, Services: []engine.Service{rec}})
	s.Connect(1, 2)
	a.Send(2, s.NewMessage("tx", "m1", 1, nil, 10, 0))
	s.Run(10)
	if err := s.FlushTrace(); err != nil {
		t.Fatal(err)
	}
	want := `{"t":0,"ev":"connect","a":1,"b":2}
{"t":0,"ev":"send","kind":"tx","id":"m1","version":0,"from":1,"to":2,"size":10,"hops":1,"seq":1,"vc":{"1":1}}
{"t":2,"ev":"deliver","kind":"tx","id":"m1","version":0,"from":1,"to":2,"size":10,"hops":1,"seq":1,"vc":{"1":1,"2":1}}
`
	if b.String() != want {
		t.Fatalf("trace:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestSignalIsShared(t *testing.T) {
	s := engine.New(engine.Config{})
	a, b := s.Signal("ping", 20), s.Signal("ping", 20)
	if a != b || a.Origin != engine.NoPeer || a.ID != "" || a.Size != 20 {
		t.Fatalf("Signal: %p %p %+v", a, b, *a)
	}
	if c := s.Signal("ping", 40); c == a || c.Size != 40 {
		t.Fatalf("Signal with another size shares: %+v", *c)
	}
}

func TestMarkSets(t *testing.T) {
	s := engine.New(engine.Config{})
	a := s.NewMessage("gossip", "a", 1, nil, 10, 0)
	a2 := s.NewMessage("gossip", "a", 1, nil, 10, 0) // another version of a
	b := s.NewMessage("gossip", "b", 1, nil, 10, 0)
	plain := s.NewMessage("ping", "", 1, nil, 10, 0)
	set := s.NewMark()
	a.Mark(set)
	plain.Mark(set)
	if !a.Marked(set) || !a2.Marked(set) || b.Marked(set) || plain.Marked(set) {
		t.Fatalf("marks: a=%v a2=%v b=%v plain=%v", a.Marked(set), a2.Marked(set), b.Marked(set), plain.Marked(set))
	}
	if next := s.NewMark(); a.Marked(next) {
		t.Fatal("a new set must start empty")
	}
}
