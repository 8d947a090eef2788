package bindings

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/outfiles"
	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/topology"
)

// Simulation is the value of simulation(): an engine.Sim plus the
// Starlark side of its peers and services.
type Simulation struct {
	env  *Env
	sim  *engine.Sim
	net  *Network // nil: the default one-region network
	seed uint64

	// thread is the Starlark thread driving the simulation now: services,
	// validate functions and sim.at callbacks run on it.
	thread  *starlark.Thread
	running bool

	peerRand *rand.Rand // stream "peers": regions, bandwidths, connect=k
	topoRand *rand.Rand // stream "topology": generators without seed=

	validating *engine.Peer // peer inside its validate function
	busy       float64      // ms charged by peer.busy during validate

	trace     *os.File
	tracePath string
	methods   map[string]*starlark.Builtin
}

var _ starlark.HasAttrs = (*Simulation)(nil)

func (s *Simulation) String() string {
	return fmt.Sprintf("simulation(seed=%d, peers=%d, now=%s ms)", s.seed, len(s.sim.Peers()), fmtFloat(s.sim.Now()))
}
func (s *Simulation) Type() string          { return "simulation" }
func (s *Simulation) Freeze()               {} // a reference to mutable simulation state
func (s *Simulation) Truth() starlark.Bool  { return true }
func (s *Simulation) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: simulation") }

// Sim is the engine simulation behind the value, for sibling packages
// (tables, plots) that read its counters and records.
func (s *Simulation) Sim() *engine.Sim { return s.sim }

// PeerValue returns the Starlark value of an engine peer.
func (s *Simulation) PeerValue(p *engine.Peer) starlark.Value { return s.peerValue(p) }

// ToStarlark converts a value stored by the engine (peer storage, payloads)
// to a Starlark value.
func (s *Simulation) ToStarlark(x any) starlark.Value { return toStarlark(s, x) }

// enter records the thread driving the simulation for the duration of a
// builtin that may run callbacks; the returned function restores the
// previous one.
func (s *Simulation) enter(thread *starlark.Thread) func() {
	prev := s.thread
	s.thread = thread
	return func() { s.thread = prev }
}

// call runs a Starlark callback on the driving thread.
func (s *Simulation) call(fn starlark.Value, args starlark.Tuple) (starlark.Value, error) {
	if s.thread == nil {
		return nil, errors.New("internal error: a Starlark callback ran with no driving thread")
	}
	return starlark.Call(s.thread, fn, args, nil)
}

var simDefs []def

func init() {
	simDefs = []def{
		{"simulation", `simulation(seed=None, network=None, strict_kinds=False, trace=None) -> a new simulation

seed: the seed of every random draw in the run (default: --seed, or 1).
  An explicit seed wins over --seed.
network: a network(...) (default: one region "default" with no latency).
strict_kinds: make a message no service of its receiver handles an error
  (default: it is counted as unhandled).
trace: a file (under the output directory, --out) to write every message
  event to as JSON Lines.

Then add peers (sim.add_peers, sim.add_peer), run (sim.run(until=...)) and
read the results (sim.counters, sim.first_seen(id), peer.storage, ...).
help(sim) lists everything a simulation has.`, builtinSimulation},
	}
	registerFuncs(simDefs)
}

func builtinSimulation(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	e := envOf(thread)
	var seedV, netV, traceV starlark.Value = starlark.None, starlark.None, starlark.None
	strict := false
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "seed?", &seedV, "network?", &netV, "strict_kinds?", &strict, "trace?", &traceV); err != nil {
		return nil, err
	}
	seed := e.seed
	if seedV != starlark.None {
		var n int64
		if err := starlark.AsInt(seedV, &n); err != nil {
			return nil, fmt.Errorf("simulation: seed must be an int (got %s %s)", seedV.Type(), short(seedV))
		}
		if n < 0 {
			return nil, fmt.Errorf("simulation: seed must be >= 0 (got %d)", n)
		}
		seed = uint64(n)
	}
	s := &Simulation{env: e, seed: seed}
	cfg := engine.Config{Seed: seed, StrictKinds: strict, MaxEvents: e.opts.MaxEvents}
	if netV != starlark.None {
		n, ok := netV.(*Network)
		if !ok {
			return nil, fmt.Errorf("simulation: network must be a network(...) (got %s)", netV.Type())
		}
		en, err := n.build()
		if err != nil {
			return nil, fmt.Errorf("simulation: %w", err)
		}
		s.net = n
		cfg.Network = en
	}
	s.sim = engine.New(cfg)
	s.peerRand = s.sim.Stream("peers")
	s.topoRand = s.sim.Stream("topology")
	if traceV != starlark.None {
		p, ok := starlark.AsString(traceV)
		if !ok {
			return nil, fmt.Errorf("simulation: trace must be a file path (got %s)", traceV.Type())
		}
		// The trace streams as the run goes, so it is written in place,
		// not renamed into place at the end.
		full, err := outfiles.Resolve(e.opts.OutDir, p)
		if err != nil {
			return nil, fmt.Errorf("simulation: trace: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return nil, fmt.Errorf("simulation: trace: %w", err)
		}
		f, err := os.Create(full)
		if err != nil {
			return nil, fmt.Errorf("simulation: trace: %w", err)
		}
		s.trace, s.tracePath = f, full
		s.sim.SetTrace(f)
		e.mu.Lock()
		e.outputs = append(e.outputs, traceCloser{s})
		e.mu.Unlock()
	}
	e.current = s
	return s, nil
}

