package table

import (
	"fmt"
	"math"
	"sort"
	"strings"

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

// --- aggregation ---

// aggregate reduces values (one column of one group) with a named
// aggregation or a Starlark function of the list of values.
func aggregate(thread *starlark.Thread, how starlark.Value, vals []starlark.Value) (starlark.Value, error) {
	if fn, ok := how.(starlark.Callable); ok {
		res, err := starlark.Call(thread, fn, starlark.Tuple{starlark.NewList(append([]starlark.Value(nil), vals...))}, nil)
		if err != nil {
			return nil, err
		}
		if err := checkCell(res); err != nil {
			return nil, fmt.Errorf("%s returned a value that cannot go in a table: %v", fn.Name(), err)
		}
		return res, nil
	}
	name, _ := how.(starlark.String)
	var present []starlark.Value
	for _, v := range vals {
		if !isNA(v) {
			present = append(present, v)
		}
	}
	switch name {
	case "count":
		return starlark.MakeInt(len(present)), nil
	case "first":
		if len(present) == 0 {
			return starlark.None, nil
		}
		return present[0], nil
	case "last":
		if len(present) == 0 {
			return starlark.None, nil
		}
		return present[len(present)-1], nil
	case "min", "max":
		if len(present) == 0 {
			return starlark.None, nil
		}
		best := present[0]
		for _, v := range present[1:] {
			c := compareCells(v, best)
			if (name == "min" && c < 0) || (name == "max" && c > 0) {
				best = v
			}
		}
		return best, nil
	case "sum":
		allInt := true
		for _, v := range present {
			if _, ok := v.(starlark.Float); ok {
				allInt = false
			}
		}
		if allInt {
			sum := starlark.MakeInt(0)
			for _, v := range present {
				switch v := v.(type) {
				case starlark.Int:
					sum = sum.Add(v)
				case starlark.Bool:
					if v {
						sum = sum.Add(starlark.MakeInt(1))
					}
				default:
					return nil, fmt.Errorf("want numbers, got %s %s", v.Type(), v)
				}
			}
			return sum, nil
		}
		fs, err := floats(present)
		if err != nil {
			return nil, err
		}
		s := 0.0
		for _, f := range fs {
			s += f
		}
		return starlark.Float(s), nil
	case "mean", "median":
		fs, err := floats(present)
		if err != nil {
			return nil, err
		}
		if len(fs) == 0 {
			return starlark.None, nil
		}
		if name == "median" {
			sort.Float64s(fs)
			return starlark.Float(percentile(fs, 50)), nil
		}
		s := 0.0
		for _, f := range fs {
			s += f
		}
		return starlark.Float(s / float64(len(fs))), nil
	}
	return nil, fmt.Errorf("unknown aggregation %s (want one of %s, or a function of a list)", how, strings.Join(aggNames, ", "))
}

var aggNames = []string{"count", "sum", "mean", "median", "min", "max", "first", "last"}

func floats(vals []starlark.Value) ([]float64, error) {
	out := make([]float64, len(vals))
	for i, v := range vals {
		f, ok := Number(v)
		if !ok {
			return nil, fmt.Errorf("want numbers, got %s %s", v.Type(), v)
		}
		out[i] = f
	}
	return out, nil
}

// percentile interpolates linearly between the closest ranks of sorted
// values (numpy's default method); q is in [0, 100].
func percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 1 {
		return sorted[0]
	}
	pos := q / 100 * float64(len(sorted)-1)
	lo := math.Floor(pos)
	hi := math.Ceil(pos)
	a, b := sorted[int(lo)], sorted[int(hi)]
	return a + (b-a)*(pos-lo)
}

// columnAgg implements the single-column statistics methods.
func columnAgg(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, how string) (starlark.Value, error) {
	var name string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "column", &name); err != nil {
		return nil, err
	}
	vals, err := recv(b).Column(name)
	if err != nil {
		return nil, errorf(b, "%v", err)
	}
	res, err := aggregate(thread, starlark.String(how), vals)
	if err != nil {
		return nil, errorf(b, "column %q: %v", name, err)
	}
	return res, nil
}

func tSum(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return columnAgg(thread, b, args, kwargs, "sum")
}

func tMean(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return columnAgg(thread, b, args, kwargs, "mean")
}

func tMin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return columnAgg(thread, b, args, kwargs, "min")
}

func tMax(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return columnAgg(thread, b, args, kwargs, "max")
}

