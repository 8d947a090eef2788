package table

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
)

// construct implements table(columns, rows=[]).
func construct(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var colsV, rowsV starlark.Value
	if err := starlark.UnpackArgs("table", args, kwargs, "columns", &colsV, "rows?", &rowsV); err != nil {
		return nil, err
	}
	cols, err := stringList(colsV)
	if err != nil {
		return nil, fmt.Errorf("table: columns: %v", err)
	}
	var rows [][]starlark.Value
	if rowsV != nil {
		if _, ok := rowsV.(starlark.Iterable); !ok || isString(rowsV) {
			return nil, fmt.Errorf("table: rows: got %s, want a list of lists", rowsV.Type())
		}
		iter := starlark.Iterate(rowsV)
		defer iter.Done()
		var x starlark.Value
		for i := 0; iter.Next(&x); i++ {
			var row []starlark.Value
			switch x := x.(type) {
			case *starlark.List:
				row = make([]starlark.Value, x.Len())
				for j := range row {
					row[j] = x.Index(j)
				}
			case starlark.Tuple:
				row = append([]starlark.Value(nil), x...)
			case *starlark.Dict:
				return nil, fmt.Errorf("table: rows: row %d is a dict, want a list or tuple (use table.from_dicts for a list of dicts)", i)
			default:
				return nil, fmt.Errorf("table: rows: row %d is %s, want a list or tuple", i, an(x.Type()))
			}
			rows = append(rows, row)
		}
	}
	t, err := New(cols, rows)
	if err != nil {
		return nil, fmt.Errorf("table: %v", err)
	}
	return t, nil
}

func isString(v starlark.Value) bool { _, ok := v.(starlark.String); return ok }

// stringList converts a list or tuple of strings.
func stringList(v starlark.Value) ([]string, error) {
	if isString(v) {
		return nil, fmt.Errorf("got string %s, want a list of strings", v)
	}
	seq, ok := v.(starlark.Iterable)
	if !ok {
		return nil, fmt.Errorf("got %s, want a list of strings", v.Type())
	}
	var out []string
	iter := seq.Iterate()
	defer iter.Done()
	var x starlark.Value
	for i := 0; iter.Next(&x); i++ {
		s, ok := x.(starlark.String)
		if !ok {
			return nil, fmt.Errorf("item %d is %s %s, want a string", i, x.Type(), x.String())
		}
		out = append(out, string(s))
	}
	return out, nil
}

// fromDicts implements table.from_dicts(dicts, columns=None).
func fromDicts(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var dictsV starlark.Iterable
	var colsV starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "dicts", &dictsV, "columns?", &colsV); err != nil {
		return nil, err
	}
	var cols []string
	fixed := colsV != starlark.None
	if fixed {
		var err error
		if cols, err = stringList(colsV); err != nil {
			return nil, fmt.Errorf("%s: columns: %v", b.Name(), err)
		}
	}
	seen := make(map[string]int)
	for i, c := range cols {
		seen[c] = i
	}
	var dicts []starlark.IterableMapping
	iter := dictsV.Iterate()
	defer iter.Done()
	var x starlark.Value
	for i := 0; iter.Next(&x); i++ {
		d, ok := x.(starlark.IterableMapping)
		if !ok {
			return nil, fmt.Errorf("%s: item %d is %s, want a dict", b.Name(), i, an(x.Type()))
		}
		for _, kv := range d.Items() {
			k, ok := kv[0].(starlark.String)
			if !ok {
				return nil, fmt.Errorf("%s: item %d: key %s is %s, want a string (a column name)", b.Name(), i, kv[0], an(kv[0].Type()))
			}
			if _, ok := seen[string(k)]; !ok && !fixed {
				seen[string(k)] = len(cols)
				cols = append(cols, string(k))
			}
		}
		dicts = append(dicts, d)
	}
	rows := make([][]starlark.Value, len(dicts))
	for i, d := range dicts {
		row := make([]starlark.Value, len(cols))
		for j := range row {
			row[j] = starlark.None
		}
		for _, kv := range d.Items() {
			if j, ok := seen[string(kv[0].(starlark.String))]; ok {
				row[j] = kv[1]
			}
		}
		rows[i] = row
	}
	t, err := New(cols, rows)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", b.Name(), err)
	}
	return t, nil
}

// fromColumns implements table.from_columns({name: values}).
func fromColumns(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var d starlark.IterableMapping
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "columns", &d); err != nil {
		return nil, err
	}
	items := d.Items()
	cols := make([]string, len(items))
	vals := make([]starlark.Indexable, len(items))
	for i, kv := range items {
		k, ok := kv[0].(starlark.String)
		if !ok {
			return nil, fmt.Errorf("%s: key %s is %s, want a string (a column name)", b.Name(), kv[0], an(kv[0].Type()))
		}
		cols[i] = string(k)
		l, ok := kv[1].(starlark.Indexable)
		if !ok || isString(kv[1]) {
			return nil, fmt.Errorf("%s: column %q is %s, want a list of values", b.Name(), string(k), an(kv[1].Type()))
		}
		if i > 0 && l.Len() != vals[0].Len() {
			return nil, fmt.Errorf("%s: column %q has %d values but column %q has %d",
				b.Name(), string(k), l.Len(), cols[0], vals[0].Len())
		}
		vals[i] = l
	}
	n := 0
	if len(vals) > 0 {
		n = vals[0].Len()
	}
	rows := make([][]starlark.Value, n)
	for r := range rows {
		row := make([]starlark.Value, len(cols))
		for c := range cols {
			row[c] = vals[c].Index(r)
		}
		rows[r] = row
	}
	t, err := New(cols, rows)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", b.Name(), err)
	}
	return t, nil
}

// an prefixes a type name with its article: "an int", "a list".
func an(typ string) string {
	if typ != "" && strings.ContainsRune("aeiou", rune(typ[0])) {
		return "an " + typ
	}
	return "a " + typ
}
