package runner

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/p2prepl/p2prepl/runner/store"
)

// Axis is one parameter of a grid and the values it takes, as the exact
// strings a run gets with --set name=value.
type Axis struct {
	Name   string
	Values []string
}

// Cell is one run of a sweep: a parameter assignment and a seed.
type Cell struct {
	Params []store.Param
	Seed   uint64
}

// maxCells bounds a grid so that a typo (0:1e-9:1) is an error, not an
// out-of-memory crash.
const maxCells = 10_000_000

// ParseAxis parses a --grid flag: name=v1,v2,... where each item is a
// value, an integer range a..b (both ends included) or a float range
// start:step:stop (stop included when the steps land on it).
func ParseAxis(s string) (Axis, error) {
	name, list, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return Axis{}, fmt.Errorf("--grid %q: want name=v1,v2,... (or name=1..6, name=0:0.1:0.5)", s)
	}
	if err := checkName(name); err != nil {
		return Axis{}, fmt.Errorf("--grid %s: %w", name, err)
	}
	var vals []string
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		vs, err := parseItem(item)
		if err != nil {
			return Axis{}, fmt.Errorf("--grid %s: %w", name, err)
		}
		vals = append(vals, vs...)
		if len(vals) > maxCells {
			return Axis{}, fmt.Errorf("--grid %s: more than %d values", name, maxCells)
		}
	}
	return Axis{Name: name, Values: vals}, nil
}

// checkName accepts the names param() can read from a grid.
func checkName(name string) error {
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return fmt.Errorf("a parameter name is letters, digits and _ (got %q)", name)
		}
	}
	switch strings.ToLower(name) {
	case "seed":
		return fmt.Errorf("%q is not a parameter: the seed of each run comes from --seeds", name)
	case "run", "run_id", "rowid", "oid", "_rowid_":
		return fmt.Errorf("%q is not a parameter name: the results store keeps it for itself", name)
	case "":
		return errors.New("a parameter name cannot be empty")
	}
	return nil
}

func parseItem(item string) ([]string, error) {
	if a, b, ok := strings.Cut(item, ".."); ok {
		lo, err1 := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
		hi, err2 := strconv.ParseInt(strings.TrimSpace(b), 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("range %q: want integers, as in 1..6", item)
		}
		if hi < lo {
			return nil, fmt.Errorf("range %q is empty (the end is below the start)", item)
		}
		if hi-lo >= maxCells {
			return nil, fmt.Errorf("range %q has more than %d values", item, maxCells)
		}
		out := make([]string, 0, hi-lo+1)
		for v := lo; v <= hi; v++ {
			out = append(out, strconv.FormatInt(v, 10))
		}
		return out, nil
	}
	if parts := strings.Split(item, ":"); len(parts) == 3 {
		var f [3]float64
		dec := 0
		for i, p := range parts {
			p = strings.TrimSpace(p)
			v, err := strconv.ParseFloat(p, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("range %q: want numbers start:step:stop, as in 0:0.1:0.5", item)
			}
			f[i] = v
			if _, frac, ok := strings.Cut(strings.ToLower(p), "."); ok {
				frac, _, _ = strings.Cut(frac, "e")
				dec = max(dec, len(frac))
			}
		}
		start, step, stop := f[0], f[1], f[2]
		if step <= 0 {
			return nil, fmt.Errorf("range %q: the step must be positive", item)
		}
		if stop < start {
			return nil, fmt.Errorf("range %q is empty (the stop is below the start)", item)
		}
		n := math.Floor((stop-start)/step+1e-9) + 1
		if n > maxCells {
			return nil, fmt.Errorf("range %q has more than %d values", item, maxCells)
		}
		scale := math.Pow(10, float64(dec))
		out := make([]string, 0, int(n))
		for i := 0; i < int(n); i++ {
			v := math.Round((start+float64(i)*step)*scale) / scale
			out = append(out, strconv.FormatFloat(v, 'f', -1, 64))
		}
		return out, nil
	}
	if item == "" {
		return nil, errors.New("empty value (two commas in a row?)")
	}
	return []string{item}, nil
}

