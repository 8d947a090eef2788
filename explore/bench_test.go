package explore_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/explore"
	"github.com/p2prepl/p2prepl/runner"
	"github.com/p2prepl/p2prepl/runner/store"
)

// BenchmarkStrategies measures runs to the first failure of the planted
// ordering bug (testdata/ordering.star) over 20 exploration seeds for each
// strategy, cut at 5,000 runs, and reports the median and the mean.
func BenchmarkStrategies(b *testing.B) {
	for _, st := range []string{"pct", "uniform", "boundary"} {
		b.Run(st, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				var got []int
				for seed := uint64(0); seed < 20; seed++ {
					s, err := explore.LoadScript("testdata/ordering.star")
					if err != nil {
						b.Fatal(err)
					}
					c := &explore.Config{Script: s, Runs: 5000, Strategy: st, FirstSeed: 1 + seed*100_000}
					rep, err := explore.Explore(context.Background(), c, nil)
					if err != nil {
						b.Fatal(err)
					}
					n := 5001
					if f := rep.First(); f != nil {
						n = f.Run
					}
					got = append(got, n)
				}
				sort.Ints(got)
				sum := 0
				for _, n := range got {
					sum += n
				}
				b.ReportMetric(float64(got[10]), "median-runs")
				b.ReportMetric(float64(sum)/20, "mean-runs")
				b.ReportMetric(float64(got[19]), "max-runs")
			}
		})
	}
}

// BenchmarkRunPlain and BenchmarkRunExplored are one run of
// testdata/gossip.star (S1 at n = 300 for 3 s) unperturbed and under its
// budget (uniform delays up to 5 ms on every copy, 3 drops): the overhead
// exploration adds to a run, recording included.
func BenchmarkRunPlain(b *testing.B)    { benchRun(b, &engine.Faults{}) }
func BenchmarkRunExplored(b *testing.B) { benchRun(b, nil) }

func benchRun(b *testing.B, budget *engine.Faults) {
	s, err := explore.LoadScript("testdata/gossip.star")
	if err != nil {
		b.Fatal(err)
	}
	c := &explore.Config{Script: s, Runs: b.N, Jobs: 1, All: true, Budget: budget}
	b.ResetTimer()
	rep, err := explore.Explore(context.Background(), c, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(rep.Runs))/rep.Wall.Seconds(), "runs/s")
}

// BenchmarkSweepPlain runs testdata/gossip.star through the sweep runner
// with its faults switched off (faults.budget=none): the plain sweep that
// BenchmarkRunExplored is measured against.
func BenchmarkSweepPlain(b *testing.B) {
	s, err := runner.LoadScript("testdata/gossip.star")
	if err != nil {
		b.Fatal(err)
	}
	r := &runner.Runner{Jobs: 1, OutDir: b.TempDir()}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		res := r.RunOne(context.Background(), runner.Task{Script: s, Cell: runner.Cell{
			Params: []store.Param{{Name: "faults.budget", Value: "none"}}, Seed: uint64(i + 1)}})
		if res.Status != store.OK {
			b.Fatal(res.Err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "runs/s")
}
