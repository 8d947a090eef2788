package services_test

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/scenario"
	"github.com/p2prepl/p2prepl/engine/services"
)

// builder is scenario.S1 or scenario.S2.
type builder func(n int, seed uint64) (*engine.Sim, *services.Producer, error)

// benchScenario runs a scenario for scenario.Until simulated ms per
// iteration. Building the simulation is left out of the timed region and
// of the allocation count, so ns/op, allocs/op and the custom metrics are
// the run alone:
//
//	msgs/s            delivered messages per wall second of the run
//	events            simulated events per run
//	delivered         messages handed to a service per run
//	allocs/delivered  heap allocations per delivered message, whole run
//	                  (start-up included: each peer's first timers,
//	                  ping/pong messages, inbound queue)
//	steady-allocs/dlv the same over the second half of the run only
//	coverage          mean fraction of peers that saw each produced
//	                  message (created at least 500 ms before the end)
func benchScenario(b *testing.B, build builder, n int) {
	b.ReportAllocs()
	var (
		wall                       time.Duration
		events, delivered          uint64
		mallocs, steady, steadyDlv uint64
		coverage                   float64
	)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, _, err := build(n, 42)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var m0, m1, m2 runtime.MemStats
		runtime.ReadMemStats(&m0)
		b.StartTimer()
		start := time.Now()
		if err := s.Run(scenario.Until / 2); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start)
		b.StopTimer()
		runtime.ReadMemStats(&m1)
		half := s.Total().Delivered
		b.StartTimer()
		start = time.Now()
		if err := s.Run(scenario.Until); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start)
		b.StopTimer()
		runtime.ReadMemStats(&m2)
		mallocs += m2.Mallocs - m0.Mallocs
		steady += m2.Mallocs - m1.Mallocs
		events += s.Events()
		delivered += uint64(s.Total().Delivered)
		steadyDlv += uint64(s.Total().Delivered - half)
		coverage += scenario.Coverage(s, n, scenario.Until-500)
		b.StartTimer()
	}
	b.ReportMetric(float64(delivered)/wall.Seconds(), "msgs/s")
	b.ReportMetric(float64(events)/float64(b.N), "events")
	b.ReportMetric(float64(delivered)/float64(b.N), "delivered")
	b.ReportMetric(float64(mallocs)/float64(delivered), "allocs/delivered")
	b.ReportMetric(float64(steady)/float64(steadyDlv), "steady-allocs/dlv")
	b.ReportMetric(coverage/float64(b.N), "coverage")
}

// bigOnly skips a benchmark too large for routine runs unless P2PREPL_BIG=1.
func bigOnly(b *testing.B) {
	if os.Getenv("P2PREPL_BIG") != "1" {
		b.Skip("set P2PREPL_BIG=1 to run the 100,000-peer benchmark")
	}
}

func BenchmarkS1Gossip1k(b *testing.B)  { benchScenario(b, scenario.S1, 1000) }
func BenchmarkS1Gossip10k(b *testing.B) { benchScenario(b, scenario.S1, 10000) }
func BenchmarkS1Gossip100k(b *testing.B) {
	bigOnly(b)
	benchScenario(b, scenario.S1, 100000)
}

func BenchmarkS2PullGossipCrash1k(b *testing.B)  { benchScenario(b, scenario.S2, 1000) }
func BenchmarkS2PullGossipCrash10k(b *testing.B) { benchScenario(b, scenario.S2, 10000) }
