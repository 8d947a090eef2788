package bindings

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/p2prepl/p2prepl/engine"
)

// ServiceType is the value of service(name, ...): a Starlark service
// definition. Calling it with keyword arguments gives a configured
// ServiceSpec: my_service(rate = 3).
type ServiceType struct {
	name      string
	onStart   starlark.Callable
	onOnline  starlark.Callable
	onOffline starlark.Callable
	handlers  []kindHandler
	kinds     []string
	defaults  []configEntry
	docText   string
}

type kindHandler struct {
	kind  string
	fn    starlark.Callable
	reuse bool // fn is a *starlark.Function, which copies its arguments
}

type configEntry struct {
	name  string
	value starlark.Value
}

var (
	_ starlark.Callable = (*ServiceType)(nil)
	_ documented        = (*ServiceType)(nil)
)

func (t *ServiceType) String() string        { return fmt.Sprintf("<service %s>", t.name) }
func (t *ServiceType) Type() string          { return "service_type" }
func (t *ServiceType) Freeze()               {}
func (t *ServiceType) Truth() starlark.Bool  { return true }
func (t *ServiceType) Hash() (uint32, error) { return starlark.String(t.name).Hash() }
func (t *ServiceType) Name() string          { return t.name }

func (t *ServiceType) doc() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "service %s", t.name)
	if len(t.defaults) > 0 {
		sb.WriteString("(")
		for i, c := range t.defaults {
			if i > 0 {
				sb.WriteString(", ")
			}
			fmt.Fprintf(&sb, "%s=%s", c.name, short(c.value))
		}
		sb.WriteString(")")
	}
	if t.docText != "" {
		sb.WriteString("\n\n")
		sb.WriteString(t.docText)
	}
	if len(t.kinds) > 0 {
		fmt.Fprintf(&sb, "\n\nHandles message kinds: %s", strings.Join(t.kinds, ", "))
	}
	return sb.String()
}

// CallInternal configures the service: every keyword must be one of the
// defaults; the result is a ServiceSpec for services=[...].
func (t *ServiceType) CallInternal(thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) > 0 {
		return nil, fmt.Errorf("%s: configure a service with keyword arguments (e.g. %s(rate = 3)), not positional ones", t.name, t.name)
	}
	return t.configure(kwargs)
}

func (t *ServiceType) configure(kwargs []starlark.Tuple) (*ServiceSpec, error) {
	cfg := make(starlark.StringDict, len(t.defaults))
	for _, c := range t.defaults {
		cfg[c.name] = c.value
	}
	var given []string
	for _, kv := range kwargs {
		k := string(kv[0].(starlark.String))
		if _, ok := cfg[k]; !ok {
			known := make([]string, len(t.defaults))
			for i, c := range t.defaults {
				known[i] = c.name
			}
			hint := "it declares no parameters; add defaults = {...} to service()"
			if len(known) > 0 {
				hint = "known: " + strings.Join(known, ", ")
			}
			return nil, fmt.Errorf("%s: unknown parameter %q (%s)", t.name, k, hint)
		}
		kv[1].Freeze()
		cfg[k] = kv[1]
		given = append(given, k)
	}
	conf := starlarkstruct.FromStringDict(starlark.String(t.name+".config"), cfg)
	conf.Freeze()
	return &ServiceSpec{name: t.name, typ: t, config: &Config{conf}, given: given}, nil
}

// Config is self.config: the service's defaults merged with its
// configuration, read as self.config.rate or self.config["rate"]. Its
// values are frozen (every instance shares them).
type Config struct {
	*starlarkstruct.Struct
}

var _ starlark.Mapping = (*Config)(nil)

func (c *Config) Type() string { return "config" }

func (c *Config) Get(k starlark.Value) (starlark.Value, bool, error) {
	name, ok := starlark.AsString(k)
	if !ok {
		return nil, false, fmt.Errorf("config keys are parameter names (strings), got %s", k.Type())
	}
	v, err := c.Struct.Attr(name)
	if err != nil || v == nil {
		return nil, false, nil
	}
	return v, true, nil
}

// ServiceSpec is a configured service, ready for services=[...]: every
// peer added with it gets its own instance.
type ServiceSpec struct {
	name   string
	typ    *ServiceType // nil for a built-in service
	config *Config
	given  []string
	// build makes a built-in service instance for a simulation.
	build func(s *Simulation) (engine.Service, error)
	str   string
}

var _ documented = (*ServiceSpec)(nil)

func (sp *ServiceSpec) String() string {
	if sp.str != "" {
		return sp.str
	}
	var sb strings.Builder
	sb.WriteString(sp.name)
	sb.WriteString("(")
	for i, k := range sp.given {
		if i > 0 {
			sb.WriteString(", ")
		}
		v, _ := sp.config.Attr(k)
		fmt.Fprintf(&sb, "%s=%s", k, short(v))
	}
	sb.WriteString(")")
	return sb.String()
}
func (sp *ServiceSpec) Type() string          { return "service" }
func (sp *ServiceSpec) Freeze()               {}
func (sp *ServiceSpec) Truth() starlark.Bool  { return true }
func (sp *ServiceSpec) Hash() (uint32, error) { return starlark.String(sp.String()).Hash() }

