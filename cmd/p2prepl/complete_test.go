package main

import (
	"io"
	"strings"
	"testing"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings"
)

// TestCompleteExpressions completes after expressions evaluated without
// side effects, against a real session.
func TestCompleteExpressions(t *testing.T) {
	env := newEnv(bindings.Options{Stdout: io.Discard})
	th := env.NewThread("test")
	g := starlark.StringDict{}
	_, _, err := env.ExecREPLChunk(th, g, `
sim = simulation(seed = 1, network = network(regions = ["eu"], latency = {("eu", "eu"): dist.norm(2, 0.5)}))
ps = sim.add_peers(topology.ring(4), services = [gossip()])
sim.add_peer(type = "client", connect = 2, services = [producer(rate = 5)])
sim.run(until = 1500)
d = {"k": ps[1]}
def mine(a, b = 2, *rest, flag = False, **kw):
    return a
def hurt():
    fail("called")
calls = []
def note(*args):
    calls.append(args)
    return 0
`)
	if err != nil {
		t.Fatal(bindings.FormatError(err))
	}
	c := &completer{globals: g, predeclared: env.Predeclared(), thread: env.NewThread("complete")}
	now := g["sim"].(starlark.HasAttrs)
	before, _ := now.Attr("now")
	for _, tc := range []struct {
		line string
		want string // the candidates, separated by "|"
	}{
		{"ps[0].nei", "neighbors|neighbours"},
		{"ps[-1].nei", "neighbors|neighbours"},
		{`d["k"].ty`, "type"},
		{"sim.network.reg", "regions"},
		{`sim.counter("gossip").se`, "sent|sent_bytes"},
		{`x = sim.peer(2).stor`, "storage|store"},
		{`sim.peers_of("peer")[0].i`, "id"},
		{`len(sim.message_ids()).`, ""},                   // an int: no attributes
		{`dist.norm(1, 2).me`, "mean"},                    // a pure constructor
		{`"a,b".sp`, "split|splitlines"},                  // string methods
		{`g = sim.traffic().col`, "column|columns"},       // tables
		{`sim.traffic().head(2).sort("kind").me`, "mean"}, // table methods that only read
		{`sim.traffic().filter(note).`, ""},               // filter calls a Starlark function
		{`sorted([3, 1], key = note).`, ""},               // a Starlark function given to a pure builtin
		{`sim.traffic().sort(note).`, ""},                 // idem
		{`sim.run(until = 2000).`, ""},                    // not pure: never called
		{`topology.erdos_renyi(5, 0.5).no`, ""},           // draws random numbers
		{`random.random().`, ""},                          // idem
		{`hurt().`, ""},                                   // Starlark functions are never called
		{`mine(1).`, ""},                                  // idem
		{`simulation(se`, "seed = |service|set"},          // keyword arguments, then names
		{`simulation(seed = 1, ne`, "network = |network"}, // the one given is left out
		{`sim.add_peers(3, `, "download = |graph_or_n = |nodes = |region = |services = |type = |upload = |validate = "},
		{`mine(1, `, "a = |b = |flag = "},                                              // a Starlark function's own
		{`gossip(fanout = 2, f`, "forward_duplicates = |fail|faults|float|for|format"}, // fanout given already
		{`print(sim.counter("gossip").deliv`, "delivered|delivered_bytes"},
		{`load("@stdlib/an`, "@stdlib/analysis.star"},
		{`load("@stdlib/consensus/b`, "@stdlib/consensus/ben_or.star"},
		{`load("@stdlib/analysis.star", "cov`, "coverage|coverage_over_time"},
		{`load("@stdlib/checks.star", "check", "agr`, "agreement"},
		{`load("testdata/lo`, "testdata/loads.star|testdata/long.star"},
		{`x = "sim.pe`, ""}, // inside a string
		{`sim.pe # sim.pe`, ""},
	} {
		sfx, n := c.Do([]rune(tc.line), len([]rune(tc.line)))
		var got []string
		for _, s := range sfx {
			got = append(got, string([]rune(tc.line)[len([]rune(tc.line))-n:])+string(s))
		}
		if strings.Join(got, "|") != tc.want {
			t.Errorf("complete %q = %q, want %q", tc.line, strings.Join(got, "|"), tc.want)
		}
	}
	if n := g["calls"].(*starlark.List).Len(); n != 0 {
		t.Errorf("completion called a Starlark function %d times", n)
	}
	after, _ := now.Attr("now")
	if before.String() != after.String() {
		t.Errorf("completion ran the simulation: sim.now %v -> %v", before, after)
	}
}
