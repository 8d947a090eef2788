package engine_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/scenario"
)

// outcome is what a run produced, to compare two runs.
func outcome(s *engine.Sim) string {
	out := fmt.Sprintf("events=%d now=%g total=%+v\n", s.Events(), s.Now(), s.Total())
	for _, id := range s.MessageIDs() {
		out += fmt.Sprintf("%s %v\n", id, s.FirstSeen(id))
	}
	return out
}

func runS1(t *testing.T, seed uint64, until float64, setup func(s *engine.Sim)) *engine.Sim {
	t.Helper()
	s, _, err := scenario.S1(120, seed)
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(s)
	}
	if err := s.Run(until); err != nil {
		t.Fatal(err)
	}
	return s
}

// An empty budget changes nothing: the perturbations draw from a stream
// of their own.
func TestPerturbEmptyBudgetIsPlainRun(t *testing.T) {
	plain := outcome(runS1(t, 3, 4000, nil))
	got := outcome(runS1(t, 3, 4000, func(s *engine.Sim) {
		if err := s.Perturb(engine.Faults{}); err != nil {
			t.Fatal(err)
		}
	}))
	if got != plain {
		t.Error("an empty budget changed the run")
	}
}

func TestPerturbWithinBudgetAndReplays(t *testing.T) {
	for _, st := range []engine.Strategy{engine.Uniform, engine.PCT, engine.Boundary} {
		t.Run(st.String(), func(t *testing.T) {
			f := engine.Faults{Delay: 40, Drop: 3, Crash: 2, Partitions: 1, PartitionLen: 500, Strategy: st, Sends: 2000}
			setup := func(s *engine.Sim) {
				if err := s.Perturb(f); err != nil {
					t.Fatal(err)
				}
			}
			a := runS1(t, 5, 4000, setup)
			b := runS1(t, 5, 4000, setup)
			if outcome(a) != outcome(b) {
				t.Fatal("same seed and budget, different runs")
			}
			sched := a.Applied()
			if !reflect.DeepEqual(sched, b.Applied()) {
				t.Fatal("same seed and budget, different schedules")
			}
			count := map[engine.PerturbKind]int{}
			for _, p := range sched {
				count[p.Kind]++
				switch p.Kind {
				case engine.PerturbDelay:
					if p.Delay < 0 || p.Delay > f.Delay {
						t.Errorf("delay %g outside [0, %g]", p.Delay, f.Delay)
					}
				case engine.PerturbPartition:
					if p.Until-p.At > f.PartitionLen || p.Until <= p.At {
						t.Errorf("partition %v longer than %g", p, f.PartitionLen)
					}
				}
			}
			if count[engine.PerturbDrop] != f.Drop || count[engine.PerturbCrash] != f.Crash || count[engine.PerturbPartition] != 1 || count[engine.PerturbDelay] == 0 {
				t.Errorf("applied %v, want 3 drops, 2 crashes, 1 partition and delays", count)
			}
			if got := a.Total().DroppedFault; got != int64(f.Drop) {
				t.Errorf("counted %d fault drops, want %d", got, f.Drop)
			}
			if st == engine.PCT && count[engine.PerturbDelay] != 2 {
				t.Errorf("PCT: %d delayed copies, want the %d change points", count[engine.PerturbDelay], 2)
			}
			// The recorded schedule replays to the same run, and records
			// itself again.
			r := runS1(t, 5, 4000, func(s *engine.Sim) {
				if err := s.Replay(sched); err != nil {
					t.Fatal(err)
				}
			})
			if outcome(r) != outcome(a) {
				t.Error("the replayed schedule gave another run")
			}
			if got := r.Applied(); len(got) != len(sched) {
				t.Errorf("replay applied %d perturbations, the schedule has %d", len(got), len(sched))
			}
			// A different seed gives a different schedule.
			c := runS1(t, 6, 4000, setup)
			if reflect.DeepEqual(c.Applied(), sched) {
				t.Error("seeds 5 and 6 gave the same schedule")
			}
		})
	}
}

// Removing one perturbation from a schedule leaves the others applied to
// the same copies (by name), which is what shrinking relies on. (A copy of
// a tracked message is named by its id; untracked ones, pings, by their
// place among the copies of that kind on that link, which a change in the
// link's traffic shifts.)
func TestReplaySubsetKeepsOthers(t *testing.T) {
	f := engine.Faults{Drop: 4, Sends: 1000, Kinds: []string{"gossip"}}
	a := runS1(t, 9, 3000, func(s *engine.Sim) { _ = s.Perturb(f) })
	sched := a.Applied()
	if len(sched) != 4 {
		t.Fatalf("want 4 drops, got %v", sched)
	}
	sub := sched[1:]
	r := runS1(t, 9, 3000, func(s *engine.Sim) { _ = s.Replay(sub) })
	if got := r.Total().DroppedFault; got != 3 {
		t.Errorf("replaying 3 of 4 drops dropped %d copies", got)
	}
}

