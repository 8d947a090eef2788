package plot

import (
	"math"
	"strconv"

	gplot "gonum.org/v1/plot"
)

// niceTicks places about n labelled ticks at round values (1, 2, 2.5 or
// 5 times a power of ten), labelled with no more digits than the step
// needs: 0, 500, 1000 rather than 0.00, 2500.00.
type niceTicks struct{ n int }

func (t niceTicks) Ticks(lo, hi float64) []gplot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return []gplot.Tick{{Value: lo, Label: formatTick(lo, 0)}}
	}
	n := max(t.n, 2)
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	decimals := 0
	if d := -int(math.Floor(math.Log10(step) + 1e-9)); d > 0 {
		decimals = d
	}
	if r := step / math.Pow(10, math.Floor(math.Log10(step)+1e-9)); math.Abs(r-2.5) < 1e-9 && step < 10 {
		decimals++
	}
	var ticks []gplot.Tick
	first := math.Ceil(lo/step-1e-9) * step
	for i := 0; ; i++ {
		v := first + float64(i)*step
		if v > hi+step*1e-9 || i > 1000 {
			break
		}
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ticks = append(ticks, gplot.Tick{Value: v, Label: formatTick(v, decimals)})
	}
	return ticks
}

// formatTick formats a tick value with the given number of decimals, or
// in exponent form when very large or very small.
func formatTick(v float64, decimals int) string {
	if a := math.Abs(v); a != 0 && (a >= 1e7 || a < 1e-4) {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// NiceTicks returns about n ticks between lo and hi at round values, as
// the charts place them, for other drawings (space-time diagrams, the run
// report) to share one look.
func NiceTicks(lo, hi float64, n int) []gplot.Tick { return niceTicks{n: n}.Ticks(lo, hi) }
