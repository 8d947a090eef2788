package main

import (
	"github.com/p2prepl/p2prepl/bindings"
	"github.com/p2prepl/p2prepl/stdlib"
)

// newEnv creates the Starlark environment every command runs in, with the
// standard library behind load("@stdlib/...").
func newEnv(opts bindings.Options) *bindings.Env {
	env := bindings.NewEnv(opts)
	env.SetStdlib(stdlib.FS)
	return env
}