type traceCloser struct{ s *Simulation }

func (t traceCloser) Close() error {
	err := t.s.sim.FlushTrace()
	t.s.sim.SetTrace(nil)
	if cerr := t.s.trace.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s *Simulation) flushTrace() error {
	if s.trace == nil {
		return nil
	}
	if err := s.sim.FlushTrace(); err != nil {
		return fmt.Errorf("writing trace %s: %w", s.tracePath, err)
	}
	return nil
}

var simMethods []method
var simMethodIndex = map[string]int{}

func init() {
	simMethods = []method{
		{"add_peers", `sim.add_peers(graph_or_n, type="peer", region=None, upload=0, download=0, validate=None, services=[], nodes=None) -> list of peers

graph_or_n: a topology graph (one peer per node, node id = peer id, edges
  become connections) or a count n (n unconnected peers with the next ids).
type: the peer type name ("peer", "client", ...).
region: a region name, or a dist.sample over names drawn per peer
  (default: the network's first region).
upload, download: bandwidth in bits per second, a number or a dist drawn
  per peer (50 * Mbps, dist.norm(50, 10) * Mbps); 0 means unlimited.
validate: fn(peer, msg) -> True/False run on every inbound message before
  the services; it may charge processing time with peer.busy(ms). (msg.first
  is not known yet while validating; peer.seen(msg.id) is.)
services: service values (gossip(), producer(rate=5), my_service(x=1));
  every peer gets its own instance of each.
nodes: with a graph, add only these nodes (the graph's edges are connected
  wherever both ends are peers), e.g. for topology.attach_clients.`, simAddPeers},
		{"add_peer", `sim.add_peer(id=None, type="peer", region=None, upload=0, download=0, validate=None, services=[], connect=None) -> the new peer

Like add_peers for one peer. id=None takes the next free id. connect=k
connects it to k random existing peers of type "peer"; connect=[...] to
the given peers or ids.`, simAddPeer},
		{"peer", "sim.peer(id) -> the peer with that id (an error if there is none).", simPeer},
		{"peers_of", "sim.peers_of(type) -> the peers of that type, in id order.", simPeersOf},
		{"connect", "sim.connect(a, b) -> None; connects two peers (or ids).", simConnect},
		{"disconnect", "sim.disconnect(a, b) -> None; disconnects two peers (or ids), if connected.", simDisconnect},
		{"run", `sim.run(until) -> None

Runs the simulation up to simulated time until (ms), handling every event
at or before it; the clock then reads until. Call it again to carry on
(sim.run(until = sim.now + 1000)). A handler error stops the run at the
time it happened, naming the time and peer; so do Ctrl-C (the simulation
stays usable) and the event limit (--max-events).`, simRun},
		{"step", "sim.step() -> True if an event was processed, False if none is left. Runs exactly one event.", simStep},
		{"at", "sim.at(t, fn, *args) -> None; calls fn(*args) at simulated time t (>= sim.now) during a later sim.run.", simAt},
		{"crash", "sim.crash(peer, at=None) -> None; takes the peer offline for good at time at (default now).", simCrash},
		{"partition", `sim.partition(a, b=None, start=None, end=None) -> None

Cuts every link between the peers (or ids) in group a and those in group b
(default: every peer not in a) from start (default now) until end (default
forever): messages sent across are dropped (counted as dropped_partition).`, simPartition},
		{"set_loss", `sim.set_loss(p, at=None, link=None) -> None

Sets the probability that a message is lost: on every link, or only on
link=(a, b). at=None: now; otherwise at simulated time at.`, simSetLoss},
		{"counter", "sim.counter(kind) -> the counters of one message kind (see sim.counters).", simCounter},
		{"traffic", "sim.traffic() -> a table of the message counters, one row per kind plus a total row: sent, sent_bytes, delivered, unhandled, rejected, dropped (and why).", simTraffic},
		{"peer_table", "sim.peer_table(type=None) -> a table of the peers (of one type): id, type, region, online, degree, messages and bytes sent and received.", simPeerTable},
		{"first_seen", "sim.first_seen(id) -> list of (peer_id, t, hops, version), each peer's first accepted copy of message id, in time order.", simFirstSeen},
		{"seen_at", "sim.seen_at(peer, id) -> when the peer first accepted message id, or None.", simSeenAt},
		{"coverage", "sim.coverage(id, type=None) -> the fraction of peers (of that type) that have accepted message id.", simCoverage},
		{"message_ids", "sim.message_ids() -> the tracked message ids, in creation order.", simMessageIDs},
		{"versions", "sim.versions(id) -> the messages created with this id, oldest first (two or more when a producer equivocates).", simVersions},
		{"load_series", "sim.load_series() -> per simulated second, struct(second, messages, bytes) of the traffic delivered (p2psimpy's per-second load; not called sim.load because load is a Starlark keyword).", simLoad},
	}
	for i, m := range simMethods {
		simMethodIndex[m.name] = i
		registerMethod("simulation", "sim", m.name, m.doc)
	}
	registerType("simulation", simTypeDoc())
}

