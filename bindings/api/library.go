package api

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"go.starlark.net/starlark"
)

// LibraryModule documents a module that scripts load rather than find
// predeclared, such as the standard library's "@stdlib/analysis.star".
type LibraryModule struct {
	Path    string // what load() takes: "@stdlib/analysis.star"
	Doc     string // the module's doc string
	Members []LibraryMember
}

// LibraryMember is one name a library module exports.
type LibraryMember struct {
	Name  string // "coverage"; a struct's function as "check.agreement"
	Kind  string // "function", "service", "struct" or "value"
	Doc   string // what help shows
	Own   bool   // Doc is the member's own doc string, not its module's
	Value starlark.Value
}

var (
	libraryLoad func() ([]LibraryModule, error)
	libraryOnce sync.Once
	library     []LibraryModule
	libraryErr  error
)

// SetLibrary registers the loader of the library's documentation. It runs
// once, at the first lookup that needs it (loading modules takes a few
// milliseconds, so help for builtins does not wait for it).
func SetLibrary(load func() ([]LibraryModule, error)) {
	mu.Lock()
	defer mu.Unlock()
	if libraryLoad != nil {
		panic("api: SetLibrary called twice")
	}
	libraryLoad = load
}

// Library returns the library's modules, sorted by path, loading them on
// first use; nil when no library is registered.
func Library() ([]LibraryModule, error) {
	mu.RLock()
	load := libraryLoad
	mu.RUnlock()
	if load == nil {
		return nil, nil
	}
	libraryOnce.Do(func() {
		library, libraryErr = load()
		sort.Slice(library, func(i, j int) bool { return library[i].Path < library[j].Path })
	})
	return library, libraryErr
}

// lookupLibrary answers Lookup for the library: "stdlib" lists it, a
// module path ("@stdlib/analysis.star", "analysis.star", "analysis",
// "consensus/ben_or") shows a module, and a member's name ("coverage",
// "check.agreement", "analysis.coverage") its doc with the load line
// that brings it in.
func lookupLibrary(name string) (string, bool) {
	mods, err := Library()
	if err != nil || len(mods) == 0 {
		return "", false
	}
	if name == "stdlib" || name == "@stdlib" || name == "@stdlib/" {
		return libraryOverview(mods), true
	}
	for _, m := range mods {
		if matchModule(m.Path, name) {
			return moduleDoc(m), true
		}
	}
	var found []string
	for _, m := range mods {
		for _, mem := range m.Members {
			if mem.Name == name || moduleBase(m.Path)+"."+mem.Name == name {
				found = append(found, memberDoc(m, mem))
			}
		}
	}
	if len(found) == 0 {
		return "", false
	}
	return strings.Join(found, "\n\n"+strings.Repeat("-", 40)+"\n\n"), true
}

// matchModule reports whether name denotes the module at path
// ("@stdlib/consensus/ben_or.star"): the path itself, or it without the
// "@stdlib/" prefix and with or without ".star".
func matchModule(path, name string) bool {
	_, rel, ok := strings.Cut(path, "/")
	if !ok {
		return path == name
	}
	return name == path || name == rel || name+".star" == rel
}

// moduleBase is "analysis" for "@stdlib/analysis.star".
func moduleBase(path string) string {
	base := path[strings.LastIndexByte(path, '/')+1:]
	return strings.TrimSuffix(base, ".star")
}

// LoadLine is the load statement that binds name from the module at path.
func LoadLine(path, name string) string {
	name, _, _ = strings.Cut(name, ".") // check.agreement comes with check
	return fmt.Sprintf("load(%q, %q)", path, name)
}

func memberDoc(m LibraryModule, mem LibraryMember) string {
	return strings.TrimRight(mem.Doc, "\n") + "\n\n" + LoadLine(m.Path, mem.Name)
}

func moduleDoc(m LibraryModule) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s\n\n%s\n\nExports (help(NAME) for more):\n", m.Path, strings.TrimRight(m.Doc, "\n"))
	writeMembers(&sb, m, "  ")
	return strings.TrimRight(sb.String(), "\n")
}

