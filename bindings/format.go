package bindings

import (
	"fmt"
	"math/big"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/internal/pyformat"
)

// Number formatting as in Python: Starlark's % has no precision ("%.3f"
// is an error) and go.starlark.net has no hook to add one, so format()
// and round() fill the gap.
func init() {
	api.Register(
		api.PureFunction("format", `format(x, spec="") -> x formatted by a Python format spec, as a string

Formats a number (or a string) as Python's format(x, spec) does, with
its format-specification mini-language
[[fill]align][sign][z][#][0][width][,|_][.precision][type]:

  format(3.14159, ".2f")     "3.14"       fixed, 2 decimals
  format(1234567, ",")       "1,234,567"  thousands separator
  format(0.0412, ".1%")      "4.1%"       percent
  format(6.02e23, ".3e")     "6.020e+23"  exponent
  format(0.000123, ".3g")    "0.000123"   general: fixed or exponent
  format(42, ">8")           "      42"   width and alignment (<, >, ^, =)
  format(42, "08,")          "0,000,042"  zero padding
  format(255, "#x")          "0xff"       b, o, x, X: binary, octal, hex
  format("id", "<6") + "|"   "id    |"    strings: width, alignment, .N cuts

Types: f F (fixed, default 6 decimals), e E (exponent), g G n (general),
% (percent), d b o x X c (ints), s (strings); none gives str(x) for an
empty spec. In a message: "mean %s ms" % format(m, ".1f").`, builtinFormat),
		api.PureFunction("round", `round(x, ndigits=None) -> x rounded to ndigits decimals (an int without ndigits)

Rounds as Python's round() does: to the nearest value, ties to even
(round(2.5) == 2, round(0.125, 2) == 0.12), on the exact binary value of x
(round(2.675, 2) == 2.67, since 2.675 is stored as 2.67499...). Without
ndigits the result is an int; with it, a float for a float and an int
for an int. A negative ndigits rounds to tens, hundreds, ...:
round(1234.5, -2) == 1200.0. To print a fixed number of decimals (1.50,
not 1.5), use format(x, ".2f").`, builtinRound),
	)
}

func builtinFormat(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x starlark.Value
	var spec string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "x", &x, "spec?", &spec); err != nil {
		return nil, err
	}
	s, err := pyformat.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("format: %w", err)
	}
	var out string
	switch v := x.(type) {
	case starlark.Float:
		out, err = s.Float(float64(v))
	case starlark.Int:
		out, err = s.Int(v.BigInt())
	case starlark.Bool:
		if spec == "" {
			return starlark.String(v.String()), nil
		}
		n := int64(0)
		if v {
			n = 1
		}
		out, err = s.Int(big.NewInt(n))
	case starlark.String:
		out, err = pyformat.String(string(v), spec)
	default:
		if spec == "" {
			return starlark.String(x.String()), nil
		}
		return nil, fmt.Errorf("format: a %s takes no format spec (got %q); format numbers and strings, or use str(x)", x.Type(), spec)
	}
	if err != nil {
		return nil, fmt.Errorf("format(%s, %q): %w", short(x), spec, err)
	}
	return starlark.String(out), nil
}

func builtinRound(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var x, nd starlark.Value = nil, starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "x", &x, "ndigits?", &nd); err != nil {
		return nil, err
	}
	ndigits, hasDigits := 0, nd != starlark.None
	if hasDigits {
		i, ok := nd.(starlark.Int)
		if !ok {
			return nil, fmt.Errorf("round: ndigits must be an int (got %s %s)", nd.Type(), short(nd))
		}
		// Beyond a billion digits every result is x itself or 0, as in
		// Python: clamp rather than refuse.
		n, ok := i.Int64()
		if !ok {
			n = int64(i.Sign()) << 30
		}
		ndigits = int(max(-1<<30, min(1<<30, n)))
	}
	switch v := x.(type) {
	case starlark.Int:
		return starlark.MakeBigInt(pyformat.RoundInt(v.BigInt(), ndigits)), nil
	case starlark.Float:
		if !hasDigits {
			n, err := pyformat.ToInt(float64(v))
			if err != nil {
				return nil, fmt.Errorf("round: %w", err)
			}
			return starlark.MakeBigInt(n), nil
		}
		r, err := pyformat.Round(float64(v), ndigits)
		if err != nil {
			return nil, fmt.Errorf("round(%s, %d): %w", v, ndigits, err)
		}
		return starlark.Float(r), nil
	}
	return nil, fmt.Errorf("round: x must be a number (got %s %s)", x.Type(), short(x))
}
