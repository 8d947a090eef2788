package runner

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// The performance figures of the sweeps issue. Run them alone on a quiet
// machine:
//
//	go test ./runner -run X -bench . -benchtime 1x -count 5

// BenchmarkSweepS1 runs 40 runs of benchmark scenario S1 (N = 1,000, the
// built-in gossip, 10 simulated seconds; seeds 1..40) with 1 and 2 jobs,
// into a store: on 2 cores the -j 2 sweep should take at most 0.6 of -j 1.
func BenchmarkSweepS1(b *testing.B) {
	script, err := LoadScript("../bindings/testdata/bench/s1.star")
	if err != nil {
		b.Fatal(err)
	}
	for _, jobs := range []int{1, 2} {
		b.Run(map[int]string{1: "j1", 2: "j2"}[jobs], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				dir := b.TempDir()
				sw := &Sweep{
					Script: script,
					Axes:   []Axis{{"n", []string{"1000"}}, {"gossip", []string{"builtin"}}},
					Seeds:  SeedRange(1, 40),
					Runner: Runner{Jobs: jobs, OutDir: dir},
					Store:  filepath.Join(dir, "r.db"),
				}
				sum, err := sw.Run(context.Background())
				if err != nil || !sum.OK() || sum.Done != 40 {
					b.Fatalf("%v %+v", err, sum)
				}
			}
		})
	}
}

// BenchmarkOverhead measures the runner's cost per run (a fresh Env, the
// script loaded and run, its row stored) over 1,000 runs of a trivial
// script on one worker: ms/run should stay at most 5.
func BenchmarkOverhead(b *testing.B) {
	b.Run("trivial", func(b *testing.B) {
		overhead(b, NewScript("trivial.star", []byte("record(x = param(\"seed\", 0), y = 2.5, ok = True)\n")))
	})
	// The same with the consensus modules of the standard library loaded
	// (compiled once per process, executed per run).
	b.Run("stdlib", func(b *testing.B) {
		overhead(b, NewScript("stdlib.star", []byte(`load("@stdlib/consensus/ben_or.star", "ben_or")
load("@stdlib/consensus/experiment.star", "conflict_run")
record(x = param("seed", 0))
`)))
	})
}

func overhead(b *testing.B, script *Script) {
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		sw := &Sweep{
			Script: script,
			Seeds:  SeedRange(1, 1000),
			Runner: Runner{Jobs: 1, OutDir: dir},
			Store:  filepath.Join(dir, "r.db"),
		}
		start := time.Now()
		sum, err := sw.Run(context.Background())
		if err != nil || !sum.OK() || sum.Done != 1000 {
			b.Fatalf("%v %+v", err, sum)
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/1000/1000, "ms/run")
	}
}
