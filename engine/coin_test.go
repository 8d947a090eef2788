package engine_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/p2prepl/p2prepl/engine"
)

// The common coin over 10,000 keys (1,000 instances x 10 rounds): fair
// (the count of ones within 4 sigma of 5,000), no serial correlation from
// one round to the next or one instance to the next (lag-1 and lag-10
// autocorrelation within 4/sqrt(n)), the same for every caller and every
// run of a seed, different for another seed, and drawing it leaves the
// simulation's other draws unchanged.
func TestCommonCoin(t *testing.T) {
	const n = 10000
	coins := func(seed uint64) []float64 {
		s := engine.New(engine.Config{Seed: seed})
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = float64(s.CommonCoin(fmt.Sprintf("26_%d\x00%d", i/10, i%10)))
		}
		return xs
	}
	for _, seed := range []uint64{1, 2, 3} {
		xs := coins(seed)
		ones := 0.0
		for _, x := range xs {
			ones += x
		}
		if sigma := math.Sqrt(n * 0.25); math.Abs(ones-n/2) > 4*sigma {
			t.Errorf("seed %d: %g ones in %d coins, more than 4 sigma from %d", seed, ones, n, n/2)
		}
		mean := ones / n
		for _, lag := range []int{1, 10} {
			var num, den float64
			for i := range xs {
				den += (xs[i] - mean) * (xs[i] - mean)
				if i+lag < n {
					num += (xs[i] - mean) * (xs[i+lag] - mean)
				}
			}
			if r := num / den; math.Abs(r) > 4/math.Sqrt(n) {
				t.Errorf("seed %d: lag-%d autocorrelation %.4f", seed, lag, r)
			}
		}
	}
	a, b, c := coins(7), coins(7), coins(8)
	same, differ := 0, 0
	for i := range a {
		if a[i] == b[i] {
			same++
		}
		if a[i] != c[i] {
			differ++
		}
	}
	if same != n || differ < n/2-200 || differ > n/2+200 {
		t.Errorf("same seed: %d of %d coins equal; another seed: %d differ", same, n, differ)
	}
	s1, s2 := engine.New(engine.Config{Seed: 5}), engine.New(engine.Config{Seed: 5})
	s1.CommonCoin("x")
	if s1.Rand().Uint64() != s2.Rand().Uint64() {
		t.Error("drawing a coin moved the simulation's generator")
	}
}
