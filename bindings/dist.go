package bindings

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/engine/dist"
)

// Dist is a distribution value: dist.norm(12, 2), dist.sample(["eu",
// "us"]), d1 + d2, 1e6 * d. Numeric ones wrap an engine dist.Dist; a
// sample over arbitrary values (region names, types) draws one of its
// values and is numeric only when all of them are numbers.
type Dist struct {
	d      dist.Dist        // nil for a sample over non-numeric values
	values []starlark.Value // for dist.sample: the values drawn
	choice *dist.Choice     // for dist.sample
	str    string           // for dist.sample: its printed form
}

var (
	_ starlark.HasAttrs  = (*Dist)(nil)
	_ starlark.HasBinary = (*Dist)(nil)
)

func (d *Dist) String() string {
	if d.values != nil {
		return d.str
	}
	return d.d.String()
}
func (d *Dist) Type() string          { return "dist" }
func (d *Dist) Freeze()               {}
func (d *Dist) Truth() starlark.Bool  { return true }
func (d *Dist) Hash() (uint32, error) { return starlark.String(d.String()).Hash() }

func (d *Dist) numeric(what string) (dist.Dist, error) {
	if d.d == nil {
		return nil, fmt.Errorf("%s needs a numeric distribution, but %s draws non-numbers", what, d.String())
	}
	return d.d, nil
}

// sample draws one value with r.
func (d *Dist) sample(r *rand.Rand) starlark.Value {
	if d.values != nil {
		return d.values[d.choice.Pick(r)]
	}
	return starlark.Float(d.d.Sample(r))
}

// distType declares a distribution's attributes and methods (help(d)).
var distType = api.NewType(&api.Type[*Dist]{
	Name: "dist",
	Var:  "d",
	Doc:  "A distribution (see help(dist)): +, -, *, / with numbers shift and scale it; d1 + d2 sums independent draws.",
	Fields: []api.Field[*Dist]{
		api.Attr("mean", "the mean (numeric distributions only)", func(d *Dist) (starlark.Value, error) {
			nd, err := d.numeric("dist.mean")
			if err != nil {
				return nil, err
			}
			return starlark.Float(nd.Mean()), nil
		}),
		api.Attr("var", "the variance (numeric distributions only)", func(d *Dist) (starlark.Value, error) {
			nd, err := d.numeric("dist.var")
			if err != nil {
				return nil, err
			}
			return starlark.Float(nd.Variance()), nil
		}),
		api.Attr("std", "the standard deviation (numeric distributions only)", func(d *Dist) (starlark.Value, error) {
			nd, err := d.numeric("dist.std")
			if err != nil {
				return nil, err
			}
			return starlark.Float(math.Sqrt(nd.Variance())), nil
		}),
	},
	Methods: []api.Builtin{
		api.Method("sample", "d.sample(n=None) -> one draw (a float, or a value of a dist.sample), or a list of n draws.", distSample),
	},
})

func (d *Dist) Attr(name string) (starlark.Value, error) { return distType.Attr(d, name, nil) }

func (d *Dist) AttrNames() []string { return distType.AttrNames() }

func distSample(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	d := b.Receiver().(*Dist)
	var n starlark.Value = starlark.None
	if err := starlark.UnpackArgs("dist.sample", args, kwargs, "n?", &n); err != nil {
		return nil, err
	}
	r := envOf(thread).rng()
	if n == starlark.None {
		return d.sample(r), nil
	}
	k, err := intArg("dist.sample", "n", n)
	if err != nil {
		return nil, err
	}
	if k < 0 || k > 100_000_000 {
		return nil, fmt.Errorf("dist.sample: n must be between 0 and 1e8 (got %d)", k)
	}
	out := make([]starlark.Value, k)
	for i := range out {
		out[i] = d.sample(r)
	}
	return starlark.NewList(out), nil
}

