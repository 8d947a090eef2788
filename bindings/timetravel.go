package bindings

import (
	"fmt"
	"hash/fnv"
	"math"
	"sort"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/engine"
)

// Time travel in Starlark: sim.checkpoint() saves the engine's state (see
// engine.Checkpoint) and the Starlark state its future depends on, and
// sim.restore puts both back in place. The Starlark state is found by
// walking from every service instance (its attributes and timers), every
// pending sim.at call, validate and always function (their free variables
// and defaults): the contents of each list, dict and set reached, each
// instance's attributes and each message draft are saved. Values are
// restored into the same objects, so aliasing is preserved (two instances
// sharing a list share it again), and frozen values are shared, never
// copied. Module globals are not walked: a script's own bookkeeping at top
// level stays as it is, and a handler that mutates a global list not also
// held by a service (or rebinds a global) is not taken back; keep the
// state a run changes on self. Files written stay written.

// Snapshot implements engine.Snapshotter. A Starlark instance's state is
// saved with every other Starlark value of the simulation at once, by the
// simulation's checkpoint (aliasing between instances needs one walk), so
// the engine's part is empty.
func (in *Instance) Snapshot() func() { return func() {} }

// Snapshot implements engine.Snapshotter (see Instance.Snapshot).
func (w *intercepted) Snapshot() func() { return func() {} }

// atCall is a pending sim.at call: a root of the Starlark state.
type atCall struct {
	fn   starlark.Callable
	args starlark.Tuple
}

type listState struct {
	l     *starlark.List
	items []starlark.Value
}

type dictState struct {
	d     *starlark.Dict
	items []starlark.Tuple
}

type setState struct {
	s     *starlark.Set
	items []starlark.Value
}

type instState struct {
	in     *Instance
	fields map[string]starlark.Value
	timers map[int64]*Timer
	tag    int64
}

// starState is the Starlark side of a checkpoint.
type starState struct {
	lists  []listState
	dicts  []dictState
	sets   []setState
	insts  []instState
	timers []struct {
		t *Timer
		v Timer
	}
	msgs []struct {
		m *Message
		v Message
	}
	at     map[uint64]atCall
	nextAt uint64

	seen map[any]bool
}

func (st *starState) walk(v starlark.Value) {
	switch x := v.(type) {
	case nil, starlark.NoneType, starlark.Bool, starlark.Int, starlark.Float, starlark.String, starlark.Bytes:
	case starlark.Tuple:
		for _, y := range x {
			st.walk(y)
		}
	case *starlark.List:
		if st.seen[x] {
			return
		}
		st.seen[x] = true
		items := make([]starlark.Value, x.Len())
		for i := range items {
			items[i] = x.Index(i)
		}
		st.lists = append(st.lists, listState{x, items})
		for _, y := range items {
			st.walk(y)
		}
	case *starlark.Dict:
		if st.seen[x] {
			return
		}
		st.seen[x] = true
		items := x.Items()
		st.dicts = append(st.dicts, dictState{x, items})
		for _, kv := range items {
			st.walk(kv[0])
			st.walk(kv[1])
		}
	case *starlark.Set:
		if st.seen[x] {
			return
		}
		st.seen[x] = true
		var items []starlark.Value
		it := x.Iterate()
		var y starlark.Value
		for it.Next(&y) {
			items = append(items, y)
		}
		it.Done()
		st.sets = append(st.sets, setState{x, items})
		for _, y := range items {
			st.walk(y)
		}
	case *starlarkstruct.Struct:
		if st.seen[x] {
			return
		}
		st.seen[x] = true
		for _, n := range x.AttrNames() {
			y, _ := x.Attr(n)
			st.walk(y)
		}
	case *Config:
		st.walk(x.Struct)
	case *starlark.Function:
		if st.seen[x] {
			return
		}
		st.seen[x] = true
		for i := 0; i < x.NumFreeVars(); i++ {
			_, y := x.FreeVar(i)
			st.walk(y)
		}
		for i := 0; i < x.NumParams(); i++ {
			st.walk(x.ParamDefault(i))
		}
	case *Instance:
		st.instance(x)
	case *Timer:
		st.timer(x)
	case *Message:
		if st.seen[x] {
			return
		}
		st.seen[x] = true
		st.msgs = append(st.msgs, struct {
			m *Message
			v Message
		}{x, *x})
		if x.draft != nil { // immutable once made: the copy above restores the rest
			st.walk(x.draft.data)
		}
	case *ServiceType:
		if st.seen[x] {
			return
		}
		st.seen[x] = true
		for _, fn := range []starlark.Value{x.onStart, x.onOnline, x.onOffline, x.onSend} {
			st.walk(fn)
		}
		for _, h := range x.handlers {
			st.walk(h.fn)
		}
	case *ServiceSpec:
		if x.typ != nil {
			st.walk(x.typ)
		}
	}
	// Everything else (peers, the simulation, builtins, distributions,
	// graphs, tables) holds no Starlark state of its own that a run
	// changes.
}

