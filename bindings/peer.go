package bindings

import (
	"fmt"
	"math"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/engine"
)

// Peer is a peer value. There is one per engine peer (kept in its
// Attachment), so peers compare by identity; they order by id.
type Peer struct {
	s     *Simulation
	p     *engine.Peer
	bound api.Bound
}

var (
	_ starlark.HasAttrs   = (*Peer)(nil)
	_ starlark.Comparable = (*Peer)(nil)
)

func (s *Simulation) peerValue(p *engine.Peer) *Peer {
	if v, ok := p.Attachment.(*Peer); ok {
		return v
	}
	v := &Peer{s: s, p: p}
	p.Attachment = v
	return v
}

func (p *Peer) String() string        { return fmt.Sprintf("peer(%d)", p.p.ID()) }
func (p *Peer) Type() string          { return "peer" }
func (p *Peer) Freeze()               {} // a reference to simulation state, not a payload
func (p *Peer) Truth() starlark.Bool  { return true }
func (p *Peer) Hash() (uint32, error) { return uint32(p.p.ID())*2654435761 + 1, nil }

func (p *Peer) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	o := y.(*Peer)
	if op == syntax.EQL || op == syntax.NEQ {
		return (p == o) == (op == syntax.EQL), nil
	}
	a, b := p.p.ID(), o.p.ID()
	switch op {
	case syntax.LT:
		return a < b, nil
	case syntax.LE:
		return a <= b, nil
	case syntax.GT:
		return a > b, nil
	case syntax.GE:
		return a >= b, nil
	}
	return false, fmt.Errorf("unsupported comparison %s", op)
}

