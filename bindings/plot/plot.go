// Package plot provides the Starlark "plot" module: line, scatter,
// histogram, bar and heat-map charts drawn with gonum.org/v1/plot and
// written as PNG, SVG, PDF or JPEG (chosen by the path's extension)
// through the same atomic output-file hook as tables (outfiles.Key).
//
// The package is standalone: it imports no engine or bindings code; the
// bindings add Module() to the predeclared globals as "plot".
package plot

import (
	"bufio"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strings"

	"go.starlark.net/starlark"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/p2prepl/p2prepl/bindings/outfiles"
	"github.com/p2prepl/p2prepl/bindings/table"
)

const (
	defaultWidth  = 800 // pixels
	defaultHeight = 500
	minSize       = 100
	maxSize       = 10000
	dpi           = 96 // pixels per inch of a chart's nominal size
	// defaultScale is how many image pixels PNG and JPEG charts get per
	// nominal pixel: 2, so that the default 800 x 500 chart is a
	// 1600 x 1000 image, sharp in print and on high-density screens.
	defaultScale = 2
	maxScale     = 4
)

// options are the arguments every chart takes.
type options struct {
	title, xlabel, ylabel string
	path                  string
	width, height         int
	scale                 int
}

func newOptions(defaultPath string) *options {
	return &options{path: defaultPath, width: defaultWidth, height: defaultHeight, scale: defaultScale}
}

// pairs returns the UnpackArgs pairs of the common arguments.
func (o *options) pairs() []any {
	return []any{
		"title?", &o.title, "xlabel?", &o.xlabel, "ylabel?", &o.ylabel,
		"path?", &o.path, "width?", &o.width, "height?", &o.height, "scale?", &o.scale,
	}
}

// formats maps a file extension to a gonum canvas format.
var formats = map[string]string{
	".png": "png", ".svg": "svg", ".pdf": "pdf", ".jpg": "jpg", ".jpeg": "jpg",
}

// check validates the common arguments and returns the output format.
func (o *options) check() (string, error) {
	if o.width < minSize || o.width > maxSize {
		return "", fmt.Errorf("width: want %d to %d pixels, got %d", minSize, maxSize, o.width)
	}
	if o.height < minSize || o.height > maxSize {
		return "", fmt.Errorf("height: want %d to %d pixels, got %d", minSize, maxSize, o.height)
	}
	if o.scale < 1 || o.scale > maxScale {
		return "", fmt.Errorf("scale: want 1 to %d image pixels per pixel, got %d", maxScale, o.scale)
	}
	if w, h := o.width*o.scale, o.height*o.scale; w > maxSize || h > maxSize {
		return "", fmt.Errorf("scale: a %d x %d chart at scale %d is a %d x %d image; at most %d pixels a side (lower scale or the size)",
			o.width, o.height, o.scale, w, h, maxSize)
	}
	if o.path == "" {
		return "", fmt.Errorf("path: empty file name")
	}
	ext := strings.ToLower(filepath.Ext(o.path))
	f, ok := formats[ext]
	if !ok {
		return "", fmt.Errorf("path: %q: unsupported extension %q (want .png, .svg, .pdf or .jpg)", o.path, ext)
	}
	return f, nil
}

// pixels converts a size in pixels to a length at the output resolution.
func pixels(n int) vg.Length { return vg.Length(n) * vg.Inch / dpi }

// newPlot returns a plot with the title and axis labels of o.
func (o *options) newPlot() *gplot.Plot {
	p := gplot.New()
	p.Title.Text = o.title
	p.X.Label.Text = o.xlabel
	p.Y.Label.Text = o.ylabel
	p.Title.TextStyle.Font.Size = vg.Points(14)
	p.X.Tick.Marker = niceTicks{n: max(2, o.width/110)}
	p.Y.Tick.Marker = niceTicks{n: max(2, o.height/70)}
	return p
}

// drawFunc draws a chart onto a canvas.
type drawFunc func(dc draw.Canvas)

// save renders draw in the format chosen by the path and writes it through
// the thread's Files hook. A panic inside gonum becomes an error.
func save(thread *starlark.Thread, o *options, format string, drawIt drawFunc) (err error) {
	// Open the file first: a path that cannot be written fails before
	// the drawing, which a large raster chart makes slow.
	w, err := outfiles.Create(thread, o.path)
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot draw the chart: %v", r)
		}
		if err != nil {
			if a, ok := w.(outfiles.Aborter); ok {
				a.Abort()
				return
			}
		}
		if cerr := w.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("cannot write %q: %v", o.path, cerr)
		}
	}()
	c, err := newCanvas(pixels(o.width), pixels(o.height), format, o.scale)
	if err != nil {
		return err
	}
	dc := draw.New(c)
	dc.SetColor(color.White) // also under the margins pad leaves
	dc.Fill(dc.Rectangle.Path())
	drawIt(dc)
	bw := bufio.NewWriter(w)
	if _, err := c.WriteTo(bw); err != nil {
		return fmt.Errorf("cannot encode %s: %v", format, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cannot write %q: %v", o.path, err)
	}
	return nil
}

