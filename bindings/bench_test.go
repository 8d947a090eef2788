package bindings

import (
	"io"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/engine/scenario"
)

// benchS1 runs testdata/bench/s1.star once per iteration and reports
// delivered messages per wall second, of the run alone (sim.run) and of
// the whole script (set-up included).
func benchS1(b *testing.B, gossip string, n string) {
	src, err := os.ReadFile("testdata/bench/s1.star")
	if err != nil {
		b.Fatal(err)
	}
	var delivered, events uint64
	var runWall, total time.Duration
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e := NewEnv(Options{Stdout: io.Discard, Params: map[string]string{"n": n, "gossip": gossip}})
		th := e.NewThread("bench")
		start := time.Now()
		g, err := e.ExecFile(th, "s1.star", src)
		total += time.Since(start)
		if err != nil {
			b.Fatal(FormatError(err))
		}
		s := g["sim"].(*Simulation)
		delivered += uint64(s.sim.Total().Delivered)
		events += s.sim.Events()
		runWall += e.RunWall()
	}
	b.ReportMetric(float64(delivered)/runWall.Seconds(), "delivered/s(run)")
	b.ReportMetric(float64(delivered)/total.Seconds(), "delivered/s(script)")
	b.ReportMetric(float64(delivered)/float64(b.N), "delivered/op")
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
	b.ReportMetric(runWall.Seconds()/float64(b.N), "run-s/op")
}

// BenchmarkStarlarkGossipS1 is scenario S1 at N = 10,000 for 10,000
// simulated ms with the push gossip written in Starlark.
func BenchmarkStarlarkGossipS1(b *testing.B) { benchS1(b, "star", "10000") }

// BenchmarkBuiltinGossipS1Star is the same scenario written as .star with
// the built-in Go services; compare with BenchmarkGoS1.
func BenchmarkBuiltinGossipS1Star(b *testing.B) { benchS1(b, "builtin", "10000") }

// BenchmarkGoS1 is scenario S1 built in Go (engine/scenario), the
// reference for BenchmarkBuiltinGossipS1Star.
func BenchmarkGoS1(b *testing.B) {
	var delivered uint64
	var total, runWall time.Duration
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		s, _, err := scenario.S1(10000, 42)
		if err != nil {
			b.Fatal(err)
		}
		runStart := time.Now()
		if err := s.Run(scenario.Until); err != nil {
			b.Fatal(err)
		}
		runWall += time.Since(runStart)
		total += time.Since(start)
		delivered += uint64(s.Total().Delivered)
	}
	b.ReportMetric(float64(delivered)/runWall.Seconds(), "delivered/s(run)")
	b.ReportMetric(float64(delivered)/total.Seconds(), "delivered/s(script)")
	b.ReportMetric(float64(delivered)/float64(b.N), "delivered/op")
	b.ReportMetric(runWall.Seconds()/float64(b.N), "run-s/op")
}

// handlerBench sets up three connected peers passing one message around,
// each receipt calling a Starlark handler that sends it on, so that one
// benchmark op is one delivery: one handler call plus its engine events.
func handlerBench(b *testing.B, handler string) {
	// Every delivery happens at t = 0 (no latency), which the stall limit
	// would stop after a million events.
	e := NewEnv(Options{Stdout: io.Discard, MaxStall: math.MaxUint64})
	th := e.NewThread("bench")
	globals := starlark.StringDict{}
	setup := handler + `
svc = service("Bounce", on_message = {"x": _on_x})
sim = simulation(seed = 1)
a, c, d = sim.add_peers(topology.complete(3), services = [svc()])
`
	if _, _, err := e.ExecREPLChunk(th, globals, setup); err != nil {
		b.Fatal(FormatError(err))
	}
	globals["ttl"] = starlark.MakeInt(b.N - 1)
	if _, _, err := e.ExecREPLChunk(th, globals, `a.send(c, message("x", id = "m", ttl = ttl))`); err != nil {
		b.Fatal(FormatError(err))
	}
	b.ReportAllocs()
	b.ResetTimer()
	if _, _, err := e.ExecREPLChunk(th, globals, "sim.run(until = 1)"); err != nil {
		b.Fatal(FormatError(err))
	}
	b.StopTimer()
	if got := globals["sim"].(*Simulation).sim.Total().Delivered; got != int64(b.N) {
		b.Fatalf("delivered %d, want %d", got, b.N)
	}
}

// BenchmarkHandlerForward: a handler forwarding to the sender while the TTL allows.
func BenchmarkHandlerForward(b *testing.B) {
	handlerBench(b, "def _on_x(self, msg):\n    if msg.ttl != 0:\n        self.peer.forward(msg.sender, msg)\n")
}

// BenchmarkHandlerGossip is the S1 handler's shape: attribute checks, then
// peer.gossip with keyword arguments.
func BenchmarkHandlerGossip(b *testing.B) {
	handlerBench(b, "def _on_x(self, msg):\n    if msg.ttl != 0:\n        self.peer.gossip(msg, 3, except_type = \"client\")\n")
}

// BenchmarkMessageAttr is the attribute lookup a handler makes on every
// delivery (msg.first, msg.ttl; see api.nameIndex). The names are copies,
// as a compiled script's are, not the declaration's own strings.
func BenchmarkMessageAttr(b *testing.B) {
	m := &Message{recv: true}
	m.d.TTL = 3
	m.d.First = true
	first, ttl := strings.Clone("first"), strings.Clone("ttl")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Attr(first); err != nil {
			b.Fatal(err)
		}
		if _, err := m.Attr(ttl); err != nil {
			b.Fatal(err)
		}
	}
}
