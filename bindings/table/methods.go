package table

import (
	"fmt"
	"sort"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/outfiles"
)

func recv(b *starlark.Builtin) *Table { return b.Receiver().(*Table) }

// errorf prefixes an error with the method's name.
func errorf(b *starlark.Builtin, format string, args ...any) error {
	return fmt.Errorf("%s: %s", b.Name(), fmt.Sprintf(format, args...))
}

func tColumn(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name); err != nil {
		return nil, err
	}
	vals, err := recv(b).Column(name)
	if err != nil {
		return nil, errorf(b, "%v", err)
	}
	return starlark.NewList(vals), nil
}

func tRow(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var i int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "i", &i); err != nil {
		return nil, err
	}
	t := recv(b)
	j := i
	if j < 0 {
		j += len(t.rows)
	}
	if j < 0 || j >= len(t.rows) {
		return nil, errorf(b, "index %d out of range (table has %d rows)", i, len(t.rows))
	}
	return t.rowDict(j), nil
}

// keep returns the table with the rows whose index is in idx.
func (t *Table) keep(idx []int) *Table {
	rows := make([][]starlark.Value, len(idx))
	for i, r := range idx {
		rows[i] = t.rows[r]
	}
	return newUnchecked(t.cols, rows)
}

func tFilter(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var fn starlark.Callable
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "fn", &fn); err != nil {
		return nil, err
	}
	t := recv(b)
	var idx []int
	arg := make(starlark.Tuple, 1)
	for r := range t.rows {
		arg[0] = t.rowDict(r)
		res, err := starlark.Call(thread, fn, arg, nil)
		if err != nil {
			return nil, err
		}
		if res.Truth() {
			idx = append(idx, r)
		}
	}
	return t.keep(idx), nil
}

func tWhere(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	t := recv(b)
	type cond struct {
		col int
		val starlark.Value
	}
	var conds []cond
	add := func(name string, v starlark.Value) error {
		c, err := t.colIndex(name)
		if err != nil {
			return errorf(b, "%v", err)
		}
		conds = append(conds, cond{c, v})
		return nil
	}
	switch {
	case len(args) == 2:
		name, ok := args[0].(starlark.String)
		if !ok {
			return nil, errorf(b, "column: got %s, want a string", args[0].Type())
		}
		if err := add(string(name), args[1]); err != nil {
			return nil, err
		}
	case len(args) != 0:
		return nil, errorf(b, "want where(column, value) or where(column=value, ...), got %d positional arguments", len(args))
	}
	for _, kv := range kwargs {
		if err := add(string(kv[0].(starlark.String)), kv[1]); err != nil {
			return nil, err
		}
	}
	if len(conds) == 0 {
		return nil, errorf(b, "want where(column, value) or where(column=value, ...)")
	}
	var idx []int
rows:
	for r, row := range t.rows {
		for _, c := range conds {
			eq, err := starlark.Equal(row[c.col], c.val)
			if err != nil {
				return nil, errorf(b, "%v", err)
			}
			if !eq {
				continue rows
			}
		}
		idx = append(idx, r)
	}
	return t.keep(idx), nil
}

// columnArgs reads column names given as separate arguments or as one
// list.
func columnArgs(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) ([]string, error) {
	if len(kwargs) > 0 {
		return nil, errorf(b, "unexpected keyword argument %s", kwargs[0][0])
	}
	if len(args) == 1 && isSequence(args[0]) {
		names, err := stringList(args[0])
		if err != nil {
			return nil, errorf(b, "%v", err)
		}
		return names, nil
	}
	names := make([]string, len(args))
	for i, a := range args {
		s, ok := a.(starlark.String)
		if !ok {
			return nil, errorf(b, "argument %d: got %s, want a column name", i+1, a.Type())
		}
		names[i] = string(s)
	}
	return names, nil
}

