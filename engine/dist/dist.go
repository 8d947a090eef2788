package dist

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
)

// Dist is a probability distribution sampled with the simulation's
// generator.
type Dist interface {
	// Sample draws one variate using r (and only r).
	Sample(r *rand.Rand) float64
	// Mean returns the expected value; +Inf where it diverges.
	Mean() float64
	// Variance returns the variance; +Inf where infinite, NaN where
	// undefined.
	Variance() float64
	// String returns a scipy-style description such as
	// "lognorm(0.49512563, 4.892564, 0.0425785)".
	String() string
}

// formatFloat formats x like Python's repr of a float, without the
// trailing ".0" of integral values: 0.0425785, 3, 1e-05, 1e+16.
func formatFloat(x float64) string {
	if a := math.Abs(x); x == 0 || (a >= 1e-4 && a < 1e16) {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return strconv.FormatFloat(x, 'e', -1, 64)
}

// formatCall formats name(p0, p1, ...).
func formatCall(name string, params ...float64) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('(')
	for i, p := range params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(formatFloat(p))
	}
	b.WriteByte(')')
	return b.String()
}

// checkFinite requires v to be a finite number.
func checkFinite(dist, param string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%s: %s must be finite (got %s)", dist, param, formatFloat(v))
	}
	return nil
}

// checkPositive requires v to be a finite number > 0.
func checkPositive(dist, param string, v float64) error {
	if err := checkFinite(dist, param, v); err != nil {
		return err
	}
	if !(v > 0) {
		return fmt.Errorf("%s: %s must be > 0 (got %s)", dist, param, formatFloat(v))
	}
	return nil
}

// checkLocScale validates the loc and scale parameters common to all
// continuous distributions.
func checkLocScale(dist string, loc, scale float64) error {
	if err := checkFinite(dist, "loc", loc); err != nil {
		return err
	}
	return checkPositive(dist, "scale", scale)
}

// ---------------------------------------------------------------------------
// norm

type norm struct{ loc, scale float64 }

// Norm returns scipy.stats.norm(loc, scale): the normal distribution with
// mean loc and standard deviation scale > 0.
func Norm(loc, scale float64) (Dist, error) {
	if err := checkLocScale("norm", loc, scale); err != nil {
		return nil, err
	}
	return &norm{loc, scale}, nil
}

func (d *norm) Sample(r *rand.Rand) float64 {
	return d.loc + d.scale*distuv.Normal{Mu: 0, Sigma: 1, Src: r}.Rand()
}
func (d *norm) Mean() float64     { return d.loc }
func (d *norm) Variance() float64 { return d.scale * d.scale }
func (d *norm) String() string    { return formatCall("norm", d.loc, d.scale) }

// ---------------------------------------------------------------------------
// lognorm

type lognorm struct{ s, loc, scale float64 }

// LogNorm returns scipy.stats.lognorm(s, loc, scale): X = loc + scale*exp(s*Z)
// with Z standard normal, so s > 0 is the standard deviation of log(X-loc)
// and scale > 0 is exp of its mean.
func LogNorm(s, loc, scale float64) (Dist, error) {
	if err := checkPositive("lognorm", "s", s); err != nil {
		return nil, err
	}
	if err := checkLocScale("lognorm", loc, scale); err != nil {
		return nil, err
	}
	return &lognorm{s, loc, scale}, nil
}

func (d *lognorm) Sample(r *rand.Rand) float64 {
	return d.loc + d.scale*distuv.LogNormal{Mu: 0, Sigma: d.s, Src: r}.Rand()
}
func (d *lognorm) Mean() float64 { return d.loc + d.scale*math.Exp(d.s*d.s/2) }
func (d *lognorm) Variance() float64 {
	e := math.Exp(d.s * d.s)
	return d.scale * d.scale * math.Expm1(d.s*d.s) * e
}
func (d *lognorm) String() string { return formatCall("lognorm", d.s, d.loc, d.scale) }

