// Package sample picks uniform random subsets in place, so that every part
// of the simulator draws them the same way from its seeded generator.
package sample

import "math/rand/v2"

// Choose moves a uniform random k-subset of xs, in uniform random order, to
// the front of xs and returns it as xs[:k]; the rest of xs keeps the other
// elements. It is a partial Fisher–Yates shuffle: for i = 0, ..., k-1 it
// swaps xs[i] with xs[i+r.IntN(len(xs)-i)], so it draws exactly k numbers
// from r and allocates nothing. Callers that assert seeded outputs rely on
// that draw sequence: do not change it.
//
// k > len(xs) is taken as len(xs) (a full shuffle); k <= 0 draws nothing.
// Choose(r, xs, len(xs)) is a uniform random permutation, like Python's
// random.sample(xs, len(xs)).
func Choose[T any](r *rand.Rand, xs []T, k int) []T {
	n := len(xs)
	k = max(min(k, n), 0)
	for i := range k {
		j := i + r.IntN(n-i)
		xs[i], xs[j] = xs[j], xs[i]
	}
	return xs[:k]
}
