package bindings

import (
	"bytes"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/outfiles"
	"github.com/p2prepl/p2prepl/bindings/report"
	"github.com/p2prepl/p2prepl/bindings/spacetime"
)

// Seeing a run: the history the engine keeps on request, and the pictures
// drawn from it (bindings/spacetime, bindings/report).

const keepHistoryDoc = `sim.keep_history() -> None

Keeps the history of the run from now on: every message copy sent, with
its receipt or drop, peers going offline and back, and peer.mark labels.
sim.spacetime and sim.report draw it. Call it before sim.run; it costs
about 80 bytes per message delivered. p2prepl run --report turns it on
for every simulation.`

const spacetimeDoc = `sim.spacetime(path, peers=None, kinds=None, start=None, end=None, color_by="kind") -> path

Draws the space-time diagram of the recorded history (see sim.keep_history) to
path under the output directory: SVG, or PNG when path ends in .png.
One line per peer (id, type, region), time from left to right, each
message an arrow from its send to its delivery; dropped messages end in
a cross with the reason, offline intervals are shaded, partitions tint
the two sides, peer.mark labels sit on the lines. Hover over an arrow
of the SVG for its details.

peers: the peers (or ids) to draw, in this order (default: all, when
  there are at most 64).
kinds: the message kinds to draw (default: all).
start, end: the time window in ms (default: the whole history).
color_by: "kind", or "version" to show two versions of one id (an
  equivocating producer's) as two colors spreading through the network.

Above 64 peers or 5,000 messages it stops with an error saying how to
filter, rather than drawing a smear.`

const reportDoc = `sim.report(path) -> path

Writes a one-page HTML report of the simulation to path under the output
directory: parameters and seed, the topology, traffic per kind, load over
time, coverage and latency distributions, the version table as a heat
map, the space-time diagram (with zoom, pan and hover; needs sim.record
before the run) and the results of the checks (sim.record_check, which
check.agreement and the others call). The page is self-contained: it
makes no network request. Large runs are summarised, not listed.`

const recordCheckDoc = `sim.record_check(name, problems=[]) -> None

Records the outcome of a check for sim.report: problems is the list of
what went wrong (empty when the check passed). check.agreement,
check.validity and check.termination of @stdlib/checks.star call it.`

func simKeepHistory(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	s.sim.KeepHistory()
	return starlark.None, nil
}

func simSpacetime(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var path string
	var peersV, kindsV, startV, endV starlark.Value = starlark.None, starlark.None, starlark.None, starlark.None
	colorBy := spacetime.ByKind
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "path", &path, "peers?", &peersV, "kinds?", &kindsV,
		"start?", &startV, "end?", &endV, "color_by?", &colorBy); err != nil {
		return nil, err
	}
	format, err := pictureFormat(b.Name(), path)
	if err != nil {
		return nil, err
	}
	if s.sim.History() == nil {
		return nil, fmt.Errorf("%s: the simulation kept no history of its messages: call sim.keep_history() before sim.run (or run the script with p2prepl run --report)", b.Name())
	}
	o := spacetime.Options{Start: math.NaN(), End: math.NaN(), ColorBy: colorBy}
	if peersV != starlark.None {
		xs, err := iterate(b.Name(), "peers", peersV)
		if err != nil {
			return nil, err
		}
		o.Peers = []int{}
		for _, x := range xs {
			if p, ok := x.(*Peer); ok {
				if p.s != s {
					return nil, fmt.Errorf("%s: peers: %s belongs to another simulation", b.Name(), p)
				}
				o.Peers = append(o.Peers, p.p.ID())
				continue
			}
			id, err := intArg(b.Name(), "peers", x)
			if err != nil {
				return nil, fmt.Errorf("%s: peers must be peers or peer ids (got %s %s)", b.Name(), x.Type(), short(x))
			}
			o.Peers = append(o.Peers, id)
		}
	}
	if kindsV != starlark.None {
		if k, ok := starlark.AsString(kindsV); ok {
			o.Kinds = []string{k}
		} else {
			xs, err := iterate(b.Name(), "kinds", kindsV)
			if err != nil {
				return nil, err
			}
			o.Kinds = []string{}
			for _, x := range xs {
				k, ok := starlark.AsString(x)
				if !ok {
					return nil, fmt.Errorf("%s: kinds must be message kind names (got %s %s)", b.Name(), x.Type(), short(x))
				}
				o.Kinds = append(o.Kinds, k)
			}
		}
	}
	if startV != starlark.None {
		if o.Start, err = floatArg(b.Name(), "start", startV); err != nil {
			return nil, err
		}
	}
	if endV != starlark.None {
		if o.End, err = floatArg(b.Name(), "end", endV); err != nil {
			return nil, err
		}
	}
	// NaN stands for "not given" in Options: a NaN given is an error, not
	// the default window.
	if startV != starlark.None && math.IsNaN(o.Start) || endV != starlark.None && math.IsNaN(o.End) {
		return nil, fmt.Errorf("%s: start and end must be times in ms, not NaN", b.Name())
	}
	d, err := spacetime.Build(s.sim, o)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", b.Name(), err)
	}
	var buf bytes.Buffer
	if format == "png" {
		err = d.PNG(&buf)
	} else {
		err = d.SVG(&buf)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", b.Name(), err)
	}
	if err := outfiles.WriteFile(thread, path, buf.Bytes()); err != nil {
		return nil, fmt.Errorf("%s: %v", b.Name(), err)
	}
	return starlark.String(path), nil
}

