package api

import (
	"fmt"
	"sort"
	"strings"

	"go.starlark.net/starlark"
)

// Field declares a read-only attribute of a value of type T. Doc is one
// line ("the simulated time, in ms").
type Field[T starlark.Value] struct {
	Name string
	Doc  string
	Get  func(T) (starlark.Value, error)
}

// Attr declares a field: api.Attr("now", "the simulated time, ms", getNow).
func Attr[T starlark.Value](name, doc string, get func(T) (starlark.Value, error)) Field[T] {
	return Field[T]{Name: name, Doc: doc, Get: get}
}

// Type declares a Starlark value type: its attributes and methods with
// their docs. Declare it once with NewType and implement the value's Attr
// and AttrNames with it.
type Type[T starlark.Value] struct {
	Name    string // what the values' Type() returns: "simulation"
	Var     string // how scripts usually name one, in docs and method names: "sim"
	Doc     string // what a value is and where it comes from
	Fields  []Field[T]
	Methods []Builtin

	index nameIndex // fields first, then methods
	qual  []string  // "sim.run", per method
	fns   []Fn      // the methods, guarded by Safe
	names []string  // sorted attribute names
}

// nameIndex finds an attribute's position by its name. Scripts read
// attributes in their hottest code (msg.ttl, self.peer.gossip in a
// handler, once per delivery), and a Go map hashes the whole name on
// every lookup: msg.ttl took 216 instructions through a map, 137 through
// the buckets below (callgrind, S1's Starlark gossip). The name's length
// and its first and last bytes pick a bucket of a few candidates, and one
// string comparison settles it; sites then remembers the answer for the
// string the script passed (see siteCache), so that the next run of the
// same expression compares two words instead (msg.first and msg.ttl: 91
// instructions a lookup, field value included). The buckets are read-only
// once built and sites is safe for concurrent use, so that runs on
// several goroutines share the index.
type nameIndex struct {
	names   []string    // in position order
	buckets [64][]int32 // positions, by bucketOf
	sites   siteCache
}

func bucketOf(name string) int {
	return (len(name)*7 + int(name[0])*3 + int(name[len(name)-1])) & 63
}

func (x *nameIndex) add(name string) {
	x.buckets[bucketOf(name)] = append(x.buckets[bucketOf(name)], int32(len(x.names)))
	x.names = append(x.names, name)
}

func (x *nameIndex) find(name string) (int, bool) {
	if i, ok := x.sites.get(name); ok {
		return i, true
	}
	return x.lookup(name)
}

func (x *nameIndex) lookup(name string) (int, bool) {
	if name == "" {
		return 0, false
	}
	for _, i := range x.buckets[bucketOf(name)] {
		if x.names[i] == name {
			x.sites.put(name, int(i))
			return int(i), true
		}
	}
	return 0, false
}

// Bound caches the methods bound to one value, so that looking up
// peer.send in a hot handler allocates only once per peer.
type Bound []*starlark.Builtin

// NewType checks and registers a declaration. Duplicate or undocumented
// names are programming errors and panic at init.
func NewType[T starlark.Value](t *Type[T]) *Type[T] {
	if t.Name == "" || t.Doc == "" {
		panic("api: a type needs a name and a doc")
	}
	add := func(name, doc string) {
		if _, dup := t.index.find(name); dup || name == "" {
			panic(fmt.Sprintf("api: %s.%q declared twice or empty", t.Name, name))
		}
		if doc == "" {
			panic(fmt.Sprintf("api: %s.%s has no doc string", t.Name, name))
		}
		t.index.add(name)
		t.names = append(t.names, name)
	}
	for _, f := range t.Fields {
		add(f.Name, f.Doc)
	}
	for _, m := range t.Methods {
		add(m.Name, m.Doc)
		t.qual = append(t.qual, t.prefix()+"."+m.Name)
		t.fns = append(t.fns, Safe(m.Fn))
	}
	sort.Strings(t.names)
	addType(t)
	return t
}

func (t *Type[T]) prefix() string {
	if t.Var != "" {
		return t.Var
	}
	return t.Name
}

