package bindings

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/dist"
	"github.com/p2prepl/p2prepl/engine/services"
)

// The built-in services are Go services from engine/services, configured
// from Starlark. Each constructor checks its arguments when called (so a
// mistake names the script line) and returns a ServiceSpec.

var builtinServiceNames = map[string]struct{}{}

func init() {
	// The defaults live in the engine's constructors; the signatures
	// below are written from them.
	push, pull, pp := services.NewPushGossip(), services.NewPullGossip(), services.NewPushPullGossip()
	cm, prod, rd := services.NewConnManager(), services.NewProducer(), services.NewRandomDowntime()
	itoa := strconv.Itoa
	ctors := []api.Global{
		api.Function("gossip", `gossip(fanout=`+itoa(push.Fanout)+`, forward_duplicates=`+pyBool(push.ForwardDuplicates)+`, except_type=`+quote(push.ExceptType)+`, store=None, kind=`+quote(push.Kind)+`) -> push gossip service

Forwards every message of kind to fanout random neighbours, except the one
it came from and peers of type except_type, while its TTL allows. By
default a peer forwards each message id once, on its first copy;
forward_duplicates=True forwards every copy, as p2psimpy's GossipService
does (traffic then grows like fanout^ttl). store: a storage namespace
where each received message is kept (and its arrival time under
"msg_time"); the first copy, or every copy (the last wins) under
simulation(compat = "p2psimpy"), which also makes forward_duplicates
default to True.`, svcGossip),
		api.Function("pull_gossip", `pull_gossip(fanout=`+itoa(pull.PullFanout)+`, round_time=`+fmtFloat(pull.RoundTime)+`, first_round=dist.`+pull.FirstRound.String()+`, store=None, kind=`+quote(pull.Kind)+`, except_type=`+quote(pull.ExceptType)+`) -> pull gossip (anti-entropy)

Every round_time ms (the first after |first_round| ms) a peer offers the
ids it holds to fanout neighbours; they exchange what the other lacks
(sync_ping, sync_pong, msg_request, msg_response messages). Under
simulation(compat = "p2psimpy") the first round comes a round later, at
|first_round| + round_time, as in p2psimpy.`, svcPullGossip),
		api.Function("push_pull_gossip", `push_pull_gossip(fanout=`+itoa(pp.Fanout)+`, pull_fanout=`+itoa(pp.PullFanout)+`, round_time=`+fmtFloat(pp.RoundTime)+`, first_round=dist.`+pp.FirstRound.String()+`, store=None, kind=`+quote(pp.Kind)+`, except_type=`+quote(pp.ExceptType)+`, forward_duplicates=`+pyBool(pp.ForwardDuplicates)+`) -> push and pull gossip together.`, svcPushPullGossip),
		api.Function("connection_manager", `connection_manager(ping_interval=`+fmtFloat(cm.PingInterval)+`, max_silence=`+fmtFloat(cm.MaxSilence)+`) -> connection manager service

Every ping_interval ms, pings each neighbour it has heard nothing from for
more than ping_interval ms (any message counts, so a busy link carries no
pings), drops neighbours silent for more than max_silence ms, and after
downtime reconnects to the neighbours it had (p2psimpy's
BaseConnectionManager). Under simulation(compat = "p2psimpy") the rounds
of all peers run in step (at 0, ping_interval, ...), each link opens with
three "hello" messages, and a peer back from downtime says hello to its
neighbours instead of reconnecting.`, svcConnManager),
		api.Function("producer", `producer(rate=`+fmtFloat(prod.Rate)+`, start=`+fmtFloat(prod.InitDelay)+`, fanout=`+itoa(prod.Fanout)+`, ttl=`+itoa(prod.TTL)+`, size=`+itoa(prod.Size)+`, store=None, kind=`+quote(prod.Kind)+`, payload=None) -> message producer service

Every 1000/rate ms from start ms on, creates a message of kind with id
"<peer>_<n>" (n from 1) and gossips it to fanout neighbours with TTL ttl
(p2psimpy's MessageProducer and its defaults). payload=fn(peer, n) makes
each message's data (default: a random integer); store keeps produced
messages in that storage namespace.`, svcProducer),
		api.Function("random_downtime", `random_downtime(first=dist.`+rd.First.String()+`, down=dist.`+rd.Down.String()+`, up=dist.`+rd.Up.String()+`) -> random downtime service

The peer first fails after |first| ms, stays down |down| ms, comes back for
|up| ms, and so on (negative draws count as their absolute value). Unlike
p2psimpy, whose RandomDowntime swaps the two durations, peers are down
~400 ms and up ~600 ms with the defaults, as the names say. Under
simulation(compat = "p2psimpy") it follows p2psimpy: the first failure
comes |down| ms after |first|, then the peer is down |up| ms and up |down|
ms.`, svcRandomDowntime),
		api.Function("scheduled_downtime", `scheduled_downtime(windows) -> scheduled downtime service

windows: a list of (from, until) in ms, in order and not overlapping; the
peer is offline during each. until=None means forever (a crash).`, svcScheduledDowntime),
	}
	for _, g := range ctors {
		builtinServiceNames[g.Name] = struct{}{}
	}
	api.Register(ctors...)
}

