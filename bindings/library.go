package bindings

import (
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"

	"github.com/p2prepl/p2prepl/bindings/api"
)

// LibraryDocs returns, for api.SetLibrary, the loader of the documentation
// of the standard library in fsys (the modules load("@stdlib/...") reads).
// It loads every module in a fresh Env and indexes what each exports (its
// global names not starting with "_"): functions by their doc strings,
// services by their doc=, structs of functions field by field
// ("check.agreement"), and other values by the paragraph of the module's
// doc string that starts with their name.
func LibraryDocs(fsys fs.FS) func() ([]api.LibraryModule, error) {
	return func() ([]api.LibraryModule, error) {
		var paths []string
		err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".star") {
				paths = append(paths, p)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(paths)
		env := NewEnv(Options{Stdout: io.Discard})
		env.SetStdlib(fsys)
		var mods []api.LibraryModule
		for _, p := range paths {
			m, err := libraryModule(env, fsys, p)
			if err != nil {
				return nil, err
			}
			mods = append(mods, m)
		}
		return mods, nil
	}
}

func libraryModule(env *Env, fsys fs.FS, p string) (api.LibraryModule, error) {
	path := "@stdlib/" + p
	src, err := fs.ReadFile(fsys, p)
	if err != nil {
		return api.LibraryModule{}, err
	}
	m := api.LibraryModule{Path: path, Doc: moduleDocString(path, src)}
	thread := env.NewThread("help")
	globals, err := thread.Load(thread, path)
	if err != nil {
		return m, fmt.Errorf("loading %s for its documentation: %s", path, FormatError(err))
	}
	for _, name := range globals.Keys() {
		if strings.HasPrefix(name, "_") {
			continue
		}
		m.Members = append(m.Members, libraryMembers(m, name, globals[name])...)
	}
	return m, nil
}

// libraryMembers documents one exported name: a struct also yields one
// member per function field.
func libraryMembers(m api.LibraryModule, name string, v starlark.Value) []api.LibraryMember {
	switch x := v.(type) {
	case *starlark.Function:
		return []api.LibraryMember{{Name: name, Kind: "function", Doc: api.FuncDoc(name, x), Own: x.Doc() != "", Value: v}}
	case *ServiceType:
		return []api.LibraryMember{{Name: name, Kind: "service", Doc: name + ": " + x.Doc(), Own: x.docText != "", Value: v}}
	case *starlarkstruct.Struct:
		var fields []api.LibraryMember
		var names, docs []string
		width := 0
		for _, f := range x.AttrNames() {
			fv, _ := x.Attr(f)
			sub := libraryMembers(m, name+"."+f, fv)
			fields = append(fields, sub...)
			names = append(names, f)
			width = max(width, len(name)+1+len(f))
			line := fv.Type()
			if len(sub) == 1 && sub[0].Kind != "value" {
				line = firstDocLine(sub[0].Doc)
			}
			docs = append(docs, line)
		}
		doc := paragraphAbout(m.Doc, name)
		if doc == "" {
			doc = name + ": a struct of " + strings.Join(names, ", ")
		}
		doc += "\n\nFields (help(" + name + ".NAME) for more):"
		for i, f := range names {
			doc += fmt.Sprintf("\n  %-*s  %s", width, name+"."+f, docs[i])
		}
		return append([]api.LibraryMember{{Name: name, Kind: "struct", Doc: doc, Own: true, Value: v}}, fields...)
	}
	doc := paragraphAbout(m.Doc, name)
	if doc == "" {
		doc = fmt.Sprintf("%s = %s (a %s)", name, short(v), v.Type())
	}
	return []api.LibraryMember{{Name: name, Kind: "value", Doc: doc, Own: false, Value: v}}
}

// firstDocLine is the first line after a member doc's signature line.
func firstDocLine(doc string) string {
	_, rest, _ := strings.Cut(doc, "\n")
	for _, l := range strings.Split(rest, "\n") {
		if t := strings.TrimSpace(l); t != "" {
			return t
		}
	}
	return ""
}

// moduleDocString is the module's doc string: a string literal as its
// first statement.
func moduleDocString(path string, src []byte) string {
	f, err := FileOptions().Parse(path, src, 0)
	if err != nil || len(f.Stmts) == 0 {
		return ""
	}
	if es, ok := f.Stmts[0].(*syntax.ExprStmt); ok {
		if lit, ok := es.X.(*syntax.Literal); ok && lit.Token == syntax.STRING {
			if s, ok := lit.Value.(string); ok {
				return strings.TrimSpace(s)
			}
		}
	}
	return ""
}

// paragraphAbout finds, in a module doc string laid out as
//
//	NAME(...) or NAME
//	    what it is ...
//
// the entry for name: its unindented first line and the indented lines
// that follow.
func paragraphAbout(doc, name string) string {
	lines := strings.Split(doc, "\n")
	for i, l := range lines {
		rest, ok := strings.CutPrefix(l, name)
		if !ok || rest != "" && !strings.ContainsAny(rest[:1], "( =:") {
			continue
		}
		out := []string{l}
		indent := ""
		for _, m := range lines[i+1:] {
			if strings.TrimSpace(m) == "" {
				if len(out) > 1 {
					break
				}
				continue
			}
			if m[0] != ' ' && m[0] != '\t' {
				break
			}
			if indent == "" {
				indent = m[:len(m)-len(strings.TrimLeft(m, " \t"))]
			}
			out = append(out, strings.TrimPrefix(m, indent))
		}
		if len(out) > 1 {
			return out[0] + "\n\n" + strings.Join(out[1:], "\n")
		}
		if len(strings.TrimSpace(rest)) > 2 { // one line says it all
			return l
		}
	}
	return ""
}
