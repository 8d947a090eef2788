package plot_test

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// box is the bounding box of a filled shape: a bar.
type box struct{ x0, x1, y0, y1 float64 }

// boxes returns the bounding boxes of the shapes, left to right.
func boxes(ss []svgShape) []box {
	var out []box
	for _, s := range ss {
		b := box{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)}
		for _, p := range s.pts {
			b.x0, b.x1 = math.Min(b.x0, p[0]), math.Max(b.x1, p[0])
			b.y0, b.y1 = math.Min(b.y0, p[1]), math.Max(b.y1, p[1])
		}
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].x0 < out[j].x0 })
	return out
}

// tickLabels returns the numbers labelling the x axis (below it) and the
// y axis (left of it).
func (d svgDoc) tickLabels() (xs, ys []float64) {
	xAxisY, yAxisX, _ := d.axisLines()
	for _, tx := range d.texts {
		v, err := strconv.ParseFloat(tx.s, 64)
		if err != nil {
			continue
		}
		if tx.y < xAxisY {
			xs = append(xs, v)
		} else if tx.x < yAxisX {
			ys = append(ys, v)
		}
	}
	sort.Float64s(xs)
	sort.Float64s(ys)
	return xs, ys
}

// frame returns the data area: the x axis's line spans it across, the
// y axis's line up (each axis line lies a little outside it).
func (d svgDoc) frame() (x0, x1, y0, y1 float64) {
	var bestH, bestV float64
	for _, s := range d.stroked("#000000") {
		if len(s.pts) != 2 {
			continue
		}
		a, b := s.pts[0], s.pts[1]
		if a[1] == b[1] && math.Abs(b[0]-a[0]) > bestH {
			bestH, x0, x1 = math.Abs(b[0]-a[0]), math.Min(a[0], b[0]), math.Max(a[0], b[0])
		}
		if a[0] == b[0] && math.Abs(b[1]-a[1]) > bestV {
			bestV, y0, y1 = math.Abs(b[1]-a[1]), math.Min(a[1], b[1]), math.Max(a[1], b[1])
		}
	}
	return
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.05 }

// evenly reports whether the values are equally spaced.
func evenly(vs ...float64) bool {
	for i := 2; i < len(vs); i++ {
		if math.Abs((vs[i]-vs[i-1])-(vs[1]-vs[0])) > 0.5 {
			return false
		}
	}
	return len(vs) > 2 && vs[1] != vs[0]
}

func TestHistLogYSVG(t *testing.T) {
	// Bins of width 2 from 1 to 9 hold 1, 0, 10 and 1000 values.
	src := `plot.hist([1] + [5] * 10 + [9] * 1000, bins = 4, logy = True%s, path = "c.svg")`
	d := drawSVG(t, strings.Replace(src, "%s", "", 1))
	bs := boxes(d.filled(blue))
	if len(bs) != 3 {
		t.Fatalf("%d bars, want 3 (the empty bin draws nothing): %v", len(bs), bs)
	}
	_, _, bottom, _ := d.frame()
	for _, b := range bs {
		if !near(b.y0, bottom) {
			t.Errorf("bar %v does not stand on the bottom of the axis (y=%g)", b, bottom)
		}
	}
	// Decades are evenly spaced, and the bars of 10 and 1000 reach them.
	one, ten, thousand := d.text(t, "1").y, d.text(t, "10").y, d.text(t, "1000").y
	if !evenly(one, ten, d.text(t, "100").y, thousand) {
		t.Errorf("decade labels at %g, %g, ..., %g are not evenly spaced", one, ten, thousand)
	}
	if got, want := bs[2].y1-bs[1].y1, thousand-ten; math.Abs(got-want) > 0.5 {
		t.Errorf("the bars of 10 and 1000 differ by %g in height, want two decades (%g)", got, want)
	}
	if got, want := bs[1].y1-bs[0].y1, ten-one; math.Abs(got-want) > 0.5 {
		t.Errorf("the bars of 1 and 10 differ by %g in height, want a decade (%g)", got, want)
	}

	// A density on a log axis: 1000 of 1011 values in a bin 2 wide is
	// 0.49, 10 of them 0.0049.
	d = drawSVG(t, strings.Replace(src, "%s", ", normalize = True", 1))
	if bs := boxes(d.filled(blue)); len(bs) != 3 {
		t.Fatalf("normalized: %d bars, want 3", len(bs))
	}
	for _, s := range []string{"0.001", "0.01", "0.1", "density"} {
		d.text(t, s)
	}
}

func TestHistLogXSVG(t *testing.T) {
	// Log-spaced bins 1-10, 10-100, 100-1000 hold 2, 2 and 3 values
	// (equal-width bins would hold 6, 0 and 1).
	d := drawSVG(t, `plot.hist([2, 5, 20, 50, 200, 500, 999], bins = 3, logx = True, xlim = (1, 1000), path = "c.svg")`)
	bs := boxes(d.filled(blue))
	if len(bs) != 3 {
		t.Fatalf("%d bars, want 3", len(bs))
	}
	h := []float64{bs[0].y1 - bs[0].y0, bs[1].y1 - bs[1].y0, bs[2].y1 - bs[2].y0}
	if !near(h[0], h[1]) || math.Abs(h[2]/h[0]-1.5) > 0.01 {
		t.Errorf("bar heights %v: want in ratio 2:2:3", h)
	}
	if w0, w1, w2 := bs[0].x1-bs[0].x0, bs[1].x1-bs[1].x0, bs[2].x1-bs[2].x0; !near(w0, w1) || !near(w1, w2) {
		t.Errorf("bar widths %g, %g, %g: log-spaced bins are equally wide on a log axis", w0, w1, w2)
	}
	if !evenly(d.text(t, "10").x, d.text(t, "100").x, d.text(t, "1000").x) {
		t.Error("decade labels on the x axis are not evenly spaced")
	}
	// xlim is the axis's range: the bins fill it from end to end.
	left, right, _, _ := d.frame()
	if !near(bs[0].x0, left) || !near(bs[2].x1, right) {
		t.Errorf("bars from x=%g to %g; the axis runs from %g to %g", bs[0].x0, bs[2].x1, left, right)
	}
}

