package sample

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestChoose checks the shape of the result and that Choose draws exactly
// min(k, n) numbers, r.IntN(n-i) for i = 0, 1, ..., the sequence seeded
// outputs elsewhere depend on.
func TestChoose(t *testing.T) {
	for _, c := range []struct {
		name  string
		n, k  int
		draws int
	}{
		{"empty", 0, 3, 0},
		{"k zero", 5, 0, 0},
		{"k negative", 5, -1, 0},
		{"one", 5, 1, 1},
		{"some", 10, 4, 4},
		{"all", 6, 6, 6},
		{"k above n", 4, 9, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			xs := make([]int, c.n)
			for i := range xs {
				xs[i] = 10 * i
			}
			r := rand.New(rand.NewPCG(1, 2))
			got := Choose(r, xs, c.k)
			if len(got) != c.draws {
				t.Fatalf("len = %d, want %d", len(got), c.draws)
			}
			if len(got) > 0 && &got[0] != &xs[0] {
				t.Errorf("result does not alias the front of xs")
			}
			// Still a permutation of the input.
			sorted := slices.Sorted(slices.Values(xs))
			for i, x := range sorted {
				if x != 10*i {
					t.Fatalf("xs is no longer a permutation of the input: %v", xs)
				}
			}
			// Same result and the same generator state as the reference
			// algorithm written out.
			ref := make([]int, c.n)
			for i := range ref {
				ref[i] = 10 * i
			}
			rr := rand.New(rand.NewPCG(1, 2))
			for i := 0; i < c.draws; i++ {
				j := i + rr.IntN(c.n-i)
				ref[i], ref[j] = ref[j], ref[i]
			}
			if !slices.Equal(xs, ref) {
				t.Errorf("xs = %v, reference %v", xs, ref)
			}
			if a, b := r.Uint64(), rr.Uint64(); a != b {
				t.Errorf("generator state differs from the reference after %d draws", c.draws)
			}
		})
	}
}

// TestChooseDeterministic: the same seed gives the same subset.
func TestChooseDeterministic(t *testing.T) {
	run := func() []int {
		r := rand.New(rand.NewPCG(7, 7))
		var out []int
		for range 50 {
			xs := []int{1, 2, 3, 4, 5, 6, 7, 8}
			out = append(out, Choose(r, xs, 3)...)
		}
		return out
	}
	if a, b := run(), run(); !slices.Equal(a, b) {
		t.Errorf("two runs with one seed differ:\n%v\n%v", a, b)
	}
}

// TestChooseUniform checks, by a chi-square test, that every ordered
// k-subset is equally likely, for several (n, k). The seed is fixed, so
// the test is deterministic; the bound is the 0.999 quantile.
func TestChooseUniform(t *testing.T) {
	for _, c := range []struct{ n, k int }{{2, 1}, {4, 2}, {5, 3}, {4, 4}} {
		r := rand.New(rand.NewPCG(uint64(c.n), uint64(c.k)))
		counts := map[[4]int]int{}
		const draws = 60000
		for range draws {
			xs := []int{0, 1, 2, 3, 4}[:c.n]
			var key [4]int
			for i, x := range Choose(r, xs, c.k) {
				key[i] = x + 1
			}
			counts[key]++
		}
		cells := 1 // n!/(n-k)! ordered k-subsets
		for i := 0; i < c.k; i++ {
			cells *= c.n - i
		}
		if len(counts) != cells {
			t.Errorf("n=%d k=%d: saw %d distinct outcomes, want %d", c.n, c.k, len(counts), cells)
			continue
		}
		want := float64(draws) / float64(cells)
		chi2 := 0.0
		for _, got := range counts {
			d := float64(got) - want
			chi2 += d * d / want
		}
		if df := float64(cells - 1); chi2 > chi2Bound(df) {
			t.Errorf("n=%d k=%d: chi-square %.1f with %g degrees of freedom; outcomes are not uniform: %v", c.n, c.k, chi2, df, counts)
		}
	}
}

// chi2Bound approximates the 0.999 quantile of the chi-square
// distribution with df degrees of freedom (Wilson–Hilferty).
func chi2Bound(df float64) float64 {
	const z = 3.09 // 0.999 quantile of the standard normal
	a := 2 / (9 * df)
	return df * math.Pow(1-a+z*math.Sqrt(a), 3)
}

// BenchmarkChoose draws 8 of 64 into the caller's slice: 0 allocs/op.
func BenchmarkChoose(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	xs := make([]int32, 64)
	for i := range xs {
		xs[i] = int32(i)
	}
	b.ReportAllocs()
	for b.Loop() {
		Choose(r, xs, 8)
	}
}
