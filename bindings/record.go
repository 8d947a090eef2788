package bindings

import (
	"errors"
	"fmt"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/p2prepl/p2prepl/bindings/api"
)

// A run's results are rows of named values that the script records with
// record(name = value, ...). They are kept by the Env; `p2prepl run
// --results FILE` writes them, and a sweep stores them per run.

// Field is one named value of a recorded row: nil, int64, float64, string
// or bool.
type Field struct {
	Name  string
	Value any
}

// Row is one row given to record(), its fields in the order written.
type Row []Field

const recordDoc = `record(**values) -> records one row of named results of the run

Records one row of named results of this run: record(coverage = 0.97,
p95 = 120, agree = True). Values are int, float, string, bool or None.
Call it as often as you like (one row per call, e.g. one per seed or per
time step); columns are the names, in the order first seen. A results
store keeps None as SQL NULL, the same as not recording the name. Since
names become SQL columns, a run records at most 1000 of them, none two
that differ only in case, and not run_id, idx or rowid.

The results of a sweep show, on each row, the run, its seed and its
parameters beside the recorded values, under their own names: so a run
does not record run, records seed only as the run's seed, and records a
parameter's name only with the value param() gave (record(n = n) after
n = param("n", 10)); another value is an error, record it under another
name.

p2prepl run prints nothing for it unless asked: --results FILE.csv,
FILE.json or FILE.db writes the rows. In a sweep, every run's rows go to
the results store with the run's parameters and seed, so any script
becomes a sweep cell by adding one record(...) line.`

func init() {
	api.Register(api.Function("record", recordDoc, builtinRecord))
}

// recordArgs converts record's keyword arguments into a row.
func recordArgs(args starlark.Tuple, kwargs []starlark.Tuple) (Row, error) {
	if len(args) > 0 {
		return nil, fmt.Errorf("record: takes name = value arguments only, e.g. record(coverage = c, p95 = p) (got %d positional)", len(args))
	}
	if len(kwargs) == 0 {
		return nil, errors.New("record: give at least one name = value, e.g. record(coverage = c)")
	}
	row := make(Row, 0, len(kwargs))
	for _, kv := range kwargs {
		name := string(kv[0].(starlark.String))
		v, err := plainValue(kv[1])
		if err != nil {
			return nil, fmt.Errorf("record: %s: %w", name, err)
		}
		row = append(row, Field{name, v})
	}
	return row, nil
}

// plainValue converts a recordable Starlark value to Go.
func plainValue(v starlark.Value) (any, error) {
	switch v := v.(type) {
	case starlark.NoneType:
		return nil, nil
	case starlark.Bool:
		return bool(v), nil
	case starlark.Int:
		i, ok := v.Int64()
		if !ok {
			return nil, fmt.Errorf("%s does not fit in 64 bits; record it as a float or a string", v.BigInt().Text(10))
		}
		return i, nil
	case starlark.Float:
		return float64(v), nil
	case starlark.String:
		return string(v), nil
	}
	return nil, fmt.Errorf("is a %s; record takes int, float, string, bool or None (one value per column)", v.Type())
}

func builtinRecord(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	row, err := recordArgs(args, kwargs)
	if err != nil {
		return nil, err
	}
	e := envOf(thread)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.checkNames(row); err != nil {
		return nil, err
	}
	e.recorded = append(e.recorded, row)
	return starlark.None, nil
}

// MaxRecordNames bounds the distinct names a run records: each is a
// column of a results store, and SQLite tables hold 2000.
const MaxRecordNames = 1000

// checkNames refuses, at the record() call, names that a results store
// (SQL) could not keep apart or keep at all: record(**d) takes any
// string. It notes the new ones. e.mu is held.
func (e *Env) checkNames(row Row) error {
	if e.names == nil {
		e.names = map[string]string{}
	}
	var added []string
	undo := func() {
		for _, k := range added {
			delete(e.names, k)
		}
	}
	for _, f := range row {
		if err := checkRecordName(f.Name); err != nil {
			undo()
			return err
		}
		k := strings.ToLower(f.Name)
		old, ok := e.names[k]
		if err := e.checkBeside(f, k); err != nil {
			undo()
			return err
		}
		switch {
		case ok && old != f.Name:
			undo()
			return fmt.Errorf("record: %s and %s differ only in case, which a results store (SQL) does not tell apart: rename one", old, f.Name)
		case !ok && len(e.names) == MaxRecordNames:
			undo()
			return fmt.Errorf("record: %s would be name number %d; a run records at most %d names (record one value per row, with a name for what it is, instead)", f.Name, MaxRecordNames+1, MaxRecordNames)
		case !ok:
			e.names[k] = f.Name
			added = append(added, k)
		}
	}
	return nil
}

// paramRead is a parameter as param() read it.
type paramRead struct {
	name  string
	value any // as record() keeps values (plainValue)
}

