package bindings

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/p2prepl/p2prepl/engine"
)

// num unpacks an int or a float argument.
type num float64

func (n *num) Unpack(v starlark.Value) error {
	f, ok := toFloat(v)
	if !ok {
		return fmt.Errorf("got %s, want a number", v.Type())
	}
	*n = num(f)
	return nil
}

// toFloat converts an int or float value.
func toFloat(v starlark.Value) (float64, bool) {
	switch x := v.(type) {
	case starlark.Int:
		f, _ := starlark.AsFloat(x)
		return f, true
	case starlark.Float:
		return float64(x), true
	}
	return 0, false
}

// floatArg names a numeric parameter in errors: "sim.run: until must be a
// number (got string)".
func floatArg(fn, param string, v starlark.Value) (float64, error) {
	f, ok := toFloat(v)
	if !ok {
		return 0, fmt.Errorf("%s: %s must be a number (got %s %s)", fn, param, v.Type(), short(v))
	}
	return f, nil
}

// intArg converts an int argument.
func intArg(fn, param string, v starlark.Value) (int, error) {
	i, ok := v.(starlark.Int)
	if !ok {
		return 0, fmt.Errorf("%s: %s must be an int (got %s %s)", fn, param, v.Type(), short(v))
	}
	n, ok := i.Int64()
	if !ok || n > math.MaxInt32 || n < math.MinInt32 {
		return 0, fmt.Errorf("%s: %s is out of range (got %s)", fn, param, i.String())
	}
	return int(n), nil
}

// short renders a value for an error message, cut to a readable length.
func short(v starlark.Value) string {
	s := v.String()
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// keyString converts a storage key or message id: a string, or an int
// (stored as its decimal form).
func keyString(fn, param string, v starlark.Value) (string, error) {
	switch x := v.(type) {
	case starlark.String:
		return string(x), nil
	case starlark.Int:
		return x.String(), nil
	}
	return "", fmt.Errorf("%s: %s must be a string or an int (got %s %s)", fn, param, v.Type(), short(v))
}

// toStarlark converts a value held by the engine (a Starlark value stored
// by a script, or a Go value stored by a built-in service) for a script.
func toStarlark(s *Simulation, x any) starlark.Value {
	switch v := x.(type) {
	case nil:
		return starlark.None
	case starlark.Value:
		return v
	case *engine.Message:
		return s.messageOf(v)
	case []*engine.Message:
		l := make([]starlark.Value, len(v))
		for i, m := range v {
			l[i] = s.messageOf(m)
		}
		return starlark.NewList(l)
	case float64:
		return starlark.Float(v)
	case int:
		return starlark.MakeInt(v)
	case int64:
		return starlark.MakeInt64(v)
	case uint64:
		return starlark.MakeUint64(v)
	case string:
		return starlark.String(v)
	case bool:
		return starlark.Bool(v)
	case []int:
		l := make([]starlark.Value, len(v))
		for i, n := range v {
			l[i] = starlark.MakeInt(n)
		}
		return starlark.NewList(l)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d := starlark.NewDict(len(keys))
		for _, k := range keys {
			_ = d.SetKey(starlark.String(k), toStarlark(s, v[k]))
		}
		return d
	}
	return starlark.String(fmt.Sprint(x))
}

// intList makes a list of ints.
func intList(xs []int) *starlark.List {
	l := make([]starlark.Value, len(xs))
	for i, n := range xs {
		l[i] = starlark.MakeInt(n)
	}
	return starlark.NewList(l)
}

// stringList makes a list of strings.
func stringList(xs []string) *starlark.List {
	l := make([]starlark.Value, len(xs))
	for i, x := range xs {
		l[i] = starlark.String(x)
	}
	return starlark.NewList(l)
}

// record builds an immutable struct with fields in the given order.
func record(kv ...any) *starlarkstruct.Struct {
	d := make(starlark.StringDict, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		var v starlark.Value
		switch x := kv[i+1].(type) {
		case starlark.Value:
			v = x
		case int64:
			v = starlark.MakeInt64(x)
		case int:
			v = starlark.MakeInt(x)
		case float64:
			v = starlark.Float(x)
		case string:
			v = starlark.String(x)
		case bool:
			v = starlark.Bool(x)
		default:
			panic(fmt.Sprintf("record: unsupported %T", x))
		}
		d[kv[i].(string)] = v
	}
	s := starlarkstruct.FromStringDict(starlarkstruct.Default, d)
	s.Freeze()
	return s
}

// iterate collects the elements of an iterable argument.
func iterate(fn, param string, v starlark.Value) ([]starlark.Value, error) {
	it, ok := v.(starlark.Iterable)
	if !ok {
		return nil, fmt.Errorf("%s: %s must be a list or tuple (got %s %s)", fn, param, v.Type(), short(v))
	}
	var out []starlark.Value
	iter := it.Iterate()
	defer iter.Done()
	var x starlark.Value
	for iter.Next(&x) {
		out = append(out, x)
	}
	return out, nil
}

func quote(s string) string { return strconv.Quote(s) }
