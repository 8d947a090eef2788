// Package table provides the Starlark "table" value: named columns over
// rows of plain values (string, int, float, bool, None), with the small
// set of operations an experimenter needs after a run — select, filter,
// sort, group, count, summary statistics — and CSV/JSON output.
//
// Tables are immutable: every method returns a new table. The package is
// standalone (it imports no engine or bindings code); the bindings add
// Module() to the predeclared globals as "table".
package table

import (
	"fmt"
	"math"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// A Table is an immutable Starlark value of type "table": a list of
// column names and rows holding one cell per column. Cells are
// starlark.String, starlark.Int, starlark.Float, starlark.Bool or
// starlark.None.
type Table struct {
	cols  []string
	index map[string]int
	rows  [][]starlark.Value
}

var (
	_ starlark.Sliceable  = (*Table)(nil)
	_ starlark.Sequence   = (*Table)(nil)
	_ starlark.HasAttrs   = (*Table)(nil)
	_ starlark.Comparable = (*Table)(nil)
)

// New returns a table with the given columns and rows. It takes
// ownership of rows (the caller must not modify them afterwards). Column
// names must be distinct and non-empty, every row must have one value
// per column and every value must be a string, int, float, bool or None.
func New(columns []string, rows [][]starlark.Value) (*Table, error) {
	index := make(map[string]int, len(columns))
	for i, c := range columns {
		if c == "" {
			return nil, fmt.Errorf("column %d has an empty name", i)
		}
		if _, dup := index[c]; dup {
			return nil, fmt.Errorf("duplicate column %q", c)
		}
		index[c] = i
	}
	for r, row := range rows {
		if len(row) != len(columns) {
			return nil, fmt.Errorf("row %d has %d values but there are %d columns (%s)",
				r, len(row), len(columns), strings.Join(columns, ", "))
		}
		for c, v := range row {
			if err := checkCell(v); err != nil {
				return nil, fmt.Errorf("row %d, column %q: %v", r, columns[c], err)
			}
		}
	}
	return &Table{cols: append([]string(nil), columns...), index: index, rows: rows}, nil
}

// checkCell reports whether v may be stored in a table.
func checkCell(v starlark.Value) error {
	switch v.(type) {
	case starlark.String, starlark.Int, starlark.Float, starlark.Bool, starlark.NoneType:
		return nil
	}
	return fmt.Errorf("got %s, want string, int, float, bool or None", v.Type())
}

// newUnchecked builds a table from values already known to be valid.
func newUnchecked(columns []string, rows [][]starlark.Value) *Table {
	index := make(map[string]int, len(columns))
	for i, c := range columns {
		index[c] = i
	}
	return &Table{cols: columns, index: index, rows: rows}
}

// Columns returns a copy of the column names.
func (t *Table) Columns() []string { return append([]string(nil), t.cols...) }

// NumRows returns the number of rows.
func (t *Table) NumRows() int { return len(t.rows) }

// Row returns row i; the caller must not modify it.
func (t *Table) Row(i int) []starlark.Value { return t.rows[i] }

// Column returns the values of the named column, or an error naming the
// known columns.
func (t *Table) Column(name string) ([]starlark.Value, error) {
	c, err := t.colIndex(name)
	if err != nil {
		return nil, err
	}
	out := make([]starlark.Value, len(t.rows))
	for i, row := range t.rows {
		out[i] = row[c]
	}
	return out, nil
}

// HasColumn reports whether the table has a column of that name.
func (t *Table) HasColumn(name string) bool { _, ok := t.index[name]; return ok }

func (t *Table) colIndex(name string) (int, error) {
	if c, ok := t.index[name]; ok {
		return c, nil
	}
	return 0, fmt.Errorf("unknown column %q (columns: %s)", name, strings.Join(t.cols, ", "))
}

// rowDict returns row i as a new dict from column name to value.
func (t *Table) rowDict(i int) *starlark.Dict {
	d := starlark.NewDict(len(t.cols))
	for c, name := range t.cols {
		_ = d.SetKey(starlark.String(name), t.rows[i][c])
	}
	return d
}

// --- starlark.Value ---

// String returns the aligned, human-readable form of the table.
func (t *Table) String() string { return t.format(maxShownRows) }

// Type returns "table".
func (t *Table) Type() string { return "table" }

// Freeze does nothing: tables are immutable and hold only immutable values.
func (t *Table) Freeze() {}

// Truth reports whether the table has rows.
func (t *Table) Truth() starlark.Bool { return len(t.rows) > 0 }

// Hash fails: tables are not hashable.
func (t *Table) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: table") }

// Len returns the number of rows.
func (t *Table) Len() int { return len(t.rows) }

// Index returns row i as a dict.
func (t *Table) Index(i int) starlark.Value { return t.rowDict(i) }

// Slice returns the rows start:end:step as a new table.
func (t *Table) Slice(start, end, step int) starlark.Value {
	var rows [][]starlark.Value
	if step > 0 {
		for i := start; i < end; i += step {
			rows = append(rows, t.rows[i])
		}
	} else {
		for i := start; i > end; i += step {
			rows = append(rows, t.rows[i])
		}
	}
	return newUnchecked(t.cols, rows)
}

// Iterate yields the rows as dicts.
func (t *Table) Iterate() starlark.Iterator { return &rowIter{t: t} }

type rowIter struct {
	t *Table
	i int
}

func (it *rowIter) Next(p *starlark.Value) bool {
	if it.i >= len(it.t.rows) {
		return false
	}
	*p = it.t.rowDict(it.i)
	it.i++
	return true
}

func (it *rowIter) Done() {}

// CompareSameType supports == and != : two tables are equal when they
// have the same columns in the same order and equal rows.
func (t *Table) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	u := y.(*Table)
	switch op {
	case syntax.EQL, syntax.NEQ:
	default:
		return false, fmt.Errorf("table %s table not supported", op)
	}
	eq, err := t.equal(u, depth)
	if err != nil {
		return false, err
	}
	return eq == (op == syntax.EQL), nil
}

