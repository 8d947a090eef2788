package plot_test

import (
	"encoding/xml"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarktest"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/bindings/outfiles"
)

// The tests below draw small SVG charts and read them back as shapes:
// gonum writes each stroke or fill as a <path> in plot coordinates (y up,
// points) and each label as a <text>, so where a bar, band, tick or legend
// entry landed can be checked, not only that a file appeared.

// svgShape is a path: its points (M and L vertices, arc ends), its style
// and, for a glyph circle, its radius.
type svgShape struct {
	pts    [][2]float64
	style  string
	radius float64
}

type svgText struct {
	x, y float64 // plot coordinates, y up
	s    string
}

type svgDoc struct {
	w, h   float64
	shapes []svgShape
	texts  []svgText
}

var (
	pathCmd = regexp.MustCompile(`([MLA])([^MLAZ]*)`)
	num     = regexp.MustCompile(`-?[0-9.]+(e-?[0-9]+)?`)
)

// drawSVG runs src (which must write "c.svg") and parses the chart.
func drawSVG(t *testing.T, src string) svgDoc {
	t.Helper()
	dir := t.TempDir()
	assert, err := starlarktest.LoadAssertModule()
	if err != nil {
		t.Fatal(err)
	}
	thread := &starlark.Thread{}
	starlarktest.SetReporter(thread, t)
	thread.SetLocal(outfiles.Key, outfiles.Dir(dir))
	pre := starlark.StringDict{"plot": api.Predeclared()["plot"], "table": api.Predeclared()["table"], "assert": assert["assert"]}
	if _, err := starlark.ExecFile(thread, "svg.star", src, pre); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "c.svg"))
	if err != nil {
		t.Fatal(err)
	}
	return parseSVG(t, data)
}

func parseSVG(t *testing.T, data []byte) svgDoc {
	t.Helper()
	var doc svgDoc
	dec := xml.NewDecoder(strings.NewReader(string(data)))
	var inText *svgText
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch el := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range el.Attr {
				attr[a.Name.Local] = a.Value
			}
			switch el.Name.Local {
			case "svg":
				vb := num.FindAllString(attr["viewBox"], -1)
				doc.w, doc.h = atof(t, vb[2]), atof(t, vb[3])
			case "path":
				s := svgShape{style: attr["style"]}
				for _, m := range pathCmd.FindAllStringSubmatch(attr["d"], -1) {
					ns := num.FindAllString(m[2], -1)
					if m[1] == "A" { // rx,ry rotation large sweep x,y
						s.radius = atof(t, ns[0])
						ns = ns[len(ns)-2:]
					}
					s.pts = append(s.pts, [2]float64{atof(t, ns[0]), atof(t, ns[1])})
				}
				doc.shapes = append(doc.shapes, s)
			case "text":
				inText = &svgText{x: atof(t, attr["x"]), y: -atof(t, attr["y"])}
			}
		case xml.CharData:
			if inText != nil {
				inText.s += string(el)
			}
		case xml.EndElement:
			if el.Name.Local == "text" && inText != nil {
				doc.texts = append(doc.texts, *inText)
				inText = nil
			}
		}
	}
	if doc.w == 0 || len(doc.shapes) == 0 {
		t.Fatalf("not a chart: %.200s", data)
	}
	return doc
}

func atof(t *testing.T, s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("bad number %q in the SVG", s)
	}
	return f
}

// stroked returns the shapes drawn with a line of the color (like
// "#4E79A7") and no fill.
func (d svgDoc) stroked(color string) []svgShape {
	var out []svgShape
	for _, s := range d.shapes {
		if strings.Contains(s.style, "stroke:"+color) && strings.Contains(s.style, "fill:none") {
			out = append(out, s)
		}
	}
	return out
}

func (d svgDoc) filled(color string) []svgShape {
	var out []svgShape
	for _, s := range d.shapes {
		if strings.HasPrefix(s.style, "fill:"+color) {
			out = append(out, s)
		}
	}
	return out
}

// text returns the label s, failing when there is none.
func (d svgDoc) text(t *testing.T, s string) svgText {
	t.Helper()
	for _, x := range d.texts {
		if x.s == s {
			return x
		}
	}
	t.Fatalf("no text %q among %v", s, d.texts)
	return svgText{}
}

func (d svgDoc) has(s string) bool {
	for _, x := range d.texts {
		if x.s == s {
			return true
		}
	}
	return false
}

