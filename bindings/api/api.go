// Package api declares p2prepl's Starlark surface in one place: every
// predeclared name, module and value type, with its attributes, methods
// and doc strings. One declaration serves a value's Attr and AttrNames,
// help(), `p2prepl help NAME`, REPL completion and the README's table of
// builtins, so each name is written once.
//
// A package declares its names at init:
//
//	var simType = api.NewType(&api.Type[*Simulation]{
//		Name: "simulation", Var: "sim",
//		Doc:  "A simulation (from simulation(...)).",
//		Fields: []api.Field[*Simulation]{
//			api.Attr("now", "the simulated time, ms", func(s *Simulation) (starlark.Value, error) { ... }),
//		},
//		Methods: []api.Builtin{
//			api.Method("run", "sim.run(until) -> None\n\n...", simRun),
//		},
//	})
//
//	func (s *Simulation) Attr(name string) (starlark.Value, error) { return simType.Attr(s, name, &s.bound) }
//	func (s *Simulation) AttrNames() []string                      { return simType.AttrNames() }
//
//	func init() {
//		api.Register(api.Function("simulation", "simulation(seed=None, ...) -> ...", builtinSimulation))
//	}
//
// Globals returns what was registered, for an environment's predeclared
// names; Doc and Lookup answer help.
//
// Modules that scripts load rather than find predeclared (the standard
// library) are documented through the same Lookup, Doc and Names: their
// owner registers a loader with SetLibrary, which runs once, on the first
// lookup that needs it, and indexes each module's exports by name
// ("coverage", "check.agreement") and the module by its path
// ("@stdlib/analysis.star", "analysis").
package api

import (
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// Fn is the signature of every builtin implementation.
type Fn = func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)

// Builtin declares one documented function: a top-level builtin, a module
// member or a method. Doc starts with the signature line
// ("sim.run(until) -> None"), then a blank line and the details.
type Builtin struct {
	Name string
	Doc  string
	Fn   Fn
	// Pure says that calling it has no side effects: it only reads state
	// and returns a new value (sim.counter, dist.norm, graph.neighbours).
	// The REPL calls pure builtins to complete what follows a call:
	// sim.counter("gossip").<Tab>. Set it with Pure(...).
	Pure bool
}

// Pure marks a builtin as free of side effects (see Builtin.Pure):
//
//	api.Pure(api.Method("counter", "sim.counter(kind) -> ...", simCounter))
//
// Anything that draws random numbers, creates or changes a simulation,
// writes a file or reads a parameter is not pure.
func Pure(b Builtin) Builtin {
	b.Pure = true
	return b
}

// InternalError is a Go panic recovered at the boundary between Starlark
// and Go: a bug in p2prepl, not in the script. It says where in the script
// it happened.
type InternalError struct {
	Value any    // what panicked
	Where string // the Starlark call stack at the panic
	Stack string // the Go stack, for a bug report
}

func (e *InternalError) Error() string {
	return fmt.Sprintf("internal error (a bug in p2prepl, please report it): %v", e.Value)
}

// Recover turns a panic into an *InternalError in *err; use it as
// `defer api.Recover(thread, &err)` at every Starlark->Go boundary.
func Recover(thread *starlark.Thread, err *error) {
	if r := recover(); r != nil {
		ie := &InternalError{Value: r, Stack: string(debug.Stack())}
		if thread != nil {
			ie.Where = thread.CallStack().String()
		}
		*err = ie
	}
}

// Safe wraps fn so that a Go panic inside it becomes an *InternalError
// naming the script location instead of crashing the process.
func Safe(fn Fn) Fn {
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (v starlark.Value, err error) {
		defer Recover(thread, &err)
		return fn(thread, b, args, kwargs)
	}
}

// NewBuiltin makes the Starlark value of b under a qualified name
// ("dist.norm"), guarded by Safe.
func NewBuiltin(name string, b Builtin) *starlark.Builtin {
	return starlark.NewBuiltin(name, Safe(b.Fn))
}

// Global is one predeclared name.
type Global struct {
	Name  string
	Doc   string
	Value starlark.Value
	pure  bool // a function declared with PureFunction
}

// Method declares a module member or a method:
//
//	api.Method("run", "sim.run(until) -> None\n\nRuns ...", simRun)
func Method(name, doc string, fn Fn) Builtin { return Builtin{Name: name, Doc: doc, Fn: fn} }

// Function declares a top-level builtin function.
func Function(name, doc string, fn Fn) Global {
	return Global{Name: name, Doc: doc, Value: NewBuiltin(name, Method(name, doc, fn))}
}

