package table

import (
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// defaultLevel is the confidence level of "ci", "ci_lo" and "ci_hi" when
// the aggregation does not give one.
const defaultLevel = 0.95

// spread returns the mean, the sample standard deviation (n-1 in the
// denominator, as numpy's std(ddof=1) and pandas' std) and the half-width
// of the two-sided confidence interval of the mean at level, from
// Student's t with n-1 degrees of freedom:
//
//	half = t(1-(1-level)/2, n-1) * std / sqrt(n)
//
// which is exact for normal samples at any n and is what scipy's
// t.interval gives. With n < 2 the deviation and interval are undefined
// (ok is false).
func spread(xs []float64, level float64) (mean, std, half float64, ok bool) {
	n := len(xs)
	if n == 0 {
		return math.NaN(), math.NaN(), math.NaN(), false
	}
	if n == 1 {
		return xs[0], math.NaN(), math.NaN(), false
	}
	mean, std = stat.MeanStdDev(xs, nil)
	return mean, std, tQuantile(1-(1-level)/2, float64(n-1)) * std / math.Sqrt(float64(n)), true
}

// tQuantile is the p-quantile of Student's t distribution with nu degrees
// of freedom.
func tQuantile(p, nu float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: nu}.Quantile(p)
}