func simTypeDoc() string {
	var sb strings.Builder
	sb.WriteString(`A simulation (from simulation(...)).

Attributes: now (ms), seed, peers (list), types, events (processed),
pending, network, kinds, counters ({kind: struct(sent, sent_bytes,
delivered, delivered_bytes, unhandled, rejected, dropped, dropped_bytes,
dropped_offline, dropped_loss, dropped_partition)}), total (the sum).

Methods:
`)
	for _, m := range simMethods {
		fmt.Fprintf(&sb, "  %-12s %s\n", m.name, firstLine(m.doc))
	}
	return strings.TrimRight(sb.String(), "\n")
}

func (s *Simulation) Attr(name string) (starlark.Value, error) {
	switch name {
	case "now":
		return starlark.Float(s.sim.Now()), nil
	case "seed":
		return starlark.MakeUint64(s.seed), nil
	case "peers":
		ps := s.sim.Peers()
		l := make([]starlark.Value, len(ps))
		for i, p := range ps {
			l[i] = s.peerValue(p)
		}
		return starlark.NewList(l), nil
	case "types":
		return stringList(s.sim.Types()), nil
	case "kinds":
		return stringList(s.sim.Kinds()), nil
	case "events":
		return starlark.MakeUint64(s.sim.Events()), nil
	case "pending":
		return starlark.MakeInt(s.sim.Pending()), nil
	case "network":
		if s.net == nil {
			return starlark.None, nil
		}
		return s.net, nil
	case "counters":
		ks := s.sim.Kinds()
		d := starlark.NewDict(len(ks))
		for _, k := range ks {
			_ = d.SetKey(starlark.String(k), counterValue(s.sim.CounterOf(k)))
		}
		d.Freeze()
		return d, nil
	case "total":
		return counterValue(s.sim.Total()), nil
	}
	if i, ok := simMethodIndex[name]; ok {
		if s.methods == nil {
			s.methods = map[string]*starlark.Builtin{}
		}
		if b := s.methods[name]; b != nil {
			return b, nil
		}
		b := starlark.NewBuiltin("sim."+name, safe(simMethods[i].fn)).BindReceiver(s)
		s.methods[name] = b
		return b, nil
	}
	return nil, nil
}

func (s *Simulation) AttrNames() []string {
	names := []string{"counters", "events", "kinds", "network", "now", "peers", "pending", "seed", "total", "types"}
	for _, m := range simMethods {
		names = append(names, m.name)
	}
	return names
}

func counterValue(c engine.Counter) starlark.Value {
	return record(
		"sent", c.Sent, "sent_bytes", c.SentBytes,
		"delivered", c.Delivered, "delivered_bytes", c.DeliveredBytes,
		"unhandled", c.Unhandled, "rejected", c.Rejected,
		"dropped", c.Dropped, "dropped_bytes", c.DroppedBytes,
		"dropped_offline", c.DroppedOffline, "dropped_loss", c.DroppedLoss, "dropped_partition", c.DroppedPartition)
}

func simOf(b *starlark.Builtin) *Simulation { return b.Receiver().(*Simulation) }

