package table

import (
	"math"
	"testing"
)

// TestTQuantile checks Student's t quantiles against a printed table
// (two-sided critical values, 4 decimals).
func TestTQuantile(t *testing.T) {
	tests := []struct {
		p, nu, want float64
	}{
		{0.975, 1, 12.7062},
		{0.975, 2, 4.3027},
		{0.975, 4, 2.7764},
		{0.975, 9, 2.2622},
		{0.975, 19, 2.0930},
		{0.975, 29, 2.0452},
		{0.975, 1e9, 1.9600},
		{0.995, 9, 3.2498},
		{0.95, 9, 1.8331},
	}
	for _, tc := range tests {
		if got := tQuantile(tc.p, tc.nu); math.Abs(got-tc.want) > 5e-5 {
			t.Errorf("t(%v, %v) = %.6f, want %.4f", tc.p, tc.nu, got, tc.want)
		}
	}
}

func TestSpread(t *testing.T) {
	tests := []struct {
		xs              []float64
		level           float64
		mean, std, half float64
		ok              bool
	}{
		{[]float64{1, 2, 3, 4, 5}, 0.95, 3, math.Sqrt(2.5), 2.7764451 * math.Sqrt(2.5) / math.Sqrt(5), true},
		{[]float64{0, 1}, 0.95, 0.5, math.Sqrt(0.5), 12.7062047 * math.Sqrt(0.5) / math.Sqrt(2), true},
		{[]float64{7, 7, 7}, 0.95, 7, 0, 0, true},
		{[]float64{4}, 0.95, 4, math.NaN(), math.NaN(), false},
		{nil, 0.95, math.NaN(), math.NaN(), math.NaN(), false},
	}
	same := func(a, b float64) bool {
		return math.IsNaN(a) && math.IsNaN(b) || math.Abs(a-b) < 1e-6
	}
	for _, tc := range tests {
		mean, std, half, ok := spread(tc.xs, tc.level)
		if ok != tc.ok || !same(mean, tc.mean) || !same(std, tc.std) || !same(half, tc.half) {
			t.Errorf("spread(%v) = %v, %v, %v, %v; want %v, %v, %v, %v", tc.xs, mean, std, half, ok, tc.mean, tc.std, tc.half, tc.ok)
		}
	}
}
