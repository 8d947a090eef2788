package dist

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Choice draws an index in [0, n) with fixed weights. It is used to sample
// arbitrary values (region names, node types, ...) by index. A Choice is
// immutable and safe for concurrent use; build it with NewChoice (the zero
// value is not usable).
type Choice struct {
	n int
	// cum holds the cumulative weights, scaled so that the largest weight
	// is 1; nil when all weights are equal (Pick then uses r.IntN).
	cum []float64
	// p holds the normalised weights (nil when uniform).
	p []float64
	// lastPos is the largest index with a positive weight, the answer
	// when rounding puts a draw at the very end of cum.
	lastPos int
}

// NewChoice returns a Choice over n >= 1 indices. weights must be nil or
// empty (uniform) or hold n finite, non-negative numbers, not all zero; they
// need not sum to 1.
func NewChoice(n int, weights []float64) (*Choice, error) {
	return newChoice("choice", n, weights)
}

// newChoice is NewChoice with the given prefix for error messages.
func newChoice(who string, n int, weights []float64) (*Choice, error) {
	if n < 1 {
		return nil, fmt.Errorf("%s: need at least 1 item (got %d)", who, n)
	}
	if len(weights) == 0 {
		return &Choice{n: n, lastPos: n - 1}, nil
	}
	if len(weights) != n {
		return nil, fmt.Errorf("%s: got %d weights for %d items", who, len(weights), n)
	}
	maxW := 0.0
	for i, w := range weights {
		if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
			return nil, fmt.Errorf("%s: weight %d must be finite and >= 0 (got %s)", who, i, formatFloat(w))
		}
		maxW = max(maxW, w)
	}
	if maxW == 0 {
		return nil, fmt.Errorf("%s: weights must not all be zero", who)
	}
	equal := true
	for _, w := range weights {
		if w != weights[0] {
			equal = false
			break
		}
	}
	if equal {
		return &Choice{n: n, lastPos: n - 1}, nil
	}
	// Scale by the largest weight first, so that the total (at most n)
	// cannot overflow whatever the magnitude of the weights.
	c := &Choice{n: n, cum: make([]float64, n), p: make([]float64, n)}
	total := 0.0
	for i, w := range weights {
		w /= maxW
		total += w
		c.cum[i] = total
		if w > 0 {
			c.lastPos = i
		}
	}
	for i, w := range weights {
		c.p[i] = w / maxW / total
	}
	return c, nil
}

// Pick draws an index using r. It does not allocate.
func (c *Choice) Pick(r *rand.Rand) int {
	if c.cum == nil {
		return r.IntN(c.n)
	}
	u := r.Float64() * c.cum[c.n-1]
	// The first i with cum[i] > u: such an i has a positive weight.
	lo, hi := 0, c.n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if c.cum[m] > u {
			hi = m
		} else {
			lo = m + 1
		}
	}
	if lo == c.n { // u rounded up to the total
		return c.lastPos
	}
	return lo
}

// Len returns the number of indices n.
func (c *Choice) Len() int { return c.n }

// Weights returns a fresh copy of the weights normalised to sum to 1.
func (c *Choice) Weights() []float64 {
	w := make([]float64, c.n)
	if c.cum == nil {
		for i := range w {
			w[i] = 1 / float64(c.n)
		}
		return w
	}
	copy(w, c.p)
	return w
}

// sample is the empirical distribution of Sample.
type sample struct {
	values   []float64
	choice   *Choice
	mean     float64
	variance float64
}

// Sample returns the distribution that draws one of values with the given
// weights (nil or empty for equal weights), built on Choice. values must be
// non-empty and finite. Its mean and variance are those of the weighted
// values (population variance). String is "sample([v0, v1, ...])", with
// ", p=[...]" (normalised weights) appended when the weights differ.
func Sample(values, weights []float64) (Dist, error) {
	if len(values) == 0 {
		return nil, fmt.Errorf("sample: need at least 1 value")
	}
	for i, v := range values {
		if err := checkFinite("sample", fmt.Sprintf("value %d", i), v); err != nil {
			return nil, err
		}
	}
	c, err := newChoice("sample", len(values), weights)
	if err != nil {
		return nil, err
	}
	d := &sample{values: append([]float64(nil), values...), choice: c}
	p := c.Weights()
	for i, v := range d.values {
		d.mean += p[i] * v
	}
	for i, v := range d.values {
		dv := v - d.mean
		d.variance += p[i] * dv * dv
	}
	return d, nil
}

func (d *sample) Sample(r *rand.Rand) float64 { return d.values[d.choice.Pick(r)] }
func (d *sample) Mean() float64               { return d.mean }
func (d *sample) Variance() float64           { return d.variance }

func (d *sample) String() string {
	var b strings.Builder
	b.WriteString("sample(")
	writeList(&b, d.values)
	if d.choice.cum != nil {
		b.WriteString(", p=")
		writeList(&b, d.choice.Weights())
	}
	b.WriteByte(')')
	return b.String()
}

func writeList(b *strings.Builder, xs []float64) {
	b.WriteByte('[')
	for i, x := range xs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(formatFloat(x))
	}
	b.WriteByte(']')
}