// kwargs helpers ------------------------------------------------------------

// pyBool spells a Go bool as Starlark does.
func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func checkFanout(fn string, n int) error {
	if n < 0 {
		return fmt.Errorf("%s: fanout must be >= 0 (got %d)", fn, n)
	}
	return nil
}

func positiveMs(fn, param string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		return fmt.Errorf("%s: %s must be a finite number of ms > 0 (got %s)", fn, param, fmtFloat(v))
	}
	return nil
}

// minPeriod is the shortest period of anything that repeats (self.every,
// round_time, ping_interval, a producer's 1000/rate): 1 µs. Shorter
// periods flood the queue without letting the clock move, and at large
// times they fall below the resolution of a float64 clock, where time
// stops advancing altogether.
const minPeriod = 0.001

// periodMs checks the period of something that repeats.
func periodMs(fn, param string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < minPeriod {
		return fmt.Errorf("%s: %s must be a finite number of ms >= %s (1 µs) (got %s): a shorter period floods the event queue without letting simulated time advance", fn, param, fmtValue(minPeriod), fmtFloat(v))
	}
	return nil
}

func optString(fn, param string, v starlark.Value) (string, error) {
	if v == starlark.None {
		return "", nil
	}
	s, ok := starlark.AsString(v)
	if !ok {
		return "", fmt.Errorf("%s: %s must be a string or None (got %s)", fn, param, v.Type())
	}
	return s, nil
}

func specString(name string, args starlark.Tuple, kwargs []starlark.Tuple) string {
	var parts []string
	for _, a := range args {
		parts = append(parts, short(a))
	}
	for _, kv := range kwargs {
		parts = append(parts, fmt.Sprintf("%s=%s", string(kv[0].(starlark.String)), short(kv[1])))
	}
	return name + "(" + strings.Join(parts, ", ") + ")"
}

// gossipArgs are the arguments of the three gossip constructors, starting
// from the engine's defaults.
type gossipArgs struct {
	fanout, pullFanout int
	roundTime          num
	firstRound         starlark.Value
	store, kind        starlark.Value
	exceptType         starlark.Value
	forwardDuplicates  optBool
}

func newGossipArgs(d *services.Gossip) gossipArgs {
	return gossipArgs{fanout: d.Fanout, pullFanout: d.PullFanout, roundTime: num(d.RoundTime),
		store: starlark.None, kind: starlark.String(d.Kind), exceptType: starlark.String(d.ExceptType)}
}

