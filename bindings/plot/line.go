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

// series is one named line of points; NaN coordinates are gaps. lo and
// hi, when not nil, are the ends of each point's error bar (NaN: none).
type series struct {
	name   string
	xs, ys []float64
	lo, hi []float64
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
	yerr, ylo, yhi starlark.Value // error bars: a half-width, or both ends
}

func none(v starlark.Value) bool { return v == nil || v == starlark.None }

// seriesOf turns the data, x, y, by and error arguments into series. It
// may fill in default axis labels in o.
func seriesOf(a xyArgs, o *options) ([]series, error) {
	if !none(a.by) {
		if _, ok := a.data.(*table.Table); !ok {
			return nil, fmt.Errorf("by: only with a table as data")
		}
	}
	if !none(a.yerr) && (!none(a.ylo) || !none(a.yhi)) {
		return nil, fmt.Errorf("yerr: give either yerr (a half-width, like a ci column) or ylo and yhi (the ends), not both")
	}
	if none(a.ylo) != none(a.yhi) {
		return nil, fmt.Errorf("ylo, yhi: give both ends of the error bars (or yerr, a half-width)")
	}
	ss, err := seriesOfData(a, o)
	if err != nil {
		return nil, err
	}
	for _, s := range ss {
		if s.lo == nil {
			continue
		}
		for i := range s.lo {
			if finite(s.lo[i]) && finite(s.hi[i]) && s.lo[i] > s.hi[i] {
				return nil, fmt.Errorf("%s: point %d%s: the error bar's low end %g is above its high end %g",
					errArg(a), i, seriesSuffix(s.name), s.lo[i], s.hi[i])
			}
		}
	}
	return ss, nil
}

func errArg(a xyArgs) string {
	if !none(a.yerr) {
		return "yerr"
	}
	return "ylo, yhi"
}

func seriesSuffix(name string) string {
	if name == "" {
		return ""
	}
	return fmt.Sprintf(" of %q", name)
}

// withErrors sets the error bars of s from yerr (a half-width: y - e to
// y + e) or from the ends lo and hi; nil arguments leave s without bars.
func withErrors(s *series, yerr, lo, hi []float64) error {
	switch {
	case yerr != nil:
		if len(yerr) != len(s.ys) {
			return fmt.Errorf("yerr: has %d values but y has %d", len(yerr), len(s.ys))
		}
		s.lo, s.hi = make([]float64, len(yerr)), make([]float64, len(yerr))
		for i, e := range yerr {
			if e < 0 {
				return fmt.Errorf("yerr: item %d is %g; want a half-width >= 0", i, e)
			}
			s.lo[i], s.hi[i] = s.ys[i]-e, s.ys[i]+e
		}
	case lo != nil:
		if len(lo) != len(s.ys) || len(hi) != len(s.ys) {
			return fmt.Errorf("ylo, yhi: have %d and %d values but y has %d", len(lo), len(hi), len(s.ys))
		}
		s.lo, s.hi = lo, hi
	}
	return nil
}

// listErrors reads yerr, ylo and yhi given as lists of numbers.
func listErrors(a xyArgs) (yerr, lo, hi []float64, err error) {
	if !none(a.yerr) {
		if yerr, err = numbers("yerr", a.yerr); err != nil {
			return nil, nil, nil, err
		}
	}
	if !none(a.ylo) {
		if lo, err = numbers("ylo", a.ylo); err != nil {
			return nil, nil, nil, err
		}
		if hi, err = numbers("yhi", a.yhi); err != nil {
			return nil, nil, nil, err
		}
	}
	return yerr, lo, hi, nil
}