// Binary implements d1 + d2 (dist.Sum), d + x and d - x (a shift), and
// d * x, x * d (a scaling, e.g. dist.norm(50, 10) * Mbps).
func (d *Dist) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	nd, err := d.numeric(fmt.Sprintf("operator %s", op))
	if err != nil {
		return nil, err
	}
	switch op {
	case syntax.PLUS:
		if o, ok := y.(*Dist); ok {
			od, err := o.numeric("operator +")
			if err != nil {
				return nil, err
			}
			if side == starlark.Left {
				return &Dist{d: dist.Sum(nd, od)}, nil
			}
			return &Dist{d: dist.Sum(od, nd)}, nil
		}
		if f, ok := toFloat(y); ok {
			return &Dist{d: dist.Sum(nd, dist.Constant(f))}, nil
		}
	case syntax.MINUS:
		if f, ok := toFloat(y); ok && side == starlark.Left {
			return &Dist{d: dist.Sum(nd, dist.Constant(-f))}, nil
		}
	case syntax.STAR:
		if f, ok := toFloat(y); ok {
			if math.IsNaN(f) || math.IsInf(f, 0) || f == 0 {
				return nil, fmt.Errorf("cannot scale %s by %g (want a finite, non-zero number)", nd, f)
			}
			return &Dist{d: &scaled{nd, f}}, nil
		}
	case syntax.SLASH:
		if f, ok := toFloat(y); ok && side == starlark.Left {
			if math.IsNaN(f) || math.IsInf(f, 0) || f == 0 {
				return nil, fmt.Errorf("cannot divide %s by %g (want a finite, non-zero number)", nd, f)
			}
			return &Dist{d: &scaled{nd, 1 / f}}, nil
		}
	}
	return nil, nil
}

// scaled is k*X.
type scaled struct {
	d dist.Dist
	k float64
}

func (s *scaled) Sample(r *rand.Rand) float64 { return s.k * s.d.Sample(r) }
func (s *scaled) Mean() float64               { return s.k * s.d.Mean() }
func (s *scaled) Variance() float64           { return s.k * s.k * s.d.Variance() }
func (s *scaled) String() string              { return fmt.Sprintf("%s * %s", s.d.String(), fmtFloat(s.k)) }

// asDist converts a number (a constant) or a numeric distribution.
func asDist(fn, param string, v starlark.Value) (dist.Dist, error) {
	switch x := v.(type) {
	case *Dist:
		d, err := x.numeric(fn + ": " + param)
		return d, err
	case starlark.Int, starlark.Float:
		f, _ := toFloat(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%s: %s must be finite (got %s)", fn, param, x.String())
		}
		return dist.Constant(f), nil
	}
	return nil, fmt.Errorf("%s: %s must be a number or a dist (got %s %s)", fn, param, v.Type(), short(v))
}

func wrapDist(name string, d dist.Dist, err error) (starlark.Value, error) {
	if err != nil {
		return nil, fmt.Errorf("dist.%s", err)
	}
	return &Dist{d: d}, nil
}

// locScaleFamily makes dist.NAME(shapes..., loc=0, scale=1).
func locScaleFamily(name string, shapes []string, build func(p []float64) (dist.Dist, error)) builtinFunc {
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		vals := make([]num, len(shapes)+2)
		vals[len(shapes)+1] = 1
		pairs := make([]any, 0, 2*len(vals))
		for i, s := range shapes {
			pairs = append(pairs, s, &vals[i])
		}
		pairs = append(pairs, "loc?", &vals[len(shapes)], "scale?", &vals[len(shapes)+1])
		if err := starlark.UnpackArgs(b.Name(), args, kwargs, pairs...); err != nil {
			return nil, err
		}
		p := make([]float64, len(vals))
		for i, v := range vals {
			p[i] = float64(v)
		}
		d, err := build(p)
		return wrapDist(name, d, err)
	}
}

