// Package pyformat formats numbers and strings as Python's format() does,
// following its format-specification mini-language
// ([[fill]align][sign][z][#][0][width][grouping][.precision][type]), and
// rounds as Python's round() does: to the nearest representable result of
// the exact decimal value, ties to even.
//
// Starlark's % operator has no width or precision and str.format no
// format spec, and go.starlark.net offers no hook to extend either; the
// format() and round() builtins use this package instead.
package pyformat

import (
	"fmt"
	"strings"
)

// Spec is a parsed format specification.
type Spec struct {
	Fill      rune // the padding character (' ' unless given)
	Align     byte // '<', '>', '^', '=' or 0 when not given
	ZeroPad   bool // '0' before the width, with no fill given: pad with '0' (after the sign for numbers, when no alignment is given)
	Sign      byte // '+', '-', ' ' or 0
	Z         bool // coerce negative zero to zero
	Alt       bool // '#': alternate form
	Width     int  // minimum width, 0 when not given
	Grouping  byte // ',' or '_' or 0
	Precision int  // -1 when not given
	Type      byte // 0 when not given
}

// Parse parses a format specification such as ">10,.3f".
func Parse(spec string) (Spec, error) {
	s := Spec{Fill: ' ', Precision: -1}
	r := []rune(spec)
	i := 0
	fillGiven := false
	isAlign := func(c rune) bool { return c == '<' || c == '>' || c == '^' || c == '=' }
	switch {
	case len(r) >= 2 && isAlign(r[1]):
		s.Fill, s.Align, i = r[0], byte(r[1]), 2
		fillGiven = true
	case len(r) >= 1 && isAlign(r[0]):
		s.Align, i = byte(r[0]), 1
	}
	if i < len(r) && (r[i] == '+' || r[i] == '-' || r[i] == ' ') {
		s.Sign = byte(r[i])
		i++
	}
	if i < len(r) && r[i] == 'z' {
		s.Z = true
		i++
	}
	if i < len(r) && r[i] == '#' {
		s.Alt = true
		i++
	}
	if i < len(r) && r[i] == '0' && !fillGiven {
		s.Fill, s.ZeroPad = '0', true
		i++
	}
	width, n, err := digits(r[i:], "width")
	if err != nil {
		return s, err
	}
	s.Width, i = width, i+n
	if i < len(r) && (r[i] == ',' || r[i] == '_') {
		s.Grouping = byte(r[i])
		i++
		if i < len(r) && (r[i] == ',' || r[i] == '_') {
			return s, fmt.Errorf("cannot specify both ',' and '_' in format spec %q", spec)
		}
	}
	if i < len(r) && r[i] == '.' {
		i++
		p, n, err := digits(r[i:], "precision")
		if err != nil {
			return s, err
		}
		if n == 0 {
			return s, fmt.Errorf("format spec %q: a '.' must be followed by the precision", spec)
		}
		s.Precision, i = p, i+n
	}
	if i < len(r) {
		if r[i] > 127 || !strings.ContainsRune("bcdeEfFgGnosxX%", r[i]) || i+1 < len(r) {
			return s, fmt.Errorf("invalid format spec %q (want [[fill]align][sign][z][#][0][width][,|_][.precision][type], e.g. \".3f\", \">8,\", \".1%%\")", spec)
		}
		s.Type = byte(r[i])
	}
	return s, nil
}

// digits reads a decimal number at the start of r and returns it with the
// number of runes read.
func digits(r []rune, what string) (int, int, error) {
	v, n := 0, 0
	for n < len(r) && r[n] >= '0' && r[n] <= '9' {
		v = 10*v + int(r[n]-'0')
		if v > 1<<20 {
			return 0, 0, fmt.Errorf("format spec: %s too large", what)
		}
		n++
	}
	return v, n, nil
}

// align is the alignment in effect: the given one, else '=' for a
// zero-padded number, else defAlign.
func (s Spec) align(defAlign byte) byte {
	switch {
	case s.Align != 0:
		return s.Align
	case s.ZeroPad && defAlign == '>':
		return '='
	}
	return defAlign
}

// pad lays out a formatted value in the spec's width: sign and prefix
// ("-", "0x") come before the padding for '=' alignment, before the body
// otherwise. defAlign is the alignment when the spec gives none ('>' for
// numbers, '<' for strings).
func (s Spec) pad(sign, prefix, body string, defAlign byte) string {
	n := len([]rune(sign)) + len([]rune(prefix)) + len([]rune(body))
	if n >= s.Width {
		return sign + prefix + body
	}
	fill := strings.Repeat(string(s.Fill), s.Width-n)
	switch s.align(defAlign) {
	case '<':
		return sign + prefix + body + fill
	case '^':
		left := (s.Width - n) / 2
		f := []rune(fill)
		return string(f[:left]) + sign + prefix + body + string(f[left:])
	case '=':
		return sign + prefix + fill + body
	default:
		return fill + sign + prefix + body
	}
}

// group inserts sep every size digits from the right of the integer digits
// d. With zero padding (fill '0', '=' alignment) it pads with grouped
// zeros to at least minWidth, as Python does: format(1234, "08,") is
// "0,001,234".
func group(d string, sep byte, size, minWidth int) string {
	if sep == 0 {
		if len(d) < minWidth {
			return strings.Repeat("0", minWidth-len(d)) + d
		}
		return d
	}
	var parts []string
	remaining := len(d)
	for {
		l := min(max(remaining, minWidth, 1), size)
		zeros := max(0, l-remaining)
		chars := max(0, min(remaining, l))
		parts = append(parts, strings.Repeat("0", zeros)+d[remaining-chars:remaining])
		remaining -= chars
		minWidth -= l
		if remaining <= 0 && minWidth <= 0 {
			break
		}
		minWidth-- // the separator
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, string(sep))
}