// axisLines finds the x axis (the longest horizontal black line) and the
// y axis (the longest vertical one).
func (d svgDoc) axisLines() (xAxisY, yAxisX, xRight float64) {
	var bestH, bestV float64
	for _, s := range d.stroked("#000000") {
		if len(s.pts) != 2 {
			continue
		}
		a, b := s.pts[0], s.pts[1]
		if a[1] == b[1] && math.Abs(b[0]-a[0]) > bestH {
			bestH, xAxisY, xRight = math.Abs(b[0]-a[0]), a[1], math.Max(a[0], b[0])
		}
		if a[0] == b[0] && math.Abs(b[1]-a[1]) > bestV {
			bestV, yAxisX = math.Abs(b[1]-a[1]), a[0]
		}
	}
	return
}

const blue, orange = "#4E79A7", "#F28E2B" // the first two series colors

// vertical and horizontal split one color's two-point strokes.
func segments(ss []svgShape) (vertical, horizontal [][2][2]float64) {
	for _, s := range ss {
		if len(s.pts) != 2 {
			continue
		}
		a, b := s.pts[0], s.pts[1]
		switch {
		case a[0] == b[0]:
			vertical = append(vertical, [2][2]float64{a, b})
		case a[1] == b[1]:
			horizontal = append(horizontal, [2][2]float64{a, b})
		}
	}
	return
}

func TestErrorBarsSVG(t *testing.T) {
	// Half-widths 0.1 and 0.2; a None leaves the third point without one.
	d := drawSVG(t, `plot.line(x = [1, 2, 3], y = [1.0, 2.0, 1.5], yerr = [0.1, 0.2, None], path = "c.svg")`)
	bars, caps := segments(d.stroked(blue))
	if len(bars) != 2 || len(caps) != 4 {
		t.Fatalf("got %d bars and %d caps, want 2 and 4", len(bars), len(caps))
	}
	l1, l2 := math.Abs(bars[0][1][1]-bars[0][0][1]), math.Abs(bars[1][1][1]-bars[1][0][1])
	if math.Abs(l2/l1-2) > 0.01 {
		t.Errorf("bar lengths %g and %g: want the second twice the first", l1, l2)
	}
	// The line passes through the middle of each bar.
	line := d.stroked(blue)[len(d.stroked(blue))-1].pts
	for i, b := range bars {
		if mid := (b[0][1] + b[1][1]) / 2; math.Abs(mid-line[i][1]) > 0.01 || b[0][0] != line[i][0] {
			t.Errorf("bar %d at %v is not centred on the point %v", i, b, line[i])
		}
	}

	// ylo and yhi are the ends: 0.5 below and 0.1 above y = 1.
	d = drawSVG(t, `plot.line(x = [1, 2], y = [1.0, 2.0], ylo = [0.5, 1.9], yhi = [1.1, 2.1], path = "c.svg")`)
	bars, _ = segments(d.stroked(blue))
	line = d.stroked(blue)[len(d.stroked(blue))-1].pts
	below, above := line[0][1]-math.Min(bars[0][0][1], bars[0][1][1]), math.Max(bars[0][0][1], bars[0][1][1])-line[0][1]
	if math.Abs(below/above-5) > 0.01 {
		t.Errorf("asymmetric bar: %g below, %g above the point; want 5 times as much below", below, above)
	}
}

func TestBandSVG(t *testing.T) {
	d := drawSVG(t, `plot.line(x = [1, 2, 3], y = [1.0, 2.0, 1.5], yerr = [0.1, 0.2, 0.3], band = True, path = "c.svg")`)
	var band []svgShape
	for _, s := range d.shapes {
		if strings.Contains(s.style, "fill-opacity") {
			band = append(band, s)
		}
	}
	if len(band) != 1 || len(band[0].pts) != 6 {
		t.Fatalf("want one translucent polygon of 6 vertices, got %v", band)
	}
	if bars, _ := segments(d.stroked(blue)); len(bars) != 0 {
		t.Errorf("band=True still drew %d error bars", len(bars))
	}
	// Its height at each x is twice the half-width: 0.2, 0.4, 0.6.
	p := band[0].pts
	h := []float64{math.Abs(p[0][1] - p[5][1]), math.Abs(p[1][1] - p[4][1]), math.Abs(p[2][1] - p[3][1])}
	if math.Abs(h[1]/h[0]-2) > 0.01 || math.Abs(h[2]/h[0]-3) > 0.01 {
		t.Errorf("band heights %v: want in ratio 1:2:3", h)
	}
}

