package plot

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/p2prepl/p2prepl/bindings/table"
)

// series is one named line of points; NaN coordinates are gaps.
type series struct {
	name   string
	xs, ys []float64
}

// xys returns the finite points of s.
func (s series) xys() plotter.XYs {
	pts := make(plotter.XYs, 0, len(s.ys))
	for i := range s.ys {
		if finite(s.xs[i]) && finite(s.ys[i]) {
			pts = append(pts, plotter.XY{X: s.xs[i], Y: s.ys[i]})
		}
	}
	return pts
}

func indexes(n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64(i)
	}
	return xs
}

// xyArgs holds what line and scatter read from their arguments.
type xyArgs struct {
	data, x, y, by starlark.Value
}

// seriesOf turns the data, x, y and by arguments into series. It may
// fill in default axis labels in o.
func seriesOf(a xyArgs, o *options) ([]series, error) {
	none := func(v starlark.Value) bool { return v == nil || v == starlark.None }
	if !none(a.by) {
		if _, ok := a.data.(*table.Table); !ok {
			return nil, fmt.Errorf("by: only with a table as data")
		}
	}
	switch d := a.data.(type) {
	case *table.Table:
		return tableSeries(d, a, o)
	case *starlark.Dict:
		var xs []float64
		if !none(a.x) {
			var err error
			if xs, err = numbers("x", a.x); err != nil {
				return nil, err
			}
		}
		if !none(a.y) {
			return nil, fmt.Errorf("y: not used when data is a dict of series")
		}
		return dictSeries("data", d, xs)
	case starlark.NoneType, nil:
		if none(a.y) {
			return nil, fmt.Errorf("y: missing: give data (a table, a dict of series or a list) or y")
		}
		var xs []float64
		if !none(a.x) {
			var err error
			if xs, err = numbers("x", a.x); err != nil {
				return nil, err
			}
		}
		if d, ok := a.y.(*starlark.Dict); ok {
			return dictSeries("y", d, xs)
		}
		ys, err := numbers("y", a.y)
		if err != nil {
			return nil, err
		}
		return oneSeries("y", "", xs, ys)
	case *starlark.List, starlark.Tuple:
		if !none(a.y) {
			return nil, fmt.Errorf("y: not used when data is a list (data is the y values)")
		}
		ys, err := numbers("data", d)
		if err != nil {
			return nil, err
		}
		var xs []float64
		if !none(a.x) {
			if xs, err = numbers("x", a.x); err != nil {
				return nil, err
			}
		}
		return oneSeries("data", "", xs, ys)
	}
	return nil, fmt.Errorf("data: got %s, want a table, a dict of series or a list of numbers", a.data.Type())
}

// oneSeries pairs ys with xs (or with 0, 1, 2, ... when xs is nil).
func oneSeries(arg, name string, xs, ys []float64) ([]series, error) {
	if xs == nil {
		xs = indexes(len(ys))
	} else if len(xs) != len(ys) {
		return nil, fmt.Errorf("%s: has %d values but x has %d", arg, len(ys), len(xs))
	}
	return []series{{name: name, xs: xs, ys: ys}}, nil
}

// dictSeries reads {name: ys} or {name: (xs, ys)}.
func dictSeries(arg string, d *starlark.Dict, xs []float64) ([]series, error) {
	var out []series
	for _, kv := range d.Items() {
		name := label(kv[0])
		at := fmt.Sprintf("%s[%s]", arg, kv[0])
		if pair, ok := sequence(kv[1]); ok && pair.Len() == 2 {
			_, firstIsSeq := sequence(pair.Index(0))
			_, secondIsSeq := sequence(pair.Index(1))
			if firstIsSeq && secondIsSeq {
				sx, err := numbers(at+"[0]", pair.Index(0))
				if err != nil {
					return nil, err
				}
				sy, err := numbers(at+"[1]", pair.Index(1))
				if err != nil {
					return nil, err
				}
				if len(sx) != len(sy) {
					return nil, fmt.Errorf("%s: x has %d values but y has %d", at, len(sx), len(sy))
				}
				out = append(out, series{name: name, xs: sx, ys: sy})
				continue
			}
		}
		if _, ok := sequence(kv[1]); !ok {
			return nil, fmt.Errorf("%s: got %s, want a list of y values or an (x, y) pair of lists", at, kv[1].Type())
		}
		ys, err := numbers(at, kv[1])
		if err != nil {
			return nil, err
		}
		s, err := oneSeries(at, name, xs, ys)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no series", arg)
	}
	return out, nil
}

