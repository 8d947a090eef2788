package bindings

import (
	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/table"
	"github.com/p2prepl/p2prepl/engine"
)

// Tables of the simulation's state, which print as aligned columns in the
// REPL and feed plot and CSV output directly.

func simTraffic(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	cols := []string{"kind", "sent", "sent_bytes", "delivered", "unhandled", "rejected",
		"dropped", "dropped_offline", "dropped_loss", "dropped_partition"}
	var rows [][]starlark.Value
	row := func(kind string, c engine.Counter) {
		rows = append(rows, []starlark.Value{starlark.String(kind),
			starlark.MakeInt64(c.Sent), starlark.MakeInt64(c.SentBytes), starlark.MakeInt64(c.Delivered),
			starlark.MakeInt64(c.Unhandled), starlark.MakeInt64(c.Rejected), starlark.MakeInt64(c.Dropped),
			starlark.MakeInt64(c.DroppedOffline), starlark.MakeInt64(c.DroppedLoss), starlark.MakeInt64(c.DroppedPartition)})
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
