package bindings

import (
	"fmt"
	"strconv"
	"strings"

	"go.starlark.net/lib/json"
	starlarkmath "go.starlark.net/lib/math"
	starlarktime "go.starlark.net/lib/time"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// builtinFunc is the signature of every builtin implementation.
type builtinFunc = func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)

// safe wraps a builtin so that a Go panic inside it becomes an
// *InternalError naming the script location instead of crashing.
func safe(fn builtinFunc) builtinFunc {
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (v starlark.Value, err error) {
		defer recoverInternal(thread, &err)
		return fn(thread, b, args, kwargs)
	}
}

// def is one documented builtin.
type def struct {
	name string
	doc  string
	fn   builtinFunc
}

func (d def) builtin() *starlark.Builtin { return starlark.NewBuiltin(d.name, safe(d.fn)) }

func registerFuncs(defs []def) {
	registerDocs = append(registerDocs, func() {
		for _, d := range defs {
			funcDocs[d.name] = d.doc
		}
	})
}

func registerDoc(name, doc string) {
	registerDocs = append(registerDocs, func() { funcDocs[name] = doc })
}

func registerType(name, doc string) {
	registerDocs = append(registerDocs, func() { typeDocs[name] = doc })
}

// module builds a module value from member builtins.
func module(name string, defs []def, extra starlark.StringDict) *starlarkstruct.Module {
	m := &starlarkstruct.Module{Name: name, Members: starlark.StringDict{}}
	for _, d := range defs {
		short := strings.TrimPrefix(d.name, name+".")
		m.Members[short] = d.builtin()
	}
	for k, v := range extra {
		m.Members[k] = v
	}
	m.Freeze()
	return m
}

var topDefs []def

func init() {
	topDefs = []def{
		{"param", `param(name, default) -> value of --set name=VALUE, or default

Reads a command-line parameter given with --set name=VALUE, converted to
the type of default (int, float, bool or string; a default of None gives
the string). Without --set name=..., returns default.

  n = param("n", 100)           # p2prepl run x.star --set n=1000
  strict = param("strict", False)`, builtinParam},
		{"sum", `sum(iterable, start=0) -> start plus every element (numbers), as Python's sum.

  mean = sum(times) / len(times)`, builtinSum},
		{"help", `help(x) -> None

Prints the documentation of x: a builtin, a module (dist, topology,
random), a method (help(sim.run)), a value (help(sim), help(peer)) or one
of your functions or services (its doc string). help() lists the builtins.`, builtinHelp},
	}
	registerFuncs(topDefs)
	registerDoc("units", "Unit constants: bandwidth in bits per second (bps=1, kbps=1e3, Mbps=1e6, Gbps=1e9) and time in simulated milliseconds (ms=1, s=1000).")
	for _, u := range []string{"bps", "kbps", "Mbps", "Gbps"} {
		registerDoc(u, u+": a bandwidth unit in bits per second (bps=1, kbps=1000, Mbps=1000000, Gbps=1000000000); upload = 50 * Mbps.")
	}
	registerDoc("ms", "ms = 1: simulated time is in milliseconds; sim.run(until = 10 * s).")
	registerDoc("s", "s = 1000: one simulated second in milliseconds; sim.run(until = 10 * s).")
	registerDoc("json", "json: encode(x), decode(s), indent(s) (go.starlark.net/lib/json).")
	registerDoc("math", "math: floor, ceil, sqrt, log, exp, pow, pi, e, inf, ... (go.starlark.net/lib/math).")
	registerDoc("time", "time: duration and time values (go.starlark.net/lib/time). time.now() follows simulated time: the Unix epoch plus the current simulation's sim.now, so runs stay reproducible.")
	registerDoc("struct", "struct(**kwargs) -> an immutable record with the given fields: struct(a = 1).a == 1 (go.starlark.net/starlarkstruct).")
}

func (e *Env) makePredeclared() starlark.StringDict {
	d := starlark.StringDict{
		"bps":    starlark.MakeInt(1),
		"kbps":   starlark.MakeInt(1_000),
		"Mbps":   starlark.MakeInt(1_000_000),
		"Gbps":   starlark.MakeInt(1_000_000_000),
		"ms":     starlark.MakeInt(1),
		"s":      starlark.MakeInt(1000),
		"json":   json.Module,
		"math":   starlarkmath.Module,
		"time":   starlarktime.Module,
		"struct": starlark.NewBuiltin("struct", starlarkstruct.Make),
	}
	for _, defs := range [][]def{topDefs, simDefs, networkDefs, messageDefs, serviceDefs, serviceCtorDefs} {
		for _, df := range defs {
			d[df.name] = df.builtin()
		}
	}
	d["dist"] = module("dist", distDefs, nil)
	d["topology"] = module("topology", topologyDefs, nil)
	d["random"] = module("random", randomDefs, nil)
	addAnalysis(d)
	d.Freeze()
	return d
}

func builtinParam(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	var dflt starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name, "default", &dflt); err != nil {
		return nil, err
	}
	e := envOf(thread)
	raw, ok := e.opts.Params[name]
	if !ok {
		return dflt, nil
	}
	e.usedParams[name] = true
	bad := func(want string) error {
		return fmt.Errorf("param %q: --set %s=%s is not %s (the default, %s, is %s)", name, name, raw, want, dflt.String(), dflt.Type())
	}
	switch dflt.(type) {
	case starlark.NoneType, starlark.String:
		return starlark.String(raw), nil
	case starlark.Bool:
		v, err := strconv.ParseBool(strings.TrimSpace(raw))
		if err != nil {
			return nil, bad("a bool (true or false)")
		}
		return starlark.Bool(v), nil
	case starlark.Int:
		v, err := strconv.ParseInt(strings.TrimSpace(strings.ReplaceAll(raw, "_", "")), 0, 64)
		if err != nil {
			return nil, bad("an int")
		}
		return starlark.MakeInt64(v), nil
	case starlark.Float:
		v, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if err != nil {
			return nil, bad("a number")
		}
		return starlark.Float(v), nil
	}
	return nil, fmt.Errorf("param %q: the default must be an int, float, bool, string or None (got %s)", name, dflt.Type())
}

func builtinHelp(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "x?", &x); err != nil {
		return nil, err
	}
	e := envOf(thread)
	if x == nil {
		loadDocs()
		var sb strings.Builder
		sb.WriteString("Builtins (help(NAME) for more):\n")
		for _, n := range Names() {
			fmt.Fprintf(&sb, "  %-20s %s\n", n, firstLine(Doc(e.predeclared[n])))
		}
		fmt.Fprint(e.opts.Stdout, sb.String())
		return starlark.None, nil
	}
	d := Doc(x)
	if d == "" {
		d = fmt.Sprintf("no documentation for %s (a %s)", x.String(), x.Type())
	}
	fmt.Fprintln(e.opts.Stdout, d)
	return starlark.None, nil
}

func builtinSum(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var it starlark.Iterable
	var acc starlark.Value = starlark.MakeInt(0)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "iterable", &it, "start?", &acc); err != nil {
		return nil, err
	}
	iter := it.Iterate()
	defer iter.Done()
	var x starlark.Value
	for i := 0; iter.Next(&x); i++ {
		if _, ok := toFloat(x); !ok {
			return nil, fmt.Errorf("sum: element %d is %s %s, not a number", i, x.Type(), short(x))
		}
		var err error
		if acc, err = starlark.Binary(syntax.PLUS, acc, x); err != nil {
			return nil, fmt.Errorf("sum: %w", err)
		}
	}
	return acc, nil
}
