package bindings

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/engine"
)

// exploreState is what an Env keeps for exploration: the simulations in
// creation order (their schedules), the properties a script states and the
// parameters it marks as shrinkable.
type exploreState struct {
	sims       []*Simulation
	invariants []property
	shrink     []ShrinkParam
	// scriptFaults: a simulation was given faults= by the script.
	scriptFaults bool
	scriptKinds  []string // the kinds of the script's first faults= that names some
}

type property struct {
	name string
	fn   starlark.Callable
	pos  string // where the script stated it
}

// ShrinkParam is a parameter a script marked shrinkable:
// param("n", 25, shrink = True). Shrinking tries smaller values, down to
// Least, that still fail.
type ShrinkParam struct {
	Name    string
	Default int64
	Value   int64 // the value the run used
	Least   int64
}

// ShrinkParams lists the parameters the script marked shrinkable, in the
// order it read them.
func (e *Env) ShrinkParams() []ShrinkParam { return append([]ShrinkParam(nil), e.xp.shrink...) }

// PropertyError is a property that does not hold: an invariant at the end
// of a script, or an always property after a delivery (then T is the time
// and Peer the receiver; otherwise T is NaN and Peer -1).
type PropertyError struct {
	Name string
	Msg  string
	T    float64
	Peer int
	Pos  string // invariants: where the script stated it
}

func (e *PropertyError) Error() string {
	if math.IsNaN(e.T) {
		if e.Pos != "" {
			return fmt.Sprintf("%s: property %q violated at the end of the run: %s", e.Pos, e.Name, e.Msg)
		}
		return fmt.Sprintf("property %q violated at the end of the run: %s", e.Name, e.Msg)
	}
	return fmt.Sprintf("property %q violated after a delivery: %s", e.Name, e.Msg)
}

// AsPropertyError finds the property violation in a run's error, if that
// is what ended it.
func AsPropertyError(err error) (*PropertyError, bool) {
	var pe *PropertyError
	if errors.As(err, &pe) {
		return pe, true
	}
	return nil, false
}

func init() {
	api.Register(
		api.Function("invariant", `invariant(name, fn) -> None

States a property of the finished run: fn() is called once the script has
run, and the property holds when it returns None or True. It fails when
fn returns False, a non-empty string (the reason) or a non-empty list of
problems (the stdlib's check.problems_* functions), or raises (check.
agreement and the other stdlib checks raise when they fail). A failure
ends the script with "property NAME violated"; 'p2prepl explore' searches
for schedules that make one fail.

  invariant("agreement", lambda: check.agreement(sim, key = "decided", among = honest))`, builtinInvariant),
		api.Function("always", `always(name, fn, kinds=None, sim=None) -> None

States a property that must hold throughout a run: fn() (or fn(msg), if
it takes one parameter: the message just delivered) is called after every
delivery of a message of one of kinds (default: every kind) in sim
(default: the simulation created last), and judged as invariant judges it.
The run stops at the first delivery after which it fails, naming the time
and peer.

  always("one decision", lambda msg: len(decided(sim)) <= 1, kinds = ["vote"])`, builtinAlways),
	)
}

func builtinInvariant(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	var fn starlark.Callable
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name, "fn", &fn); err != nil {
		return nil, err
	}
	if name == "" {
		return nil, fmt.Errorf("invariant: name must not be empty")
	}
	e := envOf(thread)
	for _, p := range e.xp.invariants {
		if p.name == name {
			return nil, fmt.Errorf("invariant: a property named %q is already stated; give each its own name", name)
		}
	}
	pos := ""
	if thread.CallStackDepth() > 1 {
		pos = thread.CallFrame(1).Pos.String()
	}
	e.xp.invariants = append(e.xp.invariants, property{name: name, fn: fn, pos: pos})
	return starlark.None, nil
}

