package api

import (
	"fmt"
	"sort"
	"strings"

	"go.starlark.net/starlark"
)

// Module declares a predeclared module: dist, topology, random, plot.
// With Call set the module is also a function (table(...) builds a table,
// table.from_dicts(...) too).
type Module struct {
	Name    string
	Doc     string
	Members []Builtin
	Consts  []Global // documented non-function members
	Call    Fn       // optional: calling the module itself

	members starlark.StringDict
	names   []string
}

var (
	_ starlark.HasAttrs = (*Module)(nil)
	_ starlark.Callable = (*callableModule)(nil)
)

// NewModule checks a declaration and documents its members ("dist.norm").
// Register its Global to predeclare it.
func NewModule(m *Module) *Module {
	if m.Name == "" || m.Doc == "" {
		panic("api: a module needs a name and a doc")
	}
	m.members = starlark.StringDict{}
	for _, b := range m.Members {
		q := m.Name + "." + b.Name
		if _, dup := m.members[b.Name]; dup {
			panic(fmt.Sprintf("api: %s declared twice", q))
		}
		if b.Doc == "" {
			panic(fmt.Sprintf("api: %s has no doc string", q))
		}
		m.members[b.Name] = NewBuiltin(q, b)
		addDoc(q, b.Doc)
		if b.Pure {
			mu.Lock()
			pure[q] = true
			mu.Unlock()
		}
	}
	for _, c := range m.Consts {
		q := m.Name + "." + c.Name
		if _, dup := m.members[c.Name]; dup {
			panic(fmt.Sprintf("api: %s declared twice", q))
		}
		c.Value.Freeze()
		m.members[c.Name] = c.Value
		addDoc(q, c.Doc)
	}
	m.names = m.members.Keys()
	return m
}

// Global is the module as a predeclared name.
func (m *Module) Global() Global {
	var v starlark.Value = m
	if m.Call != nil {
		v = &callableModule{m, starlark.NewBuiltin(m.Name, Safe(m.Call))}
	}
	return Global{Name: m.Name, Doc: m.Doc, Value: v}
}

func (m *Module) String() string        { return "<module " + m.Name + ">" }
func (m *Module) Type() string          { return "module" }
func (m *Module) Freeze()               {}
func (m *Module) Truth() starlark.Bool  { return true }
func (m *Module) Hash() (uint32, error) { return starlark.String(m.Name).Hash() }

// Attr returns a member, or nil, nil when there is none.
func (m *Module) Attr(name string) (starlark.Value, error) { return m.members[name], nil }

// AttrNames lists the members, sorted.
func (m *Module) AttrNames() []string { return m.names }

// fullDoc is the module's doc followed by its members, one line each.
func (m *Module) fullDoc() string {
	var sb strings.Builder
	sb.WriteString(strings.TrimRight(m.Doc, "\n"))
	sb.WriteString("\n\nMembers (help(" + m.Name + ".NAME) for more):\n")
	width := 0
	for _, n := range m.names {
		width = max(width, len(n))
	}
	docOf := map[string]string{}
	for _, b := range m.Members {
		docOf[b.Name] = FirstLine(b.Doc)
	}
	for _, c := range m.Consts {
		docOf[c.Name] = FirstLine(c.Doc)
	}
	names := append([]string(nil), m.names...)
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&sb, "  %-*s  %s\n", width, n, docOf[n])
	}
	return strings.TrimRight(sb.String(), "\n")
}

// callableModule is a module that is also a function.
type callableModule struct {
	*Module
	call *starlark.Builtin
}

func (c *callableModule) String() string { return "<built-in function " + c.Module.Name + ">" }
func (c *callableModule) Type() string   { return "builtin_function_or_method" }
func (c *callableModule) Name() string   { return c.Module.Name }

func (c *callableModule) CallInternal(thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return c.call.CallInternal(thread, args, kwargs)
}