// ---------------------------------------------------------------------------
// gamma

type gamma struct{ a, loc, scale float64 }

// Gamma returns scipy.stats.gamma(a, loc, scale): shape a > 0 and scale > 0
// (the inverse of the rate), shifted by loc.
func Gamma(a, loc, scale float64) (Dist, error) {
	if err := checkPositive("gamma", "a", a); err != nil {
		return nil, err
	}
	if err := checkLocScale("gamma", loc, scale); err != nil {
		return nil, err
	}
	return &gamma{a, loc, scale}, nil
}

func (d *gamma) Sample(r *rand.Rand) float64 {
	return d.loc + d.scale*distuv.Gamma{Alpha: d.a, Beta: 1, Src: r}.Rand()
}
func (d *gamma) Mean() float64     { return d.loc + d.a*d.scale }
func (d *gamma) Variance() float64 { return d.a * d.scale * d.scale }
func (d *gamma) String() string    { return formatCall("gamma", d.a, d.loc, d.scale) }

// ---------------------------------------------------------------------------
// expon

type expon struct{ loc, scale float64 }

// Expon returns scipy.stats.expon(loc, scale): the exponential distribution
// with mean scale > 0 (rate 1/scale), shifted by loc.
func Expon(loc, scale float64) (Dist, error) {
	if err := checkLocScale("expon", loc, scale); err != nil {
		return nil, err
	}
	return &expon{loc, scale}, nil
}

func (d *expon) Sample(r *rand.Rand) float64 {
	return d.loc + d.scale*distuv.Exponential{Rate: 1, Src: r}.Rand()
}
func (d *expon) Mean() float64     { return d.loc + d.scale }
func (d *expon) Variance() float64 { return d.scale * d.scale }
func (d *expon) String() string    { return formatCall("expon", d.loc, d.scale) }

// ---------------------------------------------------------------------------
// uniform

type uniform struct{ loc, scale float64 }

// Uniform returns scipy.stats.uniform(loc, scale): the uniform distribution
// on [loc, loc+scale], scale > 0.
func Uniform(loc, scale float64) (Dist, error) {
	if err := checkLocScale("uniform", loc, scale); err != nil {
		return nil, err
	}
	if math.IsInf(loc+scale, 0) {
		return nil, fmt.Errorf("uniform: loc+scale must be finite (got %s + %s)", formatFloat(loc), formatFloat(scale))
	}
	return &uniform{loc, scale}, nil
}

func (d *uniform) Sample(r *rand.Rand) float64 {
	return d.loc + d.scale*distuv.Uniform{Min: 0, Max: 1, Src: r}.Rand()
}
func (d *uniform) Mean() float64     { return d.loc + d.scale/2 }
func (d *uniform) Variance() float64 { return d.scale * d.scale / 12 }
func (d *uniform) String() string    { return formatCall("uniform", d.loc, d.scale) }

// ---------------------------------------------------------------------------
// pareto

type pareto struct{ b, loc, scale float64 }

// Pareto returns scipy.stats.pareto(b, loc, scale): the Pareto type I
// distribution with shape b > 0 and support x >= loc+scale. (numpy's
// random.pareto is type II, i.e. pareto(b, loc=-1) here.)
func Pareto(b, loc, scale float64) (Dist, error) {
	if err := checkPositive("pareto", "b", b); err != nil {
		return nil, err
	}
	if err := checkLocScale("pareto", loc, scale); err != nil {
		return nil, err
	}
	return &pareto{b, loc, scale}, nil
}

func (d *pareto) Sample(r *rand.Rand) float64 {
	return d.loc + d.scale*distuv.Pareto{Xm: 1, Alpha: d.b, Src: r}.Rand()
}

// Mean is loc + scale*b/(b-1) for b > 1, +Inf otherwise (as scipy).
func (d *pareto) Mean() float64 {
	if d.b <= 1 {
		return math.Inf(1)
	}
	return d.loc + d.scale*d.b/(d.b-1)
}

