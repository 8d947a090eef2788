package bindings

import (
	"fmt"
	"math"
	"math/rand/v2"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/internal/sample"
)

// rng is the generator behind random, dist sampling and peer set-up: the
// simulation inside sim.run if any, else the simulation created last, else
// a generator seeded from Options.Seed. Runs stay reproducible because
// every source is seeded.
func (e *Env) rng() *rand.Rand {
	if e.inRun != nil {
		return e.inRun.sim.Rand()
	}
	if e.current != nil {
		return e.current.sim.Rand()
	}
	return e.fallback
}

func init() {
	members := []api.Builtin{
		api.Method("random", "random.random() -> a float in [0, 1).", rndRandom),
		api.Method("uniform", "random.uniform(a, b) -> a float uniform in [a, b).", rndUniform),
		api.Method("randint", "random.randint(a, b) -> an int in [a, b], both ends included.", rndRandint),
		api.Method("choice", "random.choice(seq) -> a random element of a non-empty list, tuple or string.", rndChoice),
		api.Method("sample", "random.sample(seq, k) -> a list of k distinct elements of seq, in random order.", rndSample),
		api.Method("shuffle", "random.shuffle(list) -> None; shuffles the list in place.", rndShuffle),
		api.Method("normal", "random.normal(mu=0, sigma=1) -> a normal variate (alias random.gauss).", rndNormal),
		api.Method("gauss", "random.gauss(mu=0, sigma=1) -> a normal variate.", rndNormal),
		api.Method("expovariate", "random.expovariate(lambd) -> an exponential variate with rate lambd (mean 1/lambd).", rndExpo),
	}
	api.Register(api.NewModule(&api.Module{Name: "random", Doc: `random: random numbers from the simulation's seeded generator.

Inside sim.run (handlers, validate functions, sim.at callbacks) draws come
from the running simulation's generator; elsewhere from the simulation
created last; before any simulation exists, from a generator seeded with
--seed (default 1). There is no other source of randomness, so the same
script and seed always give the same run.`, Members: members}).Global())
}

func rndRandom(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Float(envOf(thread).rng().Float64()), nil
}

func rndUniform(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var lo, hi num
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &lo, "b", &hi); err != nil {
		return nil, err
	}
	return starlark.Float(float64(lo) + (float64(hi)-float64(lo))*envOf(thread).rng().Float64()), nil
}

func rndRandint(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var lo, hi int64
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &lo, "b", &hi); err != nil {
		return nil, err
	}
	if hi < lo {
		return nil, fmt.Errorf("random.randint: need a <= b (got %d, %d)", lo, hi)
	}
	span := uint64(hi - lo)
	if span == math.MaxUint64 {
		return starlark.MakeInt64(int64(envOf(thread).rng().Uint64())), nil
	}
	return starlark.MakeInt64(lo + int64(envOf(thread).rng().Uint64N(span+1))), nil
}

func seqOf(fn string, v starlark.Value) (starlark.Indexable, error) {
	if s, ok := v.(starlark.Indexable); ok {
		return s, nil
	}
	return nil, fmt.Errorf("%s: want a list, tuple or string (got %s)", fn, v.Type())
}

func rndChoice(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "seq", &v); err != nil {
		return nil, err
	}
	s, err := seqOf("random.choice", v)
	if err != nil {
		return nil, err
	}
	if s.Len() == 0 {
		return nil, fmt.Errorf("random.choice: the sequence is empty")
	}
	return s.Index(envOf(thread).rng().IntN(s.Len())), nil
}

func rndSample(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	var k int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "seq", &v, "k", &k); err != nil {
		return nil, err
	}
	var elems []starlark.Value
	if s, ok := v.(starlark.Indexable); ok {
		elems = make([]starlark.Value, s.Len())
		for i := range elems {
			elems[i] = s.Index(i)
		}
	} else {
		var err error
		if elems, err = iterate("random.sample", "seq", v); err != nil {
			return nil, err
		}
	}
	if k < 0 || k > len(elems) {
		return nil, fmt.Errorf("random.sample: k must be between 0 and len(seq) = %d (got %d)", len(elems), k)
	}
	sel := sample.Choose(envOf(thread).rng(), elems, k)
	return starlark.NewList(sel[:k:k]), nil
}

func rndShuffle(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var l *starlark.List
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "list", &l); err != nil {
		return nil, err
	}
	r := envOf(thread).rng()
	for i := l.Len() - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		a, c := l.Index(i), l.Index(j)
		if err := l.SetIndex(i, c); err != nil {
			return nil, fmt.Errorf("random.shuffle: %w", err)
		}
		if err := l.SetIndex(j, a); err != nil {
			return nil, fmt.Errorf("random.shuffle: %w", err)
		}
	}
	return starlark.None, nil
}

func rndNormal(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var mu, sigma num = 0, 1
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "mu?", &mu, "sigma?", &sigma); err != nil {
		return nil, err
	}
	if !(sigma >= 0) {
		return nil, fmt.Errorf("%s: sigma must be >= 0 (got %g)", b.Name(), float64(sigma))
	}
	return starlark.Float(float64(mu) + float64(sigma)*envOf(thread).rng().NormFloat64()), nil
}

func rndExpo(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var l num
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "lambd", &l); err != nil {
		return nil, err
	}
	if !(l > 0) {
		return nil, fmt.Errorf("random.expovariate: lambd must be > 0 (got %g)", float64(l))
	}
	return starlark.Float(envOf(thread).rng().ExpFloat64() / float64(l)), nil
}