func (st *starState) instance(in *Instance) {
	if in == nil || st.seen[in] {
		return
	}
	st.seen[in] = true
	is := instState{in: in, tag: in.tag, fields: make(map[string]starlark.Value, len(in.fields)), timers: make(map[int64]*Timer, len(in.timers))}
	for k, v := range in.fields {
		is.fields[k] = v
	}
	for k, t := range in.timers {
		is.timers[k] = t
	}
	st.insts = append(st.insts, is)
	st.walk(in.typ)
	st.instance(in.interceptor)
	st.instance(in.inner)
	// In name order, so that the walk (and what it saves) does not depend
	// on map order.
	names := make([]string, 0, len(in.fields))
	for k := range in.fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		st.walk(in.fields[k])
	}
	for _, t := range in.timers {
		st.timer(t)
	}
}

func (st *starState) timer(t *Timer) {
	if st.seen[t] {
		return
	}
	st.seen[t] = true
	st.timers = append(st.timers, struct {
		t *Timer
		v Timer
	}{t, *t})
	st.walk(t.fn)
	st.walk(t.args[1:]) // args[0] is the instance itself
}

// saveStarlark walks the simulation's Starlark state.
func (s *Simulation) saveStarlark() *starState {
	st := &starState{seen: map[any]bool{}, at: make(map[uint64]atCall, len(s.at)), nextAt: s.nextAt}
	for _, p := range s.sim.Peers() {
		for _, svc := range p.Services() {
			switch x := svc.(type) {
			case *Instance:
				st.instance(x)
			case *intercepted:
				st.instance(x.inner)
				st.instance(x.outer)
			}
		}
	}
	for _, v := range s.roots {
		st.walk(v)
	}
	ids := make([]uint64, 0, len(s.at))
	for id, c := range s.at {
		st.at[id] = c
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		st.walk(s.at[id].fn)
		st.walk(s.at[id].args)
	}
	st.seen = nil
	return st
}