func (t *Table) equal(u *Table, depth int) (bool, error) {
	if len(t.cols) != len(u.cols) || len(t.rows) != len(u.rows) {
		return false, nil
	}
	for i := range t.cols {
		if t.cols[i] != u.cols[i] {
			return false, nil
		}
	}
	for r := range t.rows {
		for c := range t.cols {
			eq, err := starlark.EqualDepth(t.rows[r][c], u.rows[r][c], depth-1)
			if err != nil || !eq {
				return false, err
			}
		}
	}
	return true, nil
}

func tColumns(t *Table) (starlark.Value, error) {
	l := make([]starlark.Value, len(t.cols))
	for i, c := range t.cols {
		l[i] = starlark.String(c)
	}
	return starlark.NewList(l), nil
}

func tRows(t *Table) (starlark.Value, error) {
	l := make([]starlark.Value, len(t.rows))
	for i, row := range t.rows {
		l[i] = starlark.Tuple(append([]starlark.Value(nil), row...))
	}
	return starlark.NewList(l), nil
}

// Attr returns the columns/rows properties and the bound methods.
func (t *Table) Attr(name string) (starlark.Value, error) { return tableType.Attr(t, name, nil) }

// AttrNames lists the properties and methods, for completion and dir().
func (t *Table) AttrNames() []string { return tableType.AttrNames() }

// --- cell ordering and numbers ---

// isNA reports whether v is a missing value: None or a float NaN.
func isNA(v starlark.Value) bool {
	switch v := v.(type) {
	case starlark.NoneType:
		return true
	case starlark.Float:
		return math.IsNaN(float64(v))
	}
	return false
}

// kindRank orders values of different kinds: bools, then numbers, then
// strings. Missing values are handled by the callers (always last).
func kindRank(v starlark.Value) int {
	switch v.(type) {
	case starlark.Bool:
		return 0
	case starlark.Int, starlark.Float:
		return 1
	case starlark.String:
		return 2
	}
	return 3
}

// compareCells orders two non-missing cells: by kind, then by value.
func compareCells(a, b starlark.Value) int {
	ra, rb := kindRank(a), kindRank(b)
	if ra != rb {
		return ra - rb
	}
	switch ra {
	case 0:
		x, y := bool(a.(starlark.Bool)), bool(b.(starlark.Bool))
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case 1:
		if lt, _ := starlark.Compare(syntax.LT, a, b); lt {
			return -1
		}
		if gt, _ := starlark.Compare(syntax.GT, a, b); gt {
			return 1
		}
		return 0
	case 2:
		return strings.Compare(string(a.(starlark.String)), string(b.(starlark.String)))
	}
	return 0
}

// compareNA orders any two cells with missing values last; reverse
// flips the order of the non-missing values only.
func compareNA(a, b starlark.Value, reverse bool) int {
	na, nb := isNA(a), isNA(b)
	switch {
	case na && nb:
		return 0
	case na:
		return 1
	case nb:
		return -1
	}
	c := compareCells(a, b)
	if reverse {
		c = -c
	}
	return c
}

// Number converts a numeric or bool cell to float64 (False 0, True 1);
// plot reads cells with it too.
func Number(v starlark.Value) (float64, bool) {
	switch v := v.(type) {
	case starlark.Bool:
		if v {
			return 1, true
		}
		return 0, true
	case starlark.Int, starlark.Float:
		return starlark.AsFloat(v)
	}
	return 0, false
}

// numbers returns the non-missing values of column name as floats; a
// non-numeric value is an error naming the row.
func (t *Table) numbers(name string) ([]float64, error) {
	c, err := t.colIndex(name)
	if err != nil {
		return nil, err
	}
	out := make([]float64, 0, len(t.rows))
	for r, row := range t.rows {
		v := row[c]
		if isNA(v) {
			continue
		}
		f, ok := Number(v)
		if !ok {
			return nil, fmt.Errorf("column %q, row %d: want a number, got %s %s", name, r, v.Type(), v.String())
		}
		out = append(out, f)
	}
	return out, nil
}