// peerType declares a peer's attributes and methods (help(peer)).
var peerType = api.NewType(&api.Type[*Peer]{
	Name: "peer",
	Var:  "peer",
	Doc:  "A peer (from sim.add_peers, sim.add_peer, sim.peer(id), sim.peers).",
	Fields: []api.Field[*Peer]{
		api.Attr("id", "the peer's id (an int)", func(p *Peer) (starlark.Value, error) {
			return starlark.MakeInt(p.p.ID()), nil
		}),
		api.Attr("type", `the peer's type name ("peer", "client", ...)`, func(p *Peer) (starlark.Value, error) {
			return starlark.String(p.p.Type()), nil
		}),
		api.Attr("region", "the peer's region name", func(p *Peer) (starlark.Value, error) {
			return starlark.String(p.p.Region()), nil
		}),
		api.Attr("online", "whether the peer is up", func(p *Peer) (starlark.Value, error) {
			return starlark.Bool(p.p.Online()), nil
		}),
		api.Attr("neighbours", "the ids of the connected peers, in connection order (alias neighbors)", peerNeighbours),
		api.Attr("neighbors", "alias of neighbours", peerNeighbours),
		api.Attr("degree", "the number of connections", func(p *Peer) (starlark.Value, error) {
			return starlark.MakeInt(p.p.Degree()), nil
		}),
		api.Attr("upload", "upload bandwidth in bits per second (inf: unlimited)", func(p *Peer) (starlark.Value, error) {
			return bandwidthValue(p.p.Upload()), nil
		}),
		api.Attr("download", "download bandwidth in bits per second (inf: unlimited)", func(p *Peer) (starlark.Value, error) {
			return bandwidthValue(p.p.Download()), nil
		}),
		api.Attr("storage", "a frozen snapshot of the peer's storage: {namespace: {key: value}}", func(p *Peer) (starlark.Value, error) {
			return p.storage(), nil
		}),
		api.Attr("stats", "struct(sent, sent_bytes, received, received_bytes) of the peer's traffic", func(p *Peer) (starlark.Value, error) {
			st := p.p.Stats()
			return record("sent", st.Sent, "sent_bytes", st.SentBytes, "received", st.Received, "received_bytes", st.ReceivedBytes), nil
		}),
		api.Attr("services", "the names of the services the peer runs", func(p *Peer) (starlark.Value, error) {
			svcs := p.p.Services()
			l := make([]starlark.Value, len(svcs))
			for i, s := range svcs {
				l[i] = starlark.String(s.Name())
			}
			return starlark.NewList(l), nil
		}),
		api.Attr("sim", "the simulation the peer belongs to", func(p *Peer) (starlark.Value, error) {
			return p.s, nil
		}),
	},
	Methods: []api.Builtin{
		api.Method("store", "peer.store(ns, key, value) -> None; puts value in the peer's storage namespace ns under key (a string or int). The value is frozen.", peerStore),
		api.Pure(api.Method("get", "peer.get(ns, key, default=None) -> the value stored under ns/key, or default.", peerGet)),
		api.Method("send", `peer.send(to, msg) -> None

Sends msg to the connected peer to (a peer or an id). A send to a peer
never connected is an error; to a peer it was connected to earlier in the
run (a connection manager drops silent neighbours) it is counted as
dropped_disconnected (simulation(strict_links = True) makes it an error);
a send from an offline peer is counted as dropped_offline. Sending a
received message forwards it (see peer.forward); only its receiver can.
A peer's code (its services, its validate function) acts only for its
own peer: it may read other peers, but sending as one of them (or
storing into, connecting, disconnecting, crashing one, or changing the
network) is an error, so no byzantine service can put an honest peer's
id on msg.path. The script itself acts for any peer.`, peerSend),
		api.Method("forward", `peer.forward(to, msg) -> None

Sends a received msg one hop further: TTL one less, hops one more (the
first-seen table records hops). It is an error when msg.ttl is 0 (check
msg.ttl != 0 first) or when msg was not received.`, peerForward),
		api.Method("gossip", `peer.gossip(msg, fanout=3, exclude=[], except_type=None) -> number of peers sent to

Sends msg to fanout random neighbours, skipping the peers (or ids) in
exclude and peers of type except_type. A received msg is forwarded (TTL
one less, hops one more) and never sent back to its sender. fanout=-1
sends to every eligible neighbour.`, peerGossip),
		api.Method("broadcast", "peer.broadcast(msg, exclude=[], except_type=None) -> number sent; peer.gossip to every eligible neighbour.", peerBroadcast),
		api.Method("connect", "peer.connect(other) -> None; opens a connection (both ways) to other (a peer or id).", peerConnect),
		api.Method("disconnect", "peer.disconnect(other) -> None; closes the connection to other, if any.", peerDisconnect),
		api.Method("go_offline", "peer.go_offline() -> None; the peer goes down now: it drops what it is receiving and neither sends nor receives until go_online. Its services' on_offline run.", peerGoOffline),
		api.Method("go_online", "peer.go_online() -> None; the peer comes back up; its services' on_online run (the connection manager reconnects).", peerGoOnline),
		api.Method("busy", `peer.busy(ms) -> None

Only inside a validate function: charges ms of simulated processing time
(a number or a dist, drawn once) to the message being validated. The
accept/reject decision and the services' handling happen that much later,
and the peer's next inbound message waits. Calls add up:
  def validate(peer, msg):
      peer.busy(dist.norm(1, 0.2) + dist.lognorm(0.49512563, 4.892564, 0.0425785))
      return msg.data["balance"] >= 0`, peerBusy),
		api.Pure(api.Method("seen", "peer.seen(id) -> True if the peer has accepted a message with this id (or this message's id).", peerSeen)),
		api.Method("mark", `peer.mark(label) -> None

Annotates the peer's timeline at the current time with label (a decision,
the start of a round): it shows on the peer's line in sim.spacetime and
sim.report, and in the trace (a "mark" event). Does nothing unless the
simulation records its history (sim.keep_history) or writes a trace.`, peerMark),
	},
})

func peerNeighbours(p *Peer) (starlark.Value, error) { return intList(p.p.Neighbours()), nil }

func (p *Peer) Attr(name string) (starlark.Value, error) { return peerType.Attr(p, name, &p.bound) }

func (p *Peer) AttrNames() []string { return peerType.AttrNames() }

func bandwidthValue(bps float64) starlark.Value {
	if math.IsInf(bps, 1) {
		return starlark.Float(bps)
	}
	if bps == math.Trunc(bps) && bps < 1e18 {
		return starlark.MakeInt64(int64(bps))
	}
	return starlark.Float(bps)
}

