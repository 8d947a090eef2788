package bindings

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/bindings/outfiles"
	"github.com/p2prepl/p2prepl/bindings/report"
	"github.com/p2prepl/p2prepl/engine"
)

// Simulation is the value of simulation(): an engine.Sim plus the
// Starlark side of its peers and services.
type Simulation struct {
	env  *Env
	sim  *engine.Sim
	net  *Network // nil: the default one-region network
	seed uint64
	// compat is "" or compatP2PSimPy: the built-in services' defaults.
	compat string

	// thread is the Starlark thread driving the simulation now: services,
	// validate functions and sim.at callbacks run on it.
	thread  *starlark.Thread
	running bool

	peerRand *rand.Rand // stream "peers": regions, bandwidths, connect=k
	topoRand *rand.Rand // stream "topology": generators without seed=

	validating *engine.Peer                       // peer inside its validate function
	busy       float64                            // ms charged by peer.busy during validate
	active     *Instance                          // the Starlark service instance running now, if any
	acting     *engine.Peer                       // peer whose validate function scheduled the sim.at call running now
	counted    struct{ events, delivered uint64 } // what Env.Costs has of it (see count)

	// Time travel (timetravel.go): pending sim.at calls, Starlark
	// functions the engine calls (validate, always), automatic checkpoints.
	at       map[uint64]atCall
	nextAt   uint64
	roots    []starlark.Value
	timeline *timeline

	trace       *os.File
	tracePath   string
	traceShiViz bool
	bound       api.Bound

	checks []report.Check // sim.record_check, for sim.report
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
		return nil, errNoThread
	}
	return starlark.Call(s.thread, fn, args, nil)
}

var errNoThread = errors.New("internal error: a Starlark callback ran with no driving thread")

func init() {
	api.Register(api.Function("simulation", `simulation(seed=None, network=None, strict_kinds=False, strict_links=False, trace=None, trace_format="jsonl", faults=None, compat=None) -> a new simulation

seed: the seed of every random draw in the run (default: --seed, or 1).
  An explicit seed wins over --seed.
network: a network(...) (default: one region "default" with no latency).
strict_kinds: make a message no service of its receiver handles an error
  (default: it is counted as unhandled).
strict_links: make a send to a peer the sender is no longer connected to
  (the connection was closed during the run, e.g. by a connection
  manager) an error (default: it is counted as dropped_disconnected).
trace: a file (under the output directory, --out) to write every message
  event to as JSON Lines, one object per event: {"t": ms, "ev": "send",
  "kind": "gossip", "id": "26_1", "version": 0, "from": 26, "to": 3,
  "size": 250, "hops": 0, "seq": 1, "vc": {"26": 1}}. Events: send,
  deliver, unhandled, reject, drop (with a reason), mark, online, offline,
  connect and disconnect (with peers a and b). Message ids are strings
  ("26_1": peer 26's first message), never numbers: pandas reads "26_1"
  as the number 261 unless told, pd.read_json(path, lines=True,
  dtype={"id": str}); table.read_json(path) reads the trace as a table.
  "seq" links a receipt or drop to its send; "vc" is the event's vector
  clock (for simulations of up to 100 peers; p2prepl trace FILE --shiviz
  computes clocks for up to 10,000).
trace_format: "jsonl", or "shiviz" to write the trace as a ShiViz log
  (vector clocks always), which opens as a space-time diagram in ShiViz;
  a run in which no peer does anything is an error at the end (ShiViz
  cannot open a log without events). Only with trace = FILE: a format
  without a trace file is an error.
faults: a faults(...) budget: the run is perturbed within it, from the
  seed, and sim.schedule lists what was applied ('p2prepl explore' and
  --budget / --schedule override it).
`+compatDoc+`

Then add peers (sim.add_peers, sim.add_peer), run (sim.run(until=...)) and
read the results (sim.counters, sim.first_seen(id), peer.storage, ...).
help(sim) lists everything a simulation has.`, builtinSimulation))
}