func tPercentile(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	var qV starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "column", &name, "q", &qV); err != nil {
		return nil, err
	}
	t := recv(b)
	fs, err := t.numbers(name)
	if err != nil {
		return nil, errorf(b, "%v", err)
	}
	sort.Float64s(fs)
	one := func(v starlark.Value) (starlark.Value, error) {
		q, ok := Number(v)
		if _, isBool := v.(starlark.Bool); !ok || isBool {
			return nil, errorf(b, "q: got %s, want a number between 0 and 100", v.Type())
		}
		if !(q >= 0 && q <= 100) {
			return nil, errorf(b, "q: %s is not between 0 and 100", v)
		}
		if len(fs) == 0 {
			return starlark.None, nil
		}
		return starlark.Float(percentile(fs, q)), nil
	}
	if l, ok := qV.(starlark.Indexable); ok && !isString(qV) {
		out := make([]starlark.Value, l.Len())
		for i := range out {
			if out[i], err = one(l.Index(i)); err != nil {
				return nil, err
			}
		}
		return starlark.NewList(out), nil
	}
	return one(qV)
}

func tGroupBy(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var byV starlark.Value
	var aggV starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "by", &byV, "agg?", &aggV); err != nil {
		return nil, err
	}
	t := recv(b)
	by, err := t.byColumns(byV)
	if err != nil {
		return nil, errorf(b, "by: %v", err)
	}

	// Parse the aggregations: output name -> (how, column index or -1).
	type aggSpec struct {
		name string
		how  starlark.Value
		col  int
	}
	var specs []aggSpec
	if aggV == starlark.None {
		specs = []aggSpec{{"count", starlark.String("count"), -1}}
	} else {
		d, ok := aggV.(starlark.IterableMapping)
		if !ok {
			return nil, errorf(b, "agg: got %s, want a dict like {\"n\": \"count\", \"avg\": (\"mean\", \"latency\")}", aggV.Type())
		}
		for _, kv := range d.Items() {
			out, ok := kv[0].(starlark.String)
			if !ok {
				return nil, errorf(b, "agg: key %s is %s, want an output column name", kv[0], an(kv[0].Type()))
			}
			bad := errorf(b, "agg[%s]: want \"count\" or a (how, column) pair like (\"mean\", \"latency\"), got %s", out, kv[1])
			switch v := kv[1].(type) {
			case starlark.String:
				if v != "count" {
					return nil, bad
				}
				specs = append(specs, aggSpec{string(out), v, -1})
			case starlark.Tuple, *starlark.List:
				pair := v.(starlark.Indexable)
				if pair.Len() != 2 {
					return nil, bad
				}
				how, col := pair.Index(0), pair.Index(1)
				cname, ok := col.(starlark.String)
				if !ok {
					return nil, bad
				}
				c, err := t.colIndex(string(cname))
				if err != nil {
					return nil, errorf(b, "agg[%s]: %v", out, err)
				}
				if hs, ok := how.(starlark.String); ok {
					known := false
					for _, n := range aggNames {
						known = known || n == string(hs)
					}
					if !known {
						return nil, errorf(b, "agg[%s]: unknown aggregation %s (want one of %s, or a function of a list)", out, hs, strings.Join(aggNames, ", "))
					}
				} else if _, ok := how.(starlark.Callable); !ok {
					return nil, bad
				}
				specs = append(specs, aggSpec{string(out), how, c})
			default:
				return nil, bad
			}
		}
	}
	cols := make([]string, 0, len(by)+len(specs))
	for _, c := range by {
		cols = append(cols, t.cols[c])
	}
	for _, s := range specs {
		for _, c := range cols {
			if c == s.name {
				return nil, errorf(b, "agg: output column %q is also a group column", c)
			}
		}
		cols = append(cols, s.name)
	}

	// Group the rows, keyed by the tuple of group values.
	groups := new(starlark.Dict)
	var keys []starlark.Tuple
	var members [][]int
	for r, row := range t.rows {
		k := make(starlark.Tuple, len(by))
		for i, c := range by {
			k[i] = row[c]
		}
		g, found, err := groups.Get(k)
		if err != nil {
			return nil, errorf(b, "%v", err)
		}
		if !found {
			g = starlark.MakeInt(len(keys))
			_ = groups.SetKey(k, g)
			keys = append(keys, k)
			members = append(members, nil)
		}
		gi, _ := starlark.AsInt32(g)
		members[gi] = append(members[gi], r)
	}
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool {
		for c := range by {
			if d := compareNA(keys[order[i]][c], keys[order[j]][c], false); d != 0 {
				return d < 0
			}
		}
		return false
	})

	rows := make([][]starlark.Value, 0, len(keys))
	for _, gi := range order {
		row := append([]starlark.Value(nil), keys[gi]...)
		for _, s := range specs {
			if s.col < 0 {
				row = append(row, starlark.MakeInt(len(members[gi])))
				continue
			}
			vals := make([]starlark.Value, len(members[gi]))
			for i, r := range members[gi] {
				vals[i] = t.rows[r][s.col]
			}
			v, err := aggregate(thread, s.how, vals)
			if err != nil {
				return nil, errorf(b, "agg[%q]: column %q: %v", s.name, t.cols[s.col], err)
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	return newUnchecked(cols, rows), nil
}
