package spacetime

import (
	"image/color"
	"math"
	"strconv"
)

// painter is a back end: SVG text or a gonum vg canvas. Coordinates are
// pixels, y downwards.
type painter interface {
	// group starts a group of shapes that belong to one thing (a peer, a
	// message); tip is its hover text, attrs extra attributes (name,
	// value pairs). The vg back end ignores groups.
	group(class, tip string, attrs ...string)
	end()
	line(x0, y0, x1, y1, width float64, c color.NRGBA, dash bool)
	poly(pts []float64, c color.NRGBA, opacity float64) // filled polygon
	rect(x, y, w, h float64, c color.NRGBA, opacity float64)
	text(x, y float64, s string, size float64, c color.NRGBA, anchor anchor, bold bool)
}

type anchor uint8

const (
	anchorStart anchor = iota
	anchorMiddle
	anchorEnd
)

var (
	black     = rgb(0x222222)
	grey      = rgb(0x777777)
	lightGrey = rgb(0xdddddd)
	rowLine   = rgb(0xb8b8b8)
	offlineC  = rgb(0x8c8c8c)
	sideA     = rgb(0xf28e2b)
	sideB     = rgb(0x7b68ee)
	markC     = rgb(0x222222)
	crossC    = rgb(0xc0392b)
	white     = rgb(0xffffff)
)

// render draws the diagram on p.
func (d *Diagram) render(p painter) {
	p.rect(0, 0, d.W, d.H, white, 1)
	p.text(d.X0, 18, d.Title, titleFont, black, anchorStart, true)
	p.text(d.X0, 34, d.Caption, smallFont+1, grey, anchorStart, false)

	for _, b := range d.Bands {
		p.group("partition", b.Label)
		for _, r := range b.A {
			p.rect(b.X0, d.Rows[r].Y-d.RowH/2, b.X1-b.X0, d.RowH, sideA, 0.16)
		}
		for _, r := range b.B {
			p.rect(b.X0, d.Rows[r].Y-d.RowH/2, b.X1-b.X0, d.RowH, sideB, 0.12)
		}
		p.line(b.X0, d.Y0, b.X0, d.Y1, 1, sideA, true)
		p.line(b.X1, d.Y0, b.X1, d.Y1, 1, sideA, true)
		p.text(b.X0+3, d.Y0-3, b.Label, smallFont, sideA, anchorStart, false)
		p.end()
	}
	for _, s := range d.Offline {
		p.group("offline", "offline", "data-peer", strconv.Itoa(d.Rows[s.Row].Peer))
		p.rect(s.X0, d.Rows[s.Row].Y-d.RowH*0.32, s.X1-s.X0, d.RowH*0.64, offlineC, 0.35)
		p.end()
	}

	p.group("axis", "")
	for _, t := range d.Ticks {
		p.line(t.X, d.Y0, t.X, d.Y1, 0.5, lightGrey, false)
		p.line(t.X, d.Y1, t.X, d.Y1+4, 1, grey, false)
		p.text(t.X, d.Y1+16, t.Label, fontSize, black, anchorMiddle, false)
	}
	p.line(d.X0, d.Y1, d.X1, d.Y1, 1, grey, false)
	p.text((d.X0+d.X1)/2, d.Y1+30, "time (ms)", fontSize, black, anchorMiddle, false)
	p.end()

	for _, r := range d.Rows {
		p.group("peer", "", "data-peer", strconv.Itoa(r.Peer))
		p.line(d.X0, r.Y, d.X1, r.Y, 1, rowLine, false)
		p.text(d.X0-8, r.Y+4, r.Label, fontSize, black, anchorEnd, false)
		p.end()
	}

	for i := range d.Arrows {
		d.renderArrow(p, &d.Arrows[i])
	}

	for _, m := range d.Marks {
		p.group("mark", m.Tip)
		p.poly([]float64{m.X, m.Y - 5, m.X + 4, m.Y, m.X, m.Y + 5, m.X - 4, m.Y}, markC, 1)
		if m.Text {
			p.text(m.X+5, m.Y-5, m.Label, smallFont, markC, anchorStart, false)
		}
		p.end()
	}
	d.renderLegend(p)
}

