package bindings

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/p2prepl/p2prepl/bindings/plot"
	"github.com/p2prepl/p2prepl/bindings/table"
)

// Doc strings live in two static tables filled at init from the builtin
// and method tables of each file: funcDocs by qualified name ("simulation",
// "dist.norm", "sim.run", "peer.send"), typeDocs by Starlark type name
// ("simulation", "peer", "message", ...).
var (
	docsOnce   sync.Once
	funcDocs   = map[string]string{}
	typeDocs   = map[string]string{}
	methodDocs = map[string]string{} // "<Type()>.<method>"
	aliasDocs  = map[string]string{} // "sim.run", "peer.send", "self.after"
)

// registerMethod documents a method of the values of Starlark type typ;
// display is how scripts usually name the receiver ("sim", "peer",
// "self"), for DocName and AllNames.
func registerMethod(typ, display, name, doc string) {
	registerDocs = append(registerDocs, func() {
		methodDocs[typ+"."+name] = doc
		if display != "" {
			aliasDocs[display+"."+name] = doc
		}
	})
}

// DocProviders let sibling packages (table, plot) document their own
// values: Doc asks each provider first. DocMaps give their docs by
// qualified name ("table.sort") for DocName and AllNames. Add to them
// from an init function of this package (bindings imports the siblings,
// not the reverse).
var (
	docProviders []func(starlark.Value) (string, bool)
	docMaps      []func() map[string]string
)

func init() {
	docProviders = append(docProviders, table.Doc, plot.Doc)
	docMaps = append(docMaps, table.Docs, plot.Docs)
}

// registerDocs is filled by each file's init with functions adding to
// funcDocs / typeDocs; they run once, on first use.
var registerDocs []func()

func loadDocs() {
	docsOnce.Do(func() {
		for _, f := range registerDocs {
			f()
		}
	})
}

// Doc returns the documentation of a value for help() and `p2prepl help`:
// a builtin's or method's doc string, a module's summary with its members,
// a type's description with its attributes, a Starlark function's doc
// string, or a service's doc. It returns "" when there is none.
func Doc(v starlark.Value) string {
	loadDocs()
	for _, p := range docProviders {
		if d, ok := p(v); ok && d != "" {
			return d
		}
	}
	switch x := v.(type) {
	case *starlark.Builtin:
		if r := x.Receiver(); r != nil {
			name := x.Name()
			if i := strings.LastIndexByte(name, '.'); i >= 0 {
				name = name[i+1:]
			}
			return methodDocs[r.Type()+"."+name]
		}
		return funcDocs[x.Name()]
	case *starlarkstruct.Module:
		return moduleDoc(x)
	case *starlark.Function:
		d := x.Doc()
		sig := x.Name() + "(" + strings.Join(paramNames(x), ", ") + ")"
		if d == "" {
			return sig + "\n\n(no doc string)"
		}
		return sig + "\n\n" + d
	case documented:
		return x.doc()
	}
	if d, ok := typeDocs[v.Type()]; ok {
		return d
	}
	return ""
}

// documented is implemented by values whose doc depends on the value (a
// user service's doc= text).
type documented interface{ doc() string }

func paramNames(f *starlark.Function) []string {
	out := make([]string, f.NumParams())
	for i := range out {
		name, _ := f.Param(i)
		out[i] = name
	}
	if f.HasKwargs() && len(out) > 0 {
		out[len(out)-1] = "**" + out[len(out)-1]
		if f.HasVarargs() && len(out) > 1 {
			out[len(out)-2] = "*" + out[len(out)-2]
		}
	} else if f.HasVarargs() && len(out) > 0 {
		out[len(out)-1] = "*" + out[len(out)-1]
	}
	return out
}

func moduleDoc(m *starlarkstruct.Module) string {
	loadDocs()
	var sb strings.Builder
	if d, ok := funcDocs[m.Name]; ok {
		sb.WriteString(d)
	} else {
		fmt.Fprintf(&sb, "module %s", m.Name)
	}
	sb.WriteString("\n\nMembers:\n")
	for _, k := range m.Members.Keys() {
		first := firstLine(funcDocs[m.Name+"."+k])
		if first == "" {
			first = m.Members[k].Type()
		}
		fmt.Fprintf(&sb, "  %-16s %s\n", k, first)
	}
	return strings.TrimRight(sb.String(), "\n")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// DocName returns the documentation of a builtin by name, for
// `p2prepl help NAME`: a top-level name ("simulation"), a module member
// ("dist.norm"), a method ("sim.run", "peer.send", "self.after") or a type
// ("peer", "message").
func DocName(name string) (string, bool) {
	loadDocs()
	if v, ok := namesEnv().predeclared[name]; ok {
		if d := Doc(v); d != "" {
			return d, true
		}
	}
	for _, m := range []map[string]string{funcDocs, aliasDocs, typeDocs, methodDocs} {
		if d, ok := m[name]; ok {
			return d, true
		}
	}
	for _, dm := range docMaps {
		if d, ok := dm()[name]; ok {
			return d, true
		}
	}
	return "", false
}

var (
	namesOnce sync.Once
	namesE    *Env
)

func namesEnv() *Env {
	namesOnce.Do(func() { namesE = NewEnv(Options{}) })
	return namesE
}

// Names returns the sorted top-level builtin names.
func Names() []string {
	return namesEnv().predeclared.Keys()
}

// AllNames returns every documented name, sorted: top-level builtins,
// module members ("dist.norm") and methods ("sim.run").
func AllNames() []string {
	loadDocs()
	set := map[string]bool{}
	for _, n := range Names() {
		set[n] = true
	}
	for _, m := range []map[string]string{funcDocs, aliasDocs} {
		for n := range m {
			set[n] = true
		}
	}
	for _, dm := range docMaps {
		for n := range dm() {
			set[n] = true
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
