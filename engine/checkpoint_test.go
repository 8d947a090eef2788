package engine_test

import (
	"strings"
	"testing"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/scenario"
	"github.com/p2prepl/p2prepl/engine/services"
)

// S1 (N = 1,000) run to 10 s with a digest of the whole state every
// simulated second; restored to its checkpoint at 3 s and run again to
// 10 s, it goes through the same digests, twice.
func TestCheckpointRestoreS1(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 200
	}
	s, _, err := scenario.S1(n, 11)
	if err != nil {
		t.Fatal(err)
	}
	var want []uint64
	var at3 *engine.Checkpoint
	for sec := 1; sec <= 10; sec++ {
		if err := s.Run(float64(sec * 1000)); err != nil {
			t.Fatal(err)
		}
		want = append(want, engine.StateDigest(s))
		if sec == 3 {
			if at3, err = s.Checkpoint(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if s.Total().Delivered == 0 || want[2] == want[3] {
		t.Fatal("nothing happened: the test checks nothing")
	}
	for round := 0; round < 2; round++ {
		if err := s.Restore(at3); err != nil {
			t.Fatal(err)
		}
		if got := engine.StateDigest(s); got != want[2] {
			t.Fatalf("round %d: the restored state differs from the state at 3 s", round)
		}
		for sec := 4; sec <= 10; sec++ {
			if err := s.Run(float64(sec * 1000)); err != nil {
				t.Fatal(err)
			}
			if got := engine.StateDigest(s); got != want[sec-1] {
				t.Fatalf("round %d: after restoring to 3 s, the state at %d s differs", round, sec)
			}
		}
	}
}

// A checkpoint under perturbations, with a history and paths kept, and
// messages created after it: restoring forgets them and replays the same.
func TestCheckpointRestorePerturbed(t *testing.T) {
	s, _, err := scenario.S2(150, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Perturb(engine.Faults{Delay: 20, Drop: 5, Crash: 2, Partitions: 1, PartitionLen: 800, Horizon: 6000, Sends: 3000}); err != nil {
		t.Fatal(err)
	}
	s.KeepHistory()
	if err := s.Run(2500); err != nil {
		t.Fatal(err)
	}
	cp, err := s.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	ids, hist, applied := len(s.MessageIDs()), s.History().Len(), len(s.Applied())
	if err := s.Run(8000); err != nil {
		t.Fatal(err)
	}
	want, wantApplied := engine.StateDigest(s), len(s.Applied())
	if err := s.Restore(cp); err != nil {
		t.Fatal(err)
	}
	if len(s.MessageIDs()) != ids || s.History().Len() != hist || len(s.Applied()) != applied || s.Now() != 2500 {
		t.Errorf("restore kept later state: ids %d/%d, history %d/%d, applied %d/%d, now %g",
			len(s.MessageIDs()), ids, s.History().Len(), hist, len(s.Applied()), applied, s.Now())
	}
	if err := s.Run(8000); err != nil {
		t.Fatal(err)
	}
	if engine.StateDigest(s) != want || len(s.Applied()) != wantApplied {
		t.Error("the run after the restore differs")
	}
	other := engine.New(engine.Config{})
	if err := other.Restore(cp); err == nil {
		t.Error("restoring another simulation's checkpoint was accepted")
	}
}

func TestCheckpointNeedsSnapshotters(t *testing.T) {
	s := engine.New(engine.Config{})
	mustPeer(t, s, engine.PeerSpec{ID: engine.NoPeer, Services: []engine.Service{&recorder{}}})
	if _, err := s.Checkpoint(); err == nil {
		t.Error("a service without Snapshot was checkpointed")
	}
}

// BenchmarkCheckpointS1 and BenchmarkRestoreS1 take and restore a
// checkpoint of S1 at N = 10,000 after 5 simulated seconds.
func BenchmarkCheckpointS1(b *testing.B) {
	s := s1At(b, 5000)
	b.ResetTimer()
	var size int64
	for i := 0; i < b.N; i++ {
		cp, err := s.Checkpoint()
		if err != nil {
			b.Fatal(err)
		}
		size = cp.Bytes()
	}
	b.ReportMetric(float64(size)/(1<<20), "MiB/checkpoint")
}

func BenchmarkRestoreS1(b *testing.B) {
	s := s1At(b, 5000)
	cp, err := s.Checkpoint()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Restore(cp); err != nil {
			b.Fatal(err)
		}
	}
}

func s1At(b *testing.B, t float64) *engine.Sim {
	s, _, err := scenario.S1(10000, 1)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Run(t); err != nil {
		b.Fatal(err)
	}
	return s
}

// The connection manager's Hello option keeps which links a hello opened:
// a restore takes that back too.
func TestCheckpointRestoreHello(t *testing.T) {
	s := engine.New(engine.Config{Seed: 4, Network: constNet(t, 10)})
	var ps []*engine.Peer
	for i := 0; i < 6; i++ {
		cm := services.NewConnManager()
		cm.Hello = true
		ps = append(ps, mustPeer(t, s, engine.PeerSpec{ID: engine.NoPeer, Services: []engine.Service{cm}}))
	}
	for i := 1; i < len(ps); i++ {
		if err := s.Connect(ps[0].ID(), ps[i].ID()); err != nil {
			t.Fatal(err)
		}
	}
	// Before the peers start and say hello.
	mid, err := s.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(9000); err != nil {
		t.Fatal(err)
	}
	want := s.Digest()
	hellos := s.CounterOf(services.KindHello).Sent
	if err := s.Restore(mid); err != nil {
		t.Fatal(err)
	}
	if err := s.Run(9000); err != nil {
		t.Fatal(err)
	}
	if s.Digest() != want || s.CounterOf(services.KindHello).Sent != hellos || hellos == 0 {
		t.Errorf("after a restore the hello run differs (hellos %d then %d)", hellos, s.CounterOf(services.KindHello).Sent)
	}
}

// A checkpoint saves the lengths of what only grows, so it restores only
// states that descend from it: after restoring an older checkpoint, a
// newer one is refused (it panicked with "slice bounds out of range").
func TestRestoreLeftLine(t *testing.T) {
	s, _, err := scenario.S1(100, 3)
	if err != nil {
		t.Fatal(err)
	}
	checkpoint := func() *engine.Checkpoint {
		c, err := s.Checkpoint()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	run := func(until float64) {
		if err := s.Run(until); err != nil {
			t.Fatal(err)
		}
	}
	run(500)
	early := checkpoint()
	run(2000)
	late := checkpoint()
	run(3000)
	if !s.Descends(early) || !s.Descends(late) {
		t.Fatal("the running state does not descend from its checkpoints")
	}
	if err := s.Restore(late); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(early); err != nil {
		t.Fatal(err)
	}
	if s.Descends(late) {
		t.Error("after restoring an older checkpoint, the state descends from a newer one")
	}
	err = s.Restore(late)
	if err == nil || !strings.Contains(err.Error(), "line of time the simulation has left") {
		t.Fatalf("restoring a checkpoint of a left line: %v", err)
	}
	run(1000)
	again := checkpoint()
	if err := s.Restore(early); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(again); err == nil {
		t.Error("a checkpoint taken after a restore was restorable from before it")
	}
}
