package bindings

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/engine"
)

// Faults is the value of faults(...): a perturbation budget, what the
// adversarial environment of a model may do to a run. Given to
// simulation(faults = ...), the engine samples a schedule within it from
// the run's seed and records every perturbation it applies (sim.schedule).
type Faults struct {
	f engine.Faults
}

var _ starlark.HasAttrs = (*Faults)(nil)

func (f *Faults) String() string        { return "faults(" + FormatBudget(&f.f) + ")" }
func (f *Faults) Type() string          { return "faults" }
func (f *Faults) Freeze()               {}
func (f *Faults) Truth() starlark.Bool  { return true }
func (f *Faults) Hash() (uint32, error) { return starlark.String(f.String()).Hash() }

// Budget is the engine budget behind the value.
func (f *Faults) Budget() engine.Faults { return f.f }

var faultsType = api.NewType(&api.Type[*Faults]{
	Name: "faults",
	Var:  "budget",
	Doc:  "A perturbation budget (from faults(...)); give it to simulation(faults = ...).",
	Fields: []api.Field[*Faults]{
		api.Attr("delay", "(least, most) extra delay of a message copy, ms", func(f *Faults) (starlark.Value, error) {
			return starlark.Tuple{starlark.Float(f.f.DelayMin), starlark.Float(f.f.Delay)}, nil
		}),
		api.Attr("drop", "at most this many copies dropped", func(f *Faults) (starlark.Value, error) { return starlark.MakeInt(f.f.Drop), nil }),
		api.Attr("crash", "at most this many peers crashed", func(f *Faults) (starlark.Value, error) { return starlark.MakeInt(f.f.Crash), nil }),
		api.Attr("partition", "(count, longest ms) of partitions", func(f *Faults) (starlark.Value, error) {
			return starlark.Tuple{starlark.MakeInt(f.f.Partitions), starlark.Float(f.f.PartitionLen)}, nil
		}),
		api.Attr("strategy", `how delays are drawn: "uniform", "pct" or "boundary"`, func(f *Faults) (starlark.Value, error) {
			return starlark.String(f.f.Strategy.String()), nil
		}),
	},
})

func (f *Faults) Attr(name string) (starlark.Value, error) { return faultsType.Attr(f, name, nil) }
func (f *Faults) AttrNames() []string                      { return faultsType.AttrNames() }

func init() {
	api.Register(api.Function("faults", `faults(delay=0, drop=0, crash=0, partition=None, kinds=None, peers=None, horizon=None, strategy="uniform", depth=3, sends=None) -> a perturbation budget

What the adversarial environment may do to a run within the model's
assumptions. Give it to simulation(faults = ...): the run then samples a
schedule within the budget from its seed (a stream of its own, so every
other draw of the run is unchanged), applies it, and records each
perturbation (sim.schedule) so that 'p2prepl run FILE --schedule F.json'
replays it exactly. 'p2prepl explore' searches many such schedules.

delay: extra delay per message copy, ms: a number d for [0, d] or a pair
  (least, most); keep least + the latency under the model's bound.
drop: drop at most this many copies (counted as dropped_fault; up to
  a million, chosen among the first sends sends).
crash: crash at most this many peers (for good) at random times.
partition: (count, longest ms): cut a random half of the peers off from
  the rest, count times (at most 1000), each for up to longest ms.
kinds: the message kinds delays and drops apply to (default: all).
peers: the peers that may crash or be cut off (default: all).
horizon: crashes and partitions start within this many ms of the first
  sim.run (default: the span of that run).
strategy: "uniform" (delays uniform in the range), "pct" (random
  priorities order concurrent deliveries; depth-1 change points, spread
  over the first sends sends, demote one copy each to the most delay:
  finds ordering bugs far sooner), or "boundary" (every delay is least
  or most, partitions last longest).

  sim = simulation(seed = 3, faults = faults(delay = 80, drop = 2, crash = 1))`, builtinFaults))
}

