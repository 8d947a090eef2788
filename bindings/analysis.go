package bindings

import (
	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/outfiles"
	"github.com/p2prepl/p2prepl/bindings/plot"
	"github.com/p2prepl/p2prepl/bindings/table"
)

// addAnalysis adds the table and plot builtins, which live in their own
// packages because they know nothing of simulations.
func addAnalysis(d starlark.StringDict) {
	d["table"] = table.Module()
	d["plot"] = plot.Module()
}

// setFiles points table and plot file output at the session's output
// directory, with the same rules (atomic writes, no escaping) as ours.
func (e *Env) setFiles(t *starlark.Thread) {
	t.SetLocal(outfiles.Key, outfiles.Dir(e.opts.OutDir))
}
