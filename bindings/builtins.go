package bindings

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.starlark.net/lib/json"
	starlarkmath "go.starlark.net/lib/math"
	starlarktime "go.starlark.net/lib/time"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"

	"github.com/p2prepl/p2prepl/bindings/api"
)

// builtinFunc is the signature of every builtin implementation.
type builtinFunc = api.Fn

func init() {
	api.Register(
		api.Function("param", `param(name, default, shrink=False, least=1) -> value of --set name=VALUE, or default

Reads a command-line parameter given with --set name=VALUE, converted to
the type of default (int, float, bool or string; a default of None gives
the string). Without --set name=..., returns default. param("seed", d)
also follows --seed (and the seed of each run of a sweep).

  n = param("n", 100)           # p2prepl run x.star --set n=1000
  strict = param("strict", False)

shrink=True marks an int parameter that 'p2prepl explore' may lower
(not below least) while shrinking a failing run to a smaller one.`, builtinParam),
		api.PureFunction("sum", `sum(iterable, start=0) -> start plus every element (numbers), as Python's sum.

  mean = sum(times) / len(times)`, builtinSum),
		api.Function("help", `help(x) -> None; prints the documentation of x

Prints the documentation of x: a builtin, a module (dist, topology,
random), a method (help(sim.run)), a value (help(sim), help(peer)), a unit
(help(ms)) or one of your functions or services (its doc string). A
string names what to document: help("sim.run"), help("coverage") for a
standard-library function, help("analysis") for a module,
help("stdlib") for all of them. help() lists the builtins.`, builtinHelp),
		api.Const("bps", "bps = 1: bandwidth is in bits per second; upload = 50 * Mbps.", starlark.MakeInt(1)),
		api.Const("kbps", "kbps = 1000 bits per second; upload = 500 * kbps.", starlark.MakeInt(1_000)),
		api.Const("Mbps", "Mbps = 1000000 bits per second; upload = 50 * Mbps.", starlark.MakeInt(1_000_000)),
		api.Const("Gbps", "Gbps = 1000000000 bits per second; upload = 1 * Gbps.", starlark.MakeInt(1_000_000_000)),
		api.Const("ms", "ms = 1: simulated time is in milliseconds; self.after(250 * ms, fn).", starlark.MakeInt(1)),
		api.Const("s", "s = 1000: one simulated second in milliseconds; sim.run(until = 10 * s).", starlark.MakeInt(1000)),
		api.Const("json", "json: encode(x), decode(s), indent(s) (go.starlark.net/lib/json).", json.Module),
		api.Const("math", "math: floor, ceil, sqrt, log, exp, pow, pi, e, inf, ... (go.starlark.net/lib/math).", starlarkmath.Module),
		api.Const("time", "time: duration and time values (go.starlark.net/lib/time). time.now() follows simulated time: the Unix epoch plus the current simulation's sim.now, so runs stay reproducible.", starlarktime.Module),
		api.Const("struct", "struct(**kwargs) -> an immutable record with the given fields: struct(a = 1).a == 1 (go.starlark.net/starlarkstruct).", starlark.NewBuiltin("struct", starlarkstruct.Make)),
	)
}

func builtinParam(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	var dflt starlark.Value
	shrink, least := false, 1
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name, "default", &dflt, "shrink?", &shrink, "least?", &least); err != nil {
		return nil, err
	}
	e := envOf(thread)
	if shrink {
		return e.shrinkParam(thread, b, name, dflt, int64(least))
	}
	v, err := e.param(name, dflt)
	if err != nil {
		return nil, err
	}
	if err := e.noteParam(name, v); err != nil {
		return nil, err
	}
	return v, nil
}

// param is the value of parameter name: --set name=..., or dflt.
func (e *Env) param(name string, dflt starlark.Value) (starlark.Value, error) {
	raw, ok := e.opts.Params[name]
	if !ok && name == "seed" && e.opts.SeedSet {
		// param("seed", d) follows --seed, so that scripts that seed
		// their simulation this way vary with --seed and in sweeps.
		raw, ok = strconv.FormatUint(e.opts.Seed, 10), true
	}
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
		var sb strings.Builder
		sb.WriteString("Builtins (help(NAME) for more):\n")
		for _, g := range sortedGlobals() {
			fmt.Fprintf(&sb, "  %-20s %s\n", g.Name, api.FirstLine(g.Doc))
		}
		sb.WriteString("\nhelp(\"stdlib\") lists the standard library's modules and functions.\n")
		fmt.Fprint(e.opts.Stdout, sb.String())
		return starlark.None, nil
	}
	if name, ok := x.(starlark.String); ok {
		// help("sim.run"), help("coverage"), help("stdlib"): by name
		d, found := api.Lookup(string(name))
		if !found {
			d = fmt.Sprintf("no documentation for %q (help() lists the builtins, help(\"stdlib\") the standard library)", string(name))
		}
		fmt.Fprintln(e.opts.Stdout, d)
		return starlark.None, nil
	}
	d := api.Doc(x)
	if d == "" {
		d = fmt.Sprintf("no documentation for %s (a %s)", x.String(), x.Type())
	}
	fmt.Fprintln(e.opts.Stdout, d)
	return starlark.None, nil
}

// sortedGlobals returns the predeclared names sorted by name.
func sortedGlobals() []api.Global {
	gs := api.Globals()
	sort.Slice(gs, func(i, j int) bool { return gs[i].Name < gs[j].Name })
	return gs
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