// peerConfig holds what add_peers / add_peer share.
type peerConfig struct {
	typ      string
	region   starlark.Value
	upload   starlark.Value
	download starlark.Value
	validate starlark.Value
	services starlark.Value
}

func (c *peerConfig) pairs() []any {
	return []any{"type?", &c.typ, "region?", &c.region, "upload?", &c.upload, "download?", &c.download,
		"validate?", &c.validate, "services?", &c.services}
}

func newPeerConfig() peerConfig {
	return peerConfig{typ: "peer", region: starlark.None, upload: starlark.MakeInt(0), download: starlark.MakeInt(0),
		validate: starlark.None, services: starlark.NewList(nil)}
}

// prepared is a checked peerConfig, ready to make PeerSpecs.
type prepared struct {
	s        *Simulation
	fn       string
	typ      string
	region   string
	regionD  *Dist
	upload   starlark.Value
	download starlark.Value
	validate engine.ValidateFunc
	services []*ServiceSpec
}

func (s *Simulation) prepare(fn string, c *peerConfig) (*prepared, error) {
	pr := &prepared{s: s, fn: fn, typ: c.typ, upload: c.upload, download: c.download}
	switch r := c.region.(type) {
	case starlark.NoneType:
	case starlark.String:
		if _, err := s.sim.Network().Region(string(r)); err != nil {
			return nil, fmt.Errorf("%s: region: %w", fn, err)
		}
		pr.region = string(r)
	case *Dist:
		if r.values == nil {
			return nil, fmt.Errorf("%s: region must be a region name or a dist.sample over names (got %s)", fn, r)
		}
		for _, v := range r.values {
			name, ok := starlark.AsString(v)
			if !ok {
				return nil, fmt.Errorf("%s: region: %s draws %s, not a region name", fn, r, v)
			}
			if _, err := s.sim.Network().Region(name); err != nil {
				return nil, fmt.Errorf("%s: region: %w", fn, err)
			}
		}
		pr.regionD = r
	default:
		return nil, fmt.Errorf("%s: region must be a region name or a dist.sample over names (got %s %s)", fn, c.region.Type(), short(c.region))
	}
	for _, bw := range []struct {
		name string
		v    starlark.Value
	}{{"upload", c.upload}, {"download", c.download}} {
		switch x := bw.v.(type) {
		case *Dist:
			if _, err := x.numeric(fn + ": " + bw.name); err != nil {
				return nil, err
			}
		case starlark.Int, starlark.Float:
			f, _ := toFloat(x)
			if err := checkBandwidth(fn, bw.name, f, ""); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("%s: %s must be a bandwidth in bits per second (a number such as 50 * Mbps, or a dist) (got %s %s)", fn, bw.name, bw.v.Type(), short(bw.v))
		}
	}
	if c.validate != starlark.None {
		fnv, ok := c.validate.(starlark.Callable)
		if !ok {
			return nil, fmt.Errorf("%s: validate must be a function fn(peer, msg) -> bool (got %s)", fn, c.validate.Type())
		}
		pr.validate = s.validator(fnv)
	}
	svcs, err := iterate(fn, "services", c.services)
	if err != nil {
		return nil, err
	}
	for i, v := range svcs {
		spec, err := asServiceSpec(v)
		if err != nil {
			return nil, fmt.Errorf("%s: services[%d]: %w", fn, i, err)
		}
		pr.services = append(pr.services, spec)
	}
	return pr, nil
}

func checkBandwidth(fn, name string, f float64, drawn string) error {
	if math.IsNaN(f) || f < 0 {
		return fmt.Errorf("%s: %s bandwidth must be > 0 bits/s, or 0 for unlimited (got %s%s)", fn, name, fmtFloat(f), drawn)
	}
	return nil
}

func (pr *prepared) bandwidth(name string, v starlark.Value, id int) (float64, error) {
	if d, ok := v.(*Dist); ok {
		f := d.d.Sample(pr.s.peerRand)
		if err := checkBandwidth(pr.fn, name, f, fmt.Sprintf(", drawn from %s for peer %d", d, id)); err != nil {
			return 0, err
		}
		return f, nil
	}
	f, _ := toFloat(v)
	return f, nil
}