func builtinSimulation(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	e := envOf(thread)
	var seedV, netV, traceV, faultsV, compatV starlark.Value = starlark.None, starlark.None, starlark.None, starlark.None, starlark.None
	var formatV starlark.Value // nil: not given
	strict, strictLinks := false, false
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "seed?", &seedV, "network?", &netV, "strict_kinds?", &strict, "strict_links?", &strictLinks, "trace?", &traceV, "trace_format?", &formatV, "faults?", &faultsV, "compat?", &compatV); err != nil {
		return nil, err
	}
	traceFormat := "jsonl"
	if formatV != nil {
		f, ok := starlark.AsString(formatV)
		if !ok {
			return nil, fmt.Errorf("simulation: trace_format must be \"jsonl\" or \"shiviz\" (got %s)", formatV.Type())
		}
		// A format with no trace file formats nothing: most likely the
		// trace was meant to be written and its file was left out.
		if traceV == starlark.None {
			return nil, fmt.Errorf("simulation: trace_format = %q without a trace file: add trace = \"FILE\" (under --out) to write the trace, or leave trace_format out", f)
		}
		traceFormat = f
	}
	compat, err := compatArg(compatV)
	if err != nil {
		return nil, err
	}
	var traceOpts engine.TraceOptions
	switch traceFormat {
	case "jsonl":
	case "shiviz":
		traceOpts.Format = engine.TraceShiViz
	default:
		return nil, fmt.Errorf("simulation: trace_format must be \"jsonl\" or \"shiviz\" (got %q)", traceFormat)
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
	s := &Simulation{env: e, seed: seed, compat: compat}
	cfg := engine.Config{Seed: seed, StrictKinds: strict, StrictLinks: strictLinks, MaxEvents: e.opts.MaxEvents,
		MaxPending: e.opts.MaxPending, MaxStall: e.opts.MaxStall}
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
	if err := e.installFaults(s, faultsV); err != nil {
		return nil, err
	}
	if e.opts.Timeline {
		s.timeline = &timeline{every: rewindEvery}
	}
	if e.opts.Record {
		s.sim.KeepHistory()
	}
	s.peerRand = s.sim.Stream("peers")
	s.topoRand = s.sim.Stream("topology")
	if traceV != starlark.None {
		p, ok := starlark.AsString(traceV)
		if !ok {
			return nil, fmt.Errorf("simulation: trace must be a file path (got %s)", traceV.Type())
		}
		// The trace streams as the run goes, so it is written in place,
		// not renamed into place at the end.
		f, err := outfiles.Stream(thread, p)
		if err != nil {
			return nil, fmt.Errorf("simulation: trace: %w", err)
		}
		s.trace, s.tracePath, s.traceShiViz = f, p, traceOpts.Format == engine.TraceShiViz
		s.sim.SetTraceOptions(f, traceOpts)
		e.mu.Lock()
		e.outputs = append(e.outputs, traceCloser{s})
		e.mu.Unlock()
	}
	e.current = s
	return s, nil
}

type traceCloser struct{ s *Simulation }

