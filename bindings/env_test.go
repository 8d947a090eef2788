package bindings

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/api"
)

// determinismScript exercises every source of randomness: topology,
// regions and bandwidths, latency, loss, gossip fanout, downtime, the
// random module and dist sampling.
const determinismScript = `
net = network(regions = ["eu", "us"], latency = {("eu", "eu"): dist.norm(2, 0.5), ("eu", "us"): dist.norm(12, 2), ("us", "us"): dist.gamma(1, 1, 1)}, loss = 0.01)
sim = simulation(network = net)
def _on(self, msg):
    if msg.first and msg.ttl != 0:
        self.peer.gossip(msg, 2)
    self.peer.store("seen", msg.id, random.random())
star = service("G", on_message = {"gossip": _on})
sim.add_peers(topology.erdos_renyi(40, 0.2), region = dist.sample(["eu", "us"]),
              upload = dist.norm(50, 10) * Mbps, download = dist.norm(50, 10) * Mbps,
              services = [connection_manager(), star(), random_downtime()])
sim.add_peer(type = "client", connect = 3, services = [producer(rate = 5)])
sim.run(until = 3000)
print(sim.total)
for id in sim.message_ids():
    print(id, sim.first_seen(id))
print(sim.load_series())
print([p.region for p in sim.peers], [p.upload for p in sim.peers][:5])
print(random.random(), dist.norm(0, 1).sample(3))
`

func runOut(t *testing.T, opts Options, src string) string {
	t.Helper()
	e, th, out := testEnv(t, opts)
	if _, err := e.ExecFile(th, "det.star", src); err != nil {
		t.Fatal(FormatError(err))
	}
	return out.String()
}

func TestDeterminism(t *testing.T) {
	a := runOut(t, Options{Seed: 5}, determinismScript)
	b := runOut(t, Options{Seed: 5}, determinismScript)
	if a != b {
		t.Fatalf("same script and seed, different output:\n%s\n---\n%s", a, b)
	}
	c := runOut(t, Options{Seed: 6}, determinismScript)
	if a == c {
		t.Fatal("seeds 5 and 6 gave the same output")
	}
	// A script's explicit seed wins over --seed.
	fixed := strings.Replace(determinismScript, "simulation(network = net)", "simulation(seed = 9, network = net)", 1)
	if runOut(t, Options{Seed: 5, SeedSet: true}, fixed) != runOut(t, Options{Seed: 6, SeedSet: true}, fixed) {
		t.Fatal("simulation(seed = 9) should not depend on --seed")
	}
	if len(a) < 1000 {
		t.Fatalf("suspiciously short output:\n%s", a)
	}
}