func (sp *ServiceSpec) doc() string {
	if sp.typ != nil {
		return sp.typ.doc()
	}
	loadDocs()
	return funcDocs[sp.name]
}

func (sp *ServiceSpec) Attr(name string) (starlark.Value, error) {
	switch name {
	case "name":
		return starlark.String(sp.name), nil
	case "config":
		if sp.config != nil {
			return sp.config, nil
		}
		return starlark.None, nil
	}
	return nil, nil
}

func (sp *ServiceSpec) AttrNames() []string { return []string{"config", "name"} }

func asServiceSpec(v starlark.Value) (*ServiceSpec, error) {
	switch x := v.(type) {
	case *ServiceSpec:
		return x, nil
	case *ServiceType:
		return x.configure(nil)
	case *starlark.Builtin:
		if _, ok := builtinServiceNames[x.Name()]; ok {
			return nil, fmt.Errorf("%s is a service constructor: call it, %s()", x.Name(), x.Name())
		}
	}
	return nil, fmt.Errorf("want a service such as gossip() or one made with service(...) (got %s %s)", v.Type(), short(v))
}

// instance makes one peer's instance.
func (sp *ServiceSpec) instance(s *Simulation) (engine.Service, error) {
	if sp.build != nil {
		return sp.build(s)
	}
	return &Instance{typ: sp.typ, spec: sp, s: s}, nil
}

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

	args1   starlark.Tuple
	args2   starlark.Tuple
	methods [3]*starlark.Builtin // after, every, cancel
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

var instanceBuiltins = []string{"after", "cancel", "config", "every", "name", "now", "peer", "sim"}

func (in *Instance) Attr(name string) (starlark.Value, error) {
	switch name {
	case "peer":
		if in.peer == nil {
			return starlark.None, nil
		}
		return in.s.peerValue(in.peer), nil
	case "config":
		return in.spec.config, nil
	case "sim":
		return in.s, nil
	case "name":
		return starlark.String(in.typ.name), nil
	case "now":
		return starlark.Float(in.s.sim.Now()), nil
	case "after":
		return in.method(0, "self.after", selfAfter), nil
	case "every":
		return in.method(1, "self.every", selfEvery), nil
	case "cancel":
		return in.method(2, "self.cancel", selfCancel), nil
	}
	if v, ok := in.fields[name]; ok {
		return v, nil
	}
	return nil, starlark.NoSuchAttrError(fmt.Sprintf("self (a %s instance) has no attribute .%s; set it first, e.g. self.%s = ... in on_start", in.typ.name, name, name))
}

func (in *Instance) method(i int, name string, fn builtinFunc) *starlark.Builtin {
	if b := in.methods[i]; b != nil {
		return b
	}
	b := starlark.NewBuiltin(name, safe(fn)).BindReceiver(in)
	in.methods[i] = b
	return b
}

