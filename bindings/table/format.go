package table

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.starlark.net/starlark"
)

const (
	// maxShownRows is the longest table printed in full; longer ones show
	// their first and last maxShownRows/2 rows around an elision line.
	maxShownRows = 40
	// maxCellWidth is the widest a printed string cell gets.
	maxCellWidth = 40
)

// displayCell renders a cell for the aligned text form.
func displayCell(v starlark.Value) string {
	switch v := v.(type) {
	case starlark.String:
		s := string(v)
		if strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			s = strconv.Quote(s)
			s = s[1 : len(s)-1]
		}
		if utf8.RuneCountInString(s) > maxCellWidth {
			r := []rune(s)
			s = string(r[:maxCellWidth-3]) + "..."
		}
		return s
	case starlark.Float:
		return displayFloat(float64(v))
	}
	return v.String()
}

// displayFloat shows a float with 6 significant digits (from a million to
// 1e15 with one decimal instead: byte and event counts read better than
// 4.54467e+06), keeping a ".0"
// on integral values so that they still read as floats.
func displayFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "+inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	if a := math.Abs(f); a >= 1e6 && a < 1e15 {
		// Counts of bytes or events: whole numbers read better than 4.5e+06.
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	s := strconv.FormatFloat(f, 'g', 6, 64)
	if !strings.ContainsAny(s, ".e") && f == math.Trunc(f) {
		s += ".0"
	}
	return s
}

// format renders the table as aligned columns, eliding the middle rows
// when there are more than maxRows.
func (t *Table) format(maxRows int) string {
	if len(t.cols) == 0 {
		return fmt.Sprintf("(empty table, %d rows)", len(t.rows))
	}
	shown := make([]int, 0, len(t.rows))
	elided := 0
	if len(t.rows) > maxRows {
		half := maxRows / 2
		for i := 0; i < half; i++ {
			shown = append(shown, i)
		}
		for i := len(t.rows) - half; i < len(t.rows); i++ {
			shown = append(shown, i)
		}
		elided = len(t.rows) - 2*half
	} else {
		for i := range t.rows {
			shown = append(shown, i)
		}
	}

	ncol := len(t.cols)
	cells := make([][]string, len(shown))
	widths := make([]int, ncol)
	numeric := make([]bool, ncol)
	for c, name := range t.cols {
		widths[c] = utf8.RuneCountInString(name)
		numeric[c] = t.isNumericColumn(c)
	}
	for i, r := range shown {
		cells[i] = make([]string, ncol)
		for c := range t.cols {
			s := displayCell(t.rows[r][c])
			cells[i][c] = s
			if w := utf8.RuneCountInString(s); w > widths[c] {
				widths[c] = w
			}
		}
	}

	var b strings.Builder
	line := func(vals []string) {
		var l strings.Builder
		for c, s := range vals {
			if c > 0 {
				l.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[c]-utf8.RuneCountInString(s))
			if numeric[c] {
				l.WriteString(pad)
				l.WriteString(s)
			} else {
				l.WriteString(s)
				l.WriteString(pad)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteByte('\n')
	}
	line(t.cols)
	for i := range cells {
		if elided > 0 && i == len(cells)/2 {
			fmt.Fprintf(&b, "... %d rows ...\n", elided)
		}
		line(cells[i])
	}
	if len(t.rows) == 0 {
		b.WriteString("(no rows)\n")
	}
	if elided > 0 {
		fmt.Fprintf(&b, "[%d rows x %d columns]\n", len(t.rows), ncol)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// isNumericColumn reports whether every non-None cell of column c is an
// int or a float (and there is at least one).
func (t *Table) isNumericColumn(c int) bool {
	seen := false
	for _, row := range t.rows {
		switch row[c].(type) {
		case starlark.Int, starlark.Float:
			seen = true
		case starlark.NoneType:
		default:
			return false
		}
	}
	return seen
}

// csvCell renders a cell for CSV: None is empty, strings are raw, numbers
// and bools as Starlark prints them (True, False, 1.5, 2.0).
func csvCell(v starlark.Value) string {
	switch v := v.(type) {
	case starlark.NoneType:
		return ""
	case starlark.String:
		return string(v)
	}
	return v.String()
}

// CSV returns the table as CSV text with a header line.
func (t *Table) CSV() string {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(t.cols)
	rec := make([]string, len(t.cols))
	for _, row := range t.rows {
		for c, v := range row {
			rec[c] = csvCell(v)
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return buf.String()
}

// jsonCell renders a cell as JSON; NaN and infinities become null.
func jsonCell(b *bytes.Buffer, v starlark.Value) {
	switch v := v.(type) {
	case starlark.NoneType:
		b.WriteString("null")
	case starlark.Bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case starlark.Int:
		b.WriteString(v.String())
	case starlark.Float:
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			b.WriteString("null")
		} else {
			b.WriteString(v.String()) // like Python: 2.0, 0.1, 1e+20
		}
	case starlark.String:
		enc, _ := json.Marshal(string(v))
		b.Write(enc)
	}
}

// JSON returns the table as a JSON array with one object per row, keys in
// column order, one row per line.
func (t *Table) JSON() string {
	var b bytes.Buffer
	if len(t.rows) == 0 {
		return "[]\n"
	}
	keys := make([][]byte, len(t.cols))
	for c, name := range t.cols {
		keys[c], _ = json.Marshal(name)
	}
	b.WriteString("[\n")
	for r, row := range t.rows {
		b.WriteString("  {")
		for c, v := range row {
			if c > 0 {
				b.WriteString(", ")
			}
			b.Write(keys[c])
			b.WriteString(": ")
			jsonCell(&b, v)
		}
		b.WriteString("}")
		if r < len(t.rows)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	return b.String()
}