func init() {
	members := []api.Builtin{
		api.Pure(api.Method("norm", "dist.norm(loc=0, scale=1) -> the normal distribution with mean loc and standard deviation scale (scipy.stats.norm).", locScaleFamily("norm", nil, func(p []float64) (dist.Dist, error) { return dist.Norm(p[0], p[1]) }))),
		api.Pure(api.Method("lognorm", "dist.lognorm(s, loc=0, scale=1) -> scipy.stats.lognorm: loc + scale*exp(s*Z). p2psimpy's Dist('lognorm', (0.495, 4.89, 0.0426)) is dist.lognorm(0.495, 4.89, 0.0426).", locScaleFamily("lognorm", []string{"s"}, func(p []float64) (dist.Dist, error) { return dist.LogNorm(p[0], p[1], p[2]) }))),
		api.Pure(api.Method("gamma", "dist.gamma(a, loc=0, scale=1) -> scipy.stats.gamma: shape a, scale (not rate), shifted by loc.", locScaleFamily("gamma", []string{"a"}, func(p []float64) (dist.Dist, error) { return dist.Gamma(p[0], p[1], p[2]) }))),
		api.Pure(api.Method("expon", "dist.expon(loc=0, scale=1) -> scipy.stats.expon: exponential with mean scale (rate 1/scale), shifted by loc.", locScaleFamily("expon", nil, func(p []float64) (dist.Dist, error) { return dist.Expon(p[0], p[1]) }))),
		api.Pure(api.Method("uniform", "dist.uniform(loc=0, scale=1) -> scipy.stats.uniform: uniform on [loc, loc+scale] (not [a, b]).", locScaleFamily("uniform", nil, func(p []float64) (dist.Dist, error) { return dist.Uniform(p[0], p[1]) }))),
		api.Pure(api.Method("pareto", "dist.pareto(b, loc=0, scale=1) -> scipy.stats.pareto (type I, support x >= loc+scale).", locScaleFamily("pareto", []string{"b"}, func(p []float64) (dist.Dist, error) { return dist.Pareto(p[0], p[1], p[2]) }))),
		api.Pure(api.Method("weibull_min", "dist.weibull_min(c, loc=0, scale=1) -> scipy.stats.weibull_min: Weibull with shape c. Alias dist.weibull.", locScaleFamily("weibull_min", []string{"c"}, func(p []float64) (dist.Dist, error) { return dist.WeibullMin(p[0], p[1], p[2]) }))),
		api.Pure(api.Method("weibull", "dist.weibull(c, loc=0, scale=1) -> alias of dist.weibull_min.", locScaleFamily("weibull_min", []string{"c"}, func(p []float64) (dist.Dist, error) { return dist.WeibullMin(p[0], p[1], p[2]) }))),
		api.Pure(api.Method("constant", "dist.constant(v) -> the distribution that always gives v.", distConstant)),
		api.Method("sample", `dist.sample(values, weights=None) -> draws one of values

values may be any values (numbers, region names, peer types); weights
(optional, non-negative, not all zero) need not sum to 1. A sample over
numbers has .mean and .var; over other values it can be used for region=.

  region = dist.sample(["eu", "us"], weights = [3, 1])`, distSampleCtor),
		api.Pure(api.Method("scipy", `dist.scipy(name, params) -> a distribution named as in scipy.stats

For porting p2psimpy's Dist(name, params) lines verbatim: params in scipy
order (shape..., loc, scale), loc and scale optional.
  dist.scipy("lognorm", (0.49512563, 4.892564, 0.0425785))
  dist.scipy("sample", ["eu", "us"])   # or {"values": [...], "weights": [...]}
Names: norm, lognorm, gamma, expon, uniform, pareto, weibull_min (weibull),
constant (const), sample.`, distScipy)),
		api.Pure(api.Method("sum", "dist.sum(d1, d2, ...) -> the distribution of the sum of independent draws (same as d1 + d2 + ...).", distSum)),
	}
	api.Register(api.NewModule(&api.Module{Name: "dist", Doc: `dist: probability distributions with scipy.stats' parameter order.

Every distribution has .sample() (one draw), .sample(n) (a list), .mean,
.var, .std; str(d) shows its scipy form. d1 + d2 is the sum of independent
draws, d + x and d - x shift, d * x and d / x scale (dist.norm(50, 10) *
Mbps). Draws use the current simulation's generator (see random).`, Members: members}).Global())
}

