package bindings

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
)

// What protocols rely on besides sending: a common coin and path records
// (see also intercept.go).

func simCommonCoin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) > 0 {
		return nil, fmt.Errorf("sim.common_coin: the key is positional values only, e.g. sim.common_coin(instance, round)")
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("sim.common_coin: give a key, e.g. sim.common_coin(instance, round)")
	}
	// The key is the values' Starlark representations: "1" and 1 differ.
	// Only values whose representation is what they are may be keys: a
	// function or a list prints alike for different values (or with an
	// address), which would give them one coin, or a coin per run.
	var sb strings.Builder
	for i, v := range args {
		if err := coinKey(v); err != nil {
			return nil, fmt.Errorf("sim.common_coin: key %d: %w", i+1, err)
		}
		if i > 0 {
			sb.WriteByte(0)
		}
		sb.WriteString(v.String())
	}
	return starlark.MakeInt(simOf(b).sim.CommonCoin(sb.String())), nil
}

// coinKey accepts a value with a canonical form: None, a bool, int,
// float, string or bytes, or a tuple of such (nested as deep as it
// likes: it is walked without recursion).
func coinKey(v starlark.Value) error {
	stack := []starlark.Value{v}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch x := x.(type) {
		case starlark.NoneType, starlark.Bool, starlark.Int, starlark.Float, starlark.String, starlark.Bytes:
		case starlark.Tuple:
			stack = append(stack, x...)
		default:
			what := "is a " + x.Type()
			if x != v {
				what = "holds a " + x.Type()
			}
			return fmt.Errorf("%s %s; a key is made of None, bools, ints, floats, strings, bytes and tuples of them (their printed form is the key: use an id, e.g. the message id and the round, or a tuple for a list)", short(v), what)
		}
	}
	return nil
}

func simRecordPaths(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var kind string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "kind", &kind); err != nil {
		return nil, err
	}
	if kind == "" {
		return nil, fmt.Errorf("sim.record_paths: kind must not be empty")
	}
	if err := simOf(b).sim.RecordPaths(kind); err != nil {
		return nil, fmt.Errorf("sim.record_paths: %w", err)
	}
	return starlark.None, nil
}