// checkBeside refuses a recorded value that the results would show in the
// column of the run's own number, seed or a parameter of the same name
// (SQL names ignore case) while it says something else: one of the two
// would be hidden. k is the name in lower case; e.mu is held.
func (e *Env) checkBeside(f Field, k string) error {
	if f.Value == nil {
		return nil // None is not recording it
	}
	switch {
	case k == "run":
		return fmt.Errorf("record: %s is the results' column of the run's number (in a sweep's store); record this value under another name", f.Name)
	case k == "seed" && !sameValue(f.Value, e.seed):
		return fmt.Errorf("record: %s = %s, but the run's seed is %d (--seed; the results show it in their column seed): record this value under another name (e.g. sim_seed), or run with --seed %s", f.Name, showPlain(f.Value), e.seed, showPlain(f.Value))
	}
	if p, ok := e.params[k]; ok && !sameValue(f.Value, p.value) {
		return fmt.Errorf("record: %s = %s, but the parameter %s is %s (param(%q)), and the results show both in one column %s: record this value under another name", f.Name, showPlain(f.Value), p.name, showPlain(p.value), p.name, p.name)
	}
	if _, ok := e.params[k]; !ok && k != "seed" {
		if e.setNames == nil {
			e.setNames = map[string]string{}
			for name := range e.opts.Params {
				e.setNames[strings.ToLower(name)] = name
			}
		}
		if name, ok := e.setNames[k]; ok {
			return fmt.Errorf("record: %s is a parameter of this run (--set %s=...), shown in the results' column %s, but the script never read it: read it with %s = param(%q, default) and record that, or record this value under another name", f.Name, name, name, name, name)
		}
	}
	return nil
}

// noteParam remembers the value param() gave name, for checkBeside; a
// value recorded under that name before must be the same.
func (e *Env) noteParam(name string, v starlark.Value) error {
	pv, err := plainValue(v)
	if err != nil {
		return nil // not a value record() takes, so never beside one
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	k := strings.ToLower(name)
	for _, row := range e.recorded {
		for _, f := range row {
			if strings.ToLower(f.Name) == k && f.Value != nil && !sameValue(f.Value, pv) {
				return fmt.Errorf("param %q: the script recorded %s = %s before, and the results show both in one column %s: record the parameter's value (%s), or that value under another name", name, f.Name, showPlain(f.Value), name, showPlain(pv))
			}
		}
	}
	if e.params == nil {
		e.params = map[string]paramRead{}
	}
	e.params[k] = paramRead{name, pv}
	return nil
}

// sameValue reports whether two recorded values are equal as the results
// compare them: numbers by value (1 and 1.0), others by type and value.
func sameValue(a, b any) bool {
	num := func(x any) (float64, bool) {
		switch x := x.(type) {
		case int64:
			return float64(x), true
		case uint64:
			return float64(x), true
		case float64:
			return x, true
		}
		return 0, false
	}
	if x, ok := num(a); ok {
		if y, ok := num(b); ok {
			if ai, ok := a.(int64); ok {
				if bi, ok := b.(int64); ok {
					return ai == bi
				}
			}
			return x == y || x != x && y != y // NaN is itself here
		}
		return false
	}
	return a == b
}

// showPlain shows a recorded value as the script wrote it.
func showPlain(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case string:
		return starlark.String(v).String()
	}
	return fmt.Sprint(v)
}

// checkRecordName refuses names that are not identifiers, or that a
// results store keeps for itself.
func checkRecordName(name string) error {
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return fmt.Errorf("record: %q is not a name (letters, digits and _, not starting with a digit)", name)
		}
	}
	switch strings.ToLower(name) {
	case "":
		return errors.New("record: a name cannot be empty")
	case "run_id", "idx", "rowid", "oid", "_rowid_":
		return fmt.Errorf("record: the name %s is reserved by the results store; choose another", name)
	}
	return nil
}

// Recorded returns the rows record() has collected so far (the Env keeps
// them; do not modify).
func (e *Env) Recorded() []Row {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.recorded
}

// Costs reports what the simulations the Env created have done so far:
// events processed and messages delivered, summed over all of them.
func (e *Env) Costs() (events, delivered uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.costs.events, e.costs.delivered
}

// count adds what the simulation did since it was last counted to the
// Env's costs; a restore that took it back counts from there.
func (s *Simulation) count() {
	ev, dl := s.sim.Events(), uint64(s.sim.Total().Delivered)
	e := s.env
	e.mu.Lock()
	if ev > s.counted.events {
		e.costs.events += ev - s.counted.events
	}
	if dl > s.counted.delivered {
		e.costs.delivered += dl - s.counted.delivered
	}
	e.mu.Unlock()
	s.counted.events, s.counted.delivered = ev, dl
}

// ErrorPos returns the script position (file:line:col) an error from
// ExecFile points at, or "" when it has none.
func ErrorPos(err error) string {
	var se syntax.Error
	if errors.As(err, &se) {
		return se.Pos.String()
	}
	var rl resolve.ErrorList
	if errors.As(err, &rl) && len(rl) > 0 {
		return rl[0].Pos.String()
	}
	pos := ""
	for x := err; x != nil; x = errors.Unwrap(x) {
		if ee, ok := x.(*starlark.EvalError); ok {
			if p := innermostPos(ee.CallStack); p != "" {
				pos = p
			}
		}
	}
	return pos
}
