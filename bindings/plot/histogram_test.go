package plot

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestHistogramBins(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		vs            []float64
		n             int
		log           bool
		lo, hi        float64 // xlim; NaN: from the values
		edges, counts string
	}{
		// A value on an edge goes to the bin above; the last edge is in.
		{[]float64{0, 1, 2, 3, 4}, 2, false, nan, nan, "[0 2 4]", "[2 3]"},
		{[]float64{1, 10, 100, 1000}, 3, true, nan, nan, "[1 10 100 1000]", "[1 1 2]"},
		// 0.3 and 3 lie exactly on log edges computed through Pow.
		{[]float64{0.03, 0.3, 3, 30}, 3, true, nan, nan, "[0.03 0.3 3 30]", "[1 1 2]"},
		// Limits set the span; values outside are left out.
		{[]float64{-5, 1, 2, 9, 50}, 2, false, 0, 10, "[0 5 10]", "[2 1]"},
		{[]float64{2, 20, 2000}, 2, true, 1, nan, "[1 44.72135955 2000]", "[2 1]"},
		// One value: one bin a unit (a decade) wide around it.
		{[]float64{3, 3}, 20, false, nan, nan, "[2.5 3.5]", "[2]"},
		{[]float64{10}, 5, true, nan, nan, "[3.16227766 31.6227766]", "[1]"},
	}
	for _, tc := range tests {
		a := axisSpec{name: "x", log: tc.log, lo: tc.lo, hi: tc.hi}
		edges, counts, err := histogram(tc.vs, tc.n, a)
		if err != nil {
			t.Errorf("histogram(%v, %d, log=%v): %v", tc.vs, tc.n, tc.log, err)
			continue
		}
		var es []string
		for _, e := range edges {
			es = append(es, strconv.FormatFloat(e, 'g', 10, 64))
		}
		if got := "[" + strings.Join(es, " ") + "]"; got != tc.edges {
			t.Errorf("histogram(%v, %d, log=%v): edges %s, want %s", tc.vs, tc.n, tc.log, got, tc.edges)
		}
		if got := fmt.Sprint(counts); got != tc.counts {
			t.Errorf("histogram(%v, %d, log=%v): counts %s, want %s", tc.vs, tc.n, tc.log, got, tc.counts)
		}
	}
}