func (d *Diagram) renderArrow(p painter, a *Arrow) {
	c := d.Colors[a.Color]
	p.group("msg "+a.Class, a.Tip, "data-color", Hex(c))
	p.line(a.X0, a.Y0, a.X1, a.Y1, 1.2, c, a.Dashed)
	if !a.Clipped {
		dx, dy := a.X1-a.X0, a.Y1-a.Y0
		n := math.Hypot(dx, dy)
		if n == 0 {
			dx, dy, n = 0, 1, 1
		}
		ux, uy := dx/n, dy/n
		switch a.End {
		case Head:
			const l, w = 7, 3
			bx, by := a.X1-ux*l, a.Y1-uy*l
			p.poly([]float64{a.X1, a.Y1, bx - uy*w, by + ux*w, bx + uy*w, by - ux*w}, c, 1)
		case Cross:
			const s = 4
			p.line(a.X1-s, a.Y1-s, a.X1+s, a.Y1+s, 1.6, crossC, false)
			p.line(a.X1-s, a.Y1+s, a.X1+s, a.Y1-s, 1.6, crossC, false)
		case Bar:
			const s = 5
			p.line(a.X1-uy*s, a.Y1+ux*s, a.X1+uy*s, a.Y1-ux*s, 2, crossC, false)
		}
		if a.Label != "" {
			p.text(a.X1+5, a.Y1+3, a.Label, smallFont, crossC, anchorStart, false)
		}
	}
	p.end()
}

// legendSymbols explain the shapes, after the colors.
var legendSymbols = []string{"unhandled", "dropped", "rejected", "offline", "partition sides", "mark"}

// placeLegend calls at for each legend entry (the colors, then the
// symbols) with its position, wrapping lines; it returns the last line's y.
func (d *Diagram) placeLegend(at func(i int, x, y float64)) float64 {
	x, y := d.X0, d.Y1+axisH+legendH/2+4
	n := len(d.Legend) + len(legendSymbols)
	for i := 0; i < n; i++ {
		label := ""
		if i < len(d.Legend) {
			label = d.Legend[i].Label
		} else {
			label = legendSymbols[i-len(d.Legend)]
		}
		w := 34 + float64(len(label))*charW
		if x > d.X0 && x+w > d.X1 {
			x, y = d.X0, y+legendH
		}
		at(i, x, y)
		x += w
	}
	return y
}

func (d *Diagram) renderLegend(p painter) {
	p.group("legend", "")
	d.placeLegend(func(i int, x, y float64) {
		if i < len(d.Legend) {
			it := d.Legend[i]
			p.line(x, y, x+18, y, 2.5, d.Colors[it.Color], false)
			p.text(x+23, y+4, it.Label, fontSize, black, anchorStart, false)
			return
		}
		label := legendSymbols[i-len(d.Legend)]
		switch label {
		case "unhandled":
			p.line(x, y, x+18, y, 1.2, grey, true)
		case "dropped":
			p.line(x+5, y-4, x+13, y+4, 1.6, crossC, false)
			p.line(x+5, y+4, x+13, y-4, 1.6, crossC, false)
		case "rejected":
			p.line(x+9, y-5, x+9, y+5, 2, crossC, false)
		case "offline":
			p.rect(x, y-5, 18, 10, offlineC, 0.35)
		case "partition sides":
			p.rect(x, y-5, 9, 10, sideA, 0.3)
			p.rect(x+9, y-5, 9, 10, sideB, 0.25)
		case "mark":
			p.poly([]float64{x + 9, y - 5, x + 13, y, x + 9, y + 5, x + 5, y}, markC, 1)
		}
		p.text(x+23, y+4, label, fontSize, grey, anchorStart, false)
	})
	p.end()
}
