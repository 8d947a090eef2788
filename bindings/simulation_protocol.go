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
	var sb strings.Builder
	for i, v := range args {
		if i > 0 {
			sb.WriteByte(0)
		}
		sb.WriteString(v.String())
	}
	return starlark.MakeInt(simOf(b).sim.CommonCoin(sb.String())), nil
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