// storage is a frozen snapshot {ns: {key: value}}, keys sorted.
func (p *Peer) storage() starlark.Value {
	nss := p.p.Namespaces()
	d := starlark.NewDict(len(nss))
	for _, ns := range nss {
		_ = d.SetKey(starlark.String(ns), toStarlark(p.s, p.p.Namespace(ns)))
	}
	d.Freeze()
	return d
}

// peerArg resolves a peer given as a peer value or an id.
func (s *Simulation) peerArg(fn, param string, v starlark.Value) (*engine.Peer, error) {
	switch x := v.(type) {
	case *Peer:
		if x.s != s {
			return nil, fmt.Errorf("%s: %s is %s of another simulation", fn, param, x)
		}
		return x.p, nil
	case starlark.Int:
		id, ok := x.Int64()
		if p := s.sim.Peer(int(id)); ok && p != nil {
			return p, nil
		}
		return nil, fmt.Errorf("%s: %s: there is no peer %s", fn, param, x)
	}
	return nil, fmt.Errorf("%s: %s must be a peer or a peer id (got %s %s)", fn, param, v.Type(), short(v))
}

// msgArg unpacks a message argument.
func msgArg(fn string, v starlark.Value) (*Message, error) {
	m, ok := v.(*Message)
	if !ok {
		return nil, fmt.Errorf("%s: msg must be a message (made with message(kind, data)), got %s %s", fn, v.Type(), short(v))
	}
	return m, nil
}

func recv(b *starlark.Builtin) *Peer {
	p := b.Receiver().(*Peer)
	return p
}

func peerStore(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := recv(b)
	var ns string
	var key, value starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "ns", &ns, "key", &key, "value", &value); err != nil {
		return nil, err
	}
	k, err := keyString(b.Name(), "key", key)
	if err != nil {
		return nil, err
	}
	if err := p.s.stopped(); err != nil {
		return nil, err
	}
	if err := p.s.actsFor("peer.store", p.p); err != nil {
		return nil, err
	}
	value.Freeze()
	p.p.Store(ns, k, value)
	return starlark.None, nil
}

func peerGet(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := recv(b)
	var ns string
	var key starlark.Value
	var dflt starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "ns", &ns, "key", &key, "default?", &dflt); err != nil {
		return nil, err
	}
	k, err := keyString(b.Name(), "key", key)
	if err != nil {
		return nil, err
	}
	if v, ok := p.p.Get(ns, k); ok {
		return toStarlark(p.s, v), nil
	}
	return dflt, nil
}

// outgoing returns the engine message of a send of m by peer p (made at
// the first send of a draft), and checks that a received m may be
// forwarded: by the peer that received it (its path record would
// otherwise skip that peer), while its TTL lasts.
func (p *Peer) outgoing(fn string, m *Message) (*engine.Message, error) {
	if err := p.forwardable(fn, m); err != nil {
		return nil, err
	}
	em, err := m.bind(p.s, p.p.ID())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	return em, nil
}

func (p *Peer) forwardable(fn string, m *Message) error {
	if !m.recv {
		return nil
	}
	if int(m.at) != p.p.ID() {
		return fmt.Errorf("%s: peer %d cannot forward %s: peer %d received it, and only the receiver of a message forwards it (send a new message instead)", fn, p.p.ID(), m.describe(), m.at)
	}
	if !m.d.Forwardable() {
		return fmt.Errorf("%s: cannot forward %s: its TTL is exhausted (msg.ttl == 0); check msg.ttl != 0 before forwarding", fn, m.describe())
	}
	return nil
}

func (m *Message) describe() string {
	if id := m.ID(); id != "" {
		return fmt.Sprintf("message %q (kind %q)", id, m.Kind())
	}
	return fmt.Sprintf("a %q message", m.Kind())
}

// The hot methods (send, forward, gossip, broadcast) unpack their
// arguments by hand: starlark.UnpackArgs makes its targets escape, which
// costs an allocation per argument on every call from a handler.