func TestInternalErrorRecovered(t *testing.T) {
	e, th, _ := testEnv(t, Options{})
	boom := api.NewBuiltin("boom", api.Method("boom", "boom() panics", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		var m map[string]int
		m["x"] = 1 // a Go panic
		return starlark.None, nil
	}))
	pre := starlark.StringDict{"boom": boom}
	for k, v := range e.Predeclared() {
		pre[k] = v
	}
	defer e.begin(th)()
	src := "sim = simulation()\np = sim.add_peer()\ndef later():\n    boom()\nsim.at(5, later)\nsim.run(until = 10)\n"
	_, err := starlark.ExecFileOptions(FileOptions(), th, "panic.star", src, pre)
	var ie *InternalError
	if !errors.As(err, &ie) {
		t.Fatalf("want an InternalError, got %v", err)
	}
	msg := FormatError(err)
	for _, want := range []string{
		"panic.star:4:9: internal error (a bug in p2prepl, please report it): assignment to entry in nil map",
		"at t=5 ms",
		"panic.star:6:8: in <toplevel>",
		"panic.star:4:9: in later",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestInterruptRun(t *testing.T) {
	e, th, _ := testEnv(t, Options{})
	globals := starlark.StringDict{}
	_, _, err := e.ExecREPLChunk(th, globals, `
sim = simulation(seed = 1)
sim.add_peers(topology.random_regular(2000, 8), services = [connection_manager(ping_interval = 10)])`)
	if err != nil {
		t.Fatal(FormatError(err))
	}
	if _, _, _, ok := e.Running(); ok {
		t.Fatal("Running reports a run before sim.run")
	}
	done := make(chan error)
	go func() {
		_, _, err := e.ExecREPLChunk(th, globals, "sim.run(until = 1e9)")
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if now, until, _, ok := e.Running(); ok && now > 0 {
			if until != 1e9 {
				t.Errorf("Running until = %v", until)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the run never showed progress")
		}
		time.Sleep(time.Millisecond)
	}
	e.Interrupt()
	err = <-done
	if err == nil || !strings.Contains(FormatError(err), "interrupted at t=") {
		t.Fatalf("want an interruption, got %v", err)
	}
	e.Uncancel()
	// The session and the simulation carry on.
	v, _, err := e.ExecREPLChunk(th, globals, "sim.now")
	if err != nil {
		t.Fatal(FormatError(err))
	}
	reached, _ := starlark.AsFloat(v)
	if reached <= 0 || reached >= 1e9 {
		t.Fatalf("sim.now after the interruption = %v", v)
	}
	if _, _, err := e.ExecREPLChunk(th, globals, "sim.run(until = sim.now + 50)"); err != nil {
		t.Fatal(FormatError(err))
	}
}

func TestInterruptLoop(t *testing.T) {
	e, th, _ := testEnv(t, Options{})
	done := make(chan error)
	go func() {
		_, err := e.ExecFile(th, "loop.star", "n = 0\nwhile True:\n    n += 1\n")
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	e.Interrupt()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(FormatError(err), "cancelled: interrupted") {
			t.Fatalf("want a cancellation, got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Interrupt did not stop the loop")
	}
	e.Uncancel()
	if _, err := e.ExecFile(th, "after.star", "x = 1\n"); err != nil {
		t.Fatalf("session unusable after an interrupt: %v", err)
	}
}

func TestStepBudgetIsPerExec(t *testing.T) {
	e, th, _ := testEnv(t, Options{MaxSteps: 20000})
	src := "n = 0\nfor i in range(1000):\n    n += i\n"
	for i := 0; i < 5; i++ { // cumulative steps exceed the budget; each exec has its own
		if _, err := e.ExecFile(th, "budget.star", src); err != nil {
			t.Fatalf("exec %d: %s", i, FormatError(err))
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("lib.star", "load('@stdlib/consensus.star', 'quorum')\ndef double(x):\n    return 2 * x\nq = quorum(7)\n")
	write("main.star", "load('lib.star', 'double', 'q')\nload('@stdlib/consensus.star', 'quorum')\nx = double(q) + quorum(4)\n")
	write("cycle_a.star", "load('cycle_b.star', 'b')\na = 1\n")
	write("cycle_b.star", "load('cycle_a.star', 'a')\nb = 1\n")
	write("bad.star", "load('@stdlib/nope.star', 'x')\n")
	write("broken.star", "def f():\n    return 1 // 0\nx = f()\n")
	write("uses_broken.star", "y = 1\nload('broken.star', 'x')\n")
	e, th, _ := testEnv(t, Options{})
	e.SetStdlib(fstest.MapFS{"consensus.star": {Data: []byte("def quorum(n):\n    return n // 2 + 1\n")}})
	g, err := e.ExecFile(th, filepath.Join(dir, "main.star"), nil)
	if err != nil {
		t.Fatal(FormatError(err))
	}
	if g["x"].String() != "11" {
		t.Fatalf("x = %v, want 11", g["x"])
	}
	if _, err := e.ExecFile(th, filepath.Join(dir, "cycle_a.star"), nil); err == nil || !strings.Contains(err.Error(), "cycle in load graph") {
		t.Errorf("cycle: %v", err)
	}
	if _, err := e.ExecFile(th, filepath.Join(dir, "bad.star"), nil); err == nil || !strings.Contains(err.Error(), `no module "@stdlib/nope.star" in the standard library`) {
		t.Errorf("missing stdlib module: %v", err)
	}
	if _, err := e.ExecFile(th, filepath.Join(dir, "x.star"), "load('missing.star', 'y')\n"); err == nil || !strings.Contains(err.Error(), "cannot load") {
		t.Errorf("missing file: %v", err)
	}
	// An error inside a loaded module shows both files.
	_, err = e.ExecFile(th, filepath.Join(dir, "uses_broken.star"), nil)
	msg := FormatError(err)
	for _, want := range []string{"broken.star:2:14: floored division by zero", "uses_broken.star:2:1: in <toplevel>", "broken.star:3:6: in <toplevel>", "broken.star:2:14: in f"} {
		if !strings.Contains(msg, want) {
			t.Errorf("load error lacks %q:\n%s", want, msg)
		}
	}
}

// TestLoadBindsForTheREPL: what a REPL input or a script run for -i
// loads stays bound for the inputs that follow.
func TestLoadBindsForTheREPL(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.star"), []byte("load('@stdlib/m.star', 'half')\nx = half(8)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e, th, _ := testEnv(t, Options{})
	e.SetStdlib(fstest.MapFS{"m.star": {Data: []byte("def half(n):\n    return n // 2\n")}})
	g, err := e.ExecFile(th, filepath.Join(dir, "main.star"), nil)
	if err != nil || g["half"] != nil {
		t.Fatalf("ExecFile: %v; loaded names among its globals: %v", err, g.Keys())
	}
	g, err = e.ExecFileInteractive(th, filepath.Join(dir, "main.star"), nil)
	if err != nil || g["half"] == nil || g["x"].String() != "4" {
		t.Fatalf("ExecFileInteractive: %v; globals %v", err, g)
	}
	globals := starlark.StringDict{}
	if _, _, err := e.ExecREPLChunk(th, globals, "load('@stdlib/m.star', h = 'half')"); err != nil {
		t.Fatal(FormatError(err))
	}
	if v, _, err := e.ExecREPLChunk(th, globals, "h(10)"); err != nil || v.String() != "5" {
		t.Errorf("h(10) after a load at the prompt = %v, %v", v, err)
	}
}

func TestREPLChunks(t *testing.T) {
	e, th, out := testEnv(t, Options{})
	globals := starlark.StringDict{}
	steps := []struct {
		src, value, err string
	}{
		{src: "sim = simulation(seed = 2)"},
		{src: "p = sim.add_peers(3)"},
		{src: "len(p)", value: "3"},
		{src: "p[0].nope", err: "peer has no .nope field or method"},
		{src: "def f(x):\n    return x + 1\n"},
		{src: "f(1)", value: "2"},
		{src: "undefined_name", err: "undefined: undefined_name"},
		{src: "print('hi')", value: "None"},
		{src: "sim.now", value: "0.0"},
		{src: "for i in range(3):\n    sim.run(until = (i + 1) * 10)\n"},
		{src: "sim.now", value: "30.0"},
	}
	for _, s := range steps {
		v, isExpr, err := e.ExecREPLChunk(th, globals, s.src)
		if s.err != "" {
			if err == nil || !strings.Contains(FormatError(err), s.err) {
				t.Errorf("%q: want error %q, got %v", s.src, s.err, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %s", s.src, FormatError(err))
		}
		if s.value != "" && (!isExpr || v.String() != s.value) {
			t.Errorf("%q = %v (expr %v), want %s", s.src, v, isExpr, s.value)
		}
	}
	if out.String() != "hi\n" {
		t.Errorf("print output %q", out.String())
	}
}

func TestDocs(t *testing.T) {
	e := NewEnv(Options{})
	for name, v := range e.Predeclared() {
		if api.Doc(v) == "" {
			t.Errorf("no doc for %s", name)
		}
		if m, ok := v.(*api.Module); ok {
			for _, k := range m.AttrNames() {
				member, _ := m.Attr(k)
				if api.Doc(member) == "" {
					t.Errorf("no doc for %s.%s", name, k)
				}
			}
		}
	}
	for _, name := range []string{"sim.run", "peer.send", "self.after", "peer", "simulation", "message", "dist.norm", "topology.from_file", "sim.load_series", "sim.now", "msg.hops", "t.filter", "table.from_dicts", "plot.line", "timer.cancel"} {
		if d, ok := api.Lookup(name); !ok || d == "" {
			t.Errorf("api.Lookup(%q) is empty", name)
		}
	}
	for _, name := range api.Names() {
		if d, ok := api.Lookup(name); !ok || d == "" {
			t.Errorf("api.Names lists %q, which has no doc", name)
		}
	}
	// Methods of values, reached as help() would reach them.
	e2, th, out := testEnv(t, Options{})
	src := `
sim = simulation()
p = sim.add_peer()
for x in [sim, p, message("x"), dist.norm(), topology.ring(3), network(regions = ["a"], latency = 1), gossip()]:
    for name in dir(x):
        a = getattr(x, name)
        if type(a) == "builtin_function_or_method":
            help(a)
    help(x)
help(dist)
help(topology)
help(random)
def documented():
    "My doc."
help(documented)
help(service("S", doc = "Service doc."))
help()
`
	if _, err := e2.ExecFile(th, "help.star", src); err != nil {
		t.Fatal(FormatError(err))
	}
	got := out.String()
	if strings.Contains(got, "no documentation") {
		t.Errorf("help printed 'no documentation':\n%s", got)
	}
	for _, want := range []string{"sim.run(until=None, until_event=None, catch=False)", "peer.send(to, msg)", "documented()\n\nMy doc.", "service S\n\nService doc.", "Builtins (help(NAME) for more):", "dist.norm(loc=0, scale=1)"} {
		if !strings.Contains(got, want) {
			t.Errorf("help output lacks %q", want)
		}
	}
	if n := len(api.Names()); n < 150 {
		t.Errorf("api.Names has only %d names", n)
	}
}

// Standard library modules are compiled once for every Env but executed
// by each: their globals (here a mutable list, frozen after loading) are
// never shared between Envs, so runs of a sweep stay independent.
func TestStdlibCompiledOnceExecutedPerEnv(t *testing.T) {
	lib := fstest.MapFS{"state.star": {Data: []byte("counts = [random.randint(0, 1 << 30)]\ndef get():\n    return counts\n")}}
	var got []starlark.Value
	for seed := uint64(1); seed <= 2; seed++ {
		e := NewEnv(Options{Seed: seed, SeedSet: true})
		e.SetStdlib(lib)
		g, err := e.ExecFile(e.NewThread("t"), "t.star", `load("@stdlib/state.star", "get")
x = get()`)
		if err != nil {
			t.Fatal(FormatError(err))
		}
		got = append(got, g["x"])
	}
	if got[0] == got[1] {
		t.Fatalf("two Envs share the module's list %v", got[0])
	}
	if eq, _ := starlark.Equal(got[0], got[1]); eq {
		t.Errorf("the module ran with one seed for both Envs: %v", got[0])
	}
}