// restore puts the saved Starlark state back.
func (s *Simulation) restoreStarlark(st *starState) error {
	for _, ls := range st.lists {
		if sameValues(listItems(ls.l), ls.items) {
			continue
		}
		if err := ls.l.Clear(); err != nil {
			return err
		}
		for _, v := range ls.items {
			if err := ls.l.Append(v); err != nil {
				return err
			}
		}
	}
	for _, ds := range st.dicts {
		if sameItems(ds.d.Items(), ds.items) {
			continue
		}
		if err := ds.d.Clear(); err != nil {
			return err
		}
		for _, kv := range ds.items {
			if err := ds.d.SetKey(kv[0], kv[1]); err != nil {
				return err
			}
		}
	}
	for _, ss := range st.sets {
		var now []starlark.Value
		it := ss.s.Iterate()
		var y starlark.Value
		for it.Next(&y) {
			now = append(now, y)
		}
		it.Done()
		if sameValues(now, ss.items) {
			continue
		}
		if err := ss.s.Clear(); err != nil {
			return err
		}
		for _, v := range ss.items {
			if err := ss.s.Insert(v); err != nil {
				return err
			}
		}
	}
	for _, is := range st.insts {
		in := is.in
		in.tag = is.tag
		in.fields = make(map[string]starlark.Value, len(is.fields))
		for k, v := range is.fields {
			in.fields[k] = v
		}
		in.timers = make(map[int64]*Timer, len(is.timers))
		for k, t := range is.timers {
			in.timers[k] = t
		}
	}
	for _, ts := range st.timers {
		*ts.t = ts.v
	}
	for _, ms := range st.msgs {
		*ms.m = ms.v
	}
	s.at = make(map[uint64]atCall, len(st.at))
	for id, c := range st.at {
		s.at[id] = c
	}
	s.nextAt = st.nextAt
	return nil
}

func listItems(l *starlark.List) []starlark.Value {
	out := make([]starlark.Value, l.Len())
	for i := range out {
		out[i] = l.Index(i)
	}
	return out
}

func sameValues(a, b []starlark.Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !identical(a[i], b[i]) {
			return false
		}
	}
	return true
}

func sameItems(a, b []starlark.Tuple) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !identical(a[i][0], b[i][0]) || !identical(a[i][1], b[i][1]) {
			return false
		}
	}
	return true
}

// identical reports whether two values are the same value (the same
// object, for those that have an identity).
func identical(a, b starlark.Value) (same bool) {
	if ta, ok := a.(starlark.Tuple); ok {
		tb, ok := b.(starlark.Tuple)
		return ok && sameValues(ta, tb)
	}
	if _, ok := b.(starlark.Tuple); ok {
		return false
	}
	defer func() {
		if recover() != nil {
			same = false // values of a type Go cannot compare
		}
	}()
	return a == b
}

// Handle is the value of sim.checkpoint(): a saved state of a simulation.
type Handle struct {
	s  *Simulation
	cp *engine.Checkpoint
	st *starState
}

var _ starlark.HasAttrs = (*Handle)(nil)

func (h *Handle) String() string {
	return fmt.Sprintf("<checkpoint t=%s ms, event %d>", fmtTime(h.cp.Now()), h.cp.Events())
}
func (h *Handle) Type() string          { return "checkpoint" }
func (h *Handle) Freeze()               {}
func (h *Handle) Truth() starlark.Bool  { return true }
func (h *Handle) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: checkpoint") }

var handleType = api.NewType(&api.Type[*Handle]{
	Name: "checkpoint",
	Var:  "cp",
	Doc:  "A saved state of a simulation (from sim.checkpoint()); sim.restore(cp) goes back to it.",
	Fields: []api.Field[*Handle]{
		api.Attr("now", "the simulated time it was taken at, ms", func(h *Handle) (starlark.Value, error) { return starlark.Float(h.cp.Now()), nil }),
		api.Attr("events", "the events processed when it was taken", func(h *Handle) (starlark.Value, error) { return starlark.MakeUint64(h.cp.Events()), nil }),
	},
})

func (h *Handle) Attr(name string) (starlark.Value, error) { return handleType.Attr(h, name, nil) }
func (h *Handle) AttrNames() []string                      { return handleType.AttrNames() }

// checkpoint saves the whole simulation.
func (s *Simulation) checkpoint(fn string) (*Handle, error) {
	if s.running {
		return nil, fmt.Errorf("%s: the simulation is running (a handler cannot checkpoint it; call it between runs)", fn)
	}
	return s.checkpointNow(fn)
}

// checkpointNow saves the simulation between two events.
func (s *Simulation) checkpointNow(fn string) (*Handle, error) {
	cp, err := s.sim.Checkpoint()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	return &Handle{s: s, cp: cp, st: s.saveStarlark()}, nil
}

