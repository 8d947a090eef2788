package dist

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/p2prepl/p2prepl/internal/spell"
)

// scipySpec describes how FromScipy builds one named distribution.
type scipySpec struct {
	shapes   []string // names of the shape parameters, in order
	locScale bool     // takes loc=0, scale=1 after the shapes
	build    func(p []float64) (Dist, error)
}

// params returns the parameter list for messages, e.g. "s, loc=0, scale=1".
func (s *scipySpec) params() string {
	ps := slices.Clone(s.shapes)
	if s.locScale {
		ps = append(ps, "loc=0", "scale=1")
	}
	return strings.Join(ps, ", ")
}

// shape3 adapts a (shape, loc, scale) constructor.
func shape3(f func(a, loc, scale float64) (Dist, error)) func([]float64) (Dist, error) {
	return func(p []float64) (Dist, error) { return f(p[0], p[1], p[2]) }
}

// locScale2 adapts a (loc, scale) constructor.
func locScale2(f func(loc, scale float64) (Dist, error)) func([]float64) (Dist, error) {
	return func(p []float64) (Dist, error) { return f(p[0], p[1]) }
}

func buildConstant(p []float64) (Dist, error) {
	if err := checkFinite("constant", "v", p[0]); err != nil {
		return nil, err
	}
	return Constant(p[0]), nil
}

func buildSample(p []float64) (Dist, error) { return Sample(p, nil) }

var (
	weibullSpec  = &scipySpec{shapes: []string{"c"}, locScale: true, build: shape3(WeibullMin)}
	constantSpec = &scipySpec{shapes: []string{"v"}, build: buildConstant}
	sampleSpec   = &scipySpec{shapes: []string{"values..."}, build: buildSample}
)

// scipySpecs maps every name accepted by FromScipy, aliases included.
var scipySpecs = map[string]*scipySpec{
	"norm":        {locScale: true, build: locScale2(Norm)},
	"lognorm":     {shapes: []string{"s"}, locScale: true, build: shape3(LogNorm)},
	"gamma":       {shapes: []string{"a"}, locScale: true, build: shape3(Gamma)},
	"expon":       {locScale: true, build: locScale2(Expon)},
	"uniform":     {locScale: true, build: locScale2(Uniform)},
	"pareto":      {shapes: []string{"b"}, locScale: true, build: shape3(Pareto)},
	"weibull_min": weibullSpec,
	"weibull":     weibullSpec,
	"constant":    constantSpec,
	"const":       constantSpec,
	"sample":      sampleSpec,
}

// Names returns the names accepted by FromScipy, aliases included, sorted.
func Names() []string {
	names := make([]string, 0, len(scipySpecs))
	for n := range scipySpecs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// FromScipy builds a distribution from a scipy.stats name and its
// parameters in scipy's positional order (shape..., loc, scale), with
// scipy's defaults loc=0 and scale=1 for omitted trailing parameters, so
// that p2psimpy's Dist('lognorm', (0.495, 4.89, 0.0426)) ports verbatim as
// FromScipy("lognorm", []float64{0.495, 4.89, 0.0426}).
//
// Names (see Names): norm(loc, scale), lognorm(s, loc, scale),
// gamma(a, loc, scale), expon(loc, scale), uniform(loc, scale),
// pareto(b, loc, scale), weibull_min(c, loc, scale) (alias weibull),
// constant(v) (alias const) and sample(values...), which draws one of the
// values with equal probability. NaN and infinite parameters are errors.
func FromScipy(name string, params []float64) (Dist, error) {
	spec, ok := scipySpecs[name]
	if !ok {
		return nil, unknownName(name)
	}
	n := len(params)
	switch {
	case spec == sampleSpec:
		if n == 0 {
			return nil, fmt.Errorf("%s takes at least 1 parameter (%s), got 0", name, spec.params())
		}
		return spec.build(params)
	case !spec.locScale:
		if n != len(spec.shapes) {
			return nil, fmt.Errorf("%s takes %d parameter%s (%s), got %d",
				name, len(spec.shapes), plural(len(spec.shapes)), spec.params(), n)
		}
		return spec.build(params)
	}
	lo, hi := len(spec.shapes), len(spec.shapes)+2
	if n < lo || n > hi {
		return nil, fmt.Errorf("%s takes %d to %d parameters (%s), got %d", name, lo, hi, spec.params(), n)
	}
	full := make([]float64, hi)
	copy(full, params)
	if n < hi-1 {
		full[hi-2] = 0 // loc
	}
	if n < hi {
		full[hi-1] = 1 // scale
	}
	return spec.build(full)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// unknownName builds the error for an unsupported distribution name, with a
// suggestion when one is close.
func unknownName(name string) error {
	names := Names()
	msg := fmt.Sprintf("unknown distribution %q; known: %s", name, strings.Join(names, ", "))
	if s := suggest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return errors.New(msg)
}

// suggest returns the known name closest to name if it is close enough: at
// edit distance <= 2 (ignoring case), or a prefix of it or extending it
// ("normal" -> "norm", "exponential" -> "expon").
func suggest(name string, names []string) string {
	lower := strings.ToLower(strings.TrimSpace(name))
	if lower == "" {
		return ""
	}
	best, bestD := "", 3
	for _, n := range names {
		if d := spell.Distance(lower, n); d < bestD {
			best, bestD = n, d
		}
	}
	if best != "" {
		return best
	}
	for _, n := range names {
		if len(lower) >= 3 && (strings.HasPrefix(lower, n) || strings.HasPrefix(n, lower)) {
			return n
		}
	}
	return ""
}