// spec makes the engine PeerSpec of peer id (engine.NoPeer: next free).
func (pr *prepared) spec(id int) (engine.PeerSpec, error) {
	ps := engine.PeerSpec{ID: id, Type: pr.typ, Region: pr.region, Validate: pr.validate}
	if pr.regionD != nil {
		ps.Region = string(pr.regionD.values[pr.regionD.choice.Pick(pr.s.peerRand)].(starlark.String))
	}
	var err error
	if ps.Upload, err = pr.bandwidth("upload", pr.upload, id); err != nil {
		return ps, err
	}
	if ps.Download, err = pr.bandwidth("download", pr.download, id); err != nil {
		return ps, err
	}
	for _, sp := range pr.services {
		svc, err := sp.instance(pr.s)
		if err != nil {
			return ps, fmt.Errorf("%s: %w", pr.fn, err)
		}
		ps.Services = append(ps.Services, svc)
	}
	return ps, nil
}

// validator adapts a Starlark validate function.
func (s *Simulation) validator(fn starlark.Callable) engine.ValidateFunc {
	_, reuse := fn.(*starlark.Function)
	args := make(starlark.Tuple, 2)
	return func(p *engine.Peer, d *engine.Delivery) (bool, float64, error) {
		a := args
		if !reuse {
			a = make(starlark.Tuple, 2)
		}
		a[0], a[1] = s.peerValue(p), s.received(p, d)
		prevV, prevB := s.validating, s.busy
		s.validating, s.busy = p, 0
		v, err := s.call(fn, a)
		busy := s.busy
		s.validating, s.busy = prevV, prevB
		a[0], a[1] = nil, nil
		if err != nil {
			return false, 0, err
		}
		ok, isBool := v.(starlark.Bool)
		if !isBool {
			return false, 0, fmt.Errorf("validate function %s returned %s %s; it must return True (accept) or False (reject)", fn.Name(), v.Type(), short(v))
		}
		return bool(ok), busy, nil
	}
}

func simAddPeers(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var what starlark.Value
	var nodesV starlark.Value = starlark.None
	c := newPeerConfig()
	pairs := append([]any{"graph_or_n", &what}, c.pairs()...)
	pairs = append(pairs, "nodes?", &nodesV)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, pairs...); err != nil {
		return nil, err
	}
	pr, err := s.prepare(b.Name(), &c)
	if err != nil {
		return nil, err
	}
	var out []starlark.Value
	switch w := what.(type) {
	case starlark.Int:
		n, err := intArg(b.Name(), "n", w)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, fmt.Errorf("%s: n must be >= 0 (got %d)", b.Name(), n)
		}
		for i := 0; i < n; i++ {
			p, err := pr.add(engine.NoPeer)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	case *Graph:
		g := w.g
		nodes := g.Nodes
		if nodesV != starlark.None {
			nv, err := iterate(b.Name(), "nodes", nodesV)
			if err != nil {
				return nil, err
			}
			nodes = make([]int, len(nv))
			for i, x := range nv {
				if nodes[i], err = intArg(b.Name(), "nodes", x); err != nil {
					return nil, err
				}
				if !g.HasNode(nodes[i]) {
					return nil, fmt.Errorf("%s: node %d is not in the graph", b.Name(), nodes[i])
				}
			}
		}
		for _, id := range nodes {
			if s.sim.Peer(id) != nil {
				return nil, fmt.Errorf("%s: graph node %d: a peer with that id already exists (use topology relabel(offset), or nodes= to add only new nodes)", b.Name(), id)
			}
		}
		for _, id := range nodes {
			p, err := pr.add(id)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		if err := connectGraph(s, g); err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
	default:
		return nil, fmt.Errorf("%s: want a topology graph or a number of peers (got %s %s)", b.Name(), what.Type(), short(what))
	}
	return starlark.NewList(out), nil
}

// connectGraph connects every edge of g whose two ends are peers.
func connectGraph(s *Simulation, g *topology.Graph) error {
	for _, e := range g.Edges {
		if s.sim.Peer(e.A) != nil && s.sim.Peer(e.B) != nil {
			if err := s.sim.Connect(e.A, e.B); err != nil {
				return err
			}
		}
	}
	return nil
}

func (pr *prepared) add(id int) (*Peer, error) {
	ps, err := pr.spec(id)
	if err != nil {
		return nil, err
	}
	p, err := pr.s.sim.AddPeer(ps)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pr.fn, err)
	}
	return pr.s.peerValue(p), nil
}