func isSequence(v starlark.Value) bool {
	switch v.(type) {
	case *starlark.List, starlark.Tuple:
		return true
	}
	return false
}

// project returns the table restricted to the given column indexes.
func (t *Table) project(cols []int) *Table {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = t.cols[c]
	}
	rows := make([][]starlark.Value, len(t.rows))
	for r, row := range t.rows {
		nr := make([]starlark.Value, len(cols))
		for i, c := range cols {
			nr[i] = row[c]
		}
		rows[r] = nr
	}
	return newUnchecked(names, rows)
}

func tSelect(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	names, err := columnArgs(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	t := recv(b)
	idx := make([]int, len(names))
	seen := make(map[string]bool)
	for i, n := range names {
		if seen[n] {
			return nil, errorf(b, "column %q selected twice", n)
		}
		seen[n] = true
		if idx[i], err = t.colIndex(n); err != nil {
			return nil, errorf(b, "%v", err)
		}
	}
	return t.project(idx), nil
}

func tDrop(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	names, err := columnArgs(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	t := recv(b)
	gone := make(map[int]bool)
	for _, n := range names {
		c, err := t.colIndex(n)
		if err != nil {
			return nil, errorf(b, "%v", err)
		}
		gone[c] = true
	}
	var idx []int
	for c := range t.cols {
		if !gone[c] {
			idx = append(idx, c)
		}
	}
	return t.project(idx), nil
}

// byColumns reads a column name or a list of column names.
func (t *Table) byColumns(v starlark.Value) ([]int, error) {
	var names []string
	if s, ok := v.(starlark.String); ok {
		names = []string{string(s)}
	} else {
		var err error
		if names, err = stringList(v); err != nil {
			return nil, err
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("no columns given")
		}
	}
	idx := make([]int, len(names))
	for i, n := range names {
		c, err := t.colIndex(n)
		if err != nil {
			return nil, err
		}
		idx[i] = c
	}
	return idx, nil
}

func tSort(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var byV starlark.Value
	var reverse bool
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "by", &byV, "reverse?", &reverse); err != nil {
		return nil, err
	}
	t := recv(b)
	by, err := t.byColumns(byV)
	if err != nil {
		return nil, errorf(b, "by: %v", err)
	}
	rows := append([][]starlark.Value(nil), t.rows...)
	sort.SliceStable(rows, func(i, j int) bool {
		for _, c := range by {
			if d := compareNA(rows[i][c], rows[j][c], reverse); d != 0 {
				return d < 0
			}
		}
		return false
	})
	return newUnchecked(t.cols, rows), nil
}

func tHead(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	n := 10
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "n?", &n); err != nil {
		return nil, err
	}
	t := recv(b)
	if n < 0 {
		return nil, errorf(b, "n must be >= 0, got %d", n)
	}
	n = min(n, len(t.rows))
	return newUnchecked(t.cols, t.rows[:n:n]), nil
}

func tTail(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	n := 10
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "n?", &n); err != nil {
		return nil, err
	}
	t := recv(b)
	if n < 0 {
		return nil, errorf(b, "n must be >= 0, got %d", n)
	}
	n = min(n, len(t.rows))
	return newUnchecked(t.cols, t.rows[len(t.rows)-n:]), nil
}

