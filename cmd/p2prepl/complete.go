package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/p2prepl/p2prepl/bindings/api"
)

// keywords are Starlark's reserved words, offered when completing a name.
var keywords = []string{
	"and", "break", "continue", "def", "elif", "else", "for", "if", "in",
	"lambda", "load", "not", "or", "pass", "return", "while",
}

// maxCompletionCalls bounds the pure calls one completion may make.
const maxCompletionCalls = 4

// completer completes, at the cursor:
//
//   - names: globals, builtins, keywords;
//   - attributes after a dot, of any expression it can evaluate without
//     side effects: names, attribute chains, literals, indexing (ps[0].),
//     and calls of builtins declared pure in bindings/api
//     (sim.counter("gossip").); it never calls a function defined in
//     Starlark, nor a builtin that draws random numbers, changes a
//     simulation or writes a file;
//   - keyword arguments of the function being called, from its signature
//     (simulation(se<Tab> gives seed = );
//   - module paths and exported names inside load("...", "...").
type completer struct {
	globals     starlark.StringDict // the REPL's globals (read at each Tab)
	predeclared starlark.StringDict
	thread      *starlark.Thread // runs pure calls; nil: no calls
	calls       int
}

// Do implements readline.AutoCompleter: it returns the completions'
// suffixes and the length of the word they complete.
func (c *completer) Do(line []rune, pos int) (suffixes [][]rune, length int) {
	defer func() {
		if recover() != nil { // a value misbehaved: no completion
			suffixes, length = nil, 0
		}
	}()
	text := string(line[:pos])
	if strings.TrimSpace(text) == "" {
		return [][]rune{[]rune("    ")}, 0 // Tab at the start of a line indents
	}
	c.calls = 0
	cands, partial := c.complete(text)
	for _, cand := range cands {
		suffixes = append(suffixes, []rune(cand[len(partial):]))
	}
	return suffixes, len([]rune(partial))
}

// complete returns the sorted candidates for the text before the cursor
// and the partial word they complete.
func (c *completer) complete(text string) (cands []string, partial string) {
	st := scan(text)
	switch {
	case st.comment:
		return nil, ""
	case st.inString:
		return c.completeLoad(text, st)
	}
	i := len(text)
	for i > 0 && isIdentByte(text[i-1]) {
		i--
	}
	partial, before := text[i:], text[:i]
	if partial != "" && partial[0] >= '0' && partial[0] <= '9' {
		return nil, "" // a number
	}
	if strings.HasSuffix(before, ".") {
		expr := exprBefore(before[:len(before)-1])
		if expr == "" {
			return nil, partial
		}
		v := c.evalSource(expr)
		x, ok := v.(starlark.HasAttrs)
		if !ok {
			return nil, partial
		}
		return filter(x.AttrNames(), partial), partial
	}
	var names []string
	if partial != "" {
		for _, d := range []starlark.StringDict{c.globals, c.predeclared, starlark.Universe} {
			for name := range d {
				names = append(names, name)
			}
		}
		names = append(names, keywords...)
	}
	kw := c.keywordArgs(before, partial)
	return append(kw, filter(names, partial)...), partial
}

