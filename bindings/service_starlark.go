package bindings

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/p2prepl/p2prepl/bindings/api"
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
	onSend    starlark.Callable // as an interceptor: fn(self, to, msg), see intercept()
	onReceive starlark.Callable // as an interceptor: fn(self, msg) before the intercepted service gets msg
	handlers  []kindHandler
	kinds     []string
	paths     []string // kinds whose paths the engine records for it
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
	_ api.Documented    = (*ServiceType)(nil)
)

func (t *ServiceType) String() string        { return fmt.Sprintf("<service %s>", t.name) }
func (t *ServiceType) Type() string          { return "service_type" }
func (t *ServiceType) Freeze()               {}
func (t *ServiceType) Truth() starlark.Bool  { return true }
func (t *ServiceType) Hash() (uint32, error) { return starlark.String(t.name).Hash() }
func (t *ServiceType) Name() string          { return t.name }

// Doc is the service's doc= text with its handlers and defaults.
func (t *ServiceType) Doc() string {
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
		sb.WriteString(api.CleanDoc(t.docText))
	}
	if len(t.kinds) > 0 {
		fmt.Fprintf(&sb, "\n\nHandles message kinds: %s", strings.Join(t.kinds, ", "))
	}
	if len(t.paths) > 0 {
		fmt.Fprintf(&sb, "\nRecords the paths of: %s", strings.Join(t.paths, ", "))
	}
	if t.onSend != nil {
		sb.WriteString("\nIntercepts the sends of the service it is given to with intercept(svc, by).")
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

// configType documents a configuration for help(self.config); its
// attributes are the service's own defaults.
var _ = api.NewType(&api.Type[*Config]{
	Name: "config",
	Var:  "config",
	Doc:  "A service's configuration: its defaults merged with what was given, read as self.config.rate or self.config[\"rate\"]; frozen.",
})

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

var _ api.Documented = (*ServiceSpec)(nil)

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

// Doc is the documentation of the service: its doc= text, or the
// constructor's doc for a built-in service.
func (sp *ServiceSpec) Doc() string {
	if sp.typ != nil {
		return sp.typ.Doc()
	}
	d, _ := api.Lookup(sp.name)
	return d
}

// serviceSpecType declares a configured service's attributes.
var serviceSpecType = api.NewType(&api.Type[*ServiceSpec]{
	Name: "service",
	Var:  "svc",
	Doc:  "A configured service for services=[...] (from my_service(...) or gossip(...)).",
	Fields: []api.Field[*ServiceSpec]{
		api.Attr("name", "the service's name", func(sp *ServiceSpec) (starlark.Value, error) { return starlark.String(sp.name), nil }),
		api.Attr("config", "its configuration (defaults merged with what was given), or None", func(sp *ServiceSpec) (starlark.Value, error) {
			if sp.config != nil {
				return sp.config, nil
			}
			return starlark.None, nil
		}),
	},
	Methods: []api.Builtin{
		api.Method("replace", `svc.replace(**changes) -> a copy of the service with some parameters changed

For a service written in Starlark: my_svc(rate = 3).replace(rate = 5) is
my_svc(rate = 5). Useful to derive a variant of a service handed to you
(the adversaries of stdlib/adversaries.star run a twin of a protocol with
another input).`, serviceReplace),
	},
})

func serviceReplace(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	sp := b.Receiver().(*ServiceSpec)
	if len(args) > 0 {
		return nil, fmt.Errorf("svc.replace: give the changes as keyword arguments (svc.replace(rate = 5))")
	}
	if sp.typ == nil {
		return nil, fmt.Errorf("svc.replace: %s is built in or intercepted; only a service written in Starlark can be reconfigured this way", sp)
	}
	changed := map[string]bool{}
	for _, kv := range kwargs {
		changed[string(kv[0].(starlark.String))] = true
	}
	var all []starlark.Tuple
	for _, k := range sp.given {
		if !changed[k] {
			v, _ := sp.config.Attr(k)
			all = append(all, starlark.Tuple{starlark.String(k), v})
		}
	}
	all = append(all, kwargs...)
	return sp.typ.configure(all)
}

func (sp *ServiceSpec) Attr(name string) (starlark.Value, error) {
	return serviceSpecType.Attr(sp, name, nil)
}

func (sp *ServiceSpec) AttrNames() []string { return serviceSpecType.AttrNames() }

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
	return sp.starlarkInstance(s)
}

// starlarkInstance makes one peer's instance of a Starlark service, and
// has the engine record the paths its type asks for.
func (sp *ServiceSpec) starlarkInstance(s *Simulation) (*Instance, error) {
	for _, k := range sp.typ.paths {
		if err := s.sim.RecordPaths(k); err != nil {
			return nil, fmt.Errorf("%s: paths: %w", sp.typ.name, err)
		}
	}
	return &Instance{typ: sp.typ, spec: sp, s: s}, nil
}

func init() {
	api.Register(api.Function("service", `service(name, on_start=None, on_message={}, on_online=None, on_offline=None, defaults={}, doc="", paths=None, on_send=None, on_receive=None) -> a service type

Defines a service written in Starlark. Each peer given it (services=[...])
gets its own instance, passed as self to every function:
  on_start(self)           when the peer is added (set state and timers)
  on_message[kind](self, msg)  for each accepted message of that kind
  on_offline(self), on_online(self)  when the peer goes down / comes back
  on_send(self, to, msg), on_receive(self, msg)  only as an interceptor:
                           see intercept()
paths: message kinds (or True: every kind of on_message) whose paths the
engine records, so that msg.path lists the peers that sent and forwarded
each copy (authenticated relaying, signature chains).
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
  sim.add_peers(g, services = [my_service(rate = 3)])`, builtinService))
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
	var onMessage, defaults, paths, onSend, onReceive starlark.Value = starlark.None, starlark.None, starlark.None, starlark.None, starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name, "on_start?", &onStart, "on_message?", &onMessage,
		"on_online?", &onOnline, "on_offline?", &onOffline, "defaults?", &defaults, "doc?", &docText,
		"paths?", &paths, "on_send?", &onSend, "on_receive?", &onReceive); err != nil {
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
	if t.onSend, err = optCallable("service", "on_send", onSend); err != nil {
		return nil, err
	}
	if t.onReceive, err = optCallable("service", "on_receive", onReceive); err != nil {
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
	switch paths {
	case starlark.None, starlark.False:
	case starlark.True:
		t.paths = append([]string(nil), t.kinds...)
	default:
		xs, err := iterate("service", "paths", paths)
		if err != nil {
			return nil, err
		}
		for _, x := range xs {
			k, ok := starlark.AsString(x)
			if !ok || k == "" {
				return nil, fmt.Errorf("service: paths must list message kinds (non-empty strings), or be True for every kind of on_message (got %s)", short(x))
			}
			t.paths = append(t.paths, k)
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