func seriesOfData(a xyArgs, o *options) ([]series, error) {
	if _, isTable := a.data.(*table.Table); !isTable {
		if _, ok := a.data.(*starlark.Dict); ok || isDict(a.y) {
			if !none(a.yerr) || !none(a.ylo) {
				return nil, fmt.Errorf("%s: only with a table or a list of y values (not a dict of series)", errArg(a))
			}
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
		return listSeries("y", a, xs, ys)
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
		return listSeries("data", a, xs, ys)
	}
	return nil, fmt.Errorf("data: got %s, want a table, a dict of series or a list of numbers", a.data.Type())
}

// listSeries is oneSeries with the error bars given as lists.
func listSeries(arg string, a xyArgs, xs, ys []float64) ([]series, error) {
	ss, err := oneSeries(arg, "", xs, ys)
	if err != nil {
		return nil, err
	}
	yerr, lo, hi, err := listErrors(a)
	if err != nil {
		return nil, err
	}
	if err := withErrors(&ss[0], yerr, lo, hi); err != nil {
		return nil, err
	}
	return ss, nil
}

func isDict(v starlark.Value) bool { _, ok := v.(*starlark.Dict); return ok }

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
	yerrs, err := errorColumns("yerr", t, a.yerr, ys)
	if err != nil {
		return nil, err
	}
	ylos, err := errorColumns("ylo", t, a.ylo, ys)
	if err != nil {
		return nil, err
	}
	yhis, err := errorColumns("yhi", t, a.yhi, ys)
	if err != nil {
		return nil, err
	}
	// errorsOf reads the error columns of y column i, for rows (nil: all).
	errorsOf := func(i int, s *series, rows []int) error {
		col := func(arg string, names []string) ([]float64, error) {
			if names == nil {
				return nil, nil
			}
			v, err := columnNumbers(arg, t, names[i])
			if err != nil || rows == nil {
				return v, err
			}
			out := make([]float64, len(rows))
			for j, r := range rows {
				out[j] = v[r]
			}
			return out, nil
		}
		yerr, err := col("yerr", yerrs)
		if err != nil {
			return err
		}
		lo, err := col("ylo", ylos)
		if err != nil {
			return err
		}
		hi, err := col("yhi", yhis)
		if err != nil {
			return err
		}
		return withErrors(s, yerr, lo, hi)
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
		for i, y := range ys {
			yv, err := columnNumbers("y", t, y)
			if err != nil {
				return nil, err
			}
			s := series{name: y, xs: xs, ys: yv}
			if err := errorsOf(i, &s, nil); err != nil {
				return nil, err
			}
			out = append(out, s)
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
	var rows [][]int
	for i, k := range keys {
		name := label(k)
		j, ok := index[name]
		if !ok {
			j = len(out)
			index[name] = j
			out = append(out, series{name: fmt.Sprintf("%s=%s", by, name)})
			rows = append(rows, nil)
		}
		out[j].xs = append(out[j].xs, xs[i])
		out[j].ys = append(out[j].ys, yv[i])
		rows[j] = append(rows[j], i)
	}
	for j := range out {
		if err := errorsOf(0, &out[j], rows[j]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// errorColumns reads an error argument of a table chart: a column name
// (with one y column) or a list of names, one per y column.
func errorColumns(arg string, t *table.Table, v starlark.Value, ys []string) ([]string, error) {
	names, err := columnNames(arg, t, v)
	if err != nil || names == nil {
		return nil, err
	}
	if len(names) != len(ys) {
		return nil, fmt.Errorf("%s: got %d columns for %d y columns (%s); give one per y column, in order",
			arg, len(names), len(ys), strings.Join(ys, ", "))
	}
	return names, nil
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
	var bandOn, logx, logy bool
	var xlimV, ylimV starlark.Value
	place := "best"
	o := newOptions(defaultPath)
	pairs := []any{"data?", &a.data, "x?", &a.x, "y?", &a.y, "by?", &a.by,
		"yerr?", &a.yerr, "ylo?", &a.ylo, "yhi?", &a.yhi, "band?", &bandOn,
		"logx?", &logx, "logy?", &logy, "xlim?", &xlimV, "ylim?", &ylimV, "legend?", &place}
	pairs = append(pairs, o.pairs()...)
	if !scatter {
		pairs = append(pairs, "points?", &points)
	}
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
	xa, ya, err := axesOf(logx, logy, xlimV, ylimV)
	if err != nil {
		return fail(err)
	}
	ss, err := seriesOf(a, o)
	if err != nil {
		return fail(err)
	}
	if bandOn && none(a.yerr) && none(a.ylo) {
		return fail(fmt.Errorf("band: draws the error as a band; give yerr (a half-width) or ylo and yhi"))
	}
	// A log axis cannot show 0 or less: say so rather than drop points.
	for _, s := range ss {
		for i := range s.xs {
			if !finite(s.xs[i]) || !finite(s.ys[i]) {
				continue
			}
			for _, c := range []struct {
				on  bool
				v   float64
				ax  string
				arg string
			}{{logx, s.xs[i], "x", "logx"}, {logy, s.ys[i], "y", "logy"}} {
				if c.on && c.v <= 0 {
					return fail(fmt.Errorf("%s: point %d%s has %s = %g, which a log axis cannot show; leave such points out (t.filter) or use a linear axis",
						c.arg, i, seriesSuffix(s.name), c.ax, c.v))
				}
			}
		}
	}

	p := o.newPlot()
	p.Add(plotter.NewGrid())
	lg := newLegend(place)
	var allX, allY [][]float64
	total := 0
	for i, s := range ss {
		pts := s.xys()
		total += len(pts)
		if len(pts) == 0 {
			continue
		}
		for j, pt := range pts {
			lg.pts = append(lg.pts, [2]float64{pt.X, pt.Y})
			if !scatter && j > 0 { // a line hides what lies under it too
				a := pts[j-1]
				for k := 1; k < lineSamples; k++ {
					f := float64(k) / lineSamples
					lg.pts = append(lg.pts, [2]float64{a.X + f*(pt.X-a.X), a.Y + f*(pt.Y-a.Y)})
				}
			}
		}
		allX, allY = append(allX, s.xs), append(allY, s.ys)
		c := seriesColor(i)
		var thumbs []gplot.Thumbnailer
		if s.lo != nil {
			allY = append(allY, s.lo, s.hi)
			for j := range s.xs {
				if finite(s.xs[j]) && finite(s.lo[j]) && finite(s.hi[j]) {
					lg.pts = append(lg.pts, [2]float64{s.xs[j], s.lo[j]}, [2]float64{s.xs[j], s.hi[j]})
				}
			}
			if bandOn {
				bd := &band{xs: s.xs, lo: s.lo, hi: s.hi, color: translucent(c, 0.25)}
				p.Add(bd)
				thumbs = append(thumbs, bd)
			} else {
				eb := &errorBars{xs: s.xs, lo: s.lo, hi: s.hi, capWidth: vg.Points(5),
					style: draw.LineStyle{Color: c, Width: vg.Points(1)}}
				p.Add(eb)
				if scatter {
					thumbs = append(thumbs, eb)
				}
			}
		}
		if !scatter {
			l, err := plotter.NewLine(pts)
			if err != nil {
				return fail(fmt.Errorf("series %q: %v", s.name, err))
			}
			l.LineStyle.Color = c
			l.LineStyle.Width = vg.Points(1.5)
			p.Add(l)
			thumbs = append(thumbs, l)
		}
		if points {
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return fail(fmt.Errorf("series %q: %v", s.name, err))
			}
			sc.GlyphStyle.Color = c
			sc.GlyphStyle.Shape = draw.CircleGlyph{}
			sc.GlyphStyle.Radius = vg.Points(2.5)
			p.Add(sc)
			thumbs = append(thumbs, sc)
		}
		if len(ss) > 1 && s.name != "" {
			lg.add(s.name, thumbs...)
		}
	}
	if total == 0 {
		return fail(fmt.Errorf("no points to plot (every value is None or NaN)"))
	}
	xlo, xhi, _ := xa.dataRange(allX...)
	ylo, yhi, _ := ya.dataRange(allY...)
	xa.apply(&p.X, xlo, xhi, max(2, o.width/110))
	ya.apply(&p.Y, ylo, yhi, max(2, o.height/70))
	if err := save(thread, o, format, func(dc draw.Canvas) { lg.draw(pad(dc), p) }); err != nil {
		return fail(err)
	}
	return starlark.String(o.path), nil
}

// lineSamples is how many points per segment of a line count as hidden
// when legend="best" weighs the corners.
const lineSamples = 16

// pad leaves a few points free around a chart, which gonum draws to the
// edges, so that the outer tick labels and markers are whole.
func pad(dc draw.Canvas) draw.Canvas {
	return draw.Crop(dc, vg.Points(3), -vg.Points(8), vg.Points(2), -vg.Points(6))
}
