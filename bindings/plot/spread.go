package plot

import (
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// errorBars draws a vertical bar with caps from lo to hi at each x, as
// plotter.YErrorBars does, but clipped to the axes' range (a log axis
// starts the bars that reach 0 or below at its bottom) and leaving out
// points with no bar (NaN).
type errorBars struct {
	xs, lo, hi []float64
	style      draw.LineStyle
	capWidth   vg.Length
}

func (e *errorBars) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	for i, x := range e.xs {
		lo, hi, ok := clampY(p, e.lo[i], e.hi[i])
		if !finite(x) || !ok || x < p.X.Min || x > p.X.Max {
			continue
		}
		cx, ylo, yhi := trX(x), trY(lo), trY(hi)
		for _, l := range c.ClipLinesY([]vg.Point{{X: cx, Y: ylo}, {X: cx, Y: yhi}}) {
			c.StrokeLines(e.style, l)
		}
		for _, y := range []vg.Length{ylo, yhi} {
			if c.Contains(vg.Point{X: cx, Y: y}) {
				c.StrokeLine2(e.style, cx-e.capWidth/2, y, cx+e.capWidth/2, y)
			}
		}
	}
}

// Thumbnail draws a short bar with caps, for the legend.
func (e *errorBars) Thumbnail(c *draw.Canvas) {
	x := (c.Min.X + c.Max.X) / 2
	c.StrokeLine2(e.style, x, c.Min.Y, x, c.Max.Y)
	c.StrokeLine2(e.style, x-e.capWidth/2, c.Min.Y, x+e.capWidth/2, c.Min.Y)
	c.StrokeLine2(e.style, x-e.capWidth/2, c.Max.Y, x+e.capWidth/2, c.Max.Y)
}

// band fills the area between lo and hi along x, translucent, one polygon
// per run of points with both ends (a missing one leaves a gap, as in the
// line).
type band struct {
	xs, lo, hi []float64
	color      color.Color
}

func (b *band) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	var upper, lower []vg.Point
	flush := func() {
		if len(upper) >= 2 {
			poly := append([]vg.Point(nil), upper...)
			for i := len(lower) - 1; i >= 0; i-- {
				poly = append(poly, lower[i])
			}
			if clipped := c.ClipPolygonXY(poly); len(clipped) > 0 {
				c.FillPolygon(b.color, clipped)
			}
		}
		upper, lower = upper[:0], lower[:0]
	}
	for i, x := range b.xs {
		lo, hi, ok := clampY(p, b.lo[i], b.hi[i])
		if !finite(x) || !ok || (p.X.Scale == gplot.LogScale{} && x <= 0) {
			flush()
			continue
		}
		cx := trX(x)
		upper = append(upper, vg.Point{X: cx, Y: trY(hi)})
		lower = append(lower, vg.Point{X: cx, Y: trY(lo)})
	}
	flush()
}

// Thumbnail fills the legend's swatch.
func (b *band) Thumbnail(c *draw.Canvas) {
	c.SetColor(b.color)
	c.Fill(c.Rectangle.Path())
}

// clampY returns the ends of a bar that the y axis can show: on a log
// axis an end at or below 0 moves to the axis' bottom. ok is false when
// there is no bar.
func clampY(p *gplot.Plot, lo, hi float64) (float64, float64, bool) {
	if !finite(lo) || !finite(hi) {
		return 0, 0, false
	}
	if p.Y.Scale == (gplot.LogScale{}) {
		if hi <= 0 {
			return 0, 0, false
		}
		lo = math.Max(lo, p.Y.Min)
	}
	return lo, hi, true
}

// translucent is c with the given opacity.
func translucent(c color.Color, alpha float64) color.Color {
	r, g, b, _ := c.RGBA()
	a := uint8(alpha * 255)
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}
