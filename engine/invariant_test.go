package engine_test

import (
	"math"
	"strconv"
	"testing"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/scenario"
)

// checkBalance asserts the counter invariant of every kind and of the
// total: each message sent is delivered, unhandled, rejected, dropped or
// still in flight, and the drop reasons add up to the drops.
func checkBalance(t *testing.T, s *engine.Sim, when string) {
	t.Helper()
	check := func(name string, c engine.Counter, inFlight int64) {
		t.Helper()
		if got := c.Delivered + c.Unhandled + c.Rejected + c.Dropped + inFlight; got != c.Sent {
			t.Errorf("%s, kind %q: sent %d != delivered %d + unhandled %d + rejected %d + dropped %d + in flight %d = %d",
				when, name, c.Sent, c.Delivered, c.Unhandled, c.Rejected, c.Dropped, inFlight, got)
		}
		if r := c.DroppedOffline + c.DroppedLoss + c.DroppedPartition + c.DroppedDisconnected + c.DroppedFault; r != c.Dropped {
			t.Errorf("%s, kind %q: drop reasons add up to %d, dropped %d", when, name, r, c.Dropped)
		}
	}
	for _, k := range s.Kinds() {
		check(k, s.CounterOf(k), engine.InFlight(s, k))
	}
	check("(total)", s.Total(), engine.InFlight(s, ""))
}

// The invariant holds at any time of a busy run: S2 (crashing peers drop
// messages) with 1% loss and a partition added, so that every drop reason
// occurs; TestCounterInvariantDrained covers rejected and unhandled ones.
func TestCounterInvariantMidRun(t *testing.T) {
	s, _, err := scenario.S2(300, 7)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetLoss(0.01); err != nil {
		t.Fatal(err)
	}
	if err := s.Partition([]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, nil, 3000, 4000); err != nil {
		t.Fatal(err)
	}
	sawInFlight := false
	// 1001 and 5001 ms are just after the producer sends (every 200 ms from
	// 1000), so its messages are on the wire; pull traffic is sparse.
	for _, at := range []float64{500, 1001, 1500, 2500, 3500, 5001, 7500, scenario.Until} {
		if err := s.Run(at); err != nil {
			t.Fatal(err)
		}
		checkBalance(t, s, "S2 at "+strconv.FormatFloat(at, 'g', -1, 64)+" ms")
		sawInFlight = sawInFlight || engine.InFlight(s, "") > 0
	}
	c := s.Total()
	if c.DroppedOffline == 0 || c.DroppedLoss == 0 || c.DroppedPartition == 0 || c.Delivered == 0 {
		t.Errorf("expected deliveries and every drop reason: %+v", c)
	}
	if !sawInFlight {
		t.Error("no message was ever in flight at a check; the test checks nothing")
	}
}

// sink handles "tx" and, optionally, crashes its peer while handling the
// message numbered crashAt.
type sink struct {
	engine.Base
	n, crashAt int
}

func (k *sink) Name() string    { return "sink" }
func (k *sink) Kinds() []string { return []string{"tx"} }
func (k *sink) Handle(p *engine.Peer, d *engine.Delivery) error {
	k.n++
	if k.n == k.crashAt {
		return p.SetOnline(false)
	}
	return nil
}

// With a queue that drains, the invariant is exact: nothing is in flight.
// The cases cover rejection, unhandled kinds, loss, offline receivers and a
// peer that goes offline while handling a message or while validating one
// (which once counted that message both as delivered and as dropped).
func TestCounterInvariantDrained(t *testing.T) {
	cases := []struct {
		name           string
		crashAt        int     // sink crashes while handling message n (0: never)
		crashValidate  int     // validation crashes the peer at message n
		validateDelay  float64 // ms the validation step takes
		loss           float64
		offlineAt      float64 // the receiver goes offline then (0: never)
		wantDelivered  int64
		wantDroppedOff int64
	}{
		{name: "clean", wantDelivered: 100},
		{name: "rejects odd sizes", wantDelivered: 50},
		{name: "loss", loss: 0.5},
		{name: "receiver offline midway", offlineAt: 50.5},
		{name: "crash while handling", crashAt: 10, wantDelivered: 10, wantDroppedOff: 90},
		{name: "crash while validating", crashValidate: 10, wantDelivered: 9, wantDroppedOff: 91},
		{name: "crash while validating, slow", crashValidate: 10, validateDelay: 2, wantDelivered: 9, wantDroppedOff: 91},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := engine.New(engine.Config{Seed: 3, Network: constNet(t, 1)})
			k := &sink{crashAt: tc.crashAt}
			seen := 0
			validate := func(p *engine.Peer, d *engine.Delivery) (bool, float64, error) {
				seen++
				if seen == tc.crashValidate {
					return true, tc.validateDelay, p.SetOnline(false)
				}
				if tc.name == "rejects odd sizes" {
					return d.Msg.Size%2 == 0, tc.validateDelay, nil
				}
				return true, tc.validateDelay, nil
			}
			a := mustPeer(t, s, engine.PeerSpec{ID: 1})
			mustPeer(t, s, engine.PeerSpec{ID: 2, Download: 80 * engine.Kbps, Validate: validate, Services: []engine.Service{k}})
			if err := s.Connect(1, 2); err != nil {
				t.Fatal(err)
			}
			if err := s.SetLoss(tc.loss); err != nil {
				t.Fatal(err)
			}
			// 100 "tx" of 100..199 bytes in one burst (queued at the
			// receiver: 10 ms download each) and 10 of a kind nobody takes.
			for i := 0; i < 100; i++ {
				if err := a.Send(2, s.NewMessage("tx", "", 1, nil, 100+i, 0)); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < 10; i++ {
				if err := a.Send(2, s.NewMessage("other", "", 1, nil, 10, 0)); err != nil {
					t.Fatal(err)
				}
			}
			if tc.offlineAt > 0 {
				if err := s.Schedule(tc.offlineAt, func() error { return s.Peer(2).SetOnline(false) }); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Run(math.Inf(1)); err != nil {
				t.Fatal(err)
			}
			if s.Pending() != 0 || engine.InFlight(s, "") != 0 {
				t.Fatalf("queue not drained: %d pending, %d in flight", s.Pending(), engine.InFlight(s, ""))
			}
			checkBalance(t, s, "drained")
			c := s.CounterOf("tx")
			if tc.wantDelivered > 0 && c.Delivered != tc.wantDelivered {
				t.Errorf("delivered %d, want %d (%+v)", c.Delivered, tc.wantDelivered, c)
			}
			if tc.wantDroppedOff > 0 && c.DroppedOffline != tc.wantDroppedOff {
				t.Errorf("dropped offline %d, want %d (%+v)", c.DroppedOffline, tc.wantDroppedOff, c)
			}
			if int64(k.n) != c.Delivered {
				t.Errorf("the sink handled %d messages, the counters say %d delivered", k.n, c.Delivered)
			}
			switch tc.name {
			case "loss":
				if c.DroppedLoss == 0 || c.Delivered == 0 {
					t.Errorf("loss 0.5: %+v", c)
				}
			case "receiver offline midway":
				if c.Delivered == 0 || c.DroppedOffline == 0 {
					t.Errorf("offline midway: %+v", c)
				}
			}
		})
	}
}
