package plot

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/p2prepl/p2prepl/bindings/table"
)

// palettes are the color maps heatmap offers, from low to high values.
var palettes = map[string]func() (palette.ColorMap, error){
	"viridis": func() (palette.ColorMap, error) {
		return moreland.NewLuminance([]color.Color{
			rgb(0x440154), rgb(0x482878), rgb(0x3e4989), rgb(0x31688e), rgb(0x26828e),
			rgb(0x1f9e89), rgb(0x35b779), rgb(0x6ece58), rgb(0xb5de2b), rgb(0xfde725),
		})
	},
	"grey": func() (palette.ColorMap, error) {
		return moreland.NewLuminance([]color.Color{rgb(0x111111), rgb(0xf0f0f0)})
	},
	"blackbody": func() (palette.ColorMap, error) { return moreland.ExtendedBlackBody(), nil },
	"kindlmann": func() (palette.ColorMap, error) { return moreland.Kindlmann(), nil },
	"bluered":   func() (palette.ColorMap, error) { return moreland.SmoothBlueRed(), nil },
}

func paletteNames() string {
	names := make([]string, 0, len(palettes))
	for n := range palettes {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// colors returns n colors of the named palette.
func colors(name string, n int) ([]color.Color, error) {
	mk, ok := palettes[name]
	if !ok {
		return nil, fmt.Errorf("palette: unknown palette %q (want one of %s)", name, paletteNames())
	}
	cm, err := mk()
	if err != nil {
		return nil, fmt.Errorf("palette %q: %v", name, err)
	}
	cm.SetMin(0)
	cm.SetMax(1)
	return cm.Palette(n).Colors(), nil
}

// colorList implements palette.Palette.
type colorList []color.Color

func (c colorList) Colors() []color.Color { return c }

// grid shows z[row][col] with row 0 at the top.
type grid struct {
	z [][]float64
}

func (g grid) Dims() (c, r int)     { return len(g.z[0]), len(g.z) }
func (g grid) Z(c, r int) float64   { return g.z[len(g.z)-1-r][c] }
func (g grid) X(c int) float64      { return float64(c) }
func (g grid) Y(r int) float64      { return float64(r) }
func (g grid) rowY(row int) float64 { return float64(len(g.z) - 1 - row) }

const (
	stripWidthPx     = 110   // the color scale at the right of a heat map
	rasterAboveCells = 20000 // draw larger heat maps as an image
)

func heatmapFn(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var matrix, rowLabelsV, colLabelsV, valueLabelsV starlark.Value
	paletteName := "viridis"
	o := newOptions("heatmap.png")
	pairs := append([]any{"matrix", &matrix, "row_labels?", &rowLabelsV, "col_labels?", &colLabelsV, "palette?", &paletteName,
		"value_labels?", &valueLabelsV}, o.pairs()...)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, pairs...); err != nil {
		return nil, err
	}
	fail := func(err error) (starlark.Value, error) { return nil, fmt.Errorf("%s: %v", b.Name(), err) }
	format, err := o.check()
	if err != nil {
		return fail(err)
	}
	none := func(v starlark.Value) bool { return v == nil || v == starlark.None }

	// Read the cells row by row, noting whether they are all bools.
	var rows [][]starlark.Value
	var rowLabels, colLabels []string
	switch m := matrix.(type) {
	case *table.Table:
		cols := m.Columns()
		labelCol := ""
		if !none(rowLabelsV) && isString(rowLabelsV) {
			if labelCol, err = columnName("row_labels", m, rowLabelsV); err != nil {
				return fail(err)
			}
			keys, _ := m.Column(labelCol)
			for _, k := range keys {
				rowLabels = append(rowLabels, label(k))
			}
			rowLabelsV = nil
		}
		var keep []int
		for i, c := range cols {
			if c != labelCol {
				keep = append(keep, i)
				colLabels = append(colLabels, c)
			}
		}
		for r := 0; r < m.NumRows(); r++ {
			row := m.Row(r)
			out := make([]starlark.Value, len(keep))
			for i, c := range keep {
				out[i] = row[c]
			}
			rows = append(rows, out)
		}
	case *starlark.List, starlark.Tuple:
		seq := m.(starlark.Indexable)
		for r := 0; r < seq.Len(); r++ {
			row, ok := sequence(seq.Index(r))
			if !ok {
				return fail(fmt.Errorf("matrix: row %d is %s, want a list of numbers", r, an(seq.Index(r).Type())))
			}
			out := make([]starlark.Value, row.Len())
			for c := range out {
				out[c] = row.Index(c)
			}
			if r > 0 && len(out) != len(rows[0]) {
				return fail(fmt.Errorf("matrix: row %d has %d values but row 0 has %d", r, len(out), len(rows[0])))
			}
			rows = append(rows, out)
		}
	default:
		return fail(fmt.Errorf("matrix: got %s, want a list of lists of numbers or a table", matrix.Type()))
	}
	if len(rows) == 0 || len(rows[0]) == 0 {
		return fail(fmt.Errorf("matrix: no cells to plot"))
	}
	nrows, ncols := len(rows), len(rows[0])

	allBool, anyValue, anyNone := true, false, false
	z := make([][]float64, nrows)
	for r, row := range rows {
		z[r] = make([]float64, ncols)
		for c, v := range row {
			f, ok := number(v)
			if !ok {
				return fail(fmt.Errorf("matrix: row %d, column %d is %s %s, want a number or a bool", r, c, v.Type(), v.String()))
			}
			if math.IsNaN(f) {
				anyNone = true // None or NaN: an empty (grey) cell
			}
			if v != starlark.None {
				anyValue = true
				if _, isBool := v.(starlark.Bool); !isBool {
					allBool = false
				}
			}
			z[r][c] = f
		}
	}
	if !anyValue {
		return fail(fmt.Errorf("matrix: every cell is None"))
	}
	names, err := valueLabels(valueLabelsV, allBool)
	if err != nil {
		return fail(err)
	}

	if !none(rowLabelsV) {
		if rowLabels, err = labels("row_labels", rowLabelsV); err != nil {
			return fail(err)
		}
	}
	if rowLabels != nil && len(rowLabels) != nrows {
		return fail(fmt.Errorf("row_labels: got %d labels for %d rows", len(rowLabels), nrows))
	}
	if !none(colLabelsV) {
		if colLabels, err = labels("col_labels", colLabelsV); err != nil {
			return fail(err)
		}
	}
	if colLabels != nil && len(colLabels) != ncols {
		return fail(fmt.Errorf("col_labels: got %d labels for %d columns", len(colLabels), ncols))
	}

	// Value range and palette.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, row := range z {
		for _, f := range row {
			if finite(f) {
				lo, hi = math.Min(lo, f), math.Max(hi, f)
			}
		}
	}
	if math.IsInf(lo, 0) {
		return fail(fmt.Errorf("matrix: no finite values"))
	}
	var pal []color.Color
	if allBool {
		lo, hi = 0, 1
		if pal, err = colors(paletteName, 2); err != nil {
			return fail(err)
		}
	} else {
		if lo == hi {
			lo, hi = lo-0.5, hi+0.5
		}
		if pal, err = colors(paletteName, 256); err != nil {
			return fail(err)
		}
	}
	nanColor := rgb(0xdddddd)

	g := grid{z}
	hm := plotter.NewHeatMap(g, colorList(pal))
	hm.Min, hm.Max = lo, hi
	hm.NaN = nanColor
	hm.Rasterized = nrows*ncols > rasterAboveCells

	p := o.newPlot()
	p.Add(hm)
	p.X.Padding, p.Y.Padding = 0, 0
	if colLabels == nil {
		colLabels = make([]string, ncols)
		for i := range colLabels {
			colLabels[i] = fmt.Sprint(i)
		}
	}
	if rowLabels == nil {
		rowLabels = make([]string, nrows)
		for i := range rowLabels {
			rowLabels[i] = fmt.Sprint(i)
		}
	}
	mainWidth := o.width - stripWidthPx
	p.X.Tick.Marker = nominalTicks(colLabels, mainWidth/20)
	rotateIfCrowded(&p.X, colLabels, mainWidth)
	yt := nominalTicks(rowLabels, o.height/22)
	for i := range yt {
		yt[i].Value = g.rowY(int(yt[i].Value))
	}
	p.Y.Tick.Marker = yt

	// The key at the right: for bools, a swatch per value (they are
	// categories, not a scale); for numbers, a color scale. Either way a
	// grey swatch says what the empty cells mean.
	key := newLegend("outside")
	key.l.ThumbnailWidth = vg.Points(12)
	key.l.Padding = vg.Points(4)
	if allBool {
		key.add(names["True"], swatch{pal[1]})
		key.add(names["False"], swatch{pal[0]})
	}
	if anyNone {
		key.add(names["None"], swatch{nanColor})
	}
	keyW, keyH := key.size()
	stripW := max(pixels(stripWidthPx), keyW+2*legendInset)
	if allBool {
		stripW = keyW + 2*legendInset
	}
	var scale *gplot.Plot
	if !allBool {
		scale = o.newPlot()
		scale.Title.Text = ""
		scale.X.Label.Text = ""
		scale.Y.Label.Text = ""
		scale.HideX()
		scale.X.Padding, scale.Y.Padding = 0, 0
		const steps = 128
		sz := make([][]float64, steps)
		for i := range sz {
			sz[steps-1-i] = []float64{lo + (float64(i)+0.5)*(hi-lo)/steps}
		}
		sh := plotter.NewHeatMap(grid{sz}, colorList(pal))
		sh.Min, sh.Max = lo, hi
		// Label the scale in data units rather than cell indexes.
		sh.GridXYZ = scaleGrid{grid{sz}, lo, hi}
		scale.Add(sh)
	}

	err = save(thread, o, format, func(dc draw.Canvas) {
		dc = pad(dc)
		plotC := draw.Crop(dc, 0, -stripW, 0, 0)
		p.Draw(plotC)
		data := p.DataCanvas(plotC)
		x := plotC.Max.X + legendInset
		if scale != nil {
			bottom := vg.Points(40)
			if anyNone {
				bottom += keyH + legendInset
			}
			top := vg.Length(0)
			if o.title != "" {
				top = -vg.Points(30)
			}
			scale.Draw(draw.Crop(dc, dc.Max.X-dc.Min.X-stripW+vg.Points(20), -vg.Points(10), bottom, top-vg.Points(10)))
			if anyNone {
				key.drawBox(dc, vg.Rectangle{Min: vg.Point{X: x, Y: data.Min.Y}, Max: vg.Point{X: x + keyW, Y: data.Min.Y + keyH}}, false)
			}
			return
		}
		key.drawBox(dc, vg.Rectangle{Min: vg.Point{X: x, Y: data.Max.Y - keyH}, Max: vg.Point{X: x + keyW, Y: data.Max.Y}}, false)
	})
	if err != nil {
		return fail(err)
	}
	return starlark.String(o.path), nil
}

