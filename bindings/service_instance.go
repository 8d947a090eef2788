package bindings

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/engine"
)

// Instance is one peer's instance of a Starlark service, and the `self`
// its functions get: self.peer, self.config, self.sim, self.name, self.now,
// timers (self.after, self.every, self.cancel) and any attribute the
// service sets (self.balance = 100). It implements engine.Service.
type Instance struct {
	typ    *ServiceType
	spec   *ServiceSpec
	s      *Simulation
	peer   *engine.Peer
	fields map[string]starlark.Value
	timers map[int64]*Timer
	tag    int64

	// interceptor gets every send this instance makes; inner is, in an
	// interceptor, the instance it intercepts (see intercept()).
	interceptor *Instance
	inner       *Instance

	args1 starlark.Tuple
	args2 starlark.Tuple
	bound api.Bound

	// The kind of the last message handled and its handler (see handler).
	lastKind string
	last     *kindHandler
}

var (
	_ engine.Service        = (*Instance)(nil)
	_ engine.OnlineObserver = (*Instance)(nil)
	_ starlark.HasSetField  = (*Instance)(nil)
)

func (in *Instance) String() string {
	if in.peer == nil {
		return fmt.Sprintf("<%s instance>", in.typ.name)
	}
	return fmt.Sprintf("<%s at peer %d>", in.typ.name, in.peer.ID())
}
func (in *Instance) Type() string          { return "service_instance" }
func (in *Instance) Freeze()               {} // per-peer mutable state by design
func (in *Instance) Truth() starlark.Bool  { return true }
func (in *Instance) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: service_instance") }

// instanceType declares what self has inside a Starlark service, besides
// the attributes the service sets.
var instanceType = api.NewType(&api.Type[*Instance]{
	Name: "service_instance",
	Var:  "self",
	Doc:  "self inside a Starlark service: one peer's instance of it. Any attribute you set (self.balance = 100) is the instance's own state.",
	Fields: []api.Field[*Instance]{
		api.Attr("peer", "the peer running this instance (None before it starts)", func(in *Instance) (starlark.Value, error) {
			if in.peer == nil {
				return starlark.None, nil
			}
			return in.s.peerValue(in.peer), nil
		}),
		api.Attr("config", "the service's configuration: defaults merged with what was given (self.config.rate)", func(in *Instance) (starlark.Value, error) {
			return in.spec.config, nil
		}),
		api.Attr("sim", "the simulation", func(in *Instance) (starlark.Value, error) { return in.s, nil }),
		api.Attr("name", "the service's name", func(in *Instance) (starlark.Value, error) { return starlark.String(in.typ.name), nil }),
		api.Attr("now", "the simulated time, in ms", func(in *Instance) (starlark.Value, error) { return starlark.Float(in.s.sim.Now()), nil }),
		api.Attr("inner", "in an interceptor (intercept(svc, by)): the instance of the service it intercepts; None otherwise", func(in *Instance) (starlark.Value, error) {
			if in.inner == nil {
				return starlark.None, nil
			}
			return in.inner, nil
		}),
	},
	Methods: []api.Builtin{
		api.Method("after", "self.after(ms, fn, *args) -> timer; calls fn(self, *args) ms from now (ms: a number, or a dist drawn now, negative draws counting as 0).", selfAfter),
		api.Method("every", "self.every(ms, fn, *args, start=ms) -> timer; calls fn(self, *args) every ms, the first time after start ms (default: one period); timer.cancel() stops it.", selfEvery),
		api.Method("cancel", "self.cancel(timer) -> None; stops a timer from self.after / self.every (None and finished timers are fine).", selfCancel),
	},
})

func (in *Instance) Attr(name string) (starlark.Value, error) {
	if v, err := instanceType.Attr(in, name, &in.bound); v != nil || err != nil {
		return v, err
	}
	if v, ok := in.fields[name]; ok {
		return v, nil
	}
	return nil, starlark.NoSuchAttrError(fmt.Sprintf("self (a %s instance) has no attribute .%s; set it first, e.g. self.%s = ... in on_start", in.typ.name, name, name))
}

