package spacetime

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"strconv"
	"strings"

	xfont "golang.org/x/image/font"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"
)

// SVG writes the diagram as a standalone SVG document; each message and
// mark has a <title>, which browsers show on hover.
func (d *Diagram) SVG(w io.Writer) error {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	d.svg(&b, "")
	_, err := w.Write(b.Bytes())
	return err
}

// InlineSVG returns the diagram as an <svg> element to put in an HTML
// page, with the given id; it scales to its container's width.
func (d *Diagram) InlineSVG(id string) string {
	var b bytes.Buffer
	d.svg(&b, id)
	return b.String()
}

func (d *Diagram) svg(b *bytes.Buffer, id string) {
	w, h := num(d.W), num(d.H)
	if id == "" {
		fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family="sans-serif">`+"\n", w, h, w, h)
	} else {
		fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" id="%s" class="spacetime" viewBox="0 0 %s %s" preserveAspectRatio="xMinYMin meet" font-family="sans-serif">`+"\n", esc(id), w, h)
	}
	d.render(&svgPainter{b: b})
	b.WriteString("</svg>\n")
}

type svgPainter struct{ b *bytes.Buffer }

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// px formats a coordinate to a tenth of a pixel.
func px(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

func esc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&#39;")
		default:
			if r < ' ' && r != '\t' || r == 0xfffe || r == 0xffff {
				r = ' ' // not allowed in XML 1.0
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (p *svgPainter) group(class, tip string, attrs ...string) {
	fmt.Fprintf(p.b, `<g class="%s"`, class)
	for i := 0; i+1 < len(attrs); i += 2 {
		fmt.Fprintf(p.b, ` %s="%s"`, attrs[i], esc(attrs[i+1]))
	}
	p.b.WriteByte('>')
	if tip != "" {
		fmt.Fprintf(p.b, "<title>%s</title>", esc(tip))
	}
}

func (p *svgPainter) end() { p.b.WriteString("</g>\n") }

func (p *svgPainter) line(x0, y0, x1, y1, width float64, c color.NRGBA, dash bool) {
	fmt.Fprintf(p.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"`, px(x0), px(y0), px(x1), px(y1), Hex(c), num(width))
	if dash {
		p.b.WriteString(` stroke-dasharray="4 3"`)
	}
	p.b.WriteString("/>")
}

func (p *svgPainter) poly(pts []float64, c color.NRGBA, opacity float64) {
	p.b.WriteString(`<path d="`)
	for i := 0; i+1 < len(pts); i += 2 {
		if i == 0 {
			p.b.WriteByte('M')
		} else {
			p.b.WriteByte('L')
		}
		p.b.WriteString(px(pts[i]))
		p.b.WriteByte(' ')
		p.b.WriteString(px(pts[i+1]))
	}
	fmt.Fprintf(p.b, `Z" fill="%s" stroke="none"`, Hex(c))
	if opacity < 1 {
		fmt.Fprintf(p.b, ` fill-opacity="%s"`, num(opacity))
	}
	p.b.WriteString("/>")
}

func (p *svgPainter) rect(x, y, w, h float64, c color.NRGBA, opacity float64) {
	fmt.Fprintf(p.b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"`, px(x), px(y), px(w), px(h), Hex(c))
	if opacity < 1 {
		fmt.Fprintf(p.b, ` fill-opacity="%s"`, num(opacity))
	}
	p.b.WriteString("/>")
}

var anchors = [...]string{"start", "middle", "end"}

func (p *svgPainter) text(x, y float64, s string, size float64, c color.NRGBA, a anchor, bold bool) {
	fmt.Fprintf(p.b, `<text x="%s" y="%s" font-size="%s" fill="%s"`, px(x), px(y), num(size), Hex(c))
	if a != anchorStart {
		fmt.Fprintf(p.b, ` text-anchor="%s"`, anchors[a])
	}
	if bold {
		p.b.WriteString(` font-weight="bold"`)
	}
	fmt.Fprintf(p.b, ">%s</text>", esc(s))
}

// PNG writes the diagram as a PNG image, drawn from the same shapes as
// the SVG by gonum/plot's raster canvas, one pixel per SVG pixel.
func (d *Diagram) PNG(w io.Writer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot draw the diagram: %v", r)
		}
	}()
	c := vgimg.NewWith(vgimg.UseWH(pxLen(d.W), pxLen(d.H)), vgimg.UseDPI(dpi))
	d.render(&vgPainter{c: c, h: d.H, faces: map[[2]float64]font.Face{}})
	_, err = vgimg.PngCanvas{Canvas: c}.WriteTo(w)
	return err
}

const dpi = 96

// pxLen converts pixels to a vg length at 96 dots per inch.
func pxLen(n float64) vg.Length { return vg.Length(n) * vg.Inch / dpi }

type vgPainter struct {
	c     vg.Canvas
	h     float64
	faces map[[2]float64]font.Face
}

func (p *vgPainter) pt(x, y float64) vg.Point { return vg.Point{X: pxLen(x), Y: pxLen(p.h - y)} }

func (p *vgPainter) group(string, string, ...string) {}
func (p *vgPainter) end()                            {}

func (p *vgPainter) line(x0, y0, x1, y1, width float64, c color.NRGBA, dash bool) {
	p.c.SetColor(c)
	p.c.SetLineWidth(pxLen(width))
	if dash {
		p.c.SetLineDash([]vg.Length{pxLen(4), pxLen(3)}, 0)
	} else {
		p.c.SetLineDash(nil, 0)
	}
	var path vg.Path
	path.Move(p.pt(x0, y0))
	path.Line(p.pt(x1, y1))
	p.c.Stroke(path)
}

func alpha(c color.NRGBA, opacity float64) color.NRGBA {
	c.A = uint8(opacity*255 + 0.5)
	return c
}

func (p *vgPainter) poly(pts []float64, c color.NRGBA, opacity float64) {
	p.c.SetColor(alpha(c, opacity))
	var path vg.Path
	for i := 0; i+1 < len(pts); i += 2 {
		if i == 0 {
			path.Move(p.pt(pts[i], pts[i+1]))
		} else {
			path.Line(p.pt(pts[i], pts[i+1]))
		}
	}
	path.Close()
	p.c.Fill(path)
}

func (p *vgPainter) rect(x, y, w, h float64, c color.NRGBA, opacity float64) {
	p.poly([]float64{x, y, x + w, y, x + w, y + h, x, y + h}, c, opacity)
}

func (p *vgPainter) text(x, y float64, s string, size float64, c color.NRGBA, a anchor, bold bool) {
	key := [2]float64{size, 0}
	if bold {
		key[1] = 1
	}
	face, ok := p.faces[key]
	if !ok {
		f := gplot.DefaultFont
		f.Variant = "Sans"
		if bold {
			f.Weight = xfont.WeightBold
		}
		face = font.DefaultCache.Lookup(f, pxLen(size))
		p.faces[key] = face
	}
	pt := p.pt(x, y)
	switch a {
	case anchorMiddle:
		pt.X -= face.Width(s) / 2
	case anchorEnd:
		pt.X -= face.Width(s)
	}
	p.c.SetColor(c)
	p.c.FillString(face, pt, s)
}
