package main

import (
	"sort"
	"strings"

	"go.starlark.net/starlark"
)

// keywords are Starlark's reserved words, offered when completing a name.
var keywords = []string{
	"and", "break", "continue", "def", "elif", "else", "for", "if", "in",
	"lambda", "load", "not", "or", "pass", "return", "while",
}

// completer completes names (globals, builtins, keywords) and, after a
// dot, the attributes of the value a dotted name denotes. It only looks
// names and attributes up: it never calls a function.
type completer struct {
	globals     starlark.StringDict // the REPL's globals (read at each Tab)
	predeclared starlark.StringDict
}

// Do implements readline.AutoCompleter: it returns the completions'
// suffixes and the length of the word they complete.
func (c *completer) Do(line []rune, pos int) (suffixes [][]rune, length int) {
	defer func() {
		if recover() != nil { // a value's Attr misbehaved: no completion
			suffixes, length = nil, 0
		}
	}()
	if strings.TrimSpace(string(line[:pos])) == "" {
		return [][]rune{[]rune("    ")}, 0 // Tab at the start of a line indents
	}
	word := dottedWordBefore(line[:pos])
	cands, partial := c.complete(word)
	for _, cand := range cands {
		suffixes = append(suffixes, []rune(cand[len(partial):]))
	}
	return suffixes, len([]rune(partial))
}

// complete returns the sorted candidates for the dotted word ("sim.pe",
// "pri") and the partial name they complete ("pe", "pri").
func (c *completer) complete(word string) (cands []string, partial string) {
	var names []string
	if i := strings.LastIndexByte(word, '.'); i >= 0 {
		partial = word[i+1:]
		v := c.lookup(word[:i])
		if v == nil {
			return nil, partial
		}
		if x, ok := v.(starlark.HasAttrs); ok {
			names = x.AttrNames()
		}
	} else {
		partial = word
		if partial == "" {
			return nil, ""
		}
		for _, d := range []starlark.StringDict{c.globals, c.predeclared, starlark.Universe} {
			for name := range d {
				names = append(names, name)
			}
		}
		names = append(names, keywords...)
	}
	seen := map[string]bool{}
	for _, name := range names {
		if seen[name] || !strings.HasPrefix(name, partial) {
			continue
		}
		if strings.HasPrefix(name, "_") && !strings.HasPrefix(partial, "_") {
			continue // private names only when asked for
		}
		seen[name] = true
		cands = append(cands, name)
	}
	sort.Strings(cands)
	return cands, partial
}

// lookup evaluates a chain of names ("sim", "sim.network") by looking up
// the first name and then each attribute; nil if any step fails.
func (c *completer) lookup(chain string) starlark.Value {
	parts := strings.Split(chain, ".")
	for _, p := range parts {
		if !isIdent(p) {
			return nil
		}
	}
	var v starlark.Value
	for _, d := range []starlark.StringDict{c.globals, c.predeclared, starlark.Universe} {
		if x, ok := d[parts[0]]; ok {
			v = x
			break
		}
	}
	for _, name := range parts[1:] {
		x, ok := v.(starlark.HasAttrs)
		if !ok {
			return nil
		}
		attr, err := x.Attr(name)
		if err != nil || attr == nil {
			return nil
		}
		v = attr
	}
	return v
}

// dottedWordBefore returns the dotted name that ends the text ("x = sim.pe"
// gives "sim.pe"), or "" if the text does not end with one.
func dottedWordBefore(text []rune) string {
	i := len(text)
	for i > 0 && (isIdentRune(text[i-1]) || text[i-1] == '.') {
		i--
	}
	word := string(text[i:])
	if word != "" && word[0] >= '0' && word[0] <= '9' {
		return "" // a number such as 1.5
	}
	if i > 0 && (text[i-1] == '"' || text[i-1] == '\'') {
		return "" // inside a string, most likely
	}
	return word
}

func isIdentRune(r rune) bool {
	return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 127
}

func isIdent(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, r := range s {
		if !isIdentRune(r) {
			return false
		}
	}
	return true
}