func (g *gossipArgs) build(fn string, push, pull bool) (func(*Simulation) (engine.Service, error), error) {
	if err := checkFanout(fn, g.fanout); err != nil {
		return nil, err
	}
	if err := checkFanout(fn, g.pullFanout); err != nil {
		return nil, err
	}
	store, err := optString(fn, "store", g.store)
	if err != nil {
		return nil, err
	}
	kind, err := optString(fn, "kind", g.kind)
	if err != nil || kind == "" {
		return nil, fmt.Errorf("%s: kind must be a non-empty string", fn)
	}
	except, err := optString(fn, "except_type", g.exceptType)
	if err != nil {
		return nil, err
	}
	var first dist.Dist
	if pull {
		if err := periodMs(fn, "round_time", float64(g.roundTime)); err != nil {
			return nil, err
		}
		if g.firstRound != nil {
			if first, err = asDist(fn, "first_round", g.firstRound); err != nil {
				return nil, err
			}
		}
	}
	forward := g.forwardDuplicates
	return func(sim *Simulation) (engine.Service, error) {
		var s *services.Gossip
		switch {
		case push && pull:
			s = services.NewPushPullGossip()
		case pull:
			s = services.NewPullGossip()
		default:
			s = services.NewPushGossip()
		}
		compat := sim.p2psimpy()
		s.Kind, s.Fanout, s.ExceptType, s.Store = kind, g.fanout, except, store
		s.ForwardDuplicates = forward.or(s.ForwardDuplicates || compat)
		s.StoreEvery, s.DelayFirstRound = compat, compat
		if pull {
			s.PullFanout, s.RoundTime = g.pullFanout, float64(g.roundTime)
			if first != nil {
				s.FirstRound = first
			}
		}
		return s, nil
	}, nil
}

func svcGossip(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	g := newGossipArgs(services.NewPushGossip())
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "fanout?", &g.fanout, "forward_duplicates?", &g.forwardDuplicates,
		"except_type?", &g.exceptType, "store?", &g.store, "kind?", &g.kind); err != nil {
		return nil, err
	}
	build, err := g.build(b.Name(), true, false)
	if err != nil {
		return nil, err
	}
	return &ServiceSpec{name: b.Name(), build: build, str: specString(b.Name(), args, kwargs)}, nil
}

func svcPullGossip(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	g := newGossipArgs(services.NewPullGossip())
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "fanout?", &g.pullFanout, "round_time?", &g.roundTime,
		"first_round?", &g.firstRound, "store?", &g.store, "kind?", &g.kind, "except_type?", &g.exceptType); err != nil {
		return nil, err
	}
	build, err := g.build(b.Name(), false, true)
	if err != nil {
		return nil, err
	}
	return &ServiceSpec{name: b.Name(), build: build, str: specString(b.Name(), args, kwargs)}, nil
}

func svcPushPullGossip(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	g := newGossipArgs(services.NewPushPullGossip())
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "fanout?", &g.fanout, "pull_fanout?", &g.pullFanout, "round_time?", &g.roundTime,
		"first_round?", &g.firstRound, "store?", &g.store, "kind?", &g.kind, "except_type?", &g.exceptType,
		"forward_duplicates?", &g.forwardDuplicates); err != nil {
		return nil, err
	}
	build, err := g.build(b.Name(), true, true)
	if err != nil {
		return nil, err
	}
	return &ServiceSpec{name: b.Name(), build: build, str: specString(b.Name(), args, kwargs)}, nil
}

func svcConnManager(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	d := services.NewConnManager()
	ping, silence := num(d.PingInterval), num(d.MaxSilence)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "ping_interval?", &ping, "max_silence?", &silence); err != nil {
		return nil, err
	}
	if err := periodMs(b.Name(), "ping_interval", float64(ping)); err != nil {
		return nil, err
	}
	if err := positiveMs(b.Name(), "max_silence", float64(silence)); err != nil {
		return nil, err
	}
	return &ServiceSpec{name: b.Name(), str: specString(b.Name(), args, kwargs), build: func(sim *Simulation) (engine.Service, error) {
		c := services.NewConnManager()
		c.PingInterval, c.MaxSilence = float64(ping), float64(silence)
		c.Aligned, c.Hello = sim.p2psimpy(), sim.p2psimpy()
		return c, nil
	}}, nil
}

