package plot

import (
	"fmt"
	"image/color"
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
	var values, x, xlimV, ylimV starlark.Value
	bins := 20
	var normalize, logx, logy bool
	o := newOptions("hist.png")
	pairs := append([]any{"values", &values, "x?", &x, "bins?", &bins, "normalize?", &normalize,
		"logx?", &logx, "logy?", &logy, "xlim?", &xlimV, "ylim?", &ylimV}, o.pairs()...)
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
	xa, ya, err := axesOf(logx, logy, xlimV, ylimV)
	if err != nil {
		return fail(err)
	}
	var vals []float64
	item := "item"
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
		item = "row"
	} else {
		if x != nil && x != starlark.None {
			return fail(fmt.Errorf("x: only with a table as values"))
		}
		if vals, err = numbers("values", values); err != nil {
			return fail(err)
		}
	}
	var vs []float64
	for i, v := range vals {
		if !finite(v) {
			continue
		}
		if logx && v <= 0 {
			return fail(fmt.Errorf("logx: %s %d is %g, which a log axis cannot show; leave such values out (t.filter) or use a linear axis",
				item, i, v))
		}
		vs = append(vs, v)
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
	edges, counts, err := histogram(vs, bins, xa)
	if err != nil {
		return fail(err)
	}
	h := &bars{fill: seriesColor(0), line: draw.LineStyle{Color: rgb(0x2f4b6a), Width: vg.Points(0.5)}}
	for i, n := range counts {
		if normalize {
			// A density: the share of all the values per unit of x.
			n /= float64(len(vs)) * (edges[i+1] - edges[i])
		}
		h.x0, h.x1, h.h = append(h.x0, edges[i]), append(h.x1, edges[i+1]), append(h.h, n)
	}
	p := o.newPlot()
	p.Add(plotter.NewGrid(), h)
	xa.apply(&p.X, edges[0], edges[len(edges)-1], max(2, o.width/110))
	ylo, yhi, _ := ya.dataRange(h.h) // some bin holds a value: a count > 0
	ya.applyBars(&p.Y, ylo, yhi, max(2, o.height/70))
	if err := savePlot(thread, o, format, p); err != nil {
		return fail(err)
	}
	return starlark.String(o.path), nil
}

// histogram counts vs in n bins of equal width on the axis (in log10 of
// the value on a log axis), spanning the axis's limits where given and the
// values' range otherwise; values outside the limits are left out. It
// returns the n+1 bin edges and the count in each bin.
func histogram(vs []float64, n int, a axisSpec) (edges, counts []float64, err error) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	dlo, dhi := lo, hi
	if !math.IsNaN(a.lo) {
		lo = a.lo
	}
	if !math.IsNaN(a.hi) {
		hi = a.hi
	}
	to, from := func(v float64) float64 { return v }, func(v float64) float64 { return v }
	if a.log {
		to, from = math.Log10, func(v float64) float64 { return math.Pow(10, v) }
	}
	switch {
	case lo == hi && math.IsNaN(a.lo) && math.IsNaN(a.hi):
		// One value: one bin a unit (a decade) wide around it.
		lo, hi, n = from(to(lo)-0.5), from(to(hi)+0.5), 1
	case !(lo < hi):
		return nil, nil, fmt.Errorf("xlim: the bins would span %g to %g, but the values lie between %g and %g", lo, hi, dlo, dhi)
	}
	tlo, thi := to(lo), to(hi)
	w := (thi - tlo) / float64(n)
	edges = make([]float64, n+1)
	for i := range edges {
		edges[i] = from(tlo + float64(i)*w)
	}
	edges[0], edges[n] = lo, hi
	counts = make([]float64, n)
	in := 0
	for _, v := range vs {
		if v < lo || v > hi {
			continue
		}
		i := min(max(int((to(v)-tlo)/w), 0), n-1)
		// Rounding may put a value on an edge into the neighbouring bin;
		// a bin holds its low edge (the last one its high edge too).
		if i > 0 && v < edges[i] {
			i--
		} else if i < n-1 && v >= edges[i+1] {
			i++
		}
		counts[i]++
		in++
	}
	if in == 0 {
		return nil, nil, fmt.Errorf("xlim: none of the values lies between %g and %g (they lie between %g and %g)", lo, hi, dlo, dhi)
	}
	return edges, counts, nil
}