func (in *Instance) AttrNames() []string {
	names := append([]string(nil), instanceBuiltins...)
	for k := range in.fields {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func (in *Instance) SetField(name string, v starlark.Value) error {
	for _, b := range instanceBuiltins {
		if b == name {
			return fmt.Errorf("cannot set self.%s: it is a built-in attribute of a service instance (pick another name)", name)
		}
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
	_, err := in.s.call(in.typ.onStart, starlark.Tuple{in})
	return err
}

func (in *Instance) Handle(p *engine.Peer, d *engine.Delivery) error {
	kind := d.Msg.Kind
	for i := range in.typ.handlers {
		h := &in.typ.handlers[i]
		if h.kind != kind {
			continue
		}
		msg := in.s.received(p, d)
		if !h.reuse {
			_, err := in.s.call(h.fn, starlark.Tuple{in, msg})
			return err
		}
		args := in.args2
		if args == nil {
			args = make(starlark.Tuple, 2)
			in.args2 = args
		}
		args[0], args[1] = in, msg
		in.args2 = nil // a nested call (go_offline in a handler) takes its own
		_, err := in.s.call(h.fn, args)
		args[1] = nil
		in.args2 = args
		return err
	}
	return nil
}

func (in *Instance) callSelf(fn starlark.Callable) error {
	args := in.args1
	if args == nil {
		args = starlark.Tuple{nil}
	}
	in.args1 = nil
	args[0] = in
	_, err := in.s.call(fn, args)
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

func (t *Timer) Attr(name string) (starlark.Value, error) {
	switch name {
	case "active":
		return starlark.Bool(t.active), nil
	case "at":
		if !t.active {
			return starlark.None, nil
		}
		return starlark.Float(t.at), nil
	case "cancel":
		return starlark.NewBuiltin("timer.cancel", safe(timerCancel)).BindReceiver(t), nil
	}
	return nil, nil
}

func (t *Timer) AttrNames() []string { return []string{"active", "at", "cancel"} }

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
	if _, err := in.s.call(t.fn, t.args); err != nil {
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
	if math.IsNaN(every) || math.IsInf(every, 0) || every <= 0 {
		return nil, fmt.Errorf("self.every: ms must be a finite number > 0 (got %s)", fmtFloat(every))
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

var serviceDefs []def

func init() {
	serviceDefs = []def{
		{"service", `service(name, on_start=None, on_message={}, on_online=None, on_offline=None, defaults={}, doc="") -> a service type

Defines a service written in Starlark. Each peer given it (services=[...])
gets its own instance, passed as self to every function:
  on_start(self)           when the peer is added (set state and timers)
  on_message[kind](self, msg)  for each accepted message of that kind
  on_offline(self), on_online(self)  when the peer goes down / comes back
self has: self.peer, self.config (defaults merged with the configuration:
my_service(rate = 3).config.rate == 3), self.sim, self.now, self.name,
timers self.after(ms, fn, *args) and self.every(ms, fn, *args, start=ms)
calling fn(self, *args) and returning a timer with .cancel(), and
self.cancel(timer). Any other attribute is the instance's own state:
  def _start(self):
      self.balance = 100
      self.every(200, _produce)
Module globals are frozen once the script has run, so keep mutable state
on self, not in top-level lists or dicts.

  my_service = service("MyService", on_start = _start,
                       on_message = {"tx": _on_tx}, defaults = {"rate": 5})
  sim.add_peers(g, services = [my_service(rate = 3)])`, builtinService},
	}
	registerFuncs(serviceDefs)
	registerType("service_instance", "self inside a Starlark service: self.peer, self.config, self.sim, self.now, self.name, self.after(ms, fn, *args), self.every(ms, fn, *args, start=ms), self.cancel(timer), plus any attribute you set.")
	registerType("timer", "A timer from self.after / self.every: .active, .at (next firing time), .cancel().")
	registerType("service", "A configured service for services=[...]: .name, .config.")
	registerMethod("service_instance", "self", "after", "self.after(ms, fn, *args) -> timer; calls fn(self, *args) ms from now (ms: a number, or a dist drawn now, negative draws counting as 0).")
	registerMethod("service_instance", "self", "every", "self.every(ms, fn, *args, start=ms) -> timer; calls fn(self, *args) every ms, the first time after start ms (default: one period); timer.cancel() stops it.")
	registerMethod("service_instance", "self", "cancel", "self.cancel(timer) -> None; stops a timer from self.after / self.every (None and finished timers are fine).")
	registerMethod("timer", "timer", "cancel", "timer.cancel() -> None; stops the timer (a finished timer is fine).")
}

func optCallable(fn, param string, v starlark.Value) (starlark.Callable, error) {
	if v == nil || v == starlark.None {
		return nil, nil
	}
	c, ok := v.(starlark.Callable)
	if !ok {
		return nil, fmt.Errorf("%s: %s must be a function (got %s %s)", fn, param, v.Type(), short(v))
	}
	return c, nil
}

func builtinService(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name, docText string
	var onStart, onOnline, onOffline starlark.Value = starlark.None, starlark.None, starlark.None
	var onMessage, defaults starlark.Value = starlark.None, starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name, "on_start?", &onStart, "on_message?", &onMessage,
		"on_online?", &onOnline, "on_offline?", &onOffline, "defaults?", &defaults, "doc?", &docText); err != nil {
		return nil, err
	}
	if name == "" {
		return nil, fmt.Errorf("service: name must not be empty")
	}
	t := &ServiceType{name: name, docText: docText}
	var err error
	if t.onStart, err = optCallable("service", "on_start", onStart); err != nil {
		return nil, err
	}
	if t.onOnline, err = optCallable("service", "on_online", onOnline); err != nil {
		return nil, err
	}
	if t.onOffline, err = optCallable("service", "on_offline", onOffline); err != nil {
		return nil, err
	}
	if onMessage != starlark.None {
		d, ok := onMessage.(*starlark.Dict)
		if !ok {
			return nil, fmt.Errorf("service: on_message must be a dict {kind: fn(self, msg)} (got %s)", onMessage.Type())
		}
		for _, it := range d.Items() {
			kind, ok := starlark.AsString(it[0])
			if !ok || kind == "" {
				return nil, fmt.Errorf("service: on_message keys must be message kinds (non-empty strings), got %s", short(it[0]))
			}
			fn, ok := it[1].(starlark.Callable)
			if !ok {
				return nil, fmt.Errorf("service: on_message[%q] must be a function fn(self, msg) (got %s)", kind, it[1].Type())
			}
			_, reuse := fn.(*starlark.Function)
			t.handlers = append(t.handlers, kindHandler{kind: kind, fn: fn, reuse: reuse})
			t.kinds = append(t.kinds, kind)
		}
	}
	if defaults != starlark.None {
		d, ok := defaults.(*starlark.Dict)
		if !ok {
			return nil, fmt.Errorf("service: defaults must be a dict {name: value} (got %s)", defaults.Type())
		}
		for _, it := range d.Items() {
			k, ok := starlark.AsString(it[0])
			if !ok {
				return nil, fmt.Errorf("service: defaults keys must be strings (got %s)", it[0].Type())
			}
			it[1].Freeze()
			t.defaults = append(t.defaults, configEntry{k, it[1]})
		}
	}
	return t, nil
}