func svcProducer(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	d := services.NewProducer()
	rate, start := num(d.Rate), num(d.InitDelay)
	fanout, ttl, size := d.Fanout, d.TTL, d.Size
	var store, kind, payload starlark.Value = starlark.None, starlark.String(d.Kind), starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "rate?", &rate, "start?", &start, "fanout?", &fanout, "ttl?", &ttl,
		"size?", &size, "store?", &store, "kind?", &kind, "payload?", &payload); err != nil {
		return nil, err
	}
	storeS, err := optString(b.Name(), "store", store)
	if err != nil {
		return nil, err
	}
	kindS, err := optString(b.Name(), "kind", kind)
	if err != nil || kindS == "" {
		return nil, fmt.Errorf("producer: kind must be a non-empty string")
	}
	if err := checkFanout(b.Name(), fanout); err != nil {
		return nil, err
	}
	pay, err := optCallable(b.Name(), "payload", payload)
	if err != nil {
		return nil, err
	}
	if r := float64(rate); r > 0 && (math.IsInf(r, 0) || 1000/r < minPeriod) {
		return nil, fmt.Errorf("producer: rate must be at most %s messages per simulated second, one every %s ms (got %s): faster, messages flood the event queue without letting simulated time advance", fmtValue(1000/minPeriod), fmtValue(minPeriod), fmtValue(r))
	}
	proto := services.NewProducer()
	proto.Rate, proto.InitDelay, proto.Size = float64(rate), float64(start), size
	if err := proto.Check(); err != nil {
		return nil, err
	}
	if ttl < engine.Unlimited {
		return nil, fmt.Errorf("producer: ttl must be >= 0 hops, or -1 for unlimited (got %d)", ttl)
	}
	return &ServiceSpec{name: b.Name(), str: specString(b.Name(), args, kwargs), build: func(s *Simulation) (engine.Service, error) {
		p := services.NewProducer()
		p.Kind, p.Rate, p.InitDelay, p.Fanout, p.TTL, p.Size, p.Store = kindS, float64(rate), float64(start), fanout, ttl, size, storeS
		if pay != nil {
			p.Payload = func(ep *engine.Peer, n int) (any, error) {
				v, err := s.call(pay, starlark.Tuple{s.peerValue(ep), starlark.MakeInt(n)})
				if err != nil {
					return nil, err
				}
				v.Freeze()
				return v, nil
			}
		}
		return p, nil
	}}, nil
}

func svcRandomDowntime(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var first, down, up starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "first?", &first, "down?", &down, "up?", &up); err != nil {
		return nil, err
	}
	proto := services.NewRandomDowntime()
	dists := []*dist.Dist{&proto.First, &proto.Down, &proto.Up}
	for i, v := range []starlark.Value{first, down, up} {
		if v == nil {
			continue
		}
		d, err := asDist(b.Name(), []string{"first", "down", "up"}[i], v)
		if err != nil {
			return nil, err
		}
		if i > 0 && d.Variance() == 0 && math.Abs(d.Mean()) < minPeriod {
			return nil, fmt.Errorf("random_downtime: %s is always %s ms: a peer's downs and ups must take time (at least %s ms), or it flips forever without the clock advancing", []string{"first", "down", "up"}[i], fmtFloat(d.Mean()), fmtFloat(minPeriod))
		}
		*dists[i] = d
	}
	return &ServiceSpec{name: b.Name(), str: specString(b.Name(), args, kwargs), build: func(sim *Simulation) (engine.Service, error) {
		r := *proto
		r.Swapped = sim.p2psimpy()
		return &r, nil
	}}, nil
}

func svcScheduledDowntime(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var wv starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "windows", &wv); err != nil {
		return nil, err
	}
	xs, err := iterate(b.Name(), "windows", wv)
	if err != nil {
		return nil, err
	}
	ws := make([]services.Window, len(xs))
	for i, x := range xs {
		pair, err := iterate(b.Name(), "windows", x)
		if err != nil || len(pair) != 2 {
			return nil, fmt.Errorf("scheduled_downtime: window %d must be a pair (from, until) (got %s)", i, short(x))
		}
		from, err := floatArg(b.Name(), fmt.Sprintf("window %d from", i), pair[0])
		if err != nil {
			return nil, err
		}
		until := math.Inf(1)
		if pair[1] != starlark.None {
			if until, err = floatArg(b.Name(), fmt.Sprintf("window %d until", i), pair[1]); err != nil {
				return nil, err
			}
		}
		ws[i] = services.Window{From: from, Until: until}
	}
	if _, err := services.NewScheduledDowntime(ws); err != nil {
		return nil, err
	}
	return &ServiceSpec{name: b.Name(), str: specString(b.Name(), args, kwargs), build: func(*Simulation) (engine.Service, error) {
		return services.NewScheduledDowntime(ws)
	}}, nil
}