// argsOf binds positional and keyword arguments to the named parameters
// (at most 4), in order; a missing one stays nil.
func argsOf(fn string, names []string, required int, args starlark.Tuple, kwargs []starlark.Tuple) ([4]starlark.Value, error) {
	var out [4]starlark.Value
	if len(args) > len(names) {
		return out, fmt.Errorf("%s: got %d arguments, want at most %d", fn, len(args), len(names))
	}
	copy(out[:], args)
	for _, kv := range kwargs {
		k := string(kv[0].(starlark.String))
		i := 0
		for i < len(names) && names[i] != k {
			i++
		}
		if i == len(names) {
			return out, fmt.Errorf("%s: unexpected keyword argument %s", fn, k)
		}
		if out[i] != nil {
			return out, fmt.Errorf("%s: got multiple values for parameter %s", fn, k)
		}
		out[i] = kv[1]
	}
	for i := 0; i < required; i++ {
		if out[i] == nil {
			return out, fmt.Errorf("%s: missing argument for %s", fn, names[i])
		}
	}
	return out, nil
}

var sendParams = []string{"to", "msg"}

func peerSend(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a, err := argsOf("peer.send", sendParams, 2, args, kwargs)
	if err != nil {
		return nil, err
	}
	return recv(b).send("peer.send", a[0], a[1], false)
}

func peerForward(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a, err := argsOf("peer.forward", sendParams, 2, args, kwargs)
	if err != nil {
		return nil, err
	}
	return recv(b).send("peer.forward", a[0], a[1], true)
}

