package table

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
)

// tJoin implements t.join(other, on, how="inner").
//
// Keys match as == does (1 == 1.0) through a Starlark dict, so the join is
// a hash join: O(len(t) + len(other) + rows out). A key holding None or
// NaN matches nothing, as NULL in SQL: a missing parameter is not a value
// that two runs share.
func tJoin(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var other *Table
	var onV starlark.Value
	how := "inner"
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "other", &other, "on", &onV, "how?", &how); err != nil {
		return nil, err
	}
	if how != "inner" && how != "left" {
		return nil, errorf(b, "how: want \"inner\" or \"left\", got %q", how)
	}
	t := recv(b)
	lk, err := t.byColumns(onV)
	if err != nil {
		return nil, errorf(b, "on: %v (in the left table)", err)
	}
	rk, err := other.byColumns(onV)
	if err != nil {
		return nil, errorf(b, "on: %v (in the right table)", err)
	}
	isKey := make(map[int]bool, len(rk))
	for _, c := range rk {
		if isKey[c] {
			return nil, errorf(b, "on: column %q named twice", other.cols[c])
		}
		isKey[c] = true
	}

	// The output: the left columns, then the right ones that are not keys.
	cols := append([]string(nil), t.cols...)
	var rest []int
	var clash []string
	for c, name := range other.cols {
		if isKey[c] {
			continue
		}
		if t.HasColumn(name) {
			clash = append(clash, fmt.Sprintf("%q", name))
		}
		rest = append(rest, c)
		cols = append(cols, name)
	}
	if len(clash) > 0 {
		return nil, errorf(b, "column %s is in both tables and is not a key: rename it in one of them first "+
			"(t.rename({%s: \"new name\"})) or join on it too", strings.Join(clash, ", "), clash[0])
	}

	// Index the right table by key.
	index := new(starlark.Dict)
	var matches [][]int
	key := func(row []starlark.Value, on []int) (starlark.Tuple, bool) {
		k := make(starlark.Tuple, len(on))
		for i, c := range on {
			if isNA(row[c]) {
				return nil, false
			}
			k[i] = row[c]
		}
		return k, true
	}
	for r, row := range other.rows {
		k, ok := key(row, rk)
		if !ok {
			continue
		}
		g, found, err := index.Get(k)
		if err != nil {
			return nil, errorf(b, "%v", err)
		}
		if !found {
			g = starlark.MakeInt(len(matches))
			_ = index.SetKey(k, g)
			matches = append(matches, nil)
		}
		i, _ := starlark.AsInt32(g)
		matches[i] = append(matches[i], r)
	}

	var rows [][]starlark.Value
	emit := func(left []starlark.Value, right []starlark.Value) {
		row := make([]starlark.Value, 0, len(cols))
		row = append(row, left...)
		for _, c := range rest {
			if right == nil {
				row = append(row, starlark.None)
			} else {
				row = append(row, right[c])
			}
		}
		rows = append(rows, row)
	}
	for _, row := range t.rows {
		var found []int
		if k, ok := key(row, lk); ok {
			g, ok, err := index.Get(k)
			if err != nil {
				return nil, errorf(b, "%v", err)
			}
			if ok {
				i, _ := starlark.AsInt32(g)
				found = matches[i]
			}
		}
		for _, r := range found {
			emit(row, other.rows[r])
		}
		if len(found) == 0 && how == "left" {
			emit(row, nil)
		}
	}
	return newUnchecked(cols, rows), nil
}

// tRename implements t.rename({old: new}) and t.rename(old=new, ...).
func tRename(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	t := recv(b)
	names := append([]string(nil), t.cols...)
	renamed := make(map[int]bool)
	set := func(old, new starlark.Value) error {
		o, ok := old.(starlark.String)
		if !ok {
			return errorf(b, "key %s is %s, want a column name", old, an(old.Type()))
		}
		n, ok := new.(starlark.String)
		if !ok || n == "" {
			return errorf(b, "new name for %q: got %s, want a non-empty string", string(o), new.String())
		}
		c, err := t.colIndex(string(o))
		if err != nil {
			return errorf(b, "%v", err)
		}
		if renamed[c] {
			return errorf(b, "column %q renamed twice", string(o))
		}
		renamed[c] = true
		names[c] = string(n)
		return nil
	}
	switch {
	case len(args) == 1:
		d, ok := args[0].(starlark.IterableMapping)
		if !ok {
			return nil, errorf(b, "got %s, want a dict {old name: new name}", an(args[0].Type()))
		}
		for _, kv := range d.Items() {
			if err := set(kv[0], kv[1]); err != nil {
				return nil, err
			}
		}
	case len(args) > 1:
		return nil, errorf(b, "want rename({old: new}) or rename(old=new, ...), got %d positional arguments", len(args))
	}
	for _, kv := range kwargs {
		if err := set(kv[0], kv[1]); err != nil {
			return nil, err
		}
	}
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if seen[n] {
			return nil, errorf(b, "two columns would be called %q", n)
		}
		seen[n] = true
	}
	return newUnchecked(names, t.rows), nil
}