// Attr returns v's attribute name: a field's value or a method bound to v
// (kept in *bound when bound is not nil), or nil, nil when v has no such
// attribute (Starlark then reports it with a did-you-mean hint).
func (t *Type[T]) Attr(v T, name string, bound *Bound) (starlark.Value, error) {
	i, ok := t.index.sites.get(name) // inlined: the hit is the hot path
	if !ok {
		if i, ok = t.index.lookup(name); !ok {
			return nil, nil
		}
	}
	if i < len(t.Fields) {
		return t.Fields[i].Get(v)
	}
	return t.method(v, i-len(t.Fields), bound)
}

// method returns method i bound to v (see Attr); apart, so that Attr stays
// small.
func (t *Type[T]) method(v T, i int, bound *Bound) (starlark.Value, error) {
	if bound == nil {
		return starlark.NewBuiltin(t.qual[i], t.fns[i]).BindReceiver(v), nil
	}
	if *bound == nil {
		*bound = make(Bound, len(t.Methods))
	}
	if b := (*bound)[i]; b != nil {
		return b, nil
	}
	b := starlark.NewBuiltin(t.qual[i], t.fns[i]).BindReceiver(v)
	(*bound)[i] = b
	return b, nil
}

// AttrNames returns the declared attribute and method names, sorted. The
// slice is shared: do not modify it.
func (t *Type[T]) AttrNames() []string { return t.names }

// Has reports whether name is a declared attribute or method.
func (t *Type[T]) Has(name string) bool {
	_, ok := t.index.find(name)
	return ok
}

func (t *Type[T]) typeName() string { return t.Name }
func (t *Type[T]) varName() string  { return t.Var }

func (t *Type[T]) methodDoc(name string) (string, bool) {
	i, ok := t.index.find(name)
	if !ok || i < len(t.Fields) {
		return "", false
	}
	return t.Methods[i-len(t.Fields)].Doc, true
}

func (t *Type[T]) memberNames() []string { return t.names }

func (t *Type[T]) isPure(name string) bool {
	i, ok := t.index.find(name)
	return ok && i >= len(t.Fields) && t.Methods[i-len(t.Fields)].Pure
}

func (t *Type[T]) docText() string { return t.Doc }

func (t *Type[T]) split() (attrs, methods []string) {
	for _, f := range sortedFields(t.Fields) {
		attrs = append(attrs, f.Name)
	}
	for _, m := range sortedBuiltins(t.Methods) {
		methods = append(methods, m.Name)
	}
	return attrs, methods
}

func (t *Type[T]) memberDoc(name string) string {
	i, ok := t.index.find(name)
	if !ok {
		return ""
	}
	if i < len(t.Fields) {
		return fmt.Sprintf("%s.%s: %s", t.prefix(), name, t.Fields[i].Doc)
	}
	return t.Methods[i-len(t.Fields)].Doc
}

// fullDoc is the type's doc followed by its attributes and methods, one
// line each.
func (t *Type[T]) fullDoc() string {
	var sb strings.Builder
	sb.WriteString(strings.TrimRight(t.Doc, "\n"))
	width := 0
	for _, n := range t.names {
		width = max(width, len(n))
	}
	if len(t.Fields) > 0 {
		sb.WriteString("\n\nAttributes:\n")
		for _, f := range sortedFields(t.Fields) {
			fmt.Fprintf(&sb, "  %-*s  %s\n", width, f.Name, f.Doc)
		}
	}
	if len(t.Methods) > 0 {
		if len(t.Fields) == 0 {
			sb.WriteString("\n")
		}
		sb.WriteString("\nMethods (help(" + t.prefix() + ".NAME) for more):\n")
		for _, m := range sortedBuiltins(t.Methods) {
			fmt.Fprintf(&sb, "  %-*s  %s\n", width, m.Name, FirstLine(m.Doc))
		}
	}
	return strings.TrimRight(sb.String(), "\n")
}

func sortedFields[T starlark.Value](fs []Field[T]) []Field[T] {
	out := append([]Field[T](nil), fs...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func sortedBuiltins(bs []Builtin) []Builtin {
	out := append([]Builtin(nil), bs...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