func tCount(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var value starlark.Value // nil: count non-missing cells
	by := "column"
	var key starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "value?", &value, "by?", &by, "key?", &key); err != nil {
		return nil, err
	}
	t := recv(b)
	keyCol := -1
	if key != starlark.None {
		k, ok := key.(starlark.String)
		if !ok {
			return nil, errorf(b, "key: got %s, want a column name", key.Type())
		}
		c, err := t.colIndex(string(k))
		if err != nil {
			return nil, errorf(b, "key: %v", err)
		}
		keyCol = c
	}
	match := func(v starlark.Value) (bool, error) {
		if value == nil {
			return !isNA(v), nil
		}
		return starlark.Equal(v, value)
	}
	var out [][]starlark.Value
	switch by {
	case "column":
		for c, name := range t.cols {
			if c == keyCol {
				continue
			}
			n := 0
			for _, row := range t.rows {
				ok, err := match(row[c])
				if err != nil {
					return nil, errorf(b, "%v", err)
				}
				if ok {
					n++
				}
			}
			out = append(out, []starlark.Value{starlark.String(name), starlark.MakeInt(n)})
		}
		return newUnchecked([]string{"column", "count"}, out), nil
	case "row":
		label := "row"
		if keyCol >= 0 {
			label = t.cols[keyCol]
		}
		for r, row := range t.rows {
			n := 0
			for c, v := range row {
				if c == keyCol {
					continue
				}
				ok, err := match(v)
				if err != nil {
					return nil, errorf(b, "%v", err)
				}
				if ok {
					n++
				}
			}
			var l starlark.Value = starlark.MakeInt(r)
			if keyCol >= 0 {
				l = row[keyCol]
			}
			out = append(out, []starlark.Value{l, starlark.MakeInt(n)})
		}
		if label == "count" {
			return nil, errorf(b, "key column may not be called \"count\"")
		}
		return newUnchecked([]string{label, "count"}, out), nil
	}
	return nil, errorf(b, "by: want \"column\" or \"row\", got %q", by)
}

func tAddColumn(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	var values starlark.Value
	var replace bool
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name, "values", &values, "replace?", &replace); err != nil {
		return nil, err
	}
	t := recv(b)
	if name == "" {
		return nil, errorf(b, "name: empty column name")
	}
	pos, exists := t.index[name]
	if exists && !replace {
		return nil, errorf(b, "column %q already exists (pass replace=True to overwrite it)", name)
	}
	col := make([]starlark.Value, len(t.rows))
	switch v := values.(type) {
	case starlark.Callable:
		arg := make(starlark.Tuple, 1)
		for r := range t.rows {
			arg[0] = t.rowDict(r)
			res, err := starlark.Call(thread, v, arg, nil)
			if err != nil {
				return nil, err
			}
			if err := checkCell(res); err != nil {
				return nil, errorf(b, "row %d: function returned a value that cannot go in a table: %v", r, err)
			}
			col[r] = res
		}
	case starlark.Indexable:
		if isString(v) {
			return nil, errorf(b, "values: got string, want a list or a function of the row")
		}
		if v.Len() != len(t.rows) {
			return nil, errorf(b, "values: got %d values but the table has %d rows", v.Len(), len(t.rows))
		}
		for r := range col {
			x := v.Index(r)
			if err := checkCell(x); err != nil {
				return nil, errorf(b, "values[%d]: %v", r, err)
			}
			col[r] = x
		}
	default:
		return nil, errorf(b, "values: got %s, want a list or a function of the row", values.Type())
	}
	cols := t.cols
	if !exists {
		pos = len(t.cols)
		cols = append(append([]string(nil), t.cols...), name)
	}
	rows := make([][]starlark.Value, len(t.rows))
	for r, row := range t.rows {
		nr := make([]starlark.Value, len(cols))
		copy(nr, row)
		nr[pos] = col[r]
		rows[r] = nr
	}
	return newUnchecked(cols, rows), nil
}

func tCSV(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.String(recv(b).CSV()), nil
}

func tJSON(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.String(recv(b).JSON()), nil
}

func writeOut(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, render func(*Table) string) (starlark.Value, error) {
	var path string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "path", &path); err != nil {
		return nil, err
	}
	if err := outfiles.WriteFile(thread, path, []byte(render(recv(b)))); err != nil {
		return nil, errorf(b, "%v", err)
	}
	return starlark.String(path), nil
}

func tToCSV(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return writeOut(thread, b, args, kwargs, (*Table).CSV)
}

func tToJSON(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return writeOut(thread, b, args, kwargs, (*Table).JSON)
}
