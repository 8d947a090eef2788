package main

import "github.com/p2prepl/p2prepl/bindings"

// newEnv creates the Starlark environment every command runs in.
func newEnv(opts bindings.Options) *bindings.Env {
	return bindings.NewEnv(opts)
}
