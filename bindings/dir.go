package bindings

import (
	"sort"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/api"
)

// replGlobalsKey is the thread local under which ExecREPLChunk keeps the
// REPL's globals, for dir().
const replGlobalsKey = "p2prepl.replglobals"

func init() {
	api.Register(api.PureFunction("dir", `dir(x=None) -> sorted list of names: x's attributes and methods, or without x the globals

dir(x) lists the attributes and methods of x, as Starlark's dir does
(dir(sim), dir(json)). dir() lists the names defined so far: at the
prompt, what you (or the script run with -i) defined and loaded; in a
script, its globals. Builtins are left out (help() lists them).`, builtinDir))
}

func builtinDir(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) > 0 || len(kwargs) > 0 {
		return starlark.Call(thread, starlark.Universe["dir"], args, kwargs)
	}
	var globals starlark.StringDict
	repl := false
	if g, ok := thread.Local(replGlobalsKey).(starlark.StringDict); ok {
		globals, repl = g, true
	} else if thread.CallStackDepth() > 1 {
		if f, ok := thread.DebugFrame(1).Callable().(*starlark.Function); ok {
			globals = f.Globals()
		}
	}
	var predeclared starlark.StringDict
	if e := envOf(thread); e != nil {
		predeclared = e.predeclared
	}
	names := make([]string, 0, len(globals))
	for k, v := range globals {
		if p, ok := predeclared[k]; ok && p == v {
			continue // a builtin, not redefined
		}
		if repl && k == "_" {
			continue // the REPL's last value, as Python keeps it out of dir()
		}
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]starlark.Value, len(names))
	for i, n := range names {
		out[i] = starlark.String(n)
	}
	return starlark.NewList(out), nil
}