// TestGroupByPlotsInOneCall plots a sweep's summary the way the docs say:
// group_by with stats=, then one plot.line with yerr and by.
func TestGroupByPlotsInOneCall(t *testing.T) {
	d := drawSVG(t, `
runs = table.from_dicts([{"fanout": f, "loss": l, "seed": s, "coverage": 0.5 + 0.1 * f - l + 0.01 * s}
                         for f in [1, 2, 3] for l in [0.0, 0.2] for s in range(4)])
g = runs.group_by(["fanout", "loss"], stats = "coverage")
plot.line(g, x = "fanout", y = "coverage_mean", yerr = "coverage_ci", by = "loss", path = "c.svg")
`)
	for _, c := range []string{blue, orange} {
		if bars, _ := segments(d.stroked(c)); len(bars) != 3 {
			t.Errorf("series %s: %d error bars, want 3", c, len(bars))
		}
	}
	for _, s := range []string{"loss=0.0", "loss=0.2", "fanout", "coverage_mean"} {
		d.text(t, s)
	}
}

func TestLogAxisSVG(t *testing.T) {
	d := drawSVG(t, `plot.line(x = [1, 2, 3, 4], y = [1, 10, 100, 1000], logy = True, path = "c.svg")`)
	var ys []float64
	for _, s := range []string{"1", "10", "100", "1000"} {
		ys = append(ys, d.text(t, s).y)
	}
	for i := 2; i < len(ys); i++ {
		if gap, first := ys[i]-ys[i-1], ys[1]-ys[0]; first <= 0 || math.Abs(gap-first) > 0.5 {
			t.Errorf("decade labels at %v are not evenly spaced", ys)
		}
	}
	line := d.stroked(blue)[0].pts
	for i := 2; i < len(line); i++ {
		if gap, first := line[i][1]-line[i-1][1], line[1][1]-line[0][1]; math.Abs(gap-first) > 0.5 {
			t.Errorf("points of a geometric series at %v are not evenly spaced on a log axis", line)
		}
	}
	// A value a log axis cannot show is an error naming the point.
	dir := t.TempDir()
	thread := &starlark.Thread{}
	thread.SetLocal(outfiles.Key, outfiles.Dir(dir))
	_, err := starlark.ExecFile(thread, "log.star", `plot.line(x = [0, 1, 2], y = [1, 2, 3], logx = True, path = "c.svg")`,
		starlark.StringDict{"plot": api.Predeclared()["plot"]})
	if err == nil || !strings.Contains(err.Error(), "logx: point 0 has x = 0, which a log axis cannot show") {
		t.Errorf("log axis with 0: %v", err)
	}
}

func TestLimitsSVG(t *testing.T) {
	d := drawSVG(t, `plot.line(x = [2, 8, 14, 20], y = [0.2, 0.4, 0.9, 1.5], xlim = (0, 10), ylim = (0, 1), points = True, path = "c.svg")`)
	xs, ys := d.tickLabels()
	if len(xs) < 2 || xs[0] != 0 || xs[len(xs)-1] != 10 {
		t.Errorf("x tick labels %v: want 0 to 10", xs)
	}
	if len(ys) < 2 || ys[0] != 0 || ys[len(ys)-1] != 1 {
		t.Errorf("y tick labels %v: want 0 to 1", ys)
	}
	// Outside the limits nothing is drawn: the line is cut at x = 10, the
	// points at x = 14 and 20 are left out.
	right := d.text(t, "10").x + 10
	for _, s := range d.filled(blue) {
		for _, p := range s.pts {
			if p[0] > right {
				t.Errorf("a marker at %v lies right of xlim", p)
			}
		}
	}
	if n := len(d.filled(blue)); n != 2 {
		t.Errorf("%d markers drawn, want the 2 inside the limits", n)
	}
}