func (s *Simulation) restore(fn string, h *Handle) error {
	if s.running {
		return fmt.Errorf("%s: the simulation is running (a handler cannot restore it)", fn)
	}
	if h.s != s {
		return fmt.Errorf("%s: the checkpoint belongs to another simulation", fn)
	}
	if err := s.sim.Restore(h.cp); err != nil {
		return fmt.Errorf("%s: %w", fn, err)
	}
	if err := s.restoreStarlark(h.st); err != nil {
		return fmt.Errorf("%s: %w", fn, err)
	}
	// The timeline keeps only the checkpoints of the line of time the
	// simulation is now on (the later ones cannot be restored any more).
	if tl := s.timeline; tl != nil {
		kept := tl.cps[:0]
		for _, c := range tl.cps {
			if s.sim.Descends(c.cp) {
				kept = append(kept, c)
			}
		}
		clear(tl.cps[len(kept):])
		tl.cps = kept
	}
	return nil
}

func simCheckpoint(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return s.checkpoint("sim.checkpoint")
}

func simRestore(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var hv starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "checkpoint", &hv); err != nil {
		return nil, err
	}
	h, ok := hv.(*Handle)
	if !ok {
		return nil, fmt.Errorf("sim.restore: want a checkpoint from sim.checkpoint() (got %s)", hv.Type())
	}
	if err := s.restore("sim.restore", h); err != nil {
		return nil, err
	}
	if tl := s.timeline; tl != nil {
		// Later automatic checkpoints would be of a future the session
		// may now change.
		i := sort.Search(len(tl.cps), func(i int) bool { return tl.cps[i].cp.Events() > h.cp.Events() })
		clear(tl.cps[i:])
		tl.cps = tl.cps[:i]
	}
	return starlark.None, nil
}

// The automatic checkpoints of sim.rewind: sim.run takes one every
// `every` events once a timeline is recorded (sim.record_timeline, or
// Options.Timeline for every simulation), keeping at most maxTimeline of
// them and about maxTimelineBytes: when either is exceeded, every other
// one is dropped and the interval doubles, so the memory stays bounded
// and the replay after a restore stays short relative to how far back it
// goes. A checkpoint of S1 at 10,000 peers takes about 30 ms and 10 MB,
// so the default interval costs a run a few percent.
const (
	rewindEvery      = 1_000_000
	maxTimeline      = 32
	maxTimelineBytes = 512 << 20
)

// timeline is a simulation's automatic checkpoints, oldest first.
type timeline struct {
	every uint64
	cps   []*Handle
}

// next is the event count at which the next checkpoint is due.
func (tl *timeline) next() uint64 {
	if len(tl.cps) == 0 {
		return 0
	}
	return tl.cps[len(tl.cps)-1].cp.Events() + tl.every
}

// autoCheckpoint takes a checkpoint if one is due.
func (s *Simulation) autoCheckpoint() error {
	tl := s.timeline
	if tl == nil || (len(tl.cps) > 0 && s.sim.Events() < tl.next()) {
		return nil
	}
	h, err := s.checkpointNow("sim.rewind")
	if err != nil {
		return err
	}
	tl.cps = append(tl.cps, h)
	var total int64
	for _, h := range tl.cps {
		total += h.cp.Bytes()
	}
	if len(tl.cps) > maxTimeline || (total > maxTimelineBytes && len(tl.cps) > 2) {
		kept := tl.cps[:0]
		for i, h := range tl.cps {
			if i%2 == 0 || i == len(tl.cps)-1 {
				kept = append(kept, h)
			}
		}
		clear(tl.cps[len(kept):])
		tl.cps = kept
		tl.every *= 2
	}
	return nil
}

