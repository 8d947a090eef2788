package plot

import (
	"fmt"
	"math"
	"strconv"

	"go.starlark.net/starlark"
	gplot "gonum.org/v1/plot"
)

// margin is the share of the data range left free on each side of an x-y
// chart (as matplotlib's axes.xmargin), so that markers and error-bar caps
// at the extremes are drawn whole and lines do not run along the frame.
const margin = 0.04

// axisSpec is what a chart's arguments say about one axis.
type axisSpec struct {
	name   string // "x" or "y", for messages
	log    bool
	lo, hi float64 // limits; NaN: from the data
}

// limits reads xlim= or ylim=: None, or a pair (lo, hi) where either may
// be None (taken from the data).
func limits(arg string, v starlark.Value) (lo, hi float64, err error) {
	lo, hi = math.NaN(), math.NaN()
	if none(v) {
		return lo, hi, nil
	}
	seq, ok := sequence(v)
	if !ok || seq.Len() != 2 {
		return lo, hi, fmt.Errorf("%s: got %s, want a pair (low, high) like (0, 1); either may be None", arg, v.String())
	}
	ends := [2]*float64{&lo, &hi}
	for i := range ends {
		x := seq.Index(i)
		if x == starlark.None {
			continue
		}
		f, ok := starlark.AsFloat(x)
		if _, isBool := x.(starlark.Bool); !ok || isBool || !finite(f) {
			return lo, hi, fmt.Errorf("%s: %s is not a finite number", arg, x.String())
		}
		*ends[i] = f
	}
	if !math.IsNaN(lo) && !math.IsNaN(hi) && !(lo < hi) {
		return lo, hi, fmt.Errorf("%s: the low end %g must be below the high end %g", arg, lo, hi)
	}
	return lo, hi, nil
}

// axesOf reads the log and limit arguments of a chart's two axes; a
// chart without some of them passes false and nil.
func axesOf(logx, logy bool, xlim, ylim starlark.Value) (xa, ya axisSpec, err error) {
	xa, ya = axisSpec{name: "x", log: logx}, axisSpec{name: "y", log: logy}
	if xa.lo, xa.hi, err = limits("xlim", xlim); err != nil {
		return xa, ya, err
	}
	if ya.lo, ya.hi, err = limits("ylim", ylim); err != nil {
		return xa, ya, err
	}
	for _, a := range []axisSpec{xa, ya} {
		if err := a.check(); err != nil {
			return xa, ya, err
		}
	}
	return xa, ya, nil
}

// check reports limits that a log axis cannot show.
func (a axisSpec) check() error {
	if !a.log {
		return nil
	}
	for _, v := range []float64{a.lo, a.hi} {
		if v <= 0 {
			return fmt.Errorf("%slim: %g is not > 0, which a log axis (log%s=True) needs", a.name, v, a.name)
		}
	}
	return nil
}

// dataRange returns the smallest and largest of the values that the axis
// can show (on a log axis, the positive ones); ok is false when there are
// none.
func (a axisSpec) dataRange(vals ...[]float64) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, vs := range vals {
		for _, v := range vs {
			if !finite(v) || (a.log && v <= 0) {
				continue
			}
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	return lo, hi, lo <= hi
}

// apply sets the axis of p: scale, ticks and range. The range is the data
// range widened by margin on each side (in log space on a log axis),
// except where a limit is given.
func (a axisSpec) apply(ax *gplot.Axis, lo, hi float64, nticks int) {
	if a.log {
		ax.Scale = gplot.LogScale{}
		ax.Tick.Marker = logTicks{}
		lo, hi = math.Log10(lo), math.Log10(hi)
	}
	if lo == hi {
		// One value: a unit around it (a decade on a log axis).
		lo, hi = lo-0.5, hi+0.5
	} else {
		d := (hi - lo) * margin
		lo, hi = lo-d, hi+d
	}
	if a.log {
		lo, hi = math.Pow(10, lo), math.Pow(10, hi)
	} else {
		ax.Tick.Marker = niceTicks{n: nticks}
	}
	ax.Min, ax.Max = a.limit(lo, hi)
}

// applyBars sets the axis along which bars rise. A log axis is set as by
// apply (the bars rise from its bottom). A linear one takes in 0, where
// the bars start, and leaves 5% of the range free beyond the longest bar
// only, so that bars stand on the frame without touching the far side.
func (a axisSpec) applyBars(ax *gplot.Axis, lo, hi float64, nticks int) {
	if a.log {
		a.apply(ax, lo, hi, nticks)
		return
	}
	lo, hi = math.Min(lo, 0), math.Max(hi, 0)
	if lo == hi {
		hi = 1
	}
	d := (hi - lo) * 0.05
	if hi > 0 {
		hi += d
	}
	if lo < 0 {
		lo -= d
	}
	ax.Scale = gplot.LinearScale{}
	ax.Tick.Marker = niceTicks{n: nticks}
	ax.Min, ax.Max = a.limit(lo, hi)
}

// limit replaces the ends of the range lo..hi that the axis's limits
// fix; when one limit falls on the wrong side of the rest, the range
// becomes a unit (a decade on a log axis) on its side.
func (a axisSpec) limit(lo, hi float64) (float64, float64) {
	if !math.IsNaN(a.lo) {
		lo = a.lo
	}
	if !math.IsNaN(a.hi) {
		hi = a.hi
	}
	if !(lo < hi) { // one limit given, on the wrong side of the data
		if !math.IsNaN(a.lo) {
			hi = a.lo + 1
			if a.log {
				hi = a.lo * 10
			}
		} else {
			lo = a.hi - 1
			if a.log {
				lo = a.hi / 10
			}
		}
	}
	return lo, hi
}

// base is where bars start on the axis: 0, or the bottom of a log axis.
func (a axisSpec) base(ax *gplot.Axis) float64 {
	if a.log {
		return ax.Min
	}
	return 0
}

// logTicks labels the powers of ten in range; when fewer than three fall
// in it, it labels 2 and 5 times them too, and then every multiple, so
// that a range of a decade or less still reads. Other multiples are minor.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []gplot.Tick {
	if !(lo > 0 && hi > lo) {
		return nil
	}
	first := math.Floor(math.Log10(lo))
	last := math.Ceil(math.Log10(hi))
	if last-first > 300 {
		last = first + 300
	}
	in := func(v float64) bool { return v >= lo*(1-1e-9) && v <= hi*(1+1e-9) }
	count := func(labelled func(m int) bool) int {
		n := 0
		for e := first; e <= last; e++ {
			for m := 1; m <= 9; m++ {
				if labelled(m) && in(float64(m)*math.Pow(10, e)) {
					n++
				}
			}
		}
		return n
	}
	labelled := func(m int) bool { return m == 1 }
	if count(labelled) < 3 {
		labelled = func(m int) bool { return m == 1 || m == 2 || m == 5 }
		if count(labelled) < 3 {
			labelled = func(int) bool { return true }
		}
	}
	var ticks []gplot.Tick
	for e := first; e <= last; e++ {
		p := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * p
			if !in(v) {
				continue
			}
			t := gplot.Tick{Value: v}
			if labelled(m) {
				t.Label = formatLogTick(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// formatLogTick writes 0.001 to 100000 plainly and others as 1e+06.
func formatLogTick(v float64) string {
	if v >= 1e-3 && v < 1e6 {
		return strconv.FormatFloat(v, 'g', 6, 64) // 0.3, not 0.30000000000000004
	}
	return fmt.Sprintf("%.0e", v)
}