func TestFaultsValidate(t *testing.T) {
	bad := []engine.Faults{
		{Delay: -1}, {Drop: -1}, {Crash: -2}, {Partitions: 1}, {Partitions: 1, PartitionLen: -3}, {Depth: -1}, {Horizon: -1},
		// Beyond what sampling can do cheaply (a million partitions used
		// to hang a run; a drop or depth close to a huge sends took
		// minutes and gigabytes to pick).
		{Partitions: engine.MaxPartitions + 1, PartitionLen: 500},
		{Drop: engine.MaxPicks + 1, Sends: 1 << 30},
		{Delay: 5, Strategy: engine.PCT, Depth: engine.MaxPicks + 2, Sends: 1 << 30},
		{Sends: 1 << 33},
	}
	for _, f := range bad {
		s := engine.New(engine.Config{})
		if err := s.Perturb(f); err == nil {
			t.Errorf("Perturb(%+v) accepted", f)
		}
	}
	// At the bounds, a budget is accepted, and picking every send is
	// immediate.
	for _, f := range []engine.Faults{
		{Partitions: engine.MaxPartitions, PartitionLen: 500},
		{Drop: engine.MaxPicks, Sends: engine.MaxPicks},
		{Drop: 1 << 40}, // at most the 1000 sends it spreads over
	} {
		s := engine.New(engine.Config{})
		if err := s.Perturb(f); err != nil {
			t.Errorf("Perturb(%+v): %v", f, err)
		}
	}
	s := engine.New(engine.Config{})
	if err := s.Replay([]engine.Perturbation{{Kind: "explode"}}); err == nil {
		t.Error("Replay accepted an unknown kind")
	}
}

// RunEvents stops at an exact event, and carrying on gives the same run.
func TestRunEvents(t *testing.T) {
	full := runS1(t, 2, 2000, nil)
	s, _, err := scenario.S1(120, 2)
	if err != nil {
		t.Fatal(err)
	}
	ok, err := s.RunEvents(777, 2000)
	if err != nil || !ok || s.Events() != 777 {
		t.Fatalf("RunEvents(777) = %v, %v at %d events", ok, err, s.Events())
	}
	if err := s.Run(2000); err != nil {
		t.Fatal(err)
	}
	if outcome(s) != outcome(full) {
		t.Error("stopping at event 777 and carrying on changed the run")
	}
	ok, err = s.RunEvents(s.Events()+10, 2000)
	if err != nil || ok {
		t.Errorf("RunEvents past until = %v, %v; want false", ok, err)
	}
}

func TestOnDeliver(t *testing.T) {
	n := 0
	s := runS1(t, 1, 3000, func(s *engine.Sim) {
		s.OnDeliver([]string{"gossip"}, func(p *engine.Peer, d *engine.Delivery) error {
			if d.Msg.Kind != "gossip" {
				t.Errorf("hook for gossip got %q", d.Msg.Kind)
			}
			n++
			return nil
		})
	})
	if int64(n) != s.CounterOf("gossip").Delivered || n == 0 {
		t.Errorf("hook ran %d times, %d gossip delivered", n, s.CounterOf("gossip").Delivered)
	}
	s2, _, _ := scenario.S1(120, 1)
	s2.OnDeliver(nil, func(p *engine.Peer, d *engine.Delivery) error {
		if p.Sim().Now() > 1500 {
			return fmt.Errorf("boom")
		}
		return nil
	})
	err := s2.Run(3000)
	if re, ok := err.(*engine.RunError); !ok || re.T <= 1500 {
		t.Errorf("a failing hook: %v", err)
	}
}

// PCT with a kinds filter: the priorities delay only those kinds, and the
// schedule replays to the same run.
func TestPCTKindsReplay(t *testing.T) {
	f := engine.Faults{Delay: 30, Strategy: engine.PCT, Kinds: []string{"gossip"}, Sends: 500}
	a := runS1(t, 8, 3000, func(s *engine.Sim) { _ = s.Perturb(f) })
	sched := a.Applied()
	slow := 0
	for _, p := range sched {
		if p.Kind == engine.PerturbSlow {
			slow++
			if len(p.Kinds) != 1 || p.Kinds[0] != "gossip" {
				t.Fatalf("slow event without its kinds: %+v", p)
			}
		}
	}
	if slow == 0 {
		t.Fatal("no priorities recorded")
	}
	r := runS1(t, 8, 3000, func(s *engine.Sim) { _ = s.Replay(sched) })
	if outcome(r) != outcome(a) {
		t.Error("PCT with kinds: the replay differs")
	}
}

// A schedule replayed on another run says how much of it found no copy.
func TestReplayUnmatched(t *testing.T) {
	f := engine.Faults{Drop: 3, Sends: 1000, Kinds: []string{"gossip"}}
	a := runS1(t, 9, 3000, func(s *engine.Sim) { _ = s.Perturb(f) })
	same := runS1(t, 9, 3000, func(s *engine.Sim) { _ = s.Replay(a.Applied()) })
	if n := same.Unmatched(); n != 0 {
		t.Errorf("the same run left %d unmatched", n)
	}
	other := runS1(t, 10, 3000, func(s *engine.Sim) { _ = s.Replay(a.Applied()) })
	if n := other.Unmatched(); n == 0 {
		t.Error("another seed matched every drop")
	}
}
