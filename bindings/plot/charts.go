package plot

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"go.starlark.net/starlark"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/p2prepl/p2prepl/bindings/table"
)

const maxBins = 10000

func histFn(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var values, x starlark.Value
	bins := 20
	normalize := false
	o := newOptions("hist.png")
	pairs := append([]any{"values", &values, "x?", &x, "bins?", &bins, "normalize?", &normalize}, o.pairs()...)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, pairs...); err != nil {
		return nil, err
	}
	fail := func(err error) (starlark.Value, error) { return nil, fmt.Errorf("%s: %v", b.Name(), err) }
	format, err := o.check()
	if err != nil {
		return fail(err)
	}
	if bins < 1 || bins > maxBins {
		return fail(fmt.Errorf("bins: want 1 to %d, got %d", maxBins, bins))
	}
	var vals []float64
	if t, ok := values.(*table.Table); ok {
		col, err := columnName("x", t, x)
		if err != nil {
			return fail(err)
		}
		if col == "" {
			cols := t.Columns()
			if len(cols) != 1 {
				return fail(fmt.Errorf("x: name the column to plot (columns: %s)", strings.Join(cols, ", ")))
			}
			col = cols[0]
		}
		if vals, err = columnNumbers("values", t, col); err != nil {
			return fail(err)
		}
		if o.xlabel == "" {
			o.xlabel = col
		}
	} else {
		if x != nil && x != starlark.None {
			return fail(fmt.Errorf("x: only with a table as values"))
		}
		if vals, err = numbers("values", values); err != nil {
			return fail(err)
		}
	}
	var vs plotter.Values
	for _, v := range vals {
		if finite(v) {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return fail(fmt.Errorf("values: no numbers to plot"))
	}
	if o.ylabel == "" {
		o.ylabel = "count"
		if normalize {
			o.ylabel = "density"
		}
	}
	h, err := plotter.NewHist(vs, bins)
	if err != nil {
		return fail(fmt.Errorf("values: %v", err))
	}
	if normalize {
		h.Normalize(1)
	}
	h.FillColor = seriesColor(0)
	h.LineStyle.Color = rgb(0x2f4b6a)
	h.LineStyle.Width = vg.Points(0.5)
	p := o.newPlot()
	p.Add(plotter.NewGrid(), h)
	headroom(p)
	if err := savePlot(thread, o, format, p); err != nil {
		return fail(err)
	}
	return starlark.String(o.path), nil
}

// barSeries is one set of bar heights, one per label.
type barSeries struct {
	name   string
	values []float64
}