// Close flushes and closes the trace. A ShiViz log without an event is
// refused by ShiViz ("The parser RegExp you entered does not capture any
// events"), so it is reported here rather than found there.
func (t traceCloser) Close() error {
	s := t.s
	err := s.sim.FlushTrace()
	empty := s.traceShiViz && s.sim.TraceEvents() == 0
	s.sim.SetTrace(nil)
	if cerr := s.trace.Close(); err == nil {
		err = cerr
	}
	if err == nil && empty {
		err = fmt.Errorf("trace %s: no peer sent, received, marked or went offline before the end, so the ShiViz log has no events and ShiViz cannot open it: run the simulation (sim.run) with peers that do something", s.tracePath)
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

// simType declares a simulation's attributes and methods (help(sim)).
var simType = api.NewType(&api.Type[*Simulation]{
	Name: "simulation",
	Var:  "sim",
	Doc:  "A simulation (from simulation(...)).",
	Fields: []api.Field[*Simulation]{
		api.Attr("now", "the simulated time, in ms", func(s *Simulation) (starlark.Value, error) {
			return starlark.Float(s.sim.Now()), nil
		}),
		api.Attr("seed", "the seed of every random draw in the run", func(s *Simulation) (starlark.Value, error) {
			return starlark.MakeUint64(s.seed), nil
		}),
		api.Attr("compat", `the compatibility mode given to simulation() ("p2psimpy"), or None`, func(s *Simulation) (starlark.Value, error) {
			if s.compat == "" {
				return starlark.None, nil
			}
			return starlark.String(s.compat), nil
		}),
		api.Attr("peers", "every peer, in id order (a new list)", func(s *Simulation) (starlark.Value, error) {
			ps := s.sim.Peers()
			l := make([]starlark.Value, len(ps))
			for i, p := range ps {
				l[i] = s.peerValue(p)
			}
			return starlark.NewList(l), nil
		}),
		api.Attr("types", "the peer type names, in the order first used", func(s *Simulation) (starlark.Value, error) {
			return stringList(s.sim.Types()), nil
		}),
		api.Attr("kinds", "the message kinds seen so far", func(s *Simulation) (starlark.Value, error) {
			return stringList(s.sim.Kinds()), nil
		}),
		api.Attr("events", "the number of events processed", func(s *Simulation) (starlark.Value, error) {
			return starlark.MakeUint64(s.sim.Events()), nil
		}),
		api.Attr("pending", "the number of events scheduled and not yet processed", func(s *Simulation) (starlark.Value, error) {
			return starlark.MakeInt(s.sim.Pending()), nil
		}),
		api.Attr("network", "the network(...) given to simulation(), or None", func(s *Simulation) (starlark.Value, error) {
			if s.net == nil {
				return starlark.None, nil
			}
			return s.net, nil
		}),
		api.Attr("counters", "{kind: struct(sent, sent_bytes, delivered, delivered_bytes, unhandled, rejected, dropped, dropped_bytes, dropped_offline, dropped_loss, dropped_partition, dropped_disconnected, dropped_fault)}; dropped_fault counts copies a faults() budget or --schedule dropped", func(s *Simulation) (starlark.Value, error) {
			ks := s.sim.Kinds()
			d := starlark.NewDict(len(ks))
			for _, k := range ks {
				_ = d.SetKey(starlark.String(k), counterValue(s.sim.CounterOf(k)))
			}
			d.Freeze()
			return d, nil
		}),
		api.Attr("schedule", "the perturbations applied so far (faults=, --budget, --schedule): a list of struct(kind, ..., text)", simSchedule),
		api.Attr("total", "the counters summed over every kind", func(s *Simulation) (starlark.Value, error) {
			return counterValue(s.sim.Total()), nil
		}),
	},
	Methods: []api.Builtin{
		api.Method("add_peers", `sim.add_peers(graph_or_n, type="peer", region=None, upload=0, download=0, validate=None, services=[], nodes=None) -> list of peers

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
  wherever both ends are peers), e.g. for topology.attach_clients.`, simAddPeers),
		api.Method("add_peer", `sim.add_peer(id=None, type="peer", region=None, upload=0, download=0, validate=None, services=[], connect=None) -> the new peer

Like add_peers for one peer. id=None takes the next free id. connect=k
connects it to k random existing peers of type "peer"; connect=[...] to
the given peers or ids.`, simAddPeer),
		api.Pure(api.Method("peer", "sim.peer(id) -> the peer with that id (an error if there is none).", simPeer)),
		api.Pure(api.Method("peers_of", "sim.peers_of(type) -> the peers of that type, in id order.", simPeersOf)),
		api.Method("connect", "sim.connect(a, b) -> None; connects two peers (or ids).", simConnect),
		api.Method("disconnect", "sim.disconnect(a, b) -> None; disconnects two peers (or ids), if connected.", simDisconnect),
		api.Method("run", `sim.run(until=None, until_event=None, catch=False) -> None, or the error caught

Runs the simulation up to simulated time until (ms), handling every event
before it; the clock then reads until. Events at exactly until run in the
next call, as with SimPy's run(until): a producer ticking every 200 ms
from 0 makes 5 messages in sim.run(until = 1000), not 6. Call it again to
carry on (sim.run(until = sim.now + 1000)). A handler error stops the run at the
time it happened, naming the time and peer; so do Ctrl-C (the simulation
stays usable) and the event limit (--max-events). With catch = True a
handler, validate function or sim.at callback that fails returns its
error message instead (the run stops there, the script goes on): for
experiments that count failed runs, e.g. under adversaries.

until_event=n stops right after the n-th event of the simulation's life
(sim.events reads n then), or earlier at until; the clock then stays at
that event's time, so that sim.step() and sim.run carry on exactly there.`, simRun),
		api.Method("checkpoint", `sim.checkpoint() -> a checkpoint

Saves the whole simulation: the engine (clock, pending events, peers,
messages, counters, faults), every random generator, and the Starlark
state its future depends on (every service instance's attributes and
timers and the lists, dicts and sets they hold, shared ones included;
pending sim.at calls). sim.restore(cp) goes back to it; running on from
there reproduces the original run exactly. Not restored: module globals
(keep what a run changes on self), files written.`, simCheckpoint),
		api.Method("restore", `sim.restore(checkpoint) -> None

Puts the simulation back in the state sim.checkpoint() saved, in place:
every peer, service and value the script holds refers to the restored
state. The checkpoint stays valid for further restores from any state
that descends from it; once an older checkpoint has been restored, a
newer one is refused (its line of time was left: take it again).`, simRestore),
		api.Method("digest", `sim.digest() -> an int hashing the whole state of the simulation

Everything its future depends on: the clock, pending events, peers,
counters, message records, random generators (read without drawing) and
every service instance's attributes and timers. Equal digests mean the
runs go on identically; compare them across sim.restore or sim.rewind.`, simDigest),
		api.Method("rewind", `sim.rewind(t) -> None

Goes back to simulated time t (<= now): restores the last automatic
checkpoint at or before t and replays forward to t, so the state is the
one sim.run(until = t) left. Needs a timeline: the REPL records one for
every simulation; a script calls sim.record_timeline() first.`, simRewind),
		api.Method("record_timeline", `sim.record_timeline(every=1000000) -> None

Takes automatic checkpoints as sim.run goes (one now, then every
'every' events; at most 32 kept and about 512 MB, thinned by doubling the
interval), for sim.rewind. Each costs about the memory of the
simulation's state (S1 at 10,000 peers: 10 MB, 30 ms).`, simRecordTimeline),
		api.Method("step", "sim.step() -> True if an event was processed, False if none is left. Runs exactly one event.", simStep),
		api.Method("at", `sim.at(t, fn, *args) -> None; calls fn(*args) at simulated time t (>= sim.now) during a later sim.run.

Called by a peer's code (a service or a validate function), the call is
that peer's: it acts only for that peer, as its timers do, and never runs
once the peer has crashed. Called by the script, it may act for any peer.`, simAt),
		api.Method("crash", `sim.crash(peer, at=None) -> None

Crashes the peer at time at (default now): it stops for good. Its inbound
messages are dropped, no handler, validate function or timer of it runs
again (a handler of it that is running stops at its next send, store or
timer call), its services are not told, and it never comes back
(go_online is an error). Compare peer.go_offline (downtime): an offline
peer's timers keep firing.`, simCrash),
		api.Method("partition", `sim.partition(a, b=None, start=None, end=None) -> None

Cuts every link between the peers (or ids) in group a and those in group b
(default: every peer not in a) from start (default now) until end (default
forever): messages sent across are dropped (counted as dropped_partition).`, simPartition),
		api.Method("set_loss", `sim.set_loss(p, at=None, link=None) -> None

Sets the probability that a message is lost: on every link, or only on
link=(a, b). at=None: now; otherwise at simulated time at.`, simSetLoss),
		api.Pure(api.Method("counter", "sim.counter(kind) -> the counters of one message kind (see sim.counters).", simCounter)),
		api.Pure(api.Method("common_coin", `sim.common_coin(*key) -> 0 or 1

A common coin (Rabin, 1983) for randomized agreement: the same bit for
every peer that asks with the same key (None, bools, ints, floats,
strings, bytes and tuples of them: an instance id and a round,
sim.common_coin("26_1", 3)), independent across keys, and known to no
script before it is drawn. It is a keyed hash (SipHash-2-4) of the key
under a secret drawn from the seed, so it is the same in every run of the
seed and draws nothing from random.`, simCommonCoin)),
		api.Method("record_paths", `sim.record_paths(kind) -> None

Records, for every message of kind sent from now on, the peers that sent
and forwarded it: msg.path in a handler. Call it before the first message
of the kind is sent; a service can ask for it instead with
service(..., paths = [kind]).`, simRecordPaths),
		api.Pure(api.Method("traffic", "sim.traffic() -> a table of the message counters, one row per kind plus a total row: sent, sent_bytes, delivered, unhandled, rejected, dropped (and why).", simTraffic)),
		api.Pure(api.Method("peer_table", "sim.peer_table(type=None) -> a table of the peers (of one type): id, type, region, online, degree, messages and bytes sent and received.", simPeerTable)),
		api.Pure(api.Method("first_seen", "sim.first_seen(id) -> list of (peer_id, t, hops, version), each peer's first accepted copy of message id, in time order.", simFirstSeen)),
		api.Pure(api.Method("seen_at", "sim.seen_at(peer, id) -> when the peer first accepted message id, or None.", simSeenAt)),
		api.Pure(api.Method("coverage", "sim.coverage(id, type=None) -> the fraction of peers (of that type) that have accepted message id.", simCoverage)),
		api.Pure(api.Method("message_ids", "sim.message_ids() -> the tracked message ids, in creation order.", simMessageIDs)),
		api.Pure(api.Method("versions", "sim.versions(id) -> the messages created with this id, oldest first (two or more when a producer equivocates).", simVersions)),
		api.Pure(api.Method("load_series", "sim.load_series() -> per simulated second, struct(second, messages, bytes) of the traffic delivered (p2psimpy's per-second load; not called sim.load because load is a Starlark keyword).", simLoad)),
		api.Method("keep_history", keepHistoryDoc, simKeepHistory),
		api.Method("spacetime", spacetimeDoc, simSpacetime),
		api.Method("report", reportDoc, simReport),
		api.Method("record_check", recordCheckDoc, simRecordCheck),
	},
})

func (s *Simulation) Attr(name string) (starlark.Value, error) {
	return simType.Attr(s, name, &s.bound)
}

func (s *Simulation) AttrNames() []string { return simType.AttrNames() }

func counterValue(c engine.Counter) starlark.Value {
	return record(
		"sent", c.Sent, "sent_bytes", c.SentBytes,
		"delivered", c.Delivered, "delivered_bytes", c.DeliveredBytes,
		"unhandled", c.Unhandled, "rejected", c.Rejected,
		"dropped", c.Dropped, "dropped_bytes", c.DroppedBytes,
		"dropped_offline", c.DroppedOffline, "dropped_loss", c.DroppedLoss, "dropped_partition", c.DroppedPartition,
		"dropped_disconnected", c.DroppedDisconnected, "dropped_fault", c.DroppedFault)
}

func simOf(b *starlark.Builtin) *Simulation { return b.Receiver().(*Simulation) }