func (in *Instance) AttrNames() []string {
	names := append([]string(nil), instanceType.AttrNames()...)
	for k := range in.fields {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func (in *Instance) SetField(name string, v starlark.Value) error {
	if instanceType.Has(name) {
		return fmt.Errorf("cannot set self.%s: it is a built-in attribute of a service instance (pick another name)", name)
	}
	if in.fields == nil {
		in.fields = map[string]starlark.Value{}
	}
	in.fields[name] = v
	return nil
}

// engine.Service

func (in *Instance) Name() string    { return in.typ.name }
func (in *Instance) Kinds() []string { return in.typ.kinds }

func (in *Instance) Start(p *engine.Peer) error {
	in.peer = p
	if in.typ.onStart == nil {
		return nil
	}
	return in.call(in.typ.onStart, starlark.Tuple{in})
}

// errCrashed stops the code of a service whose peer crashed while it ran
// (sim.crash): at its next send, store or timer, as a crashed process stops.
var errCrashed = errors.New("the peer has crashed")

// call runs one of the instance's functions, marked as the instance
// running (send interception and crashes look at it). It runs once per
// delivery to a Starlark handler, so it calls Starlark itself (as
// Simulation.call does) and leaves errors to failed.
func (in *Instance) call(fn starlark.Value, args starlark.Tuple) error {
	s := in.s
	if s.thread == nil {
		return errNoThread
	}
	prev := s.active
	s.active = in
	_, err := starlark.Call(s.thread, fn, args, nil)
	s.active = prev
	if err != nil {
		return in.failed(err)
	}
	return nil
}

// failed is the error of a call, or nil when the call stopped because its
// peer crashed meanwhile.
func (in *Instance) failed(err error) error {
	if in.peer != nil && in.peer.Crashed() && errors.Is(err, errCrashed) {
		return nil
	}
	return err
}

// stopped is errCrashed when the service running now belongs to a peer
// that has crashed meanwhile.
func (s *Simulation) stopped() error {
	if a := s.active; a != nil && a.peer != nil && a.peer.Crashed() {
		return errCrashed
	}
	return nil
}

// handles reports whether the instance's service has a handler for kind.
func (in *Instance) handles(kind string) bool {
	for i := range in.typ.handlers {
		if in.typ.handlers[i].kind == kind {
			return true
		}
	}
	return false
}

// handler returns the handler of kind, or nil. The messages of a kind
// usually share one string (their sender's), so the kind found last is
// compared first: Go compares equal addresses without reading the bytes,
// where the handler's own copy of the kind is read through on every
// delivery.
func (in *Instance) handler(kind string) *kindHandler {
	if in.last != nil && kind == in.lastKind {
		return in.last
	}
	for i := range in.typ.handlers {
		if h := &in.typ.handlers[i]; h.kind == kind {
			in.lastKind, in.last = kind, h
			return h
		}
	}
	return nil
}

func (in *Instance) Handle(p *engine.Peer, d *engine.Delivery) error {
	h := in.handler(d.Msg.Kind)
	if h == nil {
		return nil
	}
	msg := in.s.received(p, d)
	if !h.reuse {
		return in.call(h.fn, starlark.Tuple{in, msg})
	}
	args := in.args2
	if args == nil {
		args = make(starlark.Tuple, 2)
		in.args2 = args
	}
	args[0], args[1] = in, msg
	in.args2 = nil // a nested call (go_offline in a handler) takes its own
	err := in.call(h.fn, args)
	args[1] = nil
	in.args2 = args
	return err
}

func (in *Instance) callSelf(fn starlark.Callable) error {
	args := in.args1
	if args == nil {
		args = starlark.Tuple{nil}
	}
	in.args1 = nil
	args[0] = in
	err := in.call(fn, args)
	in.args1 = args
	return err
}

func (in *Instance) Offline(p *engine.Peer) error {
	if in.typ.onOffline == nil {
		return nil
	}
	return in.callSelf(in.typ.onOffline)
}

func (in *Instance) Online(p *engine.Peer) error {
	if in.typ.onOnline == nil {
		return nil
	}
	return in.callSelf(in.typ.onOnline)
}

// Timer is a timer handle from self.after / self.every: .cancel(), .active,
// .at (the next firing time).
type Timer struct {
	in     *Instance
	tag    int64
	id     engine.TimerID
	fn     starlark.Callable
	args   starlark.Tuple // self first
	every  float64        // 0: one-shot
	at     float64
	active bool
	bound  api.Bound
}

func (t *Timer) String() string {
	state := "done"
	if t.active {
		state = "at " + fmtFloat(t.at) + " ms"
	}
	kind := "after"
	if t.every > 0 {
		kind = "every " + fmtFloat(t.every) + " ms"
	}
	return fmt.Sprintf("<timer %s %s, %s>", kind, t.fn.Name(), state)
}
func (t *Timer) Type() string          { return "timer" }
func (t *Timer) Freeze()               {}
func (t *Timer) Truth() starlark.Bool  { return starlark.Bool(t.active) }
func (t *Timer) Hash() (uint32, error) { return uint32(t.tag), nil }

// timerType declares a timer's attributes and methods.
var timerType = api.NewType(&api.Type[*Timer]{
	Name: "timer",
	Var:  "timer",
	Doc:  "A timer from self.after / self.every; true while it is pending.",
	Fields: []api.Field[*Timer]{
		api.Attr("active", "True until it has fired (self.after) or is cancelled", func(t *Timer) (starlark.Value, error) {
			return starlark.Bool(t.active), nil
		}),
		api.Attr("at", "when it fires next (ms), or None", func(t *Timer) (starlark.Value, error) {
			if !t.active {
				return starlark.None, nil
			}
			return starlark.Float(t.at), nil
		}),
	},
	Methods: []api.Builtin{
		api.Method("cancel", "timer.cancel() -> None; stops the timer (a finished timer is fine).", timerCancel),
	},
})

func (t *Timer) Attr(name string) (starlark.Value, error) { return timerType.Attr(t, name, &t.bound) }

func (t *Timer) AttrNames() []string { return timerType.AttrNames() }

func (t *Timer) cancel() {
	if !t.active {
		return
	}
	t.active = false
	t.in.s.sim.Cancel(t.id)
	delete(t.in.timers, t.tag)
}

func (in *Instance) Timer(p *engine.Peer, tag int64) error {
	t := in.timers[tag]
	if t == nil || !t.active {
		return nil
	}
	if t.every > 0 {
		id, err := in.s.sim.After(p, in, t.every, tag)
		if err != nil {
			return err
		}
		t.id, t.at = id, in.s.sim.Now()+t.every
	} else {
		t.active = false
		delete(in.timers, tag)
	}
	if err := in.call(t.fn, t.args); err != nil {
		return fmt.Errorf("%s: timer %s: %w", in.typ.name, t.fn.Name(), err)
	}
	return nil
}

// delayArg reads a delay: a number >= 0, or a dist drawn now (negative
// draws count as 0).
func (in *Instance) delayArg(fn, param string, v starlark.Value) (float64, error) {
	if d, ok := v.(*Dist); ok {
		nd, err := d.numeric(fn + ": " + param)
		if err != nil {
			return 0, err
		}
		return math.Max(0, nd.Sample(in.s.sim.Rand())), nil
	}
	f, err := floatArg(fn, param, v)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return 0, fmt.Errorf("%s: %s must be a finite number of ms >= 0 (got %s)", fn, param, fmtFloat(f))
	}
	return f, nil
}

func (in *Instance) schedule(fn string, delay, every float64, cb starlark.Value, extra starlark.Tuple) (*Timer, error) {
	c, ok := cb.(starlark.Callable)
	if !ok {
		return nil, fmt.Errorf("%s: fn must be a function fn(self, ...) (got %s)", fn, cb.Type())
	}
	if in.peer == nil {
		return nil, fmt.Errorf("%s: the service has not started yet (set timers in on_start or later)", fn)
	}
	if err := in.s.stopped(); err != nil {
		return nil, err
	}
	in.tag++
	args := make(starlark.Tuple, 0, 1+len(extra))
	args = append(args, in)
	args = append(args, extra...)
	t := &Timer{in: in, tag: in.tag, fn: c, args: args, every: every, at: in.s.sim.Now() + delay, active: true}
	id, err := in.s.sim.After(in.peer, in, delay, t.tag)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	t.id = id
	if in.timers == nil {
		in.timers = map[int64]*Timer{}
	}
	in.timers[t.tag] = t
	return t, nil
}

func selfAfter(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	in := b.Receiver().(*Instance)
	if len(kwargs) > 0 {
		return nil, fmt.Errorf("self.after: unexpected keyword arguments (use self.after(ms, fn, *args))")
	}
	if len(args) < 2 {
		return nil, fmt.Errorf("self.after: want self.after(ms, fn, *args) (got %d arguments)", len(args))
	}
	delay, err := in.delayArg("self.after", "ms", args[0])
	if err != nil {
		return nil, err
	}
	return in.schedule("self.after", delay, 0, args[1], args[2:])
}

func selfEvery(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	in := b.Receiver().(*Instance)
	var start starlark.Value = starlark.None
	for _, kv := range kwargs {
		if string(kv[0].(starlark.String)) != "start" {
			return nil, fmt.Errorf("self.every: unexpected keyword argument %s (only start=)", kv[0])
		}
		start = kv[1]
	}
	if len(args) < 2 {
		return nil, fmt.Errorf("self.every: want self.every(ms, fn, *args, start=None) (got %d arguments)", len(args))
	}
	every, err := floatArg("self.every", "ms", args[0])
	if err != nil {
		return nil, err
	}
	if err := periodMs("self.every", "ms", every); err != nil {
		return nil, err
	}
	delay := every
	if start != starlark.None {
		if delay, err = in.delayArg("self.every", "start", start); err != nil {
			return nil, err
		}
	}
	return in.schedule("self.every", delay, every, args[1], args[2:])
}

func selfCancel(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "timer", &v); err != nil {
		return nil, err
	}
	if v == starlark.None {
		return starlark.None, nil
	}
	t, ok := v.(*Timer)
	if !ok {
		return nil, fmt.Errorf("self.cancel: want a timer from self.after or self.every (got %s)", v.Type())
	}
	t.cancel()
	return starlark.None, nil
}

func timerCancel(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	b.Receiver().(*Timer).cancel()
	return starlark.None, nil
}
