package bindings

import (
	"errors"
	"math"
	"sort"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// TestNoInternalErrors calls every builtin and every method of every kind
// of value with many combinations of wrong, odd and right arguments: each
// call must succeed or fail with an ordinary error, never a Go panic
// (which the boundary would report as an InternalError).
func TestNoInternalErrors(t *testing.T) {
	e, th, _ := testEnv(t, Options{MaxEvents: 20000, MaxSteps: 1_000_000})
	defer e.begin(th)()
	g, err := starlark.ExecFileOptions(FileOptions(), th, "setup.star", `
net = network(regions = ["eu", "us"], latency = 2)
sim = simulation(seed = 1, network = net)
def _on(self, msg):
    pass
svc_type = service("S", on_message = {"x": _on}, defaults = {"a": 1})
peers = sim.add_peers(topology.ring(4), region = "eu", services = [svc_type(), connection_manager()])
peer = peers[0]
msg = message("x", {"k": [1]}, id = "m")
peer.send(2, msg)
sim.run(until = 5)
got = sim.versions("m")[0]
d = dist.norm(1, 1)
ds = dist.sample(["eu", "us"])
graph = topology.ring(5)
spec = gossip()
`, e.Predeclared())
	if err != nil {
		t.Fatal(FormatError(err))
	}
	pool := []starlark.Value{
		starlark.None, starlark.MakeInt(0), starlark.MakeInt(-1), starlark.MakeInt(2),
		starlark.Float(math.NaN()), starlark.Float(math.Inf(1)), starlark.Float(1e300), starlark.Float(0.5),
		starlark.String(""), starlark.String("eu"), starlark.String("x"), starlark.True,
		starlark.NewList(nil), starlark.NewList([]starlark.Value{starlark.MakeInt(1), starlark.MakeInt(2)}),
		starlark.NewDict(0), starlark.Tuple{starlark.MakeInt(1), starlark.MakeInt(2)},
		g["d"], g["ds"], g["peer"], g["msg"], g["got"], g["graph"], g["sim"], g["spec"], g["svc_type"], g["net"],
	}
	// Everything callable: builtins, module members, methods of values.
	fns := map[string]starlark.Callable{}
	for name, v := range e.Predeclared() {
		if c, ok := v.(starlark.Callable); ok && name != "help" {
			fns[name] = c
		}
		if m, ok := v.(*starlarkstruct.Module); ok && m.Name != "json" && m.Name != "math" && m.Name != "time" {
			for k, mv := range m.Members {
				if c, ok := mv.(starlark.Callable); ok {
					fns[name+"."+k] = c
				}
			}
		}
	}
	for _, name := range []string{"sim", "peer", "msg", "got", "d", "ds", "graph", "net", "spec", "svc_type"} {
		if c, ok := g[name].(starlark.Callable); ok {
			fns[name] = c
		}
		v, ok := g[name].(starlark.HasAttrs)
		if !ok {
			continue
		}
		for _, a := range v.AttrNames() {
			av, err := v.Attr(a)
			if err != nil {
				continue
			}
			if c, ok := av.(starlark.Callable); ok && !(name == "sim" && (a == "run" || a == "step")) {
				fns[name+"."+a] = c
			}
		}
	}
	names := make([]string, 0, len(fns))
	for n := range fns {
		names = append(names, n)
	}
	sort.Strings(names)
	calls := 0
	try := func(name string, args starlark.Tuple) {
		calls++
		th.Uncancel()
		th.SetMaxExecutionSteps(th.ExecutionSteps() + 1_000_000)
		_, err := starlark.Call(th, fns[name], args, nil)
		var ie *InternalError
		if errors.As(err, &ie) {
			t.Errorf("%s%v: %s\n%s", name, args, FormatError(err), ie.Stack)
		}
	}
	for _, name := range names {
		try(name, nil)
		for _, a := range pool {
			try(name, starlark.Tuple{a})
			for _, b := range pool {
				try(name, starlark.Tuple{a, b})
			}
		}
	}
	// sim.run and sim.step with each argument (bounded by the event limit).
	sv := g["sim"].(*Simulation)
	for _, m := range []string{"run", "step"} {
		v, _ := sv.Attr(m)
		fns["sim."+m] = v.(starlark.Callable)
	}
	for _, a := range pool {
		try("sim.run", starlark.Tuple{a})
	}
	try("sim.step", nil)
	t.Logf("%d calls of %d functions", calls, len(names))
}
