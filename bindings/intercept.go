package bindings

import (
	"fmt"
	"slices"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/internal/sample"
)

// Send interception: intercept(svc, by) runs a Starlark service with
// every send it makes handed to another service, by, which decides what
// actually goes out. It is how the adversaries of stdlib/adversaries.star
// wrap any honest protocol (silence, crashes, equivocation, replays,
// delays) without knowing it.

func init() {
	api.Register(api.Function("intercept", `intercept(svc, by) -> a service

Runs svc (a service written in Starlark) with every send it makes handed
to by instead: by is a service defined with service(..., on_send = fn),
and fn(self, to, msg) is called for each peer.send, peer.forward and each
target of peer.gossip / peer.broadcast that svc makes (to: the peer id;
msg: the message as svc gave it, a received one to forward included).
What fn sends goes out as it is; so fn decides: pass it on
(self.peer.send(to, msg)), send something else, send it later
(self.after), or drop it. by's on_receive(self, msg), if any, sees every
message svc is about to handle, first. self.inner is svc's instance. Both
services get the messages of their kinds, by first; both start, by first.
by is another service than svc, and neither is intercepted already.

  def _silent_send(self, to, msg):
      pass                                      # drops everything
  silent = service("Silent", on_send = _silent_send)
  sim.add_peer(services = [intercept(ben_or(), silent())])`, builtinIntercept))
}

func builtinIntercept(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var sv, byv starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "svc", &sv, "by", &byv); err != nil {
		return nil, err
	}
	inner, err := asServiceSpec(sv)
	if err != nil {
		return nil, fmt.Errorf("intercept: svc: %w", err)
	}
	if inner.typ == nil {
		return nil, fmt.Errorf("intercept: svc must be a service written in Starlark (with service(...)); %s is built in or intercepted already, and its sends cannot be intercepted", inner)
	}
	by, err := asServiceSpec(byv)
	if err != nil {
		return nil, fmt.Errorf("intercept: by: %w", err)
	}
	if by.typ == nil || by.typ.onSend == nil {
		return nil, fmt.Errorf("intercept: by must be a service made with service(..., on_send = fn(self, to, msg)) (got %s)", by)
	}
	// A service intercepting itself would get every message of its
	// kinds twice and pass its own sends through itself. Chains cannot
	// form: an intercepted service is no svc (above) and has no on_send.
	if by.typ == inner.typ {
		return nil, fmt.Errorf("intercept: svc and by are both the service %s: a service cannot intercept itself; intercept another service with it (intercept(other(), %s))", by.typ.name, by)
	}
	kinds := append([]string(nil), by.typ.kinds...)
	for _, k := range inner.typ.kinds {
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	name := by.typ.name + "(" + inner.typ.name + ")"
	return &ServiceSpec{
		name: name,
		str:  by.String() + " intercepting " + inner.String(),
		build: func(s *Simulation) (engine.Service, error) {
			outer, err := by.starlarkInstance(s)
			if err != nil {
				return nil, err
			}
			in, err := inner.starlarkInstance(s)
			if err != nil {
				return nil, err
			}
			in.interceptor, outer.inner = outer, in
			return &intercepted{name: name, kinds: kinds, inner: in, outer: outer}, nil
		},
	}, nil
}

// intercepted is one peer's pair of instances made by intercept().
type intercepted struct {
	name         string
	kinds        []string
	inner, outer *Instance
}

var (
	_ engine.Service        = (*intercepted)(nil)
	_ engine.OnlineObserver = (*intercepted)(nil)
)

func (w *intercepted) Name() string    { return w.name }
func (w *intercepted) Kinds() []string { return w.kinds }

// Timer is never called: each instance schedules its own timers.
func (w *intercepted) Timer(p *engine.Peer, tag int64) error { return nil }

func (w *intercepted) Start(p *engine.Peer) error {
	if err := w.outer.Start(p); err != nil || p.Crashed() {
		return err
	}
	return w.inner.Start(p)
}

func (w *intercepted) Handle(p *engine.Peer, d *engine.Delivery) error {
	if fn := w.outer.typ.onReceive; fn != nil && w.inner.handles(d.Msg.Kind) {
		if err := w.outer.call(fn, starlark.Tuple{w.outer, w.outer.s.received(p, d)}); err != nil || p.Crashed() {
			return err
		}
	}
	if err := w.outer.Handle(p, d); err != nil || p.Crashed() {
		return err
	}
	return w.inner.Handle(p, d)
}

func (w *intercepted) Offline(p *engine.Peer) error {
	if err := w.outer.Offline(p); err != nil {
		return err
	}
	return w.inner.Offline(p)
}

func (w *intercepted) Online(p *engine.Peer) error {
	if err := w.outer.Online(p); err != nil {
		return err
	}
	return w.inner.Online(p)
}

// interceptor is the instance that gets the sends peer p makes now, if
// the service running is intercepted.
func (s *Simulation) interceptor(p *engine.Peer) *Instance {
	if a := s.active; a != nil && a.interceptor != nil && a.peer == p {
		return a.interceptor
	}
	return nil
}

// intercept hands one send, of m to peer to, to the interceptor.
func (by *Instance) intercept(to int, m *Message) error {
	return by.call(by.typ.onSend, starlark.Tuple{by, starlark.MakeInt(to), m})
}

// gossipTargets picks the neighbours a gossip of m would go to, as the
// engine picks them.
func (p *Peer) gossipTargets(m *Message, fanout int, ex engine.Exclude) []int {
	s := p.s.sim
	from := engine.NoPeer
	if m.recv {
		from = m.d.From
	}
	var c []int
	for i := 0; i < p.p.Degree(); i++ {
		id, _ := p.p.Neighbour(i)
		if id == ex.Peer || id == from || (ex.Type != 0 && s.Peer(id).TypeIndex() == ex.Type) || slices.Contains(ex.Peers, id) {
			continue
		}
		c = append(c, id)
	}
	if fanout >= 0 && fanout < len(c) {
		c = sample.Choose(s.Rand(), c, fanout)
	}
	return c
}