// ParseSeeds parses --seeds: a count N (seeds 1..N), or a list of seeds
// and ranges (1..20, 5,7,9, 1..10,100).
func ParseSeeds(s string) ([]uint64, error) {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, ",.") {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("--seeds %q: want a count (20 means seeds 1..20) or seeds and ranges (1..20, 3,5,8)", s)
		}
		if n > maxCells {
			return nil, fmt.Errorf("--seeds %s: more than %d seeds", s, maxCells)
		}
		return SeedRange(1, n), nil
	}
	var out []uint64
	seen := map[uint64]bool{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if a, b, ok := strings.Cut(item, ".."); ok {
			lo, err1 := strconv.ParseUint(strings.TrimSpace(a), 10, 64)
			hi, err2 := strconv.ParseUint(strings.TrimSpace(b), 10, 64)
			if err1 != nil || err2 != nil || hi < lo {
				return nil, fmt.Errorf("--seeds: bad range %q (want lo..hi, non-negative integers)", item)
			}
			if hi-lo >= maxCells {
				return nil, fmt.Errorf("--seeds: range %q has more than %d seeds", item, maxCells)
			}
			for v := lo; ; v++ {
				if !seen[v] {
					seen[v] = true
					out = append(out, v)
				}
				if v == hi {
					break
				}
			}
			continue
		}
		v, err := strconv.ParseUint(item, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("--seeds: %q is not a seed (a non-negative integer)", item)
		}
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out, nil
}

// SeedRange returns the seeds lo, lo+1, ..., lo+n-1.
func SeedRange(lo, n uint64) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = lo + uint64(i)
	}
	return out
}

// Expand returns every cell of axes x seeds: the first axis varies
// slowest, the seed fastest. Fixed parameters (a --set on a sweep) are
// axes with one value.
func Expand(axes []Axis, seeds []uint64) ([]Cell, error) {
	n := len(seeds)
	names := map[string]string{} // by lower case: SQL column names ignore case
	for _, a := range axes {
		switch old, ok := names[strings.ToLower(a.Name)]; {
		case ok && old == a.Name:
			return nil, fmt.Errorf("parameter %s is given twice", a.Name)
		case ok:
			return nil, fmt.Errorf("parameters %s and %s differ only in case, which a results store (SQL) does not tell apart: rename one", old, a.Name)
		}
		names[strings.ToLower(a.Name)] = a.Name
		if len(a.Values) == 0 {
			return nil, fmt.Errorf("parameter %s has no values", a.Name)
		}
		if n > maxCells/len(a.Values) {
			return nil, fmt.Errorf("the grid has more than %d cells", maxCells)
		}
		n *= len(a.Values)
	}
	cells := make([]Cell, 0, n)
	idx := make([]int, len(axes))
	for {
		ps := make([]store.Param, len(axes))
		for i, a := range axes {
			ps[i] = store.Param{Name: a.Name, Value: a.Values[idx[i]]}
		}
		for _, s := range seeds {
			cells = append(cells, Cell{Params: ps, Seed: s})
		}
		i := len(axes) - 1
		for ; i >= 0; i-- {
			if idx[i]++; idx[i] < len(axes[i].Values) {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return cells, nil
		}
	}
}

// Shard is the part i of K of a sweep that one Slurm array task runs.
type Shard struct {
	Index, Count int // Count 0: the whole sweep
}

// ParseShard parses --shard i/K.
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	k, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || k < 1 || i < 0 || i >= k {
		return Shard{}, fmt.Errorf("--shard %q: want i/K with 0 <= i < K, e.g. 0/4", s)
	}
	return Shard{i, k}, nil
}

func (s Shard) String() string {
	if s.Count == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Of returns the shard's cells: every K-th cell from the i-th, so that
// shards get equal shares of every part of the grid.
func (s Shard) Of(cells []Cell) []Cell {
	if s.Count <= 1 {
		return cells
	}
	var out []Cell
	for i := s.Index; i < len(cells); i += s.Count {
		out = append(out, cells[i])
	}
	return out
}