// tableSeries reads x (default: the first column), y (default: every
// other numeric column) and by (one series per value) from a table.
func tableSeries(t *table.Table, a xyArgs, o *options) ([]series, error) {
	cols := t.Columns()
	if len(cols) == 0 {
		return nil, fmt.Errorf("data: the table has no columns")
	}
	x, err := columnName("x", t, a.x)
	if err != nil {
		return nil, err
	}
	if x == "" {
		x = cols[0]
	}
	by, err := columnName("by", t, a.by)
	if err != nil {
		return nil, err
	}
	ys, err := columnNames("y", t, a.y)
	if err != nil {
		return nil, err
	}
	if ys == nil {
		ys = numericColumns(t, x, by)
		if len(ys) == 0 {
			return nil, fmt.Errorf("y: the table has no numeric column besides %q to plot (columns: %s)", x, strings.Join(cols, ", "))
		}
	}
	if by != "" && len(ys) != 1 {
		return nil, fmt.Errorf("y: with by=, give one column (got %s)", strings.Join(ys, ", "))
	}
	if o.xlabel == "" {
		o.xlabel = x
	}
	if o.ylabel == "" && len(ys) == 1 {
		o.ylabel = ys[0]
	}
	xs, err := columnNumbers("x", t, x)
	if err != nil {
		return nil, err
	}
	if by == "" {
		var out []series
		for _, y := range ys {
			yv, err := columnNumbers("y", t, y)
			if err != nil {
				return nil, err
			}
			out = append(out, series{name: y, xs: xs, ys: yv})
		}
		return out, nil
	}
	yv, err := columnNumbers("y", t, ys[0])
	if err != nil {
		return nil, err
	}
	keys, _ := t.Column(by)
	index := map[string]int{}
	var out []series
	for i, k := range keys {
		name := label(k)
		j, ok := index[name]
		if !ok {
			j = len(out)
			index[name] = j
			out = append(out, series{name: fmt.Sprintf("%s=%s", by, name)})
		}
		out[j].xs = append(out[j].xs, xs[i])
		out[j].ys = append(out[j].ys, yv[i])
	}
	return out, nil
}

func lineFn(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return xyChart(thread, b, args, kwargs, "line.png", false)
}

func scatterFn(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return xyChart(thread, b, args, kwargs, "scatter.png", true)
}

// xyChart implements plot.line (lines, optionally with points) and
// plot.scatter (points only).
func xyChart(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, defaultPath string, scatter bool) (starlark.Value, error) {
	var a xyArgs
	points := scatter
	o := newOptions(defaultPath)
	pairs := append([]any{"data?", &a.data, "x?", &a.x, "y?", &a.y, "by?", &a.by}, o.pairs()...)
	if !scatter {
		pairs = append(pairs, "points?", &points)
	}
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, pairs...); err != nil {
		return nil, err
	}
	format, err := o.check()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", b.Name(), err)
	}
	ss, err := seriesOf(a, o)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", b.Name(), err)
	}
	p := o.newPlot()
	p.Add(plotter.NewGrid())
	total := 0
	for i, s := range ss {
		pts := s.xys()
		total += len(pts)
		if len(pts) == 0 {
			continue
		}
		c := seriesColor(i)
		var thumbs []gplot.Thumbnailer
		if !scatter {
			l, err := plotter.NewLine(pts)
			if err != nil {
				return nil, fmt.Errorf("%s: series %q: %v", b.Name(), s.name, err)
			}
			l.LineStyle.Color = c
			l.LineStyle.Width = vg.Points(1.5)
			p.Add(l)
			thumbs = append(thumbs, l)
		}
		if points {
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, fmt.Errorf("%s: series %q: %v", b.Name(), s.name, err)
			}
			sc.GlyphStyle.Color = c
			sc.GlyphStyle.Shape = draw.CircleGlyph{}
			sc.GlyphStyle.Radius = vg.Points(2.5)
			p.Add(sc)
			thumbs = append(thumbs, sc)
		}
		if len(ss) > 1 && s.name != "" {
			p.Legend.Add(s.name, thumbs...)
		}
	}
	if total == 0 {
		return nil, fmt.Errorf("%s: no points to plot (every value is None or NaN)", b.Name())
	}
	// Rising curves (coverage, CDFs) leave the top left free.
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs = vg.Points(8)
	if err := savePlot(thread, o, format, p); err != nil {
		return nil, fmt.Errorf("%s: %v", b.Name(), err)
	}
	return starlark.String(o.path), nil
}