// newCanvas returns a canvas of the format; raster formats get scale
// image pixels per nominal pixel (the drawing is the same, finer).
func newCanvas(w, h vg.Length, format string, scale int) (vg.CanvasWriterTo, error) {
	switch format {
	case "png", "jpg":
		c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi*scale))
		if format == "png" {
			return vgimg.PngCanvas{Canvas: c}, nil
		}
		return vgimg.JpegCanvas{Canvas: c}, nil
	}
	return draw.NewFormattedCanvas(w, h, format)
}

// savePlot draws one plot filling the canvas.
func savePlot(thread *starlark.Thread, o *options, format string, p *gplot.Plot) error {
	return save(thread, o, format, func(dc draw.Canvas) { p.Draw(pad(dc)) })
}

// seriesColors are Tableau's 10 categorical colors.
var seriesColors = []color.Color{
	rgb(0x4e79a7), rgb(0xf28e2b), rgb(0xe15759), rgb(0x76b7b2), rgb(0x59a14f),
	rgb(0xedc948), rgb(0xb07aa1), rgb(0xff9da7), rgb(0x9c755f), rgb(0xbab0ac),
}

func rgb(x uint32) color.Color {
	return color.NRGBA{R: uint8(x >> 16), G: uint8(x >> 8), B: uint8(x), A: 0xff}
}

func seriesColor(i int) color.Color { return seriesColors[i%len(seriesColors)] }

// --- argument conversion ---

func isString(v starlark.Value) bool { _, ok := v.(starlark.String); return ok }

// sequence returns v as an indexable list or tuple.
func sequence(v starlark.Value) (starlark.Indexable, bool) {
	switch v := v.(type) {
	case *starlark.List:
		return v, true
	case starlark.Tuple:
		return v, true
	}
	return nil, false
}

// number converts a cell to a float: None becomes NaN (a gap), the rest
// as table cells (bools 0 and 1).
func number(v starlark.Value) (float64, bool) {
	if v == starlark.None {
		return math.NaN(), true
	}
	return table.Number(v)
}

// numbers converts a list or tuple of numbers (None allowed, as NaN).
// arg names the argument in errors.
func numbers(arg string, v starlark.Value) ([]float64, error) {
	seq, ok := sequence(v)
	if !ok {
		return nil, fmt.Errorf("%s: got %s, want a list of numbers", arg, v.Type())
	}
	out := make([]float64, seq.Len())
	for i := range out {
		x := seq.Index(i)
		f, ok := number(x)
		if !ok {
			return nil, fmt.Errorf("%s: item %d is %s %s, want a number", arg, i, x.Type(), x.String())
		}
		out[i] = f
	}
	return out, nil
}

// columnNumbers converts a table column.
func columnNumbers(arg string, t *table.Table, name string) ([]float64, error) {
	vals, err := t.Column(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", arg, err)
	}
	out := make([]float64, len(vals))
	for i, x := range vals {
		f, ok := number(x)
		if !ok {
			return nil, fmt.Errorf("%s: column %q, row %d is %s %s, want a number", arg, name, i, x.Type(), x.String())
		}
		out[i] = f
	}
	return out, nil
}

// label renders a value as a tick or legend label.
func label(v starlark.Value) string {
	if s, ok := v.(starlark.String); ok {
		return string(s)
	}
	return v.String()
}

// labels converts a list or tuple of values to labels.
func labels(arg string, v starlark.Value) ([]string, error) {
	seq, ok := sequence(v)
	if !ok {
		return nil, fmt.Errorf("%s: got %s, want a list of labels", arg, v.Type())
	}
	out := make([]string, seq.Len())
	for i := range out {
		out[i] = label(seq.Index(i))
	}
	return out, nil
}

// columnName reads an argument naming a table column (None: absent).
func columnName(arg string, t *table.Table, v starlark.Value) (string, error) {
	if v == nil || v == starlark.None {
		return "", nil
	}
	s, ok := v.(starlark.String)
	if !ok {
		return "", fmt.Errorf("%s: got %s, want a column name of the table", arg, v.Type())
	}
	if !t.HasColumn(string(s)) {
		return "", fmt.Errorf("%s: unknown column %q (columns: %s)", arg, string(s), strings.Join(t.Columns(), ", "))
	}
	return string(s), nil
}

// columnNames reads a column name or a list of them (None: absent).
func columnNames(arg string, t *table.Table, v starlark.Value) ([]string, error) {
	if v == nil || v == starlark.None {
		return nil, nil
	}
	if isString(v) {
		n, err := columnName(arg, t, v)
		return []string{n}, err
	}
	seq, ok := sequence(v)
	if !ok {
		return nil, fmt.Errorf("%s: got %s, want a column name or a list of them", arg, v.Type())
	}
	var out []string
	for i := 0; i < seq.Len(); i++ {
		n, err := columnName(arg, t, seq.Index(i))
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// numericColumns lists the columns whose values are all numbers or None
// (and not all None), except those in skip.
func numericColumns(t *table.Table, skip ...string) []string {
	var out []string
outer:
	for _, c := range t.Columns() {
		for _, s := range skip {
			if c == s {
				continue outer
			}
		}
		vals, _ := t.Column(c)
		seen := false
		for _, v := range vals {
			switch v.(type) {
			case starlark.Int, starlark.Float:
				seen = true
			case starlark.NoneType:
			default:
				continue outer
			}
		}
		if seen {
			out = append(out, c)
		}
	}
	return out
}

// finite reports whether f is neither NaN nor infinite.
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