func barFn(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var labelsV, valuesV, x, y starlark.Value
	o := newOptions("bar.png")
	pairs := append([]any{"labels", &labelsV, "values?", &valuesV, "x?", &x, "y?", &y}, o.pairs()...)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, pairs...); err != nil {
		return nil, err
	}
	fail := func(err error) (starlark.Value, error) { return nil, fmt.Errorf("%s: %v", b.Name(), err) }
	format, err := o.check()
	if err != nil {
		return fail(err)
	}
	none := func(v starlark.Value) bool { return v == nil || v == starlark.None }
	var names []string
	var ss []barSeries
	switch l := labelsV.(type) {
	case *table.Table:
		if !none(valuesV) {
			return fail(fmt.Errorf("values: not used with a table (name its columns with x= and y=)"))
		}
		cols := l.Columns()
		if len(cols) == 0 {
			return fail(fmt.Errorf("labels: the table has no columns"))
		}
		xc, err := columnName("x", l, x)
		if err != nil {
			return fail(err)
		}
		if xc == "" {
			xc = cols[0]
		}
		ycs, err := columnNames("y", l, y)
		if err != nil {
			return fail(err)
		}
		if ycs == nil {
			if ycs = numericColumns(l, xc); len(ycs) == 0 {
				return fail(fmt.Errorf("y: the table has no numeric column besides %q to plot (columns: %s)", xc, strings.Join(cols, ", ")))
			}
		}
		keys, _ := l.Column(xc)
		for _, k := range keys {
			names = append(names, label(k))
		}
		for _, yc := range ycs {
			vs, err := columnNumbers("y", l, yc)
			if err != nil {
				return fail(err)
			}
			ss = append(ss, barSeries{yc, vs})
		}
		if o.xlabel == "" {
			o.xlabel = xc
		}
		if o.ylabel == "" && len(ycs) == 1 {
			o.ylabel = ycs[0]
		}
	case *starlark.Dict:
		if !none(valuesV) {
			return fail(fmt.Errorf("values: not used when labels is a dict of label: value"))
		}
		var vs []float64
		for _, kv := range l.Items() {
			names = append(names, label(kv[0]))
			f, ok := number(kv[1])
			if !ok {
				return fail(fmt.Errorf("labels[%s]: got %s, want a number", kv[0], kv[1].Type()))
			}
			vs = append(vs, f)
		}
		ss = []barSeries{{"", vs}}
	default:
		if !none(x) || !none(y) {
			return fail(fmt.Errorf("x, y: only with a table as labels"))
		}
		if names, err = labels("labels", labelsV); err != nil {
			return fail(err)
		}
		switch v := valuesV.(type) {
		case nil, starlark.NoneType:
			return fail(fmt.Errorf("values: missing (one number per label, or a dict of series name: numbers)"))
		case *starlark.Dict:
			for _, kv := range v.Items() {
				vs, err := numbers(fmt.Sprintf("values[%s]", kv[0]), kv[1])
				if err != nil {
					return fail(err)
				}
				ss = append(ss, barSeries{label(kv[0]), vs})
			}
		default:
			vs, err := numbers("values", v)
			if err != nil {
				return fail(err)
			}
			ss = []barSeries{{"", vs}}
		}
	}
	if len(names) == 0 {
		return fail(fmt.Errorf("labels: no bars to plot"))
	}
	if len(ss) == 0 {
		return fail(fmt.Errorf("values: no series"))
	}
	for _, s := range ss {
		arg := "values"
		if s.name != "" {
			arg = fmt.Sprintf("values[%q]", s.name)
		}
		if len(s.values) != len(names) {
			return fail(fmt.Errorf("%s: has %d numbers but there are %d labels", arg, len(s.values), len(names)))
		}
		for i, v := range s.values {
			if !finite(v) {
				return fail(fmt.Errorf("%s: the value for %q is %s, want a number", arg, names[i], describe(v)))
			}
		}
	}

	p := o.newPlot()
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	p.Add(grid)
	p.X.Tick.Marker = nominalTicks(names, o.width/12)
	rotateIfCrowded(&p.X, names, o.width)
	// Each label gets a slot one unit wide; its bars share 80% of it. The
	// data area is roughly the canvas less the y axis.
	slot := (pixels(o.width) - vg.Points(60)) / vg.Length(len(names))
	w := slot * 0.8 / vg.Length(len(ss))
	for i, s := range ss {
		bc, err := plotter.NewBarChart(plotter.Values(s.values), w)
		if err != nil {
			return fail(err)
		}
		bc.Color = seriesColor(i)
		bc.LineStyle.Width = 0
		bc.Offset = w * (vg.Length(i) - vg.Length(len(ss)-1)/2)
		p.Add(bc)
		if len(ss) > 1 {
			p.Legend.Add(s.name, bc)
		}
	}
	p.X.Min, p.X.Max = -0.5, float64(len(names))-0.5
	headroom(p)
	p.Legend.Top = true
	if err := savePlot(thread, o, format, p); err != nil {
		return fail(err)
	}
	return starlark.String(o.path), nil
}

// headroom leaves 5% of the y range free above the highest bar (and
// below the lowest negative one), so bars do not touch the frame.
func headroom(p *gplot.Plot) {
	d := (p.Y.Max - p.Y.Min) * 0.05
	if p.Y.Max > 0 {
		p.Y.Max += d
	}
	if p.Y.Min < 0 {
		p.Y.Min -= d
	}
}

func describe(f float64) string {
	if math.IsNaN(f) {
		return "None or NaN"
	}
	return fmt.Sprint(f)
}

// nominalTicks labels positions 0..n-1 with names, labelling only every
// k-th one when there are more than max.
// Positions without a label get no tick mark.
func nominalTicks(names []string, max int) gplot.ConstantTicks {
	step := 1
	if max < 1 {
		max = 1
	}
	if len(names) > max {
		step = (len(names) + max - 1) / max
	}
	var ticks gplot.ConstantTicks
	for i := 0; i < len(names); i += step {
		ticks = append(ticks, gplot.Tick{Value: float64(i), Label: names[i]})
	}
	return ticks
}

// rotateIfCrowded turns the tick labels of a horizontal axis vertical
// when they would not fit side by side.
func rotateIfCrowded(ax *gplot.Axis, names []string, widthPx int) {
	longest := 0
	for _, n := range names {
		longest = max(longest, utf8.RuneCountInString(n))
	}
	// About 7 pixels per character at the default tick font size.
	if len(names)*(longest*7+6) > widthPx-90 {
		ax.Tick.Label.Rotation = math.Pi / 2
		ax.Tick.Label.XAlign = draw.XRight
		ax.Tick.Label.YAlign = draw.YCenter
	}
}