// pictureFormat is "svg" or "png", from the path's extension.
func pictureFormat(fn, path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".svg":
		return "svg", nil
	case ".png":
		return "png", nil
	}
	return "", fmt.Errorf("%s: path %q: want a file name ending in .svg or .png", fn, path)
}

func simReport(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var path string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "path", &path); err != nil {
		return nil, err
	}
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".html" && ext != ".htm" {
		return nil, fmt.Errorf("%s: path %q: want a file name ending in .html", b.Name(), path)
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, s.reportInput(scriptName(thread), "")); err != nil {
		return nil, fmt.Errorf("%s: %v", b.Name(), err)
	}
	if err := outfiles.WriteFile(thread, path, buf.Bytes()); err != nil {
		return nil, fmt.Errorf("%s: %v", b.Name(), err)
	}
	return starlark.String(path), nil
}

// reportInput gathers what the report shows beyond the engine's state.
func (s *Simulation) reportInput(title, failure string) report.Input {
	return report.Input{Title: title, Params: s.env.opts.Params, Sim: s.sim, Checks: s.checks, Error: failure}
}

// scriptName is the file of the outermost Starlark frame, the script run.
func scriptName(thread *starlark.Thread) string {
	name := ""
	for i := 0; i < thread.CallStackDepth(); i++ {
		if fn := thread.CallFrame(i).Pos.Filename(); fn != "" && fn != "<builtin>" {
			name = fn
		}
	}
	if name == "" {
		name = thread.Name
	}
	return filepath.Base(name)
}

func simRecordCheck(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var name string
	var problemsV starlark.Value = starlark.NewList(nil)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name, "problems?", &problemsV); err != nil {
		return nil, err
	}
	if name == "" {
		return nil, fmt.Errorf("%s: name must not be empty", b.Name())
	}
	xs, err := iterate(b.Name(), "problems", problemsV)
	if err != nil {
		return nil, err
	}
	c := report.Check{Name: name, T: s.sim.Now()}
	for _, x := range xs {
		if str, ok := starlark.AsString(x); ok {
			c.Problems = append(c.Problems, str)
		} else {
			c.Problems = append(c.Problems, x.String())
		}
	}
	s.checks = append(s.checks, c)
	return starlark.None, nil
}

func peerMark(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := recv(b)
	var v starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "label", &v); err != nil {
		return nil, err
	}
	label, ok := starlark.AsString(v)
	if !ok {
		label = v.String()
	}
	p.p.Mark(label)
	return starlark.None, nil
}

// WriteReport writes the report of the simulation the session created
// last to path under the output directory (p2prepl run --report), with
// failure, the script's error message, when it failed.
func (e *Env) WriteReport(path, title, failure string) error {
	s := e.current
	if s == nil {
		return fmt.Errorf("--report %s: the script created no simulation to report on", path)
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, s.reportInput(title, failure)); err != nil {
		return fmt.Errorf("--report %s: %v", path, err)
	}
	w, err := outfiles.Dir(e.opts.OutDir).Create(path)
	if err != nil {
		return fmt.Errorf("--report %s: %v", path, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		if a, ok := w.(outfiles.Aborter); ok {
			a.Abort()
		}
		return fmt.Errorf("--report %s: %v", path, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("--report %s: %v", path, err)
	}
	return nil
}
