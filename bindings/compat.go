package bindings

import (
	"fmt"

	"go.starlark.net/starlark"
)

// compatP2PSimPy is simulation(compat = "p2psimpy"): the built-in services
// of that simulation default to p2psimpy's behaviour where p2prepl differs
// from it on purpose. docs/porting-from-p2psimpy.md lists every difference.
const compatP2PSimPy = "p2psimpy"

// compatDoc is the part of simulation()'s doc that says what the switch
// changes; the porting guide says why each default differs.
const compatDoc = `compat: "p2psimpy" makes the built-in services of this simulation behave
  as p2psimpy's where p2prepl differs on purpose (arguments given
  explicitly still win): gossip and push_pull_gossip forward every copy
  while TTL > 0 (forward_duplicates=True) and every gossip service stores
  every copy it receives (the last version wins); pull rounds start a
  round after |first_round|; connection managers run their rounds in step
  (at 0, ping_interval, ...), open each link with a Hello exchange and, back
  from downtime, say Hello instead of reconnecting; random_downtime applies
  its down and up durations the wrong way round, as p2psimpy does.
  Default None: p2prepl's own model.`

func (s *Simulation) p2psimpy() bool { return s.compat == compatP2PSimPy }

func compatArg(v starlark.Value) (string, error) {
	if v == starlark.None {
		return "", nil
	}
	if c, ok := starlark.AsString(v); ok && c == compatP2PSimPy {
		return c, nil
	}
	return "", fmt.Errorf("simulation: compat must be None or %q (got %s)", compatP2PSimPy, short(v))
}

// optBool is a bool argument that remembers whether it was given, so that
// a compatibility mode can change its default but not an explicit value.
type optBool struct{ set, v bool }

func (b *optBool) Unpack(v starlark.Value) error {
	x, ok := v.(starlark.Bool)
	if !ok {
		return fmt.Errorf("got %s, want bool", v.Type())
	}
	b.set, b.v = true, bool(x)
	return nil
}

// or is the value given, else def.
func (b optBool) or(def bool) bool {
	if b.set {
		return b.v
	}
	return def
}