// PureFunction declares a top-level builtin function free of side effects
// (see Builtin.Pure).
func PureFunction(name, doc string, fn Fn) Global {
	g := Function(name, doc, fn)
	g.pure = true
	return g
}

// Const declares a predeclared constant or foreign module (ms, json).
func Const(name, doc string, v starlark.Value) Global {
	return Global{Name: name, Doc: doc, Value: v}
}

// The registry. Declarations happen at init; lookups may come from any
// goroutine afterwards, so it is guarded.
var (
	mu      sync.RWMutex
	globals []Global              // in registration order
	docs    = map[string]string{} // by qualified name: "simulation", "dist.norm", "sim.run", "peer"
	types   = map[string]typeDoc{}
	pure    = map[string]bool{} // pure functions and module members by qualified name: "format", "dist.norm"
)

// typeDoc is what the registry needs of a Type[T] whatever T is.
type typeDoc interface {
	typeName() string
	varName() string
	methodDoc(name string) (string, bool)
	isPure(method string) bool
	fullDoc() string
	memberNames() []string
	memberDoc(name string) string
	docText() string
	split() (attrs, methods []string)
}

// Register adds predeclared names. A name registered twice is a
// programming error and panics at init.
func Register(gs ...Global) {
	mu.Lock()
	defer mu.Unlock()
	for _, g := range gs {
		for _, h := range globals {
			if h.Name == g.Name {
				panic(fmt.Sprintf("api: %q registered twice", g.Name))
			}
		}
		if g.Doc == "" {
			panic(fmt.Sprintf("api: %q has no doc string", g.Name))
		}
		if g.Value != nil {
			g.Value.Freeze()
		}
		globals = append(globals, g)
		docs[g.Name] = g.Doc
		if g.pure {
			pure[g.Name] = true
		}
	}
}

// Globals returns the registered predeclared names, in registration order.
func Globals() []Global {
	mu.RLock()
	defer mu.RUnlock()
	return append([]Global(nil), globals...)
}

// Predeclared returns the registered names as a frozen dict.
func Predeclared() starlark.StringDict {
	d := starlark.StringDict{}
	for _, g := range Globals() {
		d[g.Name] = g.Value
	}
	d.Freeze()
	return d
}

func addDoc(name, doc string) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := docs[name]; dup {
		panic(fmt.Sprintf("api: %q documented twice", name))
	}
	docs[name] = doc
}

func addType(t typeDoc) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := types[t.typeName()]; dup {
		panic(fmt.Sprintf("api: type %q declared twice", t.typeName()))
	}
	types[t.typeName()] = t
}

// lookupBuiltin looks name up among the declarations.
func lookupBuiltin(name string) (string, bool) {
	mu.RLock()
	defer mu.RUnlock()
	if d, ok := docs[name]; ok {
		return d, true
	}
	if t, ok := types[name]; ok {
		return t.fullDoc(), true
	}
	recv, member, ok := strings.Cut(name, ".")
	if !ok {
		return "", false
	}
	for _, t := range types {
		if t.typeName() == recv || t.varName() == recv {
			if d := t.memberDoc(member); d != "" {
				return d, true
			}
		}
	}
	return "", false
}

// Lookup returns the documentation of a name: a predeclared name
// ("simulation"), a module member ("dist.norm"), a type ("peer"), a
// method or attribute under the type's name or its usual variable name
// ("sim.run", "simulation.run", "peer.send", "self.after", "msg.hops"),
// or a name of the library registered with SetLibrary: "stdlib" (all of
// it), a module ("analysis", "@stdlib/consensus/ben_or.star") or a name a
// module exports ("coverage", "check.agreement").
func Lookup(name string) (string, bool) {
	if d, ok := lookupBuiltin(name); ok {
		return d, true
	}
	return lookupLibrary(name)
}