func simAddPeer(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var idV, connectV starlark.Value = starlark.None, starlark.None
	c := newPeerConfig()
	pairs := append([]any{"id?", &idV}, c.pairs()...)
	pairs = append(pairs, "connect?", &connectV)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, pairs...); err != nil {
		return nil, err
	}
	id := engine.NoPeer
	if idV != starlark.None {
		var err error
		if id, err = intArg(b.Name(), "id", idV); err != nil {
			return nil, err
		}
		if id < 0 {
			return nil, fmt.Errorf("%s: id must be >= 0 (got %d)", b.Name(), id)
		}
		if s.sim.Peer(id) != nil {
			return nil, fmt.Errorf("%s: a peer with id %d already exists", b.Name(), id)
		}
	}
	pr, err := s.prepare(b.Name(), &c)
	if err != nil {
		return nil, err
	}
	// Resolve connect= before adding, so a mistake adds nothing.
	var targets []int
	switch cv := connectV.(type) {
	case starlark.NoneType:
	case starlark.Int:
		k, err := intArg(b.Name(), "connect", cv)
		if err != nil {
			return nil, err
		}
		pool := s.sim.PeersOf("peer")
		if k < 0 || k > len(pool) {
			return nil, fmt.Errorf("%s: connect=%d, but there are %d peers of type \"peer\" to connect to", b.Name(), k, len(pool))
		}
		ids := make([]int, len(pool))
		for i, p := range pool {
			ids[i] = p.ID()
		}
		for i := 0; i < k; i++ {
			j := i + s.peerRand.IntN(len(ids)-i)
			ids[i], ids[j] = ids[j], ids[i]
		}
		targets = ids[:k]
	default:
		xs, err := iterate(b.Name(), "connect", connectV)
		if err != nil {
			return nil, fmt.Errorf("%s: connect must be a number of random peers or a list of peers (got %s)", b.Name(), connectV.Type())
		}
		for _, x := range xs {
			p, err := s.peerArg(b.Name(), "connect", x)
			if err != nil {
				return nil, err
			}
			targets = append(targets, p.ID())
		}
	}
	p, err := pr.add(id)
	if err != nil {
		return nil, err
	}
	for _, t := range targets {
		if err := s.sim.Connect(p.p.ID(), t); err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
	}
	return p, nil
}

func simPeer(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var id int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "id", &id); err != nil {
		return nil, err
	}
	p := s.sim.Peer(id)
	if p == nil {
		return nil, fmt.Errorf("sim.peer: there is no peer %d (the simulation has %d peers)", id, len(s.sim.Peers()))
	}
	return s.peerValue(p), nil
}

func simPeersOf(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var typ string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "type", &typ); err != nil {
		return nil, err
	}
	ps := s.sim.PeersOf(typ)
	l := make([]starlark.Value, len(ps))
	for i, p := range ps {
		l[i] = s.peerValue(p)
	}
	return starlark.NewList(l), nil
}

// peerPair unpacks the two peers (or ids) of sim.connect / sim.disconnect.
func (s *Simulation) peerPair(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (*engine.Peer, *engine.Peer, error) {
	var av, bv starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &av, "b", &bv); err != nil {
		return nil, nil, err
	}
	pa, err := s.peerArg(b.Name(), "a", av)
	if err != nil {
		return nil, nil, err
	}
	pb, err := s.peerArg(b.Name(), "b", bv)
	return pa, pb, err
}

func simConnect(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	pa, pb, err := s.peerPair(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	if err := s.sim.Connect(pa.ID(), pb.ID()); err != nil {
		return nil, fmt.Errorf("sim.%w", err)
	}
	return starlark.None, nil
}

func simDisconnect(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	pa, pb, err := s.peerPair(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	s.sim.Disconnect(pa.ID(), pb.ID())
	return starlark.None, nil
}

// drive runs f (a Run or a Step) with the thread driving callbacks,
// registered for Interrupt and Running, and maps the engine's stop errors
// to messages that say what to do.
func (s *Simulation) drive(thread *starlark.Thread, fn string, until float64, f func() error) error {
	if s.running {
		return fmt.Errorf("%s: the simulation is already running (a handler cannot call sim.run or sim.step; schedule work with self.after or sim.at instead)", fn)
	}
	e := s.env
	s.running = true
	prevRun := e.inRun
	e.inRun = s
	defer s.enter(thread)()
	leave := e.enterRun(s.sim, until)
	defer func() {
		leave()
		e.inRun = prevRun
		s.running = false
	}()
	err := f()
	if ferr := s.flushTrace(); err == nil && ferr != nil {
		err = ferr
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, engine.ErrInterrupted):
		return fmt.Errorf("%s: interrupted at t=%s ms; the simulation is usable and sim.run(until = ...) carries on from there", fn, fmtTime(s.sim.Now()))
	case errors.Is(err, engine.ErrEventLimit):
		return &LimitError{Msg: fmt.Sprintf("event limit reached: the simulation processed %d events, the limit, by t=%s ms (raise it with --max-events)", s.sim.Events(), fmtTime(s.sim.Now()))}
	}
	return err
}

// LimitError is a run stopped by a resource limit (events).
type LimitError struct{ Msg string }

func (e *LimitError) Error() string { return e.Msg }

func simRun(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var untilV starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "until", &untilV); err != nil {
		return nil, err
	}
	until, err := floatArg("sim.run", "until", untilV)
	if err != nil {
		return nil, err
	}
	if math.IsNaN(until) || until < s.sim.Now() {
		return nil, fmt.Errorf("sim.run: until=%s ms is before now (%s ms); the simulation cannot go back in time", fmtFloat(until), fmtFloat(s.sim.Now()))
	}
	if err := s.drive(thread, "sim.run", until, func() error { return s.sim.Run(until) }); err != nil {
		return nil, err
	}
	return starlark.None, nil
}