// TestLegendSVG draws a line across the top and one down to the bottom
// right, leaving the bottom left empty, with each legend placement.
func TestLegendSVG(t *testing.T) {
	src := `plot.line({"a": [10, 10, 10], "b": [6, 3, 0], "c": [9, 9.5, 10]}, x = [0, 1, 2], legend = %s, path = "c.svg")`
	for _, c := range []struct {
		place       string
		right, high bool
	}{
		{`"top left"`, false, true},
		{`"top right"`, true, true},
		{`"bottom left"`, false, false},
		{`"bottom right"`, true, false},
		{`"best"`, false, false}, // the only empty corner: bottom left
	} {
		t.Run(c.place, func(t *testing.T) {
			d := drawSVG(t, strings.Replace(src, "%s", c.place, 1))
			for _, name := range []string{"a", "b", "c"} {
				tx := d.text(t, name)
				if (tx.x > d.w/2) != c.right || (tx.y > d.h/2) != c.high {
					t.Errorf("legend entry %q at (%.0f, %.0f) in a %.0fx%.0f chart", name, tx.x, tx.y, d.w, d.h)
				}
			}
		})
	}
	d := drawSVG(t, strings.Replace(src, "%s", `"outside"`, 1))
	_, _, xRight := d.axisLines()
	if tx := d.text(t, "a"); tx.x < xRight {
		t.Errorf("outside legend at x=%.0f, left of the axes' end %.0f", tx.x, xRight)
	}
	d = drawSVG(t, strings.Replace(src, "%s", `"none"`, 1))
	if d.has("a") {
		t.Error(`legend = "none" drew a legend`)
	}
}

// TestMarkersWholeSVG puts points on every extreme: each circle must lie
// inside the axes and the image.
func TestMarkersWholeSVG(t *testing.T) {
	d := drawSVG(t, `plot.line(x = [0, 1, 2, 3], y = [0, 9, 1, 4], points = True, yerr = [1, 1, 1, 1], path = "c.svg")`)
	xAxisY, yAxisX, xRight := d.axisLines()
	circles := 0
	for _, s := range d.filled(blue) {
		if s.radius == 0 {
			continue
		}
		circles++
		cx, cy, r := s.pts[0][0]-s.radius, s.pts[0][1], s.radius
		if cx-r <= yAxisX || cx+r > xRight || cy-r <= xAxisY || cy+r > d.h {
			t.Errorf("marker at (%.1f, %.1f) r=%.1f is cut: axes from x=%.1f to %.1f, y from %.1f; image %gx%g",
				cx, cy, r, yAxisX, xRight, xAxisY, d.w, d.h)
		}
	}
	if circles != 4 {
		t.Errorf("%d markers, want 4", circles)
	}
	_, caps := segments(d.stroked(blue))
	for _, c := range caps {
		if c[0][1] > d.h-1 || c[0][1] < xAxisY {
			t.Errorf("an error bar cap at y=%.1f is cut", c[0][1])
		}
	}
}

func TestHeatmapKeySVG(t *testing.T) {
	// Bools are categories: a swatch each, grey for None, no scale.
	d := drawSVG(t, `plot.heatmap([[True, False], [None, True]], value_labels = {None: "not received"}, path = "c.svg")`)
	_, _, xRight := d.axisLines()
	for _, s := range []string{"True", "False", "not received"} {
		if tx := d.text(t, s); tx.x < xRight {
			t.Errorf("key entry %q at x=%.0f is not right of the cells (%.0f)", s, tx.x, xRight)
		}
	}
	greys := 0
	for _, s := range d.filled("#DDDDDD") {
		if s.pts[0][0] > xRight {
			greys++
		}
	}
	if greys != 1 {
		t.Errorf("%d grey swatches in the key, want 1", greys)
	}
	for _, tx := range d.texts {
		if _, err := strconv.ParseFloat(tx.s, 64); err == nil && tx.x > xRight {
			t.Errorf("a bool heat map's key has a scale label %q", tx.s)
		}
	}
	// Numbers keep their scale, and the grey cells get a swatch under it.
	d = drawSVG(t, `plot.heatmap([[0.1, None], [0.5, 0.9]], path = "c.svg")`)
	_, _, xRight = d.axisLines()
	scale := 0
	for _, tx := range d.texts {
		if _, err := strconv.ParseFloat(tx.s, 64); err == nil && tx.x > xRight {
			scale++
		}
	}
	if scale < 2 {
		t.Errorf("a number heat map's key has %d scale labels", scale)
	}
	if tx := d.text(t, "None"); tx.x < xRight {
		t.Errorf("no None swatch right of the cells")
	}
	// And no None entry when no cell is empty.
	if d = drawSVG(t, `plot.heatmap([[True, False]], path = "c.svg")`); d.has("None") {
		t.Error("a None entry without empty cells")
	}
}