// swatch is a legend entry's square of a heat map's cell color.
type swatch struct{ c color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	side := min(c.Max.X-c.Min.X, c.Max.Y-c.Min.Y)
	r := vg.Rectangle{Min: c.Min, Max: vg.Point{X: c.Min.X + side, Y: c.Min.Y + side}}
	c.SetColor(s.c)
	c.Fill(r.Path())
	c.SetLineStyle(draw.LineStyle{Color: color.Gray{Y: 0x99}, Width: vg.Points(0.5)})
	c.Stroke(r.Path())
}

// valueLabels reads value_labels={True: "...", False: "...", None: "..."},
// the key's names for the cell values (for numbers, only None).
func valueLabels(v starlark.Value, allBool bool) (map[string]string, error) {
	names := map[string]string{"True": "True", "False": "False", "None": "None"}
	if none(v) {
		return names, nil
	}
	d, ok := v.(*starlark.Dict)
	if !ok {
		return nil, fmt.Errorf("value_labels: got %s, want a dict like {True: \"same version\", False: \"other version\", None: \"not received\"}", v.Type())
	}
	for _, kv := range d.Items() {
		k := kv[0]
		_, isBool := k.(starlark.Bool)
		if !isBool && k != starlark.None {
			return nil, fmt.Errorf("value_labels: key %s: want True, False or None", k.String())
		}
		if isBool && !allBool {
			return nil, fmt.Errorf("value_labels: key %s: the matrix holds numbers, whose key is a color scale; only None can be named", k.String())
		}
		text, ok := kv[1].(starlark.String)
		if !ok {
			return nil, fmt.Errorf("value_labels[%s]: got %s, want a string", k.String(), kv[1].Type())
		}
		names[k.String()] = string(text)
	}
	return names, nil
}

// scaleGrid places the cells of the color scale at their values.
type scaleGrid struct {
	grid
	lo, hi float64
}

func (s scaleGrid) Y(r int) float64 {
	n := float64(len(s.z))
	return s.lo + (float64(r)+0.5)*(s.hi-s.lo)/n
}

// an prefixes a type name with its article: "an int", "a list".
func an(typ string) string {
	if typ != "" && strings.ContainsRune("aeiou", rune(typ[0])) {
		return "an " + typ
	}
	return "a " + typ
}