func simStep(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	var did bool
	err := s.drive(thread, "sim.step", s.sim.Now(), func() error {
		var err error
		did, err = s.sim.Step()
		return err
	})
	if err != nil {
		return nil, err
	}
	return starlark.Bool(did), nil
}

func (s *Simulation) timeArg(fn, param string, v starlark.Value) (float64, error) {
	t, err := floatArg(fn, param, v)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(t) || t < s.sim.Now() {
		return 0, fmt.Errorf("%s: %s=%s ms is before now (%s ms)", fn, param, fmtFloat(t), fmtFloat(s.sim.Now()))
	}
	return t, nil
}

func simAt(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	if len(kwargs) > 0 {
		return nil, fmt.Errorf("sim.at: unexpected keyword arguments (use sim.at(t, fn, *args))")
	}
	if len(args) < 2 {
		return nil, fmt.Errorf("sim.at: want sim.at(t, fn, *args) (got %d arguments)", len(args))
	}
	t, err := s.timeArg("sim.at", "t", args[0])
	if err != nil {
		return nil, err
	}
	fn, ok := args[1].(starlark.Callable)
	if !ok {
		return nil, fmt.Errorf("sim.at: fn must be a function (got %s)", args[1].Type())
	}
	rest := append(starlark.Tuple(nil), args[2:]...)
	err = s.sim.Schedule(t, func() error {
		_, err := s.call(fn, rest)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sim.at: %w", err)
	}
	return starlark.None, nil
}

func simCrash(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var pv starlark.Value
	var at starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "peer", &pv, "at?", &at); err != nil {
		return nil, err
	}
	p, err := s.peerArg(b.Name(), "peer", pv)
	if err != nil {
		return nil, err
	}
	if at == starlark.None {
		defer s.enter(thread)()
		if err := p.SetOnline(false); err != nil {
			return nil, err
		}
		return starlark.None, nil
	}
	t, err := s.timeArg("sim.crash", "at", at)
	if err != nil {
		return nil, err
	}
	if err := s.sim.Schedule(t, func() error { return p.SetOnline(false) }); err != nil {
		return nil, fmt.Errorf("sim.crash: %w", err)
	}
	return starlark.None, nil
}

func (s *Simulation) group(fn, param string, v starlark.Value) ([]int, error) {
	xs, err := iterate(fn, param, v)
	if err != nil {
		return nil, err
	}
	ids := make([]int, len(xs))
	for i, x := range xs {
		p, err := s.peerArg(fn, param, x)
		if err != nil {
			return nil, err
		}
		ids[i] = p.ID()
	}
	return ids, nil
}

func simPartition(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var av starlark.Value
	var bv, startV, endV starlark.Value = starlark.None, starlark.None, starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &av, "b?", &bv, "start?", &startV, "end?", &endV); err != nil {
		return nil, err
	}
	ga, err := s.group(b.Name(), "a", av)
	if err != nil {
		return nil, err
	}
	var gb []int
	if bv != starlark.None {
		if gb, err = s.group(b.Name(), "b", bv); err != nil {
			return nil, err
		}
		if len(gb) == 0 {
			return nil, fmt.Errorf("sim.partition: group b is empty (leave it out to mean every other peer)")
		}
	}
	start, end := s.sim.Now(), math.Inf(1)
	if startV != starlark.None {
		if start, err = floatArg("sim.partition", "start", startV); err != nil {
			return nil, err
		}
	}
	if endV != starlark.None {
		if end, err = floatArg("sim.partition", "end", endV); err != nil {
			return nil, err
		}
	}
	if err := s.sim.Partition(ga, gb, start, end); err != nil {
		return nil, fmt.Errorf("sim.%w", err)
	}
	return starlark.None, nil
}

