package api

import (
	"strings"

	"go.starlark.net/starlark"
)

// Starlark's own functions and methods that only read their arguments
// (sorted, max and min call nothing unless given key=, and the REPL's
// completion never hands them a function that is not pure).
var (
	pureUniverse = set("abs", "all", "any", "bool", "bytes", "chr", "dict", "dir", "enumerate", "float",
		"getattr", "hasattr", "hash", "int", "len", "list", "max", "min", "ord", "range", "repr",
		"reversed", "set", "sorted", "str", "tuple", "type", "zip")
	pureMethods = map[string]map[string]bool{
		"list": set("index"),
		"dict": set("get", "items", "keys", "values"),
		"set":  set("difference", "intersection", "issubset", "issuperset", "symmetric_difference", "union"),
	}
)

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// IsPure reports whether calling v has no side effects, so that the REPL
// may call it to complete the attributes of its result
// (sim.counter("gossip").<Tab>, ps[0].get("msg_data", id).<Tab>): a
// builtin, method or module member declared with Pure or PureFunction, or
// one of Starlark's own that only read (len, sorted, every string method,
// dict.get, ...). A function defined in Starlark is never taken for pure.
func IsPure(v starlark.Value) bool {
	b, ok := v.(*starlark.Builtin)
	if !ok {
		return false
	}
	if r := b.Receiver(); r != nil {
		name := b.Name()
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			name = name[i+1:]
		}
		mu.RLock()
		t, ok := types[r.Type()]
		mu.RUnlock()
		if ok {
			return t.isPure(name)
		}
		switch r.Type() {
		case "string", "bytes":
			return true
		}
		return pureMethods[r.Type()][name]
	}
	mu.RLock()
	p := pure[b.Name()]
	mu.RUnlock()
	if p {
		return true
	}
	// One of Starlark's universal builtins (not one of ours of that name).
	return pureUniverse[b.Name()] && starlark.Universe[b.Name()] == starlark.Value(b)
}