func writeMembers(sb *strings.Builder, m LibraryModule, indent string) {
	width := 0
	for _, mem := range m.Members {
		width = max(width, len(mem.Name))
	}
	for _, mem := range m.Members {
		if strings.Contains(mem.Name, ".") {
			continue // a struct's field: listed in the struct's doc
		}
		fmt.Fprintf(sb, "%s%-*s  %s\n", indent, width, mem.Name, summary(mem))
	}
}

// summary is one line about a member: the first sentence of its doc
// after the header line (a signature, or "name = value"), else the
// header.
func summary(mem LibraryMember) string {
	first, rest, _ := strings.Cut(strings.TrimSpace(mem.Doc), "\n")
	if s := firstSentence(rest); s != "" && mem.Kind != "struct" {
		return s
	}
	return first
}

// firstSentence is the first sentence of the first paragraph of s, on one
// line.
func firstSentence(s string) string {
	s = strings.TrimLeft(s, "\n\t ")
	if i := strings.Index(s, "\n\n"); i >= 0 {
		s = s[:i]
	}
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	return s
}

func libraryOverview(mods []LibraryModule) string {
	var sb strings.Builder
	sb.WriteString("The standard library: Starlark modules a script loads by path, e.g.\n\n")
	if len(mods) > 0 && len(mods[0].Members) > 0 {
		fmt.Fprintf(&sb, "  %s\n\n", LoadLine(mods[0].Path, mods[0].Members[0].Name))
	}
	sb.WriteString("help(\"MODULE\") or `p2prepl help MODULE` shows a module (e.g. analysis,\nconsensus/ben_or), help(NAME) one of its functions.\n")
	for _, m := range mods {
		fmt.Fprintf(&sb, "\n%s: %s\n", m.Path, firstSentence(m.Doc))
		writeMembers(&sb, m, "  ")
	}
	return strings.TrimRight(sb.String(), "\n")
}

// libraryNames lists every library module and member name, for Names.
func libraryNames() []string {
	mods, _ := Library()
	var out []string
	for _, m := range mods {
		out = append(out, m.Path)
		for _, mem := range m.Members {
			out = append(out, mem.Name)
		}
	}
	return out
}

// FuncSignature renders a Starlark function's signature with its
// defaults, under name (an exported alias may differ from the def's
// name): coverage(sim, of="peer", ids=None).
func FuncSignature(name string, f *starlark.Function) string {
	n := f.NumParams()
	kwonly := f.NumKwonlyParams()
	varargs, kwargs := f.HasVarargs(), f.HasKwargs()
	positional := n - kwonly
	if varargs {
		positional--
	}
	if kwargs {
		positional--
	}
	var parts []string
	param := func(i int) string {
		p, _ := f.Param(i)
		if d := f.ParamDefault(i); d != nil {
			return p + "=" + shortRepr(d)
		}
		return p
	}
	for i := 0; i < positional; i++ {
		parts = append(parts, param(i))
	}
	if varargs {
		p, _ := f.Param(positional + kwonly)
		parts = append(parts, "*"+p)
	} else if kwonly > 0 {
		parts = append(parts, "*")
	}
	for i := positional; i < positional+kwonly; i++ {
		parts = append(parts, param(i))
	}
	if kwargs {
		p, _ := f.Param(n - 1)
		parts = append(parts, "**"+p)
	}
	return name + "(" + strings.Join(parts, ", ") + ")"
}

func shortRepr(v starlark.Value) string {
	s := v.String()
	if f, ok := v.(*starlark.Function); ok {
		s = f.Name()
	}
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}

// LibraryMarkdown renders the library as the README's table: one row per
// module with the first sentence of its doc and the names it exports (a
// test keeps the README's copy equal to it).
func LibraryMarkdown() string {
	mods, err := Library()
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	var sb strings.Builder
	sb.WriteString("| module | what it is | exports |\n|---|---|---|\n")
	for _, m := range mods {
		var names []string
		for _, mem := range m.Members {
			if !strings.Contains(mem.Name, ".") {
				names = append(names, mem.Name)
			}
		}
		_, rel, _ := strings.Cut(m.Path, "/")
		fmt.Fprintf(&sb, "| `%s` | %s | %s |\n", rel, escape(firstSentence(m.Doc)), codeList(names))
	}
	return sb.String()
}