func builtinFaults(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) > 0 {
		return nil, fmt.Errorf("faults: give the budget as keyword arguments, e.g. faults(delay = 80, drop = 2)")
	}
	var delay, part, kinds, peers, horizon, sends starlark.Value = starlark.None, starlark.None, starlark.None, starlark.None, starlark.None, starlark.None
	var drop, crash int
	depth := 3
	strategy := "uniform"
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "delay?", &delay, "drop?", &drop, "crash?", &crash,
		"partition?", &part, "kinds?", &kinds, "peers?", &peers, "horizon?", &horizon, "strategy?", &strategy,
		"depth?", &depth, "sends?", &sends); err != nil {
		return nil, err
	}
	f := engine.Faults{Drop: drop, Crash: crash, Depth: depth}
	var err error
	if f.Strategy, err = engine.ParseStrategy(strategy); err != nil {
		return nil, fmt.Errorf("faults: %w", err)
	}
	if delay != starlark.None {
		if t, ok := delay.(starlark.Tuple); ok {
			if len(t) != 2 {
				return nil, fmt.Errorf("faults: delay must be a number of ms or a pair (least, most) (got %s)", short(delay))
			}
			if f.DelayMin, err = floatArg("faults", "delay", t[0]); err != nil {
				return nil, err
			}
			if f.Delay, err = floatArg("faults", "delay", t[1]); err != nil {
				return nil, err
			}
		} else if f.Delay, err = floatArg("faults", "delay", delay); err != nil {
			return nil, err
		}
	}
	if part != starlark.None {
		t, ok := part.(starlark.Tuple)
		if !ok || len(t) != 2 {
			return nil, fmt.Errorf("faults: partition must be a pair (count, longest ms), e.g. partition = (1, 500) (got %s)", short(part))
		}
		n, ok := t[0].(starlark.Int)
		if !ok {
			return nil, fmt.Errorf("faults: partition count must be an int (got %s)", t[0].Type())
		}
		c, _ := n.Int64()
		f.Partitions = int(c)
		if f.PartitionLen, err = floatArg("faults", "partition", t[1]); err != nil {
			return nil, err
		}
	}
	if kinds != starlark.None {
		xs, err := iterate("faults", "kinds", kinds)
		if err != nil {
			return nil, err
		}
		f.Kinds = []string{}
		for _, x := range xs {
			k, ok := starlark.AsString(x)
			if !ok {
				return nil, fmt.Errorf("faults: kinds must be message kinds (strings), got %s", x.Type())
			}
			f.Kinds = append(f.Kinds, k)
		}
	}
	if peers != starlark.None {
		xs, err := iterate("faults", "peers", peers)
		if err != nil {
			return nil, err
		}
		f.Peers = []int{}
		for _, x := range xs {
			id, err := peerID(x)
			if err != nil {
				return nil, fmt.Errorf("faults: peers: %w", err)
			}
			f.Peers = append(f.Peers, id)
		}
	}
	if horizon != starlark.None {
		if f.Horizon, err = floatArg("faults", "horizon", horizon); err != nil {
			return nil, err
		}
	}
	if sends != starlark.None {
		n, ok := sends.(starlark.Int)
		if !ok {
			return nil, fmt.Errorf("faults: sends must be an int (got %s)", sends.Type())
		}
		v, _ := n.Int64()
		f.Sends = int(v)
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return &Faults{f: f}, nil
}

// peerID reads a peer or a peer id.
func peerID(v starlark.Value) (int, error) {
	switch x := v.(type) {
	case *Peer:
		return x.p.ID(), nil
	case starlark.Int:
		n, ok := x.Int64()
		if ok && n >= 0 && n <= math.MaxInt32 {
			return int(n), nil
		}
	}
	return 0, fmt.Errorf("want a peer or a peer id (got %s %s)", v.Type(), short(v))
}

