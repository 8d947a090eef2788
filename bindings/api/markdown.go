package api

import (
	"fmt"
	"sort"
	"strings"
)

// Markdown renders the registered names as the README's tables: one row
// per predeclared name (its signature and what it returns or is), then one
// row per value type with its attributes and methods. A test keeps the
// README's copy equal to it.
func Markdown() string {
	var sb strings.Builder
	sb.WriteString("| name | what it is |\n|---|---|\n")
	gs := Globals()
	sort.Slice(gs, func(i, j int) bool { return strings.ToLower(gs[i].Name) < strings.ToLower(gs[j].Name) })
	for _, g := range gs {
		sig, what := splitSignature(g.Name, FirstLine(g.Doc))
		if m := moduleOf(g); m != nil {
			names := make([]string, len(m.names))
			for i, n := range m.names {
				names[i] = "`" + n + "`"
			}
			what = strings.TrimSuffix(what, ".") + ": " + strings.Join(names, ", ")
		}
		fmt.Fprintf(&sb, "| `%s` | %s |\n", sig, escape(what))
	}

	sb.WriteString("\n| value | from | attributes | methods |\n|---|---|---|---|\n")
	mu.RLock()
	ts := make([]typeDoc, 0, len(types))
	for _, t := range types {
		ts = append(ts, t)
	}
	mu.RUnlock()
	sort.Slice(ts, func(i, j int) bool { return ts[i].typeName() < ts[j].typeName() })
	for _, t := range ts {
		attrs, methods := t.split()
		fmt.Fprintf(&sb, "| `%s` | %s | %s | %s |\n", t.varName(), escape(FirstLine(t.docText())), codeList(attrs), codeList(methods))
	}
	return sb.String()
}

// splitSignature splits "simulation(seed=None) -> a new simulation" into
// the signature and what it gives; a constant's doc ("ms = 1: ...") has
// no arrow, and a module's ("dist: ...") no parentheses.
func splitSignature(name, first string) (sig, what string) {
	if s, w, ok := strings.Cut(first, " -> "); ok && strings.HasPrefix(s, name) {
		return s, w
	}
	if rest, ok := strings.CutPrefix(first, name+": "); ok {
		return name, rest
	}
	return name, first
}

func moduleOf(g Global) *Module {
	switch m := g.Value.(type) {
	case *Module:
		return m
	case *callableModule:
		return m.Module
	}
	return nil
}

func codeList(names []string) string {
	if len(names) == 0 {
		return ""
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "`" + n + "`"
	}
	return strings.Join(out, ", ")
}

func escape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
