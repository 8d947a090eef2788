package services_test

import (
	"fmt"
	"testing"

	"github.com/p2prepl/p2prepl/engine/services"
)

// TestDefaults pins the defaults the constructors return to the values the
// field comments document (p2psimpy's). Front ends read them from fresh
// values, so changing one is a deliberate act: update the comment too.
func TestDefaults(t *testing.T) {
	push, pull, pp := services.NewPushGossip(), services.NewPullGossip(), services.NewPushPullGossip()
	cm, pr, rd := services.NewConnManager(), services.NewProducer(), services.NewRandomDowntime()
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"gossip modes", [3][2]bool{{push.Push, push.Pull}, {pull.Push, pull.Pull}, {pp.Push, pp.Pull}}, [3][2]bool{{true, false}, {false, true}, {true, true}}},
		{"gossip names", [3]string{push.Name(), pull.Name(), pp.Name()}, [3]string{"gossip", "pull_gossip", "push_pull_gossip"}},
		{"gossip Kind", pp.Kind, "gossip"},
		{"gossip Fanout", pp.Fanout, 3},
		{"gossip ForwardDuplicates", pp.ForwardDuplicates, false},
		{"gossip ExceptType", pp.ExceptType, "client"},
		{"gossip Store", pp.Store, ""},
		{"gossip PullFanout", pp.PullFanout, 3},
		{"gossip RoundTime", pp.RoundTime, 500.0},
		{"gossip FirstRound", pp.FirstRound.String(), "norm(200, 100)"},
		{"connection manager PingInterval", cm.PingInterval, 1000.0},
		{"connection manager MaxSilence", cm.MaxSilence, 5000.0},
		{"producer Kind", pr.Kind, "gossip"},
		{"producer Rate", pr.Rate, 5.0},
		{"producer InitDelay", pr.InitDelay, 1000.0},
		{"producer Fanout", pr.Fanout, 5},
		{"producer TTL", pr.TTL, 4},
		{"producer Size", pr.Size, 250},
		{"producer Store", pr.Store, ""},
		{"producer Payload", pr.Payload == nil, true},
		{"random downtime First", rd.First.String(), "norm(1000, 70)"},
		{"random downtime Down", rd.Down.String(), "norm(400, 150)"},
		{"random downtime Up", rd.Up.String(), "norm(600, 200)"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// The three gossip constructors share every default but the modes.
	for _, g := range []*services.Gossip{push, pull} {
		if a, b := fmt.Sprint(g.Kind, g.Fanout, g.ExceptType, g.PullFanout, g.RoundTime, g.FirstRound), fmt.Sprint(pp.Kind, pp.Fanout, pp.ExceptType, pp.PullFanout, pp.RoundTime, pp.FirstRound); a != b {
			t.Errorf("%s defaults %s differ from push_pull_gossip's %s", g.Name(), a, b)
		}
	}
	// Each call returns a fresh value: a caller may change it freely.
	if a, b := services.NewProducer(), services.NewProducer(); a == b {
		t.Errorf("NewProducer returned the same value twice")
	}
}
