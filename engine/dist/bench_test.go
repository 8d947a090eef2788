package dist

import (
	"math/rand/v2"
	"testing"
)

var sink float64

func benchSample(b *testing.B, d Dist) {
	r := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	var s float64
	for b.Loop() {
		s += d.Sample(r)
	}
	sink = s
}

func BenchmarkSampleNorm(b *testing.B) { benchSample(b, must(Norm(12, 2))) }
func BenchmarkSampleLogNorm(b *testing.B) {
	benchSample(b, must(LogNorm(0.49512563, 4.892564, 0.0425785)))
}
func BenchmarkSampleGamma(b *testing.B)           { benchSample(b, must(Gamma(2.5, 1, 0.5))) }
func BenchmarkSampleGammaShape1(b *testing.B)     { benchSample(b, must(Gamma(1, 1, 1))) }
func BenchmarkSampleGammaSmallShape(b *testing.B) { benchSample(b, must(Gamma(0.1, 0, 1))) }
func BenchmarkSampleExpon(b *testing.B)           { benchSample(b, must(Expon(1, 2))) }
func BenchmarkSampleUniform(b *testing.B)         { benchSample(b, must(Uniform(2, 3))) }
func BenchmarkSamplePareto(b *testing.B)          { benchSample(b, must(Pareto(3, 1, 2))) }
func BenchmarkSampleWeibullMin(b *testing.B)      { benchSample(b, must(WeibullMin(1.5, 0.5, 2))) }
func BenchmarkSampleConstant(b *testing.B)        { benchSample(b, Constant(3)) }
func BenchmarkSampleSum(b *testing.B) {
	benchSample(b, Sum(must(Norm(1, 1)), must(Expon(0, 2)), Constant(3)))
}
func BenchmarkSampleSample(b *testing.B) {
	benchSample(b, must(Sample([]float64{1, 2, 10, 20}, []float64{4, 3, 2, 1})))
}
func BenchmarkSampleSampleUniform(b *testing.B) {
	benchSample(b, must(Sample([]float64{1, 2, 10, 20}, nil)))
}
func BenchmarkSampleFromScipy(b *testing.B) {
	benchSample(b, must(FromScipy("lognorm", []float64{0.49512563, 4.892564, 0.0425785})))
}

func benchPick(b *testing.B, c *Choice) {
	r := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	var s int
	for b.Loop() {
		s += c.Pick(r)
	}
	sink = float64(s)
}

func BenchmarkChoicePickUniform(b *testing.B) {
	c, _ := NewChoice(16, nil)
	benchPick(b, c)
}

func BenchmarkChoicePickWeighted16(b *testing.B) {
	w := make([]float64, 16)
	for i := range w {
		w[i] = float64(i + 1)
	}
	c, _ := NewChoice(16, w)
	benchPick(b, c)
}

func BenchmarkChoicePickWeighted1000(b *testing.B) {
	w := make([]float64, 1000)
	for i := range w {
		w[i] = float64(i%7 + 1)
	}
	c, _ := NewChoice(1000, w)
	benchPick(b, c)
}
