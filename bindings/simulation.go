package bindings

import (
	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/engine"
)

// Simulation is the Starlark value of simulation(): an engine.Sim plus the
// Starlark side of its peers and services.
type Simulation struct {
	env *Env
	sim *engine.Sim
}

var simDefs = []def{}

func (e *Env) modules2() map[string]starlark.Value { return nil }