func distConstant(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v num
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "v", &v); err != nil {
		return nil, err
	}
	d, err := dist.FromScipy("constant", []float64{float64(v)})
	return wrapDist("constant", d, err)
}

func distSum(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) > 0 {
		return nil, fmt.Errorf("dist.sum: unexpected keyword arguments")
	}
	parts := make([]dist.Dist, len(args))
	for i, a := range args {
		d, err := asDist("dist.sum", fmt.Sprintf("argument %d", i+1), a)
		if err != nil {
			return nil, err
		}
		parts[i] = d
	}
	return &Dist{d: dist.Sum(parts...)}, nil
}

func distSampleCtor(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var values, weights starlark.Value = nil, starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "values", &values, "weights?", &weights); err != nil {
		return nil, err
	}
	return makeSample("dist.sample", values, weights)
}

func makeSample(fn string, values, weights starlark.Value) (*Dist, error) {
	vals, err := iterate(fn, "values", values)
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		return nil, fmt.Errorf("%s: values must not be empty", fn)
	}
	var ws []float64
	if weights != starlark.None {
		wv, err := iterate(fn, "weights", weights)
		if err != nil {
			return nil, err
		}
		for i, w := range wv {
			f, ok := toFloat(w)
			if !ok {
				return nil, fmt.Errorf("%s: weight %d must be a number (got %s)", fn, i, w.Type())
			}
			ws = append(ws, f)
		}
	}
	c, err := dist.NewChoice(len(vals), ws)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", fn, strings.TrimPrefix(err.Error(), "choice: "))
	}
	for _, v := range vals {
		v.Freeze()
	}
	d := &Dist{values: vals, choice: c}
	numeric := true
	fs := make([]float64, len(vals))
	for i, v := range vals {
		f, ok := toFloat(v)
		if !ok {
			numeric = false
			break
		}
		fs[i] = f
	}
	if numeric {
		nd, err := dist.Sample(fs, ws)
		if err != nil {
			return nil, fmt.Errorf("%s: %s", fn, strings.TrimPrefix(err.Error(), "sample: "))
		}
		d.d = nd
	}
	var sb strings.Builder
	sb.WriteString("sample([")
	for i, v := range vals {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(v.String())
	}
	sb.WriteString("]")
	if ws != nil {
		sb.WriteString(", p=[")
		for i, w := range c.Weights() {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(fmtFloat(w))
		}
		sb.WriteString("]")
	}
	sb.WriteString(")")
	d.str = sb.String()
	return d, nil
}

func distScipy(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	var params starlark.Value = starlark.Tuple(nil)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name, "params?", &params); err != nil {
		return nil, err
	}
	if name == "sample" {
		if d, ok := params.(starlark.Mapping); ok {
			vals, found, _ := d.Get(starlark.String("values"))
			if !found {
				return nil, fmt.Errorf("dist.scipy: sample params need a \"values\" entry")
			}
			ws, found, _ := d.Get(starlark.String("weights"))
			if !found {
				ws = starlark.None
			}
			return makeSample("dist.scipy", vals, ws)
		}
		return makeSample("dist.scipy", params, starlark.None)
	}
	var ps []starlark.Value
	if f, ok := toFloat(params); ok { // a single parameter given bare
		ps = []starlark.Value{starlark.Float(f)}
	} else {
		var err error
		if ps, err = iterate("dist.scipy", "params", params); err != nil {
			return nil, err
		}
	}
	fs := make([]float64, len(ps))
	for i, p := range ps {
		f, ok := toFloat(p)
		if !ok {
			return nil, fmt.Errorf("dist.scipy: parameter %d of %s must be a number (got %s)", i, name, p.Type())
		}
		fs[i] = f
	}
	d, err := dist.FromScipy(name, fs)
	if err != nil {
		return nil, fmt.Errorf("dist.scipy: %w", err)
	}
	return &Dist{d: d}, nil
}