// Variance is scale²*b/((b-1)²(b-2)) for b > 2, +Inf otherwise (scipy
// reports inf also for b <= 1, where the mean itself diverges).
func (d *pareto) Variance() float64 {
	if d.b <= 2 {
		return math.Inf(1)
	}
	bm1 := d.b - 1
	return d.scale * d.scale * d.b / (bm1 * bm1 * (d.b - 2))
}
func (d *pareto) String() string { return formatCall("pareto", d.b, d.loc, d.scale) }

// ---------------------------------------------------------------------------
// weibull_min

type weibullMin struct{ c, loc, scale float64 }

// WeibullMin returns scipy.stats.weibull_min(c, loc, scale): the Weibull
// distribution with shape c > 0 and scale > 0, shifted by loc.
func WeibullMin(c, loc, scale float64) (Dist, error) {
	if err := checkPositive("weibull_min", "c", c); err != nil {
		return nil, err
	}
	if err := checkLocScale("weibull_min", loc, scale); err != nil {
		return nil, err
	}
	return &weibullMin{c, loc, scale}, nil
}

func (d *weibullMin) Sample(r *rand.Rand) float64 {
	return d.loc + d.scale*distuv.Weibull{K: d.c, Lambda: 1, Src: r}.Rand()
}

// Mean is loc + scale*Γ(1+1/c).
func (d *weibullMin) Mean() float64 { return d.loc + d.scale*math.Gamma(1+1/d.c) }

// Variance is scale²*(Γ(1+2/c) - Γ(1+1/c)²); +Inf when Γ(1+2/c)
// overflows (c below about 0.006), where scipy would compute inf-inf.
func (d *weibullMin) Variance() float64 {
	g2 := math.Gamma(1 + 2/d.c)
	if math.IsInf(g2, 1) {
		return math.Inf(1)
	}
	g1 := math.Gamma(1 + 1/d.c)
	return d.scale * d.scale * (g2 - g1*g1)
}
func (d *weibullMin) String() string { return formatCall("weibull_min", d.c, d.loc, d.scale) }

// ---------------------------------------------------------------------------
// constant

type constant struct{ v float64 }

// Constant returns the degenerate distribution that always yields v (mean v,
// variance 0). Sample does not consume randomness. v should be finite;
// FromScipy rejects NaN and Inf.
func Constant(v float64) Dist { return constant{v} }

func (d constant) Sample(*rand.Rand) float64 { return d.v }
func (d constant) Mean() float64             { return d.v }
func (d constant) Variance() float64         { return 0 }
func (d constant) String() string            { return formatCall("constant", d.v) }

// ---------------------------------------------------------------------------
// sum

type sum struct{ parts []Dist }

// Sum returns the distribution of the sum of independent draws from ds: a
// sample is the sum of one sample of each (drawn in order), the mean and the
// variance are the sums of theirs. Sum() is the constant 0. Sum panics if
// an argument is nil.
func Sum(ds ...Dist) Dist {
	for i, d := range ds {
		if d == nil {
			panic(fmt.Sprintf("dist.Sum: argument %d is nil", i))
		}
	}
	return &sum{parts: append([]Dist(nil), ds...)}
}

func (d *sum) Sample(r *rand.Rand) float64 {
	var x float64
	for _, p := range d.parts {
		x += p.Sample(r)
	}
	return x
}

func (d *sum) Mean() float64 {
	var m float64
	for _, p := range d.parts {
		m += p.Mean()
	}
	return m
}

func (d *sum) Variance() float64 {
	var v float64
	for _, p := range d.parts {
		v += p.Variance()
	}
	return v
}

func (d *sum) String() string {
	var b strings.Builder
	b.WriteString("sum(")
	for i, p := range d.parts {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.String())
	}
	b.WriteByte(')')
	return b.String()
}
