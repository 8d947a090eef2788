package plot

import (
	"strings"
	"testing"
)

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		n      int
		want   string
	}{
		{0, 2900, 7, "0 500 1000 1500 2000 2500"},
		{0, 1, 5, "0.0 0.2 0.4 0.6 0.8 1.0"},
		{0, 16, 7, "0.0 2.5 5.0 7.5 10.0 12.5 15.0"},
		{-3, 3, 6, "-3 -2 -1 0 1 2 3"},
		{0.001, 0.0042, 3, "0.002 0.004"},
		{0.001, 0.0042, 4, "0.001 0.002 0.003 0.004"},
		{0, 3e7, 3, "0 1e+07 2e+07 3e+07"},
		{5, 5, 4, "5"},
	}
	for _, tc := range tests {
		var got []string
		for _, tk := range (niceTicks{tc.n}).Ticks(tc.lo, tc.hi) {
			got = append(got, tk.Label)
		}
		if s := strings.Join(got, " "); s != tc.want {
			t.Errorf("Ticks(%g, %g) with n=%d: got %q, want %q", tc.lo, tc.hi, tc.n, s, tc.want)
		}
	}
}

func TestNominalTicks(t *testing.T) {
	names := make([]string, 100)
	for i := range names {
		names[i] = strings.Repeat("x", i%3+1)
	}
	ticks := nominalTicks(names, 10)
	if len(ticks) != 10 || ticks[1].Value != 10 || ticks[1].Label != names[10] {
		t.Errorf("got %v", ticks)
	}
	if got := nominalTicks(names[:5], 10); len(got) != 5 {
		t.Errorf("got %v", got)
	}
}