// Names returns every documented name, sorted: predeclared names, module
// members, types, each type's attributes and methods under its usual
// variable name ("sim.run"), and the library's modules and exports.
func Names() []string {
	lib := libraryNames()
	mu.RLock()
	defer mu.RUnlock()
	set := map[string]bool{}
	for _, n := range lib {
		set[n] = true
	}
	for n := range docs {
		set[n] = true
	}
	for _, t := range types {
		prefix := t.varName()
		if prefix == "" {
			prefix = t.typeName()
		}
		for _, m := range t.memberNames() {
			set[prefix+"."+m] = true
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Documented is implemented by values whose documentation depends on the
// value (a user service's doc= text).
type Documented interface{ Doc() string }

// Doc returns the documentation of a value for help(): a builtin's or
// method's doc string, a module's summary with its members, a type's
// description with its attributes and methods, a Starlark function's
// signature and doc string, or what a number is the value of (help(ms)).
// It returns "" when there is none.
func Doc(v starlark.Value) string {
	switch x := v.(type) {
	case *starlark.Builtin:
		if r := x.Receiver(); r != nil {
			mu.RLock()
			t, ok := types[r.Type()]
			mu.RUnlock()
			if ok {
				name := x.Name()
				if i := strings.LastIndexByte(name, '.'); i >= 0 {
					name = name[i+1:]
				}
				if d, ok := t.methodDoc(name); ok {
					return d
				}
			}
			return ""
		}
		d, _ := Lookup(x.Name())
		return d
	case *Module:
		return x.fullDoc()
	case *callableModule:
		return x.fullDoc()
	case *starlark.Function:
		return funcDoc(x)
	case *starlarkstruct.Struct:
		return structDoc(x)
	case Documented:
		return x.Doc()
	case starlark.Int, starlark.Float:
		return constDoc(v)
	}
	for _, g := range Globals() {
		if g.Value == v {
			return g.Doc
		}
	}
	mu.RLock()
	t, ok := types[v.Type()]
	mu.RUnlock()
	if ok {
		return t.fullDoc()
	}
	return ""
}

// constDoc documents a number by the predeclared constants equal to it
// (help(ms) gets 1, which is ms and bps).
func constDoc(v starlark.Value) string {
	var parts []string
	for _, g := range Globals() {
		switch g.Value.(type) {
		case starlark.Int, starlark.Float:
			if eq, err := starlark.Equal(g.Value, v); err == nil && eq {
				parts = append(parts, g.Doc)
			}
		}
	}
	return strings.Join(parts, "\n")
}

// funcDoc is a Starlark function's signature and doc string, and for a
// library function the load statement that brings it in.
func funcDoc(f *starlark.Function) string {
	doc := FuncDoc(f.Name(), f)
	if path := f.Position().Filename(); strings.HasPrefix(path, "@") {
		mods, _ := Library()
		for _, m := range mods {
			if m.Path != path {
				continue
			}
			// The library loaded its own copy: match by definition site.
			for _, mem := range m.Members {
				if g, ok := mem.Value.(*starlark.Function); ok && samePlace(g.Position(), f.Position()) && !strings.Contains(mem.Name, ".") {
					return doc + "\n\n" + LoadLine(path, mem.Name)
				}
			}
		}
	}
	return doc
}

func samePlace(a, b syntax.Position) bool {
	return a.Filename() == b.Filename() && a.Line == b.Line && a.Col == b.Col
}

// FuncDoc is a Starlark function's signature, under name, and its doc
// string.
func FuncDoc(name string, f *starlark.Function) string {
	if f.Doc() == "" {
		return FuncSignature(name, f) + "\n\n(no doc string)"
	}
	return FuncSignature(name, f) + "\n\n" + CleanDoc(f.Doc())
}

// CleanDoc removes a doc string's indentation, as Python's
// inspect.cleandoc does: the first line is trimmed, the lines after it
// lose the indentation they share, and blank lines around are dropped.
func CleanDoc(doc string) string {
	lines := strings.Split(strings.ReplaceAll(doc, "\t", "    "), "\n")
	indent := -1
	for _, l := range lines[1:] {
		if t := strings.TrimLeft(l, " "); t != "" {
			if n := len(l) - len(t); indent < 0 || n < indent {
				indent = n
			}
		}
	}
	lines[0] = strings.TrimSpace(lines[0])
	for i := 1; i < len(lines); i++ {
		if len(lines[i]) >= indent && indent > 0 {
			lines[i] = lines[i][indent:]
		}
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// structDoc lists a struct's fields, with the summary of those that have
// documentation (check.agreement).
func structDoc(s *starlarkstruct.Struct) string {
	names := s.AttrNames()
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	var sb strings.Builder
	sb.WriteString("A struct; its fields (help(x.NAME) for more):\n")
	for _, n := range names {
		v, _ := s.Attr(n)
		line := v.Type()
		switch x := v.(type) {
		case *starlark.Function:
			if x.Doc() != "" {
				line = FirstLine(x.Doc())
			}
		case Documented:
			line = FirstLine(x.Doc())
		}
		fmt.Fprintf(&sb, "  %-*s  %s\n", width, n, line)
	}
	return strings.TrimRight(sb.String(), "\n")
}

// FirstLine is the first line of a doc string: its signature or summary.
func FirstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
