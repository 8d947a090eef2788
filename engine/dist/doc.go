// Package dist provides the probability distributions used to model
// latencies, bandwidths, churn and other random quantities in the
// simulator.
//
// # Parameters follow scipy.stats
//
// Every continuous distribution takes its parameters in scipy.stats order:
// the shape parameters first (if any), then loc, then scale. A variate is
//
//	X = loc + scale*Y
//
// where Y has the distribution's standard form (loc=0, scale=1), exactly as
// in scipy. FromScipy applies scipy's defaults loc=0 and scale=1 when they
// are omitted. The reason is portability: simulation models written for
// p2psimpy (which describes distributions as Dist('lognorm', (s, loc,
// scale))) and parameters fitted with scipy.stats.<name>.fit, which returns
// (shape..., loc, scale), can be pasted here verbatim, with the same meaning,
// the same mean and the same variance. Note in particular:
//
//   - lognorm(s, loc, scale): s is the standard deviation of log(X-loc) and
//     scale = exp(mu); it is not parameterised by (mu, sigma).
//   - gamma(a, loc, scale) and expon(loc, scale) take a scale, not a rate.
//   - uniform(loc, scale) is uniform on [loc, loc+scale], not [a, b].
//   - pareto(b, loc, scale) is scipy's Pareto type I (support
//     x >= loc+scale), not numpy's Pareto type II (Lomax).
//   - weibull_min(c, loc, scale) is the ordinary Weibull distribution.
//
// Mean and Variance are the closed forms scipy.stats' stats() returns:
// +Inf where the moment diverges (pareto: the mean for b <= 1, the variance
// for b <= 2, as scipy reports), NaN where it is undefined (none of the
// distributions here has an undefined moment; a NaN would come only from a
// user-defined Dist inside a Sum).
//
// # Randomness
//
// Sampling is built on gonum.org/v1/gonum/stat/distuv and always uses the
// *math/rand/v2.Rand passed to Sample, never global randomness, so a run is
// reproducible from its seed. Distributions are immutable after
// construction and safe for concurrent use, provided each goroutine uses its
// own *rand.Rand (generators are not safe for concurrent use). Sample does
// not allocate.
package dist
