package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/chzyer/readline"
	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings"
	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/internal/spell"
)

// helpCommand implements `p2prepl help [NAME...]`.
func helpCommand(args []string, stdout, stderr io.Writer) int {
	env := newEnv(bindings.Options{Stdout: stdout})
	predeclared := env.Predeclared()
	if len(args) == 0 {
		listBuiltins(stdout, predeclared)
		return exitOK
	}
	status := exitOK
	for i, name := range args {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if name == "-h" || name == "--help" || name == "help" || name == "run" {
			fmt.Fprint(stdout, usageText)
			continue
		}
		if doc, ok := api.Lookup(name); ok {
			fmt.Fprintln(stdout, strings.TrimRight(doc, "\n"))
			continue
		}
		v, err := resolveName(predeclared, name)
		if err != nil {
			fmt.Fprintf(stderr, "p2prepl help: %v\n", err)
			status = exitScriptError
			continue
		}
		fmt.Fprintln(stdout, docOf(name, v))
	}
	return status
}

// docOf is the documentation of v, named name.
func docOf(name string, v starlark.Value) string {
	doc := strings.TrimRight(api.Doc(v), "\n")
	if doc == "" {
		return fmt.Sprintf("%s: %s (no documentation)", name, v.Type())
	}
	return doc
}

// listBuiltins prints every builtin name with the first line of its doc.
func listBuiltins(w io.Writer, predeclared starlark.StringDict) {
	names := predeclared.Keys()
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	width = min(width, 28)
	cols := 0 // on a terminal, keep each entry on one line
	if isTerminal(w) {
		cols = readline.GetScreenWidth()
	}
	fmt.Fprintln(w, "Builtins (p2prepl help NAME, or help(NAME) in the REPL, for more):")
	for _, n := range names {
		doc := api.Doc(predeclared[n])
		line := firstLine(doc)
		if cols > 0 {
			line = truncate(line, cols-width-4)
		}
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, line)
	}
	fmt.Fprintln(w, "\np2prepl help stdlib lists the standard library's modules and functions (load(\"@stdlib/...\")).")
}

// truncate shortens s to n runes, ending it with "..." if it was longer.
func truncate(s string, n int) string {
	r := []rune(s)
	if n < 10 || len(r) <= n {
		return s
	}
	return string(r[:n-3]) + "..."
}

// firstLine is the first non-blank line of s.
func firstLine(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(line); t != "" {
			return t
		}
	}
	return ""
}

// resolveName finds the value a builtin's dotted name denotes
// ("simulation", "dist.lognorm"), looking only names and attributes up.
func resolveName(predeclared starlark.StringDict, name string) (starlark.Value, error) {
	parts := strings.Split(name, ".")
	v, ok := predeclared[parts[0]]
	if !ok {
		v, ok = starlark.Universe[parts[0]]
	}
	if !ok {
		return nil, fmt.Errorf("no builtin named %q%s", name, suggest(name, predeclared))
	}
	for i, attr := range parts[1:] {
		x, ok := v.(starlark.HasAttrs)
		var a starlark.Value
		if ok {
			a, _ = x.Attr(attr)
		}
		if a == nil {
			prefix := strings.Join(parts[:i+1], ".")
			return nil, fmt.Errorf("%s has no attribute %q%s", prefix, attr, suggest(name, predeclared))
		}
		v = a
	}
	return v, nil
}

// suggest returns " (did you mean X?)" for the known name nearest to name.
func suggest(name string, predeclared starlark.StringDict) string {
	cands := append(api.Names(), predeclared.Keys()...)
	best, bestD := "", len(name)/2+2
	for _, c := range cands {
		if d := spell.Distance(strings.ToLower(name), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return "; p2prepl help lists them all"
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}
