package bindings

import (
	"fmt"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/table"
	"github.com/p2prepl/p2prepl/engine"
)

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

// Tables of the simulation's state, which print as aligned columns in the
// REPL and feed plot and CSV output directly.

func simTraffic(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	cols := []string{"kind", "sent", "sent_bytes", "delivered", "unhandled", "rejected",
		"dropped", "dropped_offline", "dropped_loss", "dropped_partition", "dropped_disconnected"}
	var rows [][]starlark.Value
	row := func(kind string, c engine.Counter) {
		rows = append(rows, []starlark.Value{starlark.String(kind),
			starlark.MakeInt64(c.Sent), starlark.MakeInt64(c.SentBytes), starlark.MakeInt64(c.Delivered),
			starlark.MakeInt64(c.Unhandled), starlark.MakeInt64(c.Rejected), starlark.MakeInt64(c.Dropped),
			starlark.MakeInt64(c.DroppedOffline), starlark.MakeInt64(c.DroppedLoss), starlark.MakeInt64(c.DroppedPartition),
			starlark.MakeInt64(c.DroppedDisconnected)})
	}
	for _, k := range s.sim.Kinds() {
		row(k, s.sim.CounterOf(k))
	}
	row("(total)", s.sim.Total())
	return table.New(cols, rows)
}

func simPeerTable(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	typ := ""
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "type?", &typ); err != nil {
		return nil, err
	}
	cols := []string{"id", "type", "region", "online", "degree", "sent", "sent_bytes", "received", "received_bytes"}
	var rows [][]starlark.Value
	for _, p := range s.sim.Peers() {
		if typ != "" && p.Type() != typ {
			continue
		}
		st := p.Stats()
		rows = append(rows, []starlark.Value{starlark.MakeInt(p.ID()), starlark.String(p.Type()),
			starlark.String(p.Region()), starlark.Bool(p.Online()), starlark.MakeInt(p.Degree()),
			starlark.MakeInt64(st.Sent), starlark.MakeInt64(st.SentBytes),
			starlark.MakeInt64(st.Received), starlark.MakeInt64(st.ReceivedBytes)})
	}
	return table.New(cols, rows)
}