// ParseBudget reads a budget as the command line gives it (--budget):
// comma-separated key=value pairs with the keys of faults() ("none" for
// an empty budget):
//
//	delay=80,drop=2,crash=1,partition=1x500,strategy=pct,kinds=vote|ack
//
// delay takes d or least..most; partition count x longest; kinds and
// peers |-separated lists.
func ParseBudget(spec string) (*engine.Faults, error) {
	f := &engine.Faults{}
	if strings.TrimSpace(spec) == "none" {
		return f, nil // perturb nothing, whatever the script's faults= says
	}
	seen := map[string]bool{}
	for _, kv := range strings.Split(spec, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("budget: want key=value, got %q (e.g. delay=80,drop=2)", kv)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if seen[k] {
			return nil, fmt.Errorf("budget: %s is given twice", k)
		}
		seen[k] = true
		num := func() (float64, error) {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return 0, fmt.Errorf("budget: %s=%s is not a number", k, v)
			}
			return x, nil
		}
		integer := func() (int, error) {
			x, err := strconv.Atoi(v)
			if err != nil {
				return 0, fmt.Errorf("budget: %s=%s is not an int", k, v)
			}
			return x, nil
		}
		var err error
		switch k {
		case "delay":
			if lo, hi, ok := strings.Cut(v, ".."); ok {
				if f.DelayMin, err = strconv.ParseFloat(lo, 64); err == nil {
					f.Delay, err = strconv.ParseFloat(hi, 64)
				}
				if err != nil {
					err = fmt.Errorf("budget: delay=%s: want ms or least..most", v)
				}
			} else {
				f.Delay, err = num()
			}
		case "drop":
			f.Drop, err = integer()
		case "crash":
			f.Crash, err = integer()
		case "partition":
			n, l, ok := strings.Cut(v, "x")
			if !ok {
				return nil, fmt.Errorf("budget: partition=%s: want COUNTxLONGEST_MS, e.g. partition=1x500", v)
			}
			if f.Partitions, err = strconv.Atoi(n); err == nil {
				f.PartitionLen, err = strconv.ParseFloat(l, 64)
			}
			if err != nil {
				err = fmt.Errorf("budget: partition=%s: want COUNTxLONGEST_MS, e.g. partition=1x500", v)
			}
		case "horizon":
			f.Horizon, err = num()
		case "strategy":
			f.Strategy, err = engine.ParseStrategy(v)
		case "depth":
			f.Depth, err = integer()
		case "sends":
			f.Sends, err = integer()
		case "kinds":
			f.Kinds = strings.Split(v, "|")
		case "peers":
			for _, p := range strings.Split(v, "|") {
				id, perr := strconv.Atoi(p)
				if perr != nil {
					return nil, fmt.Errorf("budget: peers=%s: want ids separated by |", v)
				}
				f.Peers = append(f.Peers, id)
			}
		default:
			return nil, fmt.Errorf("budget: unknown key %q (known: delay, drop, crash, partition, horizon, strategy, depth, sends, kinds, peers)", k)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return f, nil
}

// FormatBudget writes a budget the way ParseBudget reads it.
func FormatBudget(f *engine.Faults) string {
	var parts []string
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	if f.Delay > 0 {
		if f.DelayMin > 0 {
			parts = append(parts, "delay="+g(f.DelayMin)+".."+g(f.Delay))
		} else {
			parts = append(parts, "delay="+g(f.Delay))
		}
	}
	if f.Drop > 0 {
		parts = append(parts, "drop="+strconv.Itoa(f.Drop))
	}
	if f.Crash > 0 {
		parts = append(parts, "crash="+strconv.Itoa(f.Crash))
	}
	if f.Partitions > 0 {
		parts = append(parts, "partition="+strconv.Itoa(f.Partitions)+"x"+g(f.PartitionLen))
	}
	if f.Horizon > 0 {
		parts = append(parts, "horizon="+g(f.Horizon))
	}
	if f.Strategy != engine.Uniform {
		parts = append(parts, "strategy="+f.Strategy.String())
	}
	if f.Depth > 0 && f.Depth != 3 {
		parts = append(parts, "depth="+strconv.Itoa(f.Depth))
	}
	if f.Sends > 0 {
		parts = append(parts, "sends="+strconv.Itoa(f.Sends))
	}
	if f.Kinds != nil {
		parts = append(parts, "kinds="+strings.Join(f.Kinds, "|"))
	}
	if f.Peers != nil {
		ids := make([]string, len(f.Peers))
		for i, p := range f.Peers {
			ids[i] = strconv.Itoa(p)
		}
		parts = append(parts, "peers="+strings.Join(ids, "|"))
	}
	return strings.Join(parts, ",")
}

// Perturbation is how a run is perturbed from outside the script
// (exploration, --budget, --schedule).
type Perturbation struct {
	// Budget replaces the faults= of every simulation the script creates
	// (nil: keep the script's own, if any).
	Budget *engine.Faults
	// Strategy, if not "", replaces the budget's strategy.
	Strategy string
	// Seed selects the schedule (engine.Faults.Seed): exploration run i
	// uses seed i.
	Seed uint64
	// Sends, if > 0, is the budget's Sends when the budget leaves it 0.
	Sends int
	// Schedule replays recorded perturbations instead of sampling:
	// Schedule[i] in the i-th simulation the script creates. It lists
	// every simulation of the run it was recorded from: a run that
	// creates more is another run, and the extra simulation an error.
	Schedule [][]engine.Perturbation
	// KeepHistory keeps every simulation's history (for a space-time
	// diagram of the run).
	KeepHistory bool
}

// installFaults sets up the perturbations of a new simulation: faults= of
// the script, overridden by Options.Perturb.
func (e *Env) installFaults(s *Simulation, fv starlark.Value) error {
	var budget *engine.Faults
	if fv != nil && fv != starlark.None {
		f, ok := fv.(*Faults)
		if !ok {
			return fmt.Errorf("simulation: faults must be a faults(...) budget (got %s)", fv.Type())
		}
		b := f.f
		budget = &b
		e.xp.scriptFaults = true
		if e.xp.scriptKinds == nil && b.Kinds != nil {
			e.xp.scriptKinds = b.Kinds
		}
	}
	idx := len(e.xp.sims)
	pp := e.opts.Perturb
	if pp == nil {
		var err error
		if pp, err = e.perturbFromParams(); err != nil {
			return err
		}
	}
	// A simulation is kept (for its schedule and counts) only where it is
	// perturbed or explored: a script that creates many plain ones does
	// not keep them all alive.
	if pp != nil || budget != nil {
		e.xp.sims = append(e.xp.sims, s)
	} else {
		e.xp.sims = append(e.xp.sims, nil)
	}
	if pp != nil && pp.KeepHistory {
		s.sim.KeepHistory()
	}
	if pp != nil {
		if pp.Schedule != nil {
			// Run unperturbed, the extra simulation would replay nothing
			// while the replay seemed to go on.
			if idx >= len(pp.Schedule) {
				return fmt.Errorf("simulation: --schedule: the schedule lists the %d simulation(s) of the run it was recorded from, and this is simulation %d: this run went another way (another script, seed or parameters?); replay the schedule with the script, --seed and --set it was recorded with (the command explore printed)", len(pp.Schedule), idx+1)
			}
			if err := s.sim.Replay(pp.Schedule[idx]); err != nil {
				return fmt.Errorf("simulation: --schedule: %w", err)
			}
			return nil
		}
		if pp.Budget != nil {
			b := *pp.Budget
			budget = &b
		}
		if budget != nil {
			if pp.Strategy != "" {
				st, err := engine.ParseStrategy(pp.Strategy)
				if err != nil {
					return err
				}
				budget.Strategy = st
			}
			budget.Seed = pp.Seed
			if budget.Sends == 0 && pp.Sends > 0 {
				budget.Sends = pp.Sends
			}
		}
	}
	if budget == nil {
		return nil
	}
	if err := s.sim.Perturb(*budget); err != nil {
		return fmt.Errorf("simulation: %w", err)
	}
	return nil
}

// Schedules returns, for each simulation the script created, the
// perturbations applied to it so far (nil where none were).
func (e *Env) Schedules() [][]engine.Perturbation {
	out := make([][]engine.Perturbation, len(e.xp.sims))
	for i, s := range e.xp.sims {
		if s != nil {
			out[i] = s.sim.Applied()
		}
	}
	return out
}

// PerturbationCount is the number of perturbations applied to every
// simulation the script created.
func (e *Env) PerturbationCount() int {
	n := 0
	for _, s := range e.xp.sims {
		if s == nil {
			continue
		}
		n += s.sim.AppliedCount()
	}
	return n
}

// Sends is the number of messages sent by every simulation the script
// created, the scale of a run that exploration spreads PCT's change points
// and drops over.
//
// When the budget in force names kinds (Options.Perturb's, else the
// script's first faults= with kinds), only sends of those kinds count:
// they are the sends a budget's drops and change points are spread over.
func (e *Env) Sends() int64 {
	kinds := e.xp.scriptKinds
	if pp := e.opts.Perturb; pp != nil && pp.Budget != nil && pp.Budget.Kinds != nil {
		kinds = pp.Budget.Kinds
	}
	var n int64
	for _, s := range e.xp.sims {
		if s == nil {
			continue
		}
		if kinds == nil {
			n += s.sim.Total().Sent
			continue
		}
		for _, k := range kinds {
			n += s.sim.CounterOf(k).Sent
		}
	}
	return n
}

func perturbationValue(p engine.Perturbation) starlark.Value {
	kv := []any{"kind", string(p.Kind)}
	switch p.Kind {
	case engine.PerturbDelay, engine.PerturbDrop:
		kv = append(kv, "send", int64(p.Send), "t", p.T, "sender", int64(p.From), "receiver", int64(p.To), "msg_kind", p.Msg, "id", p.ID, "delay", p.Delay)
	case engine.PerturbSlow:
		kv = append(kv, "peer", int64(p.Peer), "delay", p.Delay)
	case engine.PerturbCrash:
		kv = append(kv, "peer", int64(p.Peer), "at", p.At)
	case engine.PerturbPartition:
		g := make([]starlark.Value, len(p.Group))
		for i, id := range p.Group {
			g[i] = starlark.MakeInt(id)
		}
		kv = append(kv, "at", p.At, "until", p.Until, "group", starlark.Tuple(g))
	}
	kv = append(kv, "text", p.String())
	return record(kv...)
}

// SimEvents is the number of events processed by every simulation the
// script created.
func (e *Env) SimEvents() uint64 {
	var n uint64
	for _, s := range e.xp.sims {
		if s == nil {
			continue
		}
		n += s.sim.Events()
	}
	return n
}

// ScriptFaults reports whether the script gave a simulation a faults=
// budget of its own.
func (e *Env) ScriptFaults() bool { return e.xp.scriptFaults }

// EngineSims lists the engine simulations the script created, in order.
func (e *Env) EngineSims() []*engine.Sim {
	out := make([]*engine.Sim, len(e.xp.sims))
	for i, s := range e.xp.sims {
		if s != nil {
			out[i] = s.sim
		}
	}
	return out
}

// The parameters by which a run of 'p2prepl explore' is reproduced alone
// (as its results store records it): p2prepl run FILE --set
// faults.seed=7 [--set faults.budget=delay=80,drop=2] [--set
// faults.strategy=pct] samples the same schedule.
const (
	ParamFaultsSeed     = "faults.seed"
	ParamFaultsBudget   = "faults.budget"
	ParamFaultsStrategy = "faults.strategy"
	ParamFaultsSends    = "faults.sends" // engine.Faults.Sends when the budget leaves it 0
)

func (e *Env) perturbFromParams() (*Perturbation, error) {
	seed, okSeed := e.opts.Params[ParamFaultsSeed]
	budget, okBudget := e.opts.Params[ParamFaultsBudget]
	strategy, okStrategy := e.opts.Params[ParamFaultsStrategy]
	sends, okSends := e.opts.Params[ParamFaultsSends]
	if !okSeed && !okBudget && !okStrategy && !okSends {
		return nil, nil
	}
	pp := &Perturbation{Strategy: strategy}
	if okSeed {
		e.usedParams[ParamFaultsSeed] = true
		n, err := strconv.ParseUint(strings.TrimSpace(seed), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("simulation: --set %s=%s: want a non-negative integer", ParamFaultsSeed, seed)
		}
		pp.Seed = n
	}
	if okBudget {
		e.usedParams[ParamFaultsBudget] = true
		b, err := ParseBudget(budget)
		if err != nil {
			return nil, fmt.Errorf("simulation: --set %s: %w", ParamFaultsBudget, err)
		}
		pp.Budget = b
	}
	if okSends {
		e.usedParams[ParamFaultsSends] = true
		n, err := strconv.Atoi(strings.TrimSpace(sends))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("simulation: --set %s=%s: want a count >= 0", ParamFaultsSends, sends)
		}
		pp.Sends = n
	}
	if okStrategy {
		e.usedParams[ParamFaultsStrategy] = true
		if _, err := engine.ParseStrategy(strategy); err != nil {
			return nil, fmt.Errorf("simulation: --set %s: %w", ParamFaultsStrategy, err)
		}
	}
	return pp, nil
}

// ScheduleShort reports, when a schedule is replayed, how many
// simulations it lists and how many the script created, if fewer: the
// rest of the schedule replayed nothing.
func (e *Env) ScheduleShort() (listed, created int, short bool) {
	pp := e.opts.Perturb
	if pp == nil || pp.Schedule == nil {
		return 0, 0, false
	}
	return len(pp.Schedule), len(e.xp.sims), len(e.xp.sims) < len(pp.Schedule)
}

// Unmatched is the number of delays and drops of a replayed schedule
// (--schedule) that matched no message copy in any simulation.
func (e *Env) Unmatched() int {
	n := 0
	for _, s := range e.xp.sims {
		if s != nil {
			n += s.sim.Unmatched()
		}
	}
	return n
}