// bars draws a rectangle per bar from x0 to x1, rising from the y axis's
// base (0, or the bottom of a log axis: gonum's bar charts and histograms
// start at 0, which a log axis cannot place) to h. Bars of height 0, and
// bars a log axis cannot show, are not drawn. All is clipped to the axes.
type bars struct {
	x0, x1, h []float64
	fill      color.Color
	line      draw.LineStyle // Width 0: no outline
}

// yBase is where the bars of p start.
func yBase(p *gplot.Plot) (base float64, log bool) {
	if _, log = p.Y.Scale.(gplot.LogScale); log {
		return p.Y.Min, true
	}
	return 0, false
}

func (b *bars) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	base, log := yBase(p)
	for i, h := range b.h {
		if h == 0 || (log && h <= base) {
			continue
		}
		x0, x1, y0, y1 := trX(b.x0[i]), trX(b.x1[i]), trY(base), trY(h)
		pts := []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
		c.FillPolygon(b.fill, c.ClipPolygonXY(pts))
		if b.line.Width > 0 {
			c.StrokeLines(b.line, c.ClipLinesXY(append(pts, pts[0]))...)
		}
	}
}

// Thumbnail draws the bars' swatch in a legend.
func (b *bars) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(b.fill, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Min.X, Y: c.Max.Y},
		{X: c.Max.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Min.Y}})
}

// cover returns points spread over the bars drawn on p, for a legend
// placed "best" to weigh the corners by.
func (b *bars) cover(p *gplot.Plot) [][2]float64 {
	base, log := yBase(p)
	var pts [][2]float64
	for i, h := range b.h {
		if h == 0 || (log && h <= base) {
			continue
		}
		for k := 0; k <= lineSamples; k++ {
			f := float64(k) / lineSamples
			y := base + f*(h-base)
			if log {
				y = base * math.Pow(h/base, f)
			}
			for _, x := range []float64{b.x0[i], (b.x0[i] + b.x1[i]) / 2, b.x1[i]} {
				pts = append(pts, [2]float64{x, y})
			}
		}
	}
	return pts
}

// barSeries is one set of bar heights, one per label.
type barSeries struct {
	name   string
	values []float64
}

func barFn(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var labelsV, valuesV, x, y, ylimV starlark.Value
	var logy bool
	place := "best"
	o := newOptions("bar.png")
	pairs := append([]any{"labels", &labelsV, "values?", &valuesV, "x?", &x, "y?", &y,
		"logy?", &logy, "ylim?", &ylimV, "legend?", &place}, o.pairs()...)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, pairs...); err != nil {
		return nil, err
	}
	fail := func(err error) (starlark.Value, error) { return nil, fmt.Errorf("%s: %v", b.Name(), err) }
	format, err := o.check()
	if err != nil {
		return fail(err)
	}
	if err := checkLegend(place); err != nil {
		return fail(err)
	}
	_, ya, err := axesOf(false, logy, nil, ylimV)
	if err != nil {
		return fail(err)
	}
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
			if logy && v < 0 {
				return fail(fmt.Errorf("logy: %s: the value for %q is %g, which a log axis cannot show; use a linear axis",
					arg, names[i], v))
			}
		}
	}

	var heights [][]float64
	for _, s := range ss {
		heights = append(heights, s.values)
	}
	ylo, yhi, ok := ya.dataRange(heights...)
	if !ok {
		return fail(fmt.Errorf("logy: every value is 0, which a log axis cannot show"))
	}

	p := o.newPlot()
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	p.Add(grid)
	p.X.Tick.Marker = nominalTicks(names, o.width/12)
	rotateIfCrowded(&p.X, names, o.width)
	p.X.Min, p.X.Max = -0.5, float64(len(names))-0.5
	ya.applyBars(&p.Y, ylo, yhi, max(2, o.height/70))
	// Each label gets a slot one unit wide; its bars share 80% of it.
	w := 0.8 / float64(len(ss))
	lg := newLegend(place)
	for i, s := range ss {
		bc := &bars{fill: seriesColor(i), h: s.values}
		for j := range s.values {
			mid := float64(j) + w*(float64(i)-float64(len(ss)-1)/2)
			bc.x0, bc.x1 = append(bc.x0, mid-w/2), append(bc.x1, mid+w/2)
		}
		p.Add(bc)
		lg.pts = append(lg.pts, bc.cover(p)...)
		if len(ss) > 1 {
			lg.add(s.name, bc)
		}
	}
	if err := save(thread, o, format, func(dc draw.Canvas) { lg.draw(pad(dc), p) }); err != nil {
		return fail(err)
	}
	return starlark.String(o.path), nil
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
