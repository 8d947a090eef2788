package services_test

import (
	"math"
	"testing"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/services"
)

// uptime measures how long its peer is online within [from, until].
type uptime struct {
	engine.Base
	from, until float64
	since       float64 // when the peer last came up
	up          float64
}

func (u *uptime) Name() string { return "uptime" }
func (u *uptime) Start(p *engine.Peer) error {
	u.since = p.Sim().Now()
	return nil
}
func (u *uptime) Offline(p *engine.Peer) error {
	u.add(u.since, p.Sim().Now())
	return nil
}
func (u *uptime) Online(p *engine.Peer) error {
	u.since = p.Sim().Now()
	return nil
}
func (u *uptime) add(a, b float64) {
	a, b = max(a, u.from), min(b, u.until)
	if b > a {
		u.up += b - a
	}
}

// foldedMean is E|X| for X ~ N(mu, sigma).
func foldedMean(mu, sigma float64) float64 {
	return sigma*math.Sqrt(2/math.Pi)*math.Exp(-mu*mu/(2*sigma*sigma)) + mu*(1-math.Erfc(mu/(sigma*math.Sqrt2)))
}

// RandomDowntime alternates |N(600, 200)| ms up and |N(400, 150)| ms down
// (p2psimpy's names). By renewal-reward, the long-run fraction of time
// online is E|up| / (E|up| + E|down|) = 600.15 / (600.15 + 400.35) =
// 0.5999. Swapped (p2psimpy's own order) is up for the down draws and
// down for the up draws: online 0.4001 of the time.
//
// Tolerance 0.005: 400 peers over [10 s, 300 s] make ~116,000 up/down
// cycles; a cycle's contribution U - 0.6 (U + D) has a standard deviation
// of sqrt(0.4^2 200^2 + 0.6^2 150^2) = 120 ms against a mean cycle of
// 1000 ms, so the measured fraction has a standard deviation of about
// 0.12 / sqrt(116,000) = 0.00035: 0.005 is over 10 of them (the swapped
// case is the mirror image, with the same spread).
func TestRandomDowntimeFractionOnline(t *testing.T) {
	const (
		peers         = 400
		from, horizon = 10000.0, 300000.0
	)
	up, down := foldedMean(600, 200), foldedMean(400, 150)
	if math.Abs(up/(up+down)-0.6) > 0.001 {
		t.Fatalf("expected fraction %.4f: the folded means are off", up/(up+down))
	}
	for _, swapped := range []bool{false, true} {
		s := engine.New(engine.Config{Seed: 9})
		meters := make([]*uptime, peers)
		for i := range meters {
			meters[i] = &uptime{from: from, until: horizon}
			rd := services.NewRandomDowntime()
			rd.Swapped = swapped
			if _, err := s.AddPeer(engine.PeerSpec{ID: i + 1, Services: []engine.Service{rd, meters[i]}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Run(horizon); err != nil {
			t.Fatal(err)
		}
		total := 0.0
		for i, u := range meters {
			if s.Peer(i + 1).Online() {
				u.add(u.since, horizon)
			}
			total += u.up
		}
		got := total / (peers * (horizon - from))
		want := up / (up + down)
		if swapped {
			want = down / (up + down)
		}
		t.Logf("swapped %v: fraction online %.5f, expected %.5f (E|up| = %.2f, E|down| = %.2f)", swapped, got, want, up, down)
		if math.Abs(got-want) > 0.005 {
			t.Errorf("swapped %v: fraction of time online %.4f, want %.4f +- 0.005", swapped, got, want)
		}
	}
}

// ScheduledDowntime takes its peer down exactly during its windows; a
// window that never ends crashes it.
func TestScheduledDowntimeWindows(t *testing.T) {
	s := engine.New(engine.Config{})
	d, err := services.NewScheduledDowntime([]services.Window{{From: 100, Until: 200}, {From: 300, Until: math.Inf(1)}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.AddPeer(engine.PeerSpec{ID: 1, Services: []engine.Service{d}})
	if err != nil {
		t.Fatal(err)
	}
	// Run(t) stops before the events at t, so it shows the state just
	// before t; running until the next float after t shows the state at t.
	at := func(t float64) float64 { return math.Nextafter(t, math.Inf(1)) }
	for _, c := range []struct {
		until  float64
		online bool
	}{{50, true}, {100, true}, {at(100), false}, {200, false}, {at(200), true}, {300, true}, {at(300), false}, {1e6, false}} {
		if err := s.Run(c.until); err != nil {
			t.Fatal(err)
		}
		if p.Online() != c.online || p.Crashed() != (c.until > 300) {
			t.Errorf("run until %v: online %v crashed %v, want online %v", c.until, p.Online(), p.Crashed(), c.online)
		}
	}
	for _, bad := range [][]services.Window{{{From: 5, Until: 5}}, {{From: -1, Until: 5}}, {{From: 0, Until: 10}, {From: 5, Until: 20}}} {
		if _, err := services.NewScheduledDowntime(bad); err == nil {
			t.Errorf("windows %v accepted", bad)
		}
	}
}