func builtinAlways(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	var fn starlark.Callable
	var kindsV, simV starlark.Value = starlark.None, starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name, "fn", &fn, "kinds?", &kindsV, "sim?", &simV); err != nil {
		return nil, err
	}
	if name == "" {
		return nil, fmt.Errorf("always: name must not be empty")
	}
	e := envOf(thread)
	s := e.current
	if simV != starlark.None {
		var ok bool
		if s, ok = simV.(*Simulation); !ok {
			return nil, fmt.Errorf("always: sim must be a simulation (got %s)", simV.Type())
		}
	}
	if s == nil {
		return nil, fmt.Errorf("always: there is no simulation yet; create it with simulation(...) before stating what must always hold in it")
	}
	var kinds []string
	if kindsV != starlark.None {
		xs, err := iterate("always", "kinds", kindsV)
		if err != nil {
			return nil, err
		}
		kinds = []string{}
		for _, x := range xs {
			k, ok := starlark.AsString(x)
			if !ok {
				return nil, fmt.Errorf("always: kinds must be message kinds (strings), got %s", x.Type())
			}
			kinds = append(kinds, k)
		}
	}
	withMsg := false
	if f, ok := fn.(*starlark.Function); ok {
		switch f.NumParams() {
		case 0:
		case 1:
			withMsg = true
		default:
			return nil, fmt.Errorf("always: fn must take no parameter or one (the message delivered); %s takes %d", f.Name(), f.NumParams())
		}
	}
	s.roots = append(s.roots, fn)
	s.sim.OnDeliver(kinds, func(p *engine.Peer, d *engine.Delivery) error {
		var args starlark.Tuple
		if withMsg {
			args = starlark.Tuple{s.received(p, d)}
		}
		v, err := s.call(fn, args)
		msg, failed := judge(v, err)
		if !failed {
			return nil
		}
		return &PropertyError{Name: name, Msg: msg, T: s.sim.Now(), Peer: p.ID()}
	})
	return starlark.None, nil
}

// judge says whether a property's result is a failure, and why.
func judge(v starlark.Value, err error) (string, bool) {
	if err != nil {
		if IsInterruption(err) {
			return "", false
		}
		msg := err.Error()
		if ee, ok := err.(*starlark.EvalError); ok {
			msg = ee.Msg
		}
		return msg, true
	}
	switch x := v.(type) {
	case starlark.NoneType:
		return "", false
	case starlark.Bool:
		return "returned False", !bool(x)
	case starlark.String:
		return string(x), x != ""
	case *starlark.List:
		if x.Len() == 0 {
			return "", false
		}
		var parts []string
		for i := 0; i < x.Len() && i < 5; i++ {
			s, ok := starlark.AsString(x.Index(i))
			if !ok {
				s = x.Index(i).String()
			}
			parts = append(parts, s)
		}
		if x.Len() > 5 {
			parts = append(parts, fmt.Sprintf("... and %d more", x.Len()-5))
		}
		return strings.Join(parts, "; "), true
	}
	return fmt.Sprintf("returned %s %s; return None or True when it holds, False or a reason when not", v.Type(), short(v)), true
}

// checkInvariants evaluates the invariants a script stated, in order, and
// returns the first that fails.
func (e *Env) checkInvariants(thread *starlark.Thread) error {
	for _, p := range e.xp.invariants {
		var v starlark.Value
		var err error
		if s := e.current; s != nil && !s.running {
			func() {
				defer s.enter(thread)()
				v, err = starlark.Call(thread, p.fn, nil, nil)
			}()
		} else {
			v, err = starlark.Call(thread, p.fn, nil, nil)
		}
		if err != nil && IsInterruption(err) {
			return err
		}
		if msg, failed := judge(v, err); failed {
			return &PropertyError{Name: p.name, Msg: msg, T: math.NaN(), Peer: -1, Pos: p.pos}
		}
	}
	return nil
}

// simSchedule is sim.schedule: the perturbations applied so far.
func simSchedule(s *Simulation) (starlark.Value, error) {
	ps := s.sim.Applied()
	l := make([]starlark.Value, len(ps))
	for i, p := range ps {
		l[i] = perturbationValue(p)
	}
	return starlark.NewList(l), nil
}

// shrinkParam is param(name, default, shrink = True): an int parameter
// that exploration may lower.
func (e *Env) shrinkParam(thread *starlark.Thread, b *starlark.Builtin, name string, dflt starlark.Value, least int64) (starlark.Value, error) {
	d, ok := dflt.(starlark.Int)
	if !ok {
		return nil, fmt.Errorf("param %q: only an int parameter can shrink (the default is %s)", name, dflt.Type())
	}
	dv, _ := d.Int64()
	if least > dv {
		return nil, fmt.Errorf("param %q: least=%d is above the default %d", name, least, dv)
	}
	v, err := builtinParam(thread, b, starlark.Tuple{starlark.String(name), dflt}, nil)
	if err != nil {
		return nil, err
	}
	n, _ := v.(starlark.Int).Int64()
	for _, p := range e.xp.shrink {
		if p.Name == name {
			return v, nil
		}
	}
	e.xp.shrink = append(e.xp.shrink, ShrinkParam{Name: name, Default: dv, Value: n, Least: least})
	return v, nil
}