// filter keeps the names that start with partial (names starting with
// "_" only when partial does), sorted and without repeats.
func filter(names []string, partial string) []string {
	seen := map[string]bool{}
	var out []string
	for _, name := range names {
		if seen[name] || !strings.HasPrefix(name, partial) {
			continue
		}
		if strings.HasPrefix(name, "_") && !strings.HasPrefix(partial, "_") {
			continue // private names only when asked for
		}
		seen[name] = true
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// keywordArgs offers "name = " for the parameters of the function whose
// call the cursor is in, when the cursor starts an argument: after "(" or
// ",". Parameters already given are left out.
func (c *completer) keywordArgs(before, partial string) []string {
	t := strings.TrimRight(before, " \t")
	if t == "" || (t[len(t)-1] != '(' && t[len(t)-1] != ',') {
		return nil
	}
	open := openParen(before)
	if open < 0 {
		return nil
	}
	callee := exprBefore(before[:open])
	if callee == "" {
		return nil
	}
	fn := c.evalSource(callee)
	if fn == nil {
		return nil
	}
	given := map[string]bool{}
	for _, arg := range splitTop(before[open+1:]) {
		if name, _, ok := strings.Cut(arg, "="); ok && !strings.HasPrefix(strings.TrimSpace(arg[len(name)+1:]), "=") {
			given[strings.TrimSpace(name)] = true
		}
	}
	var out []string
	for _, p := range paramNames(fn) {
		if !given[p] && strings.HasPrefix(p, partial) {
			out = append(out, p+" = ")
		}
	}
	sort.Strings(out)
	return out
}

// paramNames are the keyword parameters of a callable: a Starlark
// function's own, or those of a builtin's documented signature
// ("simulation(seed=None, network=None) -> ...").
func paramNames(fn starlark.Value) []string {
	if f, ok := fn.(*starlark.Function); ok {
		// Parameters come as positional..., keyword-only..., *args, **kwargs.
		n := f.NumParams()
		if f.HasVarargs() {
			n--
		}
		if f.HasKwargs() {
			n--
		}
		out := make([]string, n)
		for i := range out {
			out[i], _ = f.Param(i)
		}
		return out
	}
	if _, ok := fn.(starlark.Callable); !ok {
		return nil
	}
	sig := api.FirstLine(api.Doc(fn))
	i := strings.IndexByte(sig, '(')
	if i < 0 {
		return nil
	}
	j := matchClose(sig, i)
	if j < 0 {
		return nil
	}
	var out []string
	for _, part := range splitTop(sig[i+1 : j]) {
		part = strings.TrimSpace(part)
		name, _, _ := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		if isIdent(name) {
			out = append(out, name)
		}
	}
	return out
}

// completeLoad completes inside the strings of a load statement: the
// module path ("@stdlib/ana" gives "@stdlib/analysis.star", a relative
// path lists .star files), then the names the module exports.
func (c *completer) completeLoad(text string, st scanState) ([]string, string) {
	head := strings.TrimLeft(text, " \t")
	if !strings.HasPrefix(head, "load(") || len(st.strings) == 0 {
		return nil, ""
	}
	partial := text[st.strStart+1:]
	if len(st.strings) == 1 { // the module path
		var cands []string
		mods, _ := api.Library()
		for _, m := range mods {
			cands = append(cands, m.Path)
		}
		if !strings.HasPrefix(partial, "@") {
			matches, _ := filepath.Glob(globEscape(partial) + "*")
			for _, m := range matches {
				if fi, err := os.Stat(m); err == nil && fi.IsDir() {
					cands = append(cands, m+"/")
				} else if strings.HasSuffix(m, ".star") {
					cands = append(cands, m)
				}
			}
		}
		return filter(cands, partial), partial
	}
	module := st.strings[0]
	var names []string
	mods, _ := api.Library()
	for _, m := range mods {
		if m.Path != module {
			continue
		}
		for _, mem := range m.Members {
			if !strings.Contains(mem.Name, ".") {
				names = append(names, mem.Name)
			}
		}
	}
	return filter(names, partial), partial
}

func globEscape(s string) string {
	r := strings.NewReplacer(`*`, `\*`, `?`, `\?`, `[`, `\[`, `\`, `\\`)
	return r.Replace(s)
}

// evalSource evaluates expr without side effects, or returns nil.
func (c *completer) evalSource(expr string) starlark.Value {
	e, err := syntax.ParseExpr("<complete>", expr, 0)
	if err != nil {
		return nil
	}
	return c.eval(e)
}

// eval evaluates the side-effect-free subset of Starlark expressions:
// names, literals, attributes, indexing, tuples and lists of those, and
// calls of pure builtins (api.IsPure) with such arguments. An argument that
// can be called but is not pure itself (a def) is refused: the builtin
// might call it (sorted(key = f), t.sort(f)).
func (c *completer) eval(e syntax.Expr) starlark.Value {
	switch e := e.(type) {
	case *syntax.Ident:
		for _, d := range []starlark.StringDict{c.globals, c.predeclared, starlark.Universe} {
			if v, ok := d[e.Name]; ok {
				return v
			}
		}
	case *syntax.Literal:
		switch v := e.Value.(type) {
		case string:
			return starlark.String(v)
		case int64:
			return starlark.MakeInt64(v)
		case float64:
			return starlark.Float(v)
		}
	case *syntax.ParenExpr:
		return c.eval(e.X)
	case *syntax.UnaryExpr:
		if x, ok := c.eval(e.X).(starlark.Int); ok && e.Op == syntax.MINUS {
			return starlark.MakeInt(0).Sub(x)
		}
	case *syntax.DotExpr:
		if x, ok := c.eval(e.X).(starlark.HasAttrs); ok {
			if v, err := x.Attr(e.Name.Name); err == nil {
				return v
			}
		}
	case *syntax.IndexExpr:
		x, y := c.eval(e.X), c.eval(e.Y)
		if x == nil || y == nil {
			return nil
		}
		if m, ok := x.(starlark.Mapping); ok {
			if v, found, err := m.Get(y); err == nil && found {
				return v
			}
			return nil
		}
		if s, ok := x.(starlark.Indexable); ok {
			i, err := starlark.AsInt32(y)
			if err != nil {
				return nil
			}
			if i < 0 {
				i += s.Len()
			}
			if i >= 0 && i < s.Len() {
				return s.Index(i)
			}
		}
	case *syntax.TupleExpr:
		return c.evalList(e.List, true)
	case *syntax.ListExpr:
		return c.evalList(e.List, false)
	case *syntax.CallExpr:
		fn := c.eval(e.Fn)
		if fn == nil || c.thread == nil || !api.IsPure(fn) || c.calls >= maxCompletionCalls {
			return nil
		}
		var args starlark.Tuple
		var kwargs []starlark.Tuple
		for _, a := range e.Args {
			if b, ok := a.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
				k, ok := b.X.(*syntax.Ident)
				v := c.eval(b.Y)
				if !ok || !c.safeArg(v) {
					return nil
				}
				kwargs = append(kwargs, starlark.Tuple{starlark.String(k.Name), v})
				continue
			}
			if _, ok := a.(*syntax.UnaryExpr); ok && (a.(*syntax.UnaryExpr).Op == syntax.STAR || a.(*syntax.UnaryExpr).Op == syntax.STARSTAR) {
				return nil
			}
			v := c.eval(a)
			if !c.safeArg(v) {
				return nil
			}
			args = append(args, v)
		}
		c.calls++
		v, err := starlark.Call(c.thread, fn, args, kwargs)
		if err == nil {
			return v
		}
	}
	return nil
}

// safeArg reports whether v may be handed to a pure builtin: a value, or
// a callable that is pure itself.
func (c *completer) safeArg(v starlark.Value) bool {
	if v == nil {
		return false
	}
	if _, ok := v.(starlark.Callable); ok {
		return api.IsPure(v)
	}
	return true
}

func (c *completer) evalList(es []syntax.Expr, tuple bool) starlark.Value {
	vs := make([]starlark.Value, len(es))
	for i, e := range es {
		if vs[i] = c.eval(e); vs[i] == nil {
			return nil
		}
	}
	if tuple {
		return starlark.Tuple(vs)
	}
	return starlark.NewList(vs)
}

// exprBefore returns the primary expression that ends s: a name, string
// or bracketed expression followed by any chain of .attr, [index] and
// (call): "ps[0]" in "n = ps[0]", `sim.counter("gossip")` in
// `print(sim.counter("gossip")`. It is "" if s does not end with one.
func exprBefore(s string) string {
	i := len(s)
	for i > 0 {
		switch c := s[i-1]; {
		case c == ')' || c == ']':
			j := openBracket(s[:i])
			if j < 0 {
				return ""
			}
			i = j
			continue // what is called or indexed comes before
		case c == '"' || c == '\'':
			j := stringStart(s[:i])
			if j < 0 {
				return ""
			}
			i = j
		case isIdentByte(c):
			for i > 0 && isIdentByte(s[i-1]) {
				i--
			}
		default:
			return s[i:]
		}
		if i > 0 && s[i-1] == '.' {
			i--
			continue
		}
		break
	}
	return s[i:]
}

// openBracket returns the index of the bracket that the ')' or ']'
// ending s closes, or -1.
func openBracket(s string) int {
	depth := 0
	for i := len(s) - 1; i >= 0; i-- {
		switch s[i] {
		case ')', ']', '}':
			depth++
		case '(', '[', '{':
			depth--
			if depth == 0 {
				return i
			}
		case '"', '\'':
			j := stringStart(s[:i+1])
			if j < 0 {
				return -1
			}
			i = j
		}
	}
	return -1
}

// openParen returns the index of the innermost '(' not closed in s, or -1.
func openParen(s string) int {
	st := scan(s)
	if len(st.open) == 0 || s[st.open[len(st.open)-1]] != '(' {
		return -1
	}
	return st.open[len(st.open)-1]
}

// stringStart returns the index of the quote that opens the string
// literal whose closing quote ends s, or -1.
func stringStart(s string) int {
	q := s[len(s)-1]
	for i := len(s) - 2; i >= 0; i-- {
		if s[i] == q && (i == 0 || s[i-1] != '\\') {
			return i
		}
	}
	return -1
}

// matchClose returns the index of the bracket closing the one at s[i].
func matchClose(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// splitTop splits s at the commas outside brackets and strings.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// scanState is what a left-to-right scan of a line found.
type scanState struct {
	comment  bool     // the line ends in a comment
	inString bool     // the line ends inside a string literal
	strStart int      // where that string's opening quote is
	strings  []string // the string literals, the unfinished one last
	open     []int    // the brackets not closed, innermost last
}

// scan finds the strings, comment and open brackets of a line.
func scan(s string) scanState {
	var st scanState
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '#':
			st.comment = true
			return st
		case '(', '[', '{':
			st.open = append(st.open, i)
		case ')', ']', '}':
			if len(st.open) > 0 {
				st.open = st.open[:len(st.open)-1]
			}
		case '"', '\'':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				st.inString, st.strStart = true, i
				st.strings = append(st.strings, s[i+1:])
				return st
			}
			st.strings = append(st.strings, s[i+1:j])
			i = j
		}
	}
	return st
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func isIdent(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIdentByte(s[i]) {
			return false
		}
	}
	return true
}