func TestHistLimitsSVG(t *testing.T) {
	// 0..99 in bins of 10 from 0 to 50: the values above 50 are left out.
	d := drawSVG(t, `plot.hist(list(range(100)), bins = 5, xlim = (0, 50), ylim = (0, 40), path = "c.svg")`)
	xs, ys := d.tickLabels()
	if len(xs) < 2 || xs[0] != 0 || xs[len(xs)-1] != 50 {
		t.Errorf("x tick labels %v: want 0 to 50", xs)
	}
	if len(ys) < 2 || ys[0] != 0 || ys[len(ys)-1] != 40 {
		t.Errorf("y tick labels %v: want 0 to 40", ys)
	}
	bs := boxes(d.filled(blue))
	left, right, bottom, top := d.frame()
	if len(bs) != 5 || !near(bs[0].x0, left) || !near(bs[4].x1, right) {
		t.Fatalf("bars %v: want 5 filling the x axis from %g to %g", bs, left, right)
	}
	// 10 of 40 is a quarter of the axis's height.
	if got := bs[0].y1 - bottom; math.Abs(got/(top-bottom)-0.25) > 0.01 {
		t.Errorf("a bin of 10 is %g high, want a quarter of %g", got, top-bottom)
	}
}

func TestBarLogSVG(t *testing.T) {
	d := drawSVG(t, `plot.bar(["a", "b", "c", "d"], [1, 100, 10000, 0], logy = True, path = "c.svg")`)
	bs := boxes(d.filled(blue))
	if len(bs) != 3 {
		t.Fatalf("%d bars, want 3 (a 0 draws none on a log axis)", len(bs))
	}
	_, _, bottom, _ := d.frame()
	for _, b := range bs {
		if !near(b.y0, bottom) {
			t.Errorf("bar %v does not start at the bottom of the axis (y=%g)", b, bottom)
		}
	}
	if !evenly(bs[0].y1, bs[1].y1, bs[2].y1) {
		t.Errorf("bars of 1, 100 and 10000 end at %g, %g, %g: not evenly spaced", bs[0].y1, bs[1].y1, bs[2].y1)
	}
	if got, want := bs[2].y1-bs[1].y1, d.text(t, "10000").y-d.text(t, "100").y; math.Abs(got-want) > 0.5 {
		t.Errorf("bars of 100 and 10000 differ by %g, the labels by %g", got, want)
	}

	// ylim fixes the range: 50 of 100 reaches half way.
	d = drawSVG(t, `plot.bar(["a", "b"], [5, 50], ylim = (0, 100), path = "c.svg")`)
	_, ys := d.tickLabels()
	if len(ys) < 2 || ys[0] != 0 || ys[len(ys)-1] != 100 {
		t.Errorf("y tick labels %v: want 0 to 100", ys)
	}
	bs = boxes(d.filled(blue))
	_, _, bottom, top := d.frame()
	if len(bs) != 2 || math.Abs((bs[1].y1-bottom)/(top-bottom)-0.5) > 0.01 {
		t.Errorf("bars %v: want the second half of %g high", bs, top-bottom)
	}
}

// TestBarLegendSVG draws grouped bars falling from left to right, so the
// top right corner is the empty one.
func TestBarLegendSVG(t *testing.T) {
	src := `plot.bar(["p", "q", "r", "s"], {"sent": [10, 9, 2, 1], "lost": [9, 8, 1, 1]}, legend = %s, path = "c.svg")`
	for _, c := range []struct {
		place       string
		right, high bool
	}{
		{`"top left"`, false, true},
		{`"top right"`, true, true},
		{`"bottom left"`, false, false},
		{`"bottom right"`, true, false},
		{`"best"`, true, true},
	} {
		t.Run(c.place, func(t *testing.T) {
			d := drawSVG(t, strings.Replace(src, "%s", c.place, 1))
			for _, name := range []string{"sent", "lost"} {
				tx := d.text(t, name)
				if (tx.x > d.w/2) != c.right || (tx.y > d.h/2) != c.high {
					t.Errorf("legend entry %q at (%.0f, %.0f) in a %.0fx%.0f chart", name, tx.x, tx.y, d.w, d.h)
				}
			}
			if n := len(d.filled(orange)); n != 5 { // 4 bars and the swatch
				t.Errorf("%d orange shapes, want 4 bars and a legend swatch", n)
			}
		})
	}
	d := drawSVG(t, strings.Replace(src, "%s", `"outside"`, 1))
	_, _, xRight := d.axisLines()
	if tx := d.text(t, "sent"); tx.x < xRight {
		t.Errorf("outside legend at x=%.0f, left of the axes' end %.0f", tx.x, xRight)
	}
	d = drawSVG(t, strings.Replace(src, "%s", `"none"`, 1))
	if d.has("sent") {
		t.Error(`legend = "none" drew a legend`)
	}
}
