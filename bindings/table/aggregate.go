package table

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"go.starlark.net/starlark"
)

// --- aggregation ---

// aggregate reduces values (one column of one group) with a named
// aggregation or a Starlark function of the list of values; level is the
// confidence level of "ci", "ci_lo" and "ci_hi".
func aggregate(thread *starlark.Thread, how starlark.Value, vals []starlark.Value, level float64) (starlark.Value, error) {
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
	case "std", "sem", "ci", "ci_lo", "ci_hi":
		fs, err := floats(present)
		if err != nil {
			return nil, err
		}
		mean, std, half, ok := spread(fs, level)
		if !ok {
			return starlark.None, nil // undefined with fewer than 2 values
		}
		switch name {
		case "std":
			return starlark.Float(std), nil
		case "sem":
			return starlark.Float(std / math.Sqrt(float64(len(fs)))), nil
		case "ci":
			return starlark.Float(half), nil
		case "ci_lo":
			return starlark.Float(mean - half), nil
		}
		return starlark.Float(mean + half), nil
	}
	return nil, fmt.Errorf("unknown aggregation %s (want one of %s, or a function of a list)", how, strings.Join(aggNames, ", "))
}

var aggNames = []string{"count", "sum", "mean", "median", "min", "max", "first", "last", "std", "sem", "ci", "ci_lo", "ci_hi"}

// isCI reports whether an aggregation takes a confidence level.
func isCI(how string) bool { return how == "ci" || how == "ci_lo" || how == "ci_hi" }

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
	res, err := aggregate(thread, starlark.String(how), vals, defaultLevel)
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
	var aggV, statsV starlark.Value = starlark.None, starlark.None
	var levelV starlark.Value = starlark.Float(defaultLevel)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "by", &byV, "agg?", &aggV, "stats?", &statsV, "level?", &levelV); err != nil {
		return nil, err
	}
	t := recv(b)
	by, err := t.byColumns(byV)
	if err != nil {
		return nil, errorf(b, "by: %v", err)
	}
	level, isNum := starlark.AsFloat(levelV)
	if _, isBool := levelV.(starlark.Bool); isBool || !isNum || !(level > 0 && level < 1) {
		return nil, errorf(b, "level: want a confidence level between 0 and 1 (0.95 for 95%%), got %s", levelV)
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
	}
	if aggV != starlark.None {
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
	if statsV != starlark.None {
		// The summary over repetitions (seeds) of each column.
		var names []int
		if names, err = t.byColumns(statsV); err != nil {
			return nil, errorf(b, "stats: %v", err)
		}
		for _, c := range names {
			for _, how := range []string{"mean", "std", "ci"} {
				specs = append(specs, aggSpec{t.cols[c] + "_" + how, starlark.String(how), c})
			}
		}
	}
	cols := make([]string, 0, len(by)+len(specs))
	for _, c := range by {
		cols = append(cols, t.cols[c])
	}
	for _, s := range specs {
		for i, c := range cols {
			if c != s.name {
				continue
			}
			if i < len(by) {
				return nil, errorf(b, "agg: output column %q is also a group column", c)
			}
			return nil, errorf(b, "output column %q would be made twice (by agg and stats, or a column named twice in stats); rename the agg entry", c)
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
			v, err := aggregate(thread, s.how, vals, level)
			if err != nil {
				return nil, errorf(b, "agg[%q]: column %q: %v", s.name, t.cols[s.col], err)
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	return newUnchecked(cols, rows), nil
}