func (p *Peer) send(fn string, to, mv starlark.Value, mustForward bool) (starlark.Value, error) {
	m, err := msgArg(fn, mv)
	if err != nil {
		return nil, err
	}
	if mustForward && !m.recv {
		return nil, fmt.Errorf("%s: %s was not received by a handler; use peer.send to send a new message", fn, m.describe())
	}
	var id int
	switch x := to.(type) {
	case *Peer:
		if x.s != p.s {
			return nil, fmt.Errorf("%s: %s belongs to another simulation", fn, x)
		}
		id = x.p.ID()
	case starlark.Int:
		n, ok := x.Int64()
		if !ok || n < 0 || n > math.MaxInt32 {
			return nil, fmt.Errorf("%s: there is no peer %s", fn, x)
		}
		id = int(n)
	default:
		return nil, fmt.Errorf("%s: to must be a peer or a peer id (got %s %s)", fn, to.Type(), short(to))
	}
	if err := p.s.stopped(); err != nil {
		return nil, err
	}
	if err := p.s.actsFor(fn, p.p); err != nil {
		return nil, err
	}
	if by := p.s.interceptor(p.p); by != nil {
		if err := p.forwardable(fn, m); err != nil {
			return nil, err
		}
		return starlark.None, by.intercept(id, m)
	}
	em, err := p.outgoing(fn, m)
	if err != nil {
		return nil, err
	}
	if m.recv {
		err = p.p.Forward(id, &m.d)
	} else {
		err = p.p.Send(id, em)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	return starlark.None, nil
}

var (
	gossipParams    = []string{"msg", "fanout", "exclude", "except_type"}
	broadcastParams = []string{"msg", "exclude", "except_type"}
)

func orNone(v starlark.Value) starlark.Value {
	if v == nil {
		return starlark.None
	}
	return v
}

func peerGossip(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a, err := argsOf("peer.gossip", gossipParams, 1, args, kwargs)
	if err != nil {
		return nil, err
	}
	fanout := 3
	if a[1] != nil {
		if fanout, err = intArg("peer.gossip", "fanout", a[1]); err != nil {
			return nil, err
		}
	}
	return recv(b).gossip("peer.gossip", a[0], fanout, orNone(a[2]), orNone(a[3]))
}

func peerBroadcast(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a, err := argsOf("peer.broadcast", broadcastParams, 1, args, kwargs)
	if err != nil {
		return nil, err
	}
	return recv(b).gossip("peer.broadcast", a[0], -1, orNone(a[1]), orNone(a[2]))
}

func (p *Peer) gossip(fn string, mv starlark.Value, fanout int, exclude, except starlark.Value) (starlark.Value, error) {
	m, err := msgArg(fn, mv)
	if err != nil {
		return nil, err
	}
	if fanout < -1 {
		return nil, fmt.Errorf("%s: fanout must be >= 0, or -1 for every neighbour (got %d)", fn, fanout)
	}
	ex := engine.Exclude{Peer: engine.NoPeer}
	if except != starlark.None {
		t, ok := starlark.AsString(except)
		if !ok {
			return nil, fmt.Errorf("%s: except_type must be a peer type name (got %s)", fn, except.Type())
		}
		ex.Type = p.s.sim.TypeIndex(t)
	}
	// A type test, not exclude != None: comparing interfaces of one type
	// calls the runtime, once per gossip from a handler.
	if _, none := exclude.(starlark.NoneType); !none {
		xs, err := iterate(fn, "exclude", exclude)
		if err != nil {
			return nil, err
		}
		for _, x := range xs {
			switch v := x.(type) {
			case *Peer:
				ex.Peers = append(ex.Peers, v.p.ID())
			case starlark.Int:
				n, _ := v.Int64()
				ex.Peers = append(ex.Peers, int(n))
			default:
				return nil, fmt.Errorf("%s: exclude must list peers or ids (got %s)", fn, x.Type())
			}
		}
	}
	if err := p.s.stopped(); err != nil {
		return nil, err
	}
	if err := p.s.actsFor(fn, p.p); err != nil {
		return nil, err
	}
	if by := p.s.interceptor(p.p); by != nil {
		if err := p.forwardable(fn, m); err != nil {
			return nil, err
		}
		targets := p.gossipTargets(m, fanout, ex)
		for _, to := range targets {
			if err := by.intercept(to, m); err != nil {
				return nil, err
			}
		}
		return starlark.MakeInt(len(targets)), nil
	}
	em, err := p.outgoing(fn, m)
	if err != nil {
		return nil, err
	}
	if !m.recv {
		return starlark.MakeInt(p.p.Gossip(em, em.TTL, 1, fanout, ex)), nil
	}
	n, err := p.p.ForwardGossip(&m.d, fanout, ex)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	return starlark.MakeInt(n), nil
}

// otherPeer unpacks the peer (or id) of peer.connect / peer.disconnect.
func otherPeer(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (*Peer, *engine.Peer, error) {
	p := recv(b)
	var other starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "other", &other); err != nil {
		return nil, nil, err
	}
	o, err := p.s.peerArg(b.Name(), "other", other)
	return p, o, err
}

func peerConnect(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p, o, err := otherPeer(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	if err := p.s.actsOnLink(b.Name(), p.p, o); err != nil {
		return nil, err
	}
	if err := p.s.sim.Connect(p.p.ID(), o.ID()); err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	return starlark.None, nil
}

func peerDisconnect(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p, o, err := otherPeer(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	if err := p.s.actsOnLink(b.Name(), p.p, o); err != nil {
		return nil, err
	}
	p.s.sim.Disconnect(p.p.ID(), o.ID())
	return starlark.None, nil
}

func peerGoOffline(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return setOnline(thread, b, args, kwargs, false)
}

func peerGoOnline(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return setOnline(thread, b, args, kwargs, true)
}

func setOnline(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, up bool) (starlark.Value, error) {
	p := recv(b)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	if err := p.s.actsFor(b.Name(), p.p); err != nil {
		return nil, err
	}
	defer p.s.enter(thread)()
	if err := p.p.SetOnline(up); err != nil {
		return nil, err
	}
	return starlark.None, nil
}

func peerBusy(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := recv(b)
	var v starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "ms", &v); err != nil {
		return nil, err
	}
	if p.s.validating != p.p {
		return nil, fmt.Errorf("peer.busy: only valid inside a validate function, while peer %d validates a message (it charges processing time to that message); in a service, schedule later work with self.after(ms, fn)", p.p.ID())
	}
	var ms float64
	if d, ok := v.(*Dist); ok {
		nd, err := d.numeric("peer.busy")
		if err != nil {
			return nil, err
		}
		ms = nd.Sample(p.s.sim.Rand())
		if ms < 0 {
			ms = 0
		}
	} else {
		f, err := floatArg("peer.busy", "ms", v)
		if err != nil {
			return nil, err
		}
		if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			return nil, fmt.Errorf("peer.busy: ms must be a finite number >= 0 (got %s)", fmtFloat(f))
		}
		ms = f
	}
	p.s.busy += ms
	return starlark.None, nil
}

func peerSeen(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := recv(b)
	id, err := unpackID(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	return starlark.Bool(p.s.sim.HasSeen(p.p.ID(), id)), nil
}