// runTimeline is sim.run while a timeline is recorded: it stops at each
// checkpoint due, takes it, and carries on.
func (s *Simulation) runTimeline(until float64) error {
	for {
		if err := s.autoCheckpoint(); err != nil {
			return err
		}
		reached, err := s.sim.RunEvents(s.timeline.next(), until)
		if err != nil {
			return err
		}
		if !reached {
			return s.sim.Run(until)
		}
	}
}

func simRewind(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var tv starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "t", &tv); err != nil {
		return nil, err
	}
	t, err := floatArg("sim.rewind", "t", tv)
	if err != nil {
		return nil, err
	}
	if math.IsNaN(t) {
		return nil, fmt.Errorf("sim.rewind: t must be a time in ms, not NaN")
	}
	if t > s.sim.Now() {
		return nil, fmt.Errorf("sim.rewind: t=%s ms is after now (%s ms); rewind goes back in time (sim.run goes forward)", fmtFloat(t), fmtFloat(s.sim.Now()))
	}
	tl := s.timeline
	if tl == nil || len(tl.cps) == 0 || tl.cps[0].cp.Now() > t {
		start := "no timeline is recorded: call sim.record_timeline() before sim.run (the REPL records one for every simulation)"
		if tl != nil && len(tl.cps) > 0 {
			start = fmt.Sprintf("the earliest state kept is at t=%s ms", fmtTime(tl.cps[0].cp.Now()))
		}
		return nil, fmt.Errorf("sim.rewind: cannot go back to t=%s ms: %s", fmtFloat(t), start)
	}
	// The last checkpoint at or before t, then forward to the last event
	// before t (events at t itself have not happened "at or before" it:
	// sim.run(until = t) stops before them too).
	i := sort.Search(len(tl.cps), func(i int) bool { return tl.cps[i].cp.Now() > t }) - 1
	h := tl.cps[i]
	// restore drops the checkpoints after h: the future after t is
	// rebuilt as the run goes on.
	if err := s.restore("sim.rewind", h); err != nil {
		return nil, err
	}
	if err := s.drive(thread, "sim.rewind", t, func() error { return s.runTimeline(t) }); err != nil {
		return nil, err
	}
	return starlark.None, nil
}

func simRecordTimeline(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	every := rewindEvery
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "every?", &every); err != nil {
		return nil, err
	}
	if every <= 0 {
		return nil, fmt.Errorf("sim.record_timeline: every must be > 0 events (got %d)", every)
	}
	s.timeline = &timeline{every: uint64(every)}
	if err := s.autoCheckpoint(); err != nil {
		s.timeline = nil
		return nil, err
	}
	return starlark.None, nil
}

// digest hashes the engine's state (engine.Sim.Digest) and every service
// instance's Starlark state: its attributes (as printed) and timers.
func (s *Simulation) digest() uint64 {
	h := fnv.New64a()
	fmt.Fprint(h, s.sim.Digest())
	var inst func(in *Instance)
	inst = func(in *Instance) {
		if in == nil {
			return
		}
		names := make([]string, 0, len(in.fields))
		for k := range in.fields {
			names = append(names, k)
		}
		sort.Strings(names)
		fmt.Fprint(h, in.typ.name, in.tag)
		for _, k := range names {
			fmt.Fprint(h, k, "=", in.fields[k].String(), ";")
		}
		tags := make([]int64, 0, len(in.timers))
		for t := range in.timers {
			tags = append(tags, t)
		}
		sort.Slice(tags, func(i, j int) bool { return tags[i] < tags[j] })
		for _, tag := range tags {
			t := in.timers[tag]
			fmt.Fprint(h, tag, t.at, t.every, t.active)
		}
	}
	for _, p := range s.sim.Peers() {
		for _, svc := range p.Services() {
			switch x := svc.(type) {
			case *Instance:
				inst(x)
			case *intercepted:
				inst(x.inner)
				inst(x.outer)
			}
		}
	}
	return h.Sum64()
}

func simDigest(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.MakeUint64(s.digest()), nil
}