func simSetLoss(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var p num
	var at, link starlark.Value = starlark.None, starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "p", &p, "at?", &at, "link?", &link); err != nil {
		return nil, err
	}
	prob := float64(p)
	if math.IsNaN(prob) || prob < 0 || prob > 1 {
		return nil, fmt.Errorf("sim.set_loss: p must be a probability in [0, 1] (got %s)", fmtFloat(prob))
	}
	var apply func() error
	if link != starlark.None {
		ends, err := iterate(b.Name(), "link", link)
		if err != nil || len(ends) != 2 {
			return nil, fmt.Errorf("sim.set_loss: link must be a pair of peers (a, b)")
		}
		pa, err := s.peerArg(b.Name(), "link", ends[0])
		if err != nil {
			return nil, err
		}
		pb, err := s.peerArg(b.Name(), "link", ends[1])
		if err != nil {
			return nil, err
		}
		apply = func() error { return s.sim.SetLinkLoss(pa.ID(), pb.ID(), prob) }
	} else {
		apply = func() error { return s.sim.SetLoss(prob) }
	}
	if at == starlark.None {
		if err := apply(); err != nil {
			return nil, fmt.Errorf("sim.set_loss: %w", err)
		}
		return starlark.None, nil
	}
	t, err := s.timeArg("sim.set_loss", "at", at)
	if err != nil {
		return nil, err
	}
	if err := s.sim.Schedule(t, apply); err != nil {
		return nil, fmt.Errorf("sim.set_loss: %w", err)
	}
	return starlark.None, nil
}

func simCounter(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var kind string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "kind", &kind); err != nil {
		return nil, err
	}
	return counterValue(s.sim.CounterOf(kind)), nil
}

// unpackID unpacks the one argument, id, of the builtins that read what
// was observed about a message id.
func unpackID(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (string, error) {
	var v starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "id", &v); err != nil {
		return "", err
	}
	return idArg(b.Name(), v)
}

func idArg(fn string, v starlark.Value) (string, error) {
	if m, ok := v.(*Message); ok {
		return m.ID(), nil
	}
	return keyString(fn, "id", v)
}

func simFirstSeen(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	id, err := unpackID(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	fs := s.sim.FirstSeen(id)
	l := make([]starlark.Value, len(fs))
	for i, f := range fs {
		l[i] = starlark.Tuple{starlark.MakeInt(f.Peer), starlark.Float(f.T), starlark.MakeInt(f.Hops), starlark.MakeInt(f.Version)}
	}
	return starlark.NewList(l), nil
}

func simSeenAt(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var pv, v starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "peer", &pv, "id", &v); err != nil {
		return nil, err
	}
	p, err := s.peerArg(b.Name(), "peer", pv)
	if err != nil {
		return nil, err
	}
	id, err := idArg(b.Name(), v)
	if err != nil {
		return nil, err
	}
	if t, ok := s.sim.SeenAt(p.ID(), id); ok {
		return starlark.Float(t), nil
	}
	return starlark.None, nil
}

func simCoverage(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var v starlark.Value
	var typ starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "id", &v, "type?", &typ); err != nil {
		return nil, err
	}
	id, err := idArg(b.Name(), v)
	if err != nil {
		return nil, err
	}
	var ps []*engine.Peer
	if typ == starlark.None {
		ps = s.sim.Peers()
	} else {
		t, ok := starlark.AsString(typ)
		if !ok {
			return nil, fmt.Errorf("sim.coverage: type must be a peer type name (got %s)", typ.Type())
		}
		ps = s.sim.PeersOf(t)
	}
	if len(ps) == 0 {
		return starlark.Float(0), nil
	}
	n := 0
	for _, p := range ps {
		if s.sim.HasSeen(p.ID(), id) {
			n++
		}
	}
	return starlark.Float(float64(n) / float64(len(ps))), nil
}

func simMessageIDs(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	ids := s.sim.MessageIDs()
	l := make([]starlark.Value, len(ids))
	for i, id := range ids {
		l[i] = starlark.String(id)
	}
	return starlark.NewList(l), nil
}

func simVersions(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	id, err := unpackID(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	ms := s.sim.Versions(id)
	l := make([]starlark.Value, len(ms))
	for i, m := range ms {
		l[i] = s.messageOf(m)
	}
	return starlark.NewList(l), nil
}

func simLoad(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	pts := s.sim.Load()
	l := make([]starlark.Value, len(pts))
	for i, p := range pts {
		l[i] = record("second", p.Second, "messages", p.Messages, "bytes", p.Bytes)
	}
	return starlark.NewList(l), nil
}
