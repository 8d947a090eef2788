package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/p2prepl/p2prepl/bindings/plot"
)

// categorical is Tableau's 10 colors, the charts' and diagrams' palette.
var categoricalColors = []string{"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"}

func categorical(i int) string { return categoricalColors[i%len(categoricalColors)] }

func esc(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")
	return r.Replace(s)
}

func num(f float64) string {
	if math.Abs(f) >= 1e15 || (f != 0 && math.Abs(f) < 1e-4) {
		return strconv.FormatFloat(f, 'g', 4, 64)
	}
	if f == math.Trunc(f) {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// bar is one bar of a chart: the range [x0, x1) and its height.
type bar struct {
	x0, x1, y float64
	tip       string
}

// barChart draws bars over a numeric x axis with labelled axes, as SVG.
func barChart(id string, bars []bar, xlabel, ylabel string, color string) string {
	const w, h = 720.0, 240.0
	const left, right, top, bottom = 56.0, 14.0, 12.0, 40.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" id="%s" class="chart" viewBox="0 0 %g %g" font-family="sans-serif" font-size="11">`, id, w, h)
	if len(bars) == 0 {
		fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="middle" fill="#777">no data</text></svg>`, w/2, h/2)
		return b.String()
	}
	xmin, xmax, ymax := bars[0].x0, bars[0].x1, 0.0
	for _, br := range bars {
		xmin, xmax, ymax = math.Min(xmin, br.x0), math.Max(xmax, br.x1), math.Max(ymax, br.y)
	}
	if ymax == 0 {
		ymax = 1
	}
	if xmax <= xmin {
		xmax = xmin + 1
	}
	yticks := plot.NiceTicks(0, ymax, 4)
	if top := yticks[len(yticks)-1].Value; top > ymax {
		ymax = top
	}
	px := func(x float64) float64 { return left + (x-xmin)/(xmax-xmin)*(w-left-right) }
	py := func(y float64) float64 { return h - bottom - y/ymax*(h-top-bottom) }
	for _, t := range yticks {
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#e4e4e4"/><text x="%g" y="%.1f" text-anchor="end" fill="#333">%s</text>`,
			left, w-right, py(t.Value), py(t.Value), left-5, py(t.Value)+4, esc(t.Label))
	}
	for _, t := range plot.NiceTicks(xmin, xmax, 8) {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%g" y2="%g" stroke="#777"/><text x="%.1f" y="%g" text-anchor="middle" fill="#333">%s</text>`,
			px(t.Value), px(t.Value), h-bottom, h-bottom+4, px(t.Value), h-bottom+16, esc(t.Label))
	}
	fmt.Fprintf(&b, `<g fill="%s">`, color)
	for _, br := range bars {
		x0, x1 := px(br.x0), px(br.x1)
		wd := math.Max(x1-x0-0.6, 0.6)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s</title></rect>`, x0, py(br.y), wd, h-bottom-py(br.y), esc(br.tip))
	}
	b.WriteString("</g>")
	fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%g" y2="%g" stroke="#777"/>`, left, w-right, h-bottom, h-bottom)
	fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="middle" fill="#333">%s</text>`, (left+w-right)/2, h-6, esc(xlabel))
	fmt.Fprintf(&b, `<text transform="translate(13 %g) rotate(-90)" text-anchor="middle" fill="#333">%s</text>`, (top+h-bottom)/2, esc(ylabel))
	b.WriteString("</svg>")
	return b.String()
}

// histogram bins values into about n bins of a round width.
func histogram(values []float64, n int, unit string) []bar {
	if len(values) == 0 {
		return nil
	}
	lo, hi := values[0], values[0]
	for _, v := range values {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	ticks := plot.NiceTicks(lo, hi, n)
	width := 1.0
	if len(ticks) > 1 {
		width = ticks[1].Value - ticks[0].Value
	} else if hi > lo {
		width = (hi - lo) / float64(n)
	}
	start := math.Floor(lo/width) * width
	count := int(math.Floor((hi-start)/width)) + 1
	counts := make([]int, count)
	for _, v := range values {
		i := int(math.Floor((v - start) / width))
		if i >= count {
			i = count - 1
		}
		if i < 0 {
			i = 0
		}
		counts[i]++
	}
	out := make([]bar, count)
	for i, c := range counts {
		x0 := start + float64(i)*width
		out[i] = bar{x0: x0, x1: x0 + width, y: float64(c), tip: fmt.Sprintf("%s to %s%s: %d", num(x0), num(x0+width), unit, c)}
	}
	return out
}

// quantiles returns the p-quantiles (nearest rank) of sorted values.
func quantiles(sorted []float64, ps ...float64) []float64 {
	out := make([]float64, len(ps))
	if len(sorted) == 0 {
		return out
	}
	for i, p := range ps {
		k := int(math.Ceil(p*float64(len(sorted)))) - 1
		k = max(0, min(k, len(sorted)-1))
		out[i] = sorted[k]
	}
	return out
}

func sortedCopy(v []float64) []float64 {
	out := append([]float64(nil), v...)
	sort.Float64s(out)
	return out
}
