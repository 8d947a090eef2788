package plot

import (
	"fmt"
	"image/color"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// legendPlaces are the values of legend=.
var legendPlaces = []string{"best", "top left", "top right", "bottom left", "bottom right", "outside", "none"}

func checkLegend(place string) error {
	for _, p := range legendPlaces {
		if place == p {
			return nil
		}
	}
	return fmt.Errorf("legend: got %q, want one of \"%s\"", place, strings.Join(legendPlaces, `", "`))
}

// legend is the key of a chart, drawn by us rather than by gonum's plot
// so that it can stand on a white box, outside the axes, or in the
// corner where it hides the fewest points.
type legend struct {
	place string
	l     gplot.Legend
	names []string
	pts   [][2]float64 // data points, to find the emptiest corner
}

const (
	legendInset = 6 // points between the axes' frame and the box
	legendPad   = 4 // points between the box's edge and its entries
)

func newLegend(place string) *legend {
	l := gplot.NewLegend()
	l.TextStyle.Font.Size = vg.Points(10)
	l.Top, l.Left = true, true
	return &legend{place: place, l: l}
}

func (lg *legend) add(name string, thumbs ...gplot.Thumbnailer) {
	lg.l.Add(name, thumbs...)
	lg.names = append(lg.names, name)
}

// size is the box's width and height.
func (lg *legend) size() (w, h vg.Length) {
	var tw vg.Length
	var th vg.Length
	for _, n := range lg.names {
		r := lg.l.TextStyle.Rectangle(" " + n)
		tw = max(tw, r.Max.X)
		th = max(th, r.Max.Y)
	}
	desc := lg.l.TextStyle.FontExtents().Descent
	k := vg.Length(len(lg.names))
	return lg.l.ThumbnailWidth + tw + 2*legendPad, k*th + (k-1)*lg.l.Padding + desc + 2*legendPad
}

// outsideWidth is the room an outside legend takes at the right.
func (lg *legend) outsideWidth() vg.Length {
	if lg.place != "outside" || len(lg.names) == 0 {
		return 0
	}
	w, _ := lg.size()
	return w + 2*legendInset
}

// draw draws the plot and its legend on dc.
func (lg *legend) draw(dc draw.Canvas, p *gplot.Plot) {
	if len(lg.names) == 0 || lg.place == "none" {
		p.Draw(dc)
		return
	}
	w, h := lg.size()
	if lg.place == "outside" {
		room := lg.outsideWidth()
		plotC := draw.Crop(dc, 0, -room, 0, 0)
		p.Draw(plotC)
		data := p.DataCanvas(plotC)
		x := plotC.Max.X + legendInset
		lg.drawBox(dc, vg.Rectangle{Min: vg.Point{X: x, Y: data.Max.Y - h}, Max: vg.Point{X: x + w, Y: data.Max.Y}}, false)
		return
	}
	p.Draw(dc)
	data := p.DataCanvas(dc)
	boxes := map[string]vg.Rectangle{}
	in := vg.Length(legendInset)
	for _, place := range legendPlaces[1:5] {
		var r vg.Rectangle
		if strings.HasPrefix(place, "top") {
			r.Max.Y = data.Max.Y - in
		} else {
			r.Max.Y = data.Min.Y + in + h
		}
		if strings.HasSuffix(place, "left") {
			r.Min.X = data.Min.X + in
		} else {
			r.Min.X = data.Max.X - in - w
		}
		r.Min.Y, r.Max.X = r.Max.Y-h, r.Min.X+w
		boxes[place] = r
	}
	place := lg.place
	if place == "best" {
		// The corner hiding the fewest points; ties go in this order.
		trX, trY := p.Transforms(&data)
		best := -1
		for _, c := range []string{"top left", "top right", "bottom right", "bottom left"} {
			r, n := boxes[c], 0
			for _, pt := range lg.pts {
				x, y := trX(pt[0]), trY(pt[1])
				if x >= r.Min.X && x <= r.Max.X && y >= r.Min.Y && y <= r.Max.Y {
					n++
				}
			}
			if best < 0 || n < best {
				best, place = n, c
			}
		}
	}
	lg.drawBox(dc, boxes[place], true)
}

// drawBox draws the entries in r, on a white box when it lies over data.
func (lg *legend) drawBox(dc draw.Canvas, r vg.Rectangle, box bool) {
	if box {
		dc.SetColor(color.NRGBA{R: 255, G: 255, B: 255, A: 217})
		dc.Fill(r.Path())
		dc.SetLineStyle(draw.LineStyle{Color: color.Gray{Y: 0xcc}, Width: vg.Points(0.5)})
		dc.Stroke(r.Path())
	}
	inner := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: r.Min.X + legendPad, Y: r.Min.Y + legendPad},
		Max: vg.Point{X: r.Max.X - legendPad, Y: r.Max.Y - legendPad},
	}}
	lg.l.Draw(inner)
}
