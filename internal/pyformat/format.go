package pyformat

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Float formats x as Python's format(x, spec) does for a float.
func Float(x float64, spec string) (string, error) {
	s, err := Parse(spec)
	if err != nil {
		return "", err
	}
	return s.Float(x)
}

// Float formats x with the parsed spec.
func (s Spec) Float(x float64) (string, error) {
	switch s.Type {
	case 0, 'e', 'E', 'f', 'F', 'g', 'G', 'n', '%':
	default:
		return "", fmt.Errorf("unknown format code '%c' for a float (use e, f, g or %%; d, x and friends are for ints)", s.Type)
	}
	neg := math.Signbit(x) && !math.IsNaN(x)
	body := s.floatBody(math.Abs(x))
	if s.Z && neg && !math.IsInf(x, 0) && isZero(body) {
		neg = false
	}
	sign := s.signOf(neg)
	if s.Grouping != 0 && !math.IsInf(x, 0) && !math.IsNaN(x) {
		i := 0
		for i < len(body) && body[i] >= '0' && body[i] <= '9' {
			i++
		}
		minWidth := 0
		if s.Fill == '0' && s.align('>') == '=' {
			minWidth = s.Width - len(sign) - (len(body) - i)
		}
		body = group(body[:i], s.Grouping, 3, minWidth) + body[i:]
	}
	return s.pad(sign, "", body, '>'), nil
}

// floatBody formats a non-negative x without sign, grouping or padding.
func (s Spec) floatBody(x float64) string {
	upper := s.Type == 'E' || s.Type == 'F' || s.Type == 'G'
	if math.IsInf(x, 0) || math.IsNaN(x) {
		v := "inf"
		if math.IsNaN(x) {
			v = "nan"
		}
		if upper {
			v = strings.ToUpper(v)
		}
		if s.Type == '%' {
			v += "%"
		}
		return v
	}
	p := s.Precision
	var out string
	switch s.Type {
	case 'f', 'F', '%':
		if p < 0 {
			p = 6
		}
		if s.Type == '%' {
			x *= 100
		}
		out = strconv.FormatFloat(x, 'f', p, 64)
		if s.Alt && p == 0 {
			out += "."
		}
		if s.Type == '%' {
			out += "%"
		}
	case 'e', 'E':
		if p < 0 {
			p = 6
		}
		out = strconv.FormatFloat(x, 'e', p, 64)
		if s.Alt && p == 0 {
			out = strings.Replace(out, "e", ".e", 1)
		}
	case 'g', 'G', 'n':
		if p < 0 {
			p = 6
		}
		out = general(x, max(p, 1), s.Alt, false)
	default: // no type: repr without a precision, else 'g' keeping a ".0"
		if p < 0 {
			out = Repr(x)
		} else {
			out = general(x, max(p, 1), s.Alt, true)
		}
	}
	if upper {
		out = strings.ToUpper(out)
	}
	return out
}

// general is Python's 'g' with p significant digits: fixed notation when
// the exponent is in [-4, p), else exponent notation; trailing zeros
// dropped unless alt. With dot0 (a spec with a precision but no type) the
// fixed range is [-4, p-1) and integers keep a ".0".
func general(x float64, p int, alt, dot0 bool) string {
	exp := 0
	if x != 0 {
		e := strconv.FormatFloat(x, 'e', p-1, 64)
		exp, _ = strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	}
	limit := p
	if dot0 {
		limit = p - 1
	}
	var out string
	if exp >= -4 && exp < limit {
		out = strconv.FormatFloat(x, 'f', p-1-exp, 64)
	} else {
		out = strconv.FormatFloat(x, 'e', p-1, 64)
	}
	mant, tail, _ := strings.Cut(out, "e")
	if tail != "" {
		tail = "e" + tail
	}
	if alt {
		if !strings.Contains(mant, ".") {
			mant += "."
		}
	} else if strings.Contains(mant, ".") {
		mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
	}
	if dot0 && tail == "" && !strings.Contains(mant, ".") {
		mant += ".0"
	}
	return mant + tail
}

// Repr is Python's repr of a float: the shortest digits that read back
// as x, in fixed notation when the exponent is in [-4, 16) (with ".0" on
// integers), else in exponent notation.
func Repr(x float64) string {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		v := "inf"
		if math.IsNaN(x) {
			return "nan"
		}
		if x < 0 {
			v = "-inf"
		}
		return v
	}
	e := strconv.FormatFloat(x, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	f := strconv.FormatFloat(x, 'f', -1, 64)
	if !strings.Contains(f, ".") {
		f += ".0"
	}
	return f
}

func isZero(body string) bool {
	for _, c := range body {
		if c >= '1' && c <= '9' {
			return false
		}
		if c == 'e' || c == 'E' {
			break
		}
	}
	return true
}

func (s Spec) signOf(neg bool) string {
	switch {
	case neg:
		return "-"
	case s.Sign == '+':
		return "+"
	case s.Sign == ' ':
		return " "
	}
	return ""
}

// Int formats x as Python's format(x, spec) does for an int.
func Int(x *big.Int, spec string) (string, error) {
	s, err := Parse(spec)
	if err != nil {
		return "", err
	}
	return s.Int(x)
}

// Int formats x with the parsed spec; the float types convert it first.
func (s Spec) Int(x *big.Int) (string, error) {
	switch s.Type {
	case 'e', 'E', 'f', 'F', 'g', 'G', '%':
		f, acc := new(big.Float).SetInt(x).Float64()
		if math.IsInf(f, 0) && acc != big.Exact {
			return "", fmt.Errorf("int too large to convert to float")
		}
		return s.Float(f)
	case 's':
		return "", fmt.Errorf("unknown format code 's' for an int (use str(x), or d)")
	}
	if s.Precision >= 0 {
		return "", fmt.Errorf("precision not allowed in an integer format spec (format(float(x), \".%df\") formats it as a float)", s.Precision)
	}
	if s.Z {
		return "", fmt.Errorf("negative zero coercion (z) not allowed in an integer format spec")
	}
	base, size := 10, 3
	var prefix string
	switch s.Type {
	case 'b':
		base, size, prefix = 2, 4, "0b"
	case 'o':
		base, size, prefix = 8, 4, "0o"
	case 'x', 'X':
		base, size, prefix = 16, 4, "0x"
	case 'c':
		if s.Sign != 0 || s.Alt || s.Grouping != 0 {
			return "", fmt.Errorf("sign, '#' and grouping are not allowed with format code 'c'")
		}
		if !x.IsInt64() || x.Int64() < 0 || x.Int64() > utf8.MaxRune {
			return "", fmt.Errorf("format code 'c': %s is not a Unicode code point", x)
		}
		return s.pad("", "", string(rune(x.Int64())), '<'), nil
	}
	if s.Grouping == ',' && base != 10 {
		return "", fmt.Errorf("cannot specify ',' with '%c' (use '_')", s.Type)
	}
	if !s.Alt {
		prefix = ""
	}
	if s.Type == 'X' {
		prefix = strings.ToUpper(prefix)
	}
	sign := s.signOf(x.Sign() < 0)
	digits := new(big.Int).Abs(x).Text(base)
	if s.Type == 'X' {
		digits = strings.ToUpper(digits)
	}
	if s.Grouping != 0 {
		minWidth := 0
		if s.Fill == '0' && s.align('>') == '=' {
			minWidth = s.Width - len(sign) - len(prefix)
		}
		digits = group(digits, s.Grouping, size, minWidth)
	}
	return s.pad(sign, prefix, digits, '>'), nil
}

// String formats a string as Python's format(s, spec) does: width,
// alignment (left by default) and precision, which cuts it.
func String(str, spec string) (string, error) {
	s, err := Parse(spec)
	if err != nil {
		return "", err
	}
	if s.Type != 0 && s.Type != 's' {
		return "", fmt.Errorf("unknown format code '%c' for a string", s.Type)
	}
	if s.Sign != 0 || s.Alt || s.Z || s.Grouping != 0 || s.Align == '=' {
		return "", fmt.Errorf("format spec %q: sign, '#', 'z', grouping and '=' alignment are for numbers, not strings", spec)
	}
	if s.Precision >= 0 {
		if r := []rune(str); len(r) > s.Precision {
			str = string(r[:s.Precision])
		}
	}
	return s.pad("", "", str, '<'), nil
}

// Round rounds x to ndigits decimal digits (negative: to tens, hundreds,
// ...) as Python's round(x, ndigits) does: the float nearest to the exact
// decimal rounding of x's exact value, ties to even, so Round(2.675, 2)
// is 2.67 (2.675 is stored as 2.67499999...). It fails only when the
// result overflows.
func Round(x float64, ndigits int) (float64, error) {
	if math.IsInf(x, 0) || math.IsNaN(x) || x == 0 {
		return x, nil
	}
	if ndigits >= 0 {
		if ndigits > 350 { // beyond the last digit of any float64
			return x, nil
		}
		v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', ndigits, 64), 64)
		return v, nil
	}
	if ndigits < -350 {
		return math.Copysign(0, x), nil
	}
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-ndigits)), nil)
	r := new(big.Rat).SetFloat64(x)
	n := roundHalfEven(r.Num(), new(big.Int).Mul(r.Denom(), scale))
	n.Mul(n, scale)
	v, _ := new(big.Float).SetInt(n).Float64()
	if math.IsInf(v, 0) {
		return 0, fmt.Errorf("rounded value too large to represent")
	}
	if v == 0 {
		v = math.Copysign(0, x)
	}
	return v, nil
}

// RoundInt rounds x to ndigits as Python's round(int, ndigits): unchanged
// for ndigits >= 0, else to a multiple of 10**-ndigits, ties to even.
func RoundInt(x *big.Int, ndigits int) *big.Int {
	if ndigits >= 0 {
		return new(big.Int).Set(x)
	}
	// |x| < 10**k / 2 rounds to 0: decide that from x's size, without
	// building 10**-ndigits (round(1, -10**9) would compute a number of a
	// billion digits).
	if digits := x.BitLen()*30103/100000 + 1; -ndigits > digits+1 {
		return new(big.Int)
	}
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-ndigits)), nil)
	n := roundHalfEven(x, scale)
	return n.Mul(n, scale)
}

// ToInt rounds x to the nearest integer, ties to even, as Python's
// round(x) does.
func ToInt(x float64) (*big.Int, error) {
	if math.IsInf(x, 0) {
		return nil, fmt.Errorf("cannot round %v to an integer", x)
	}
	if math.IsNaN(x) {
		return nil, fmt.Errorf("cannot round nan to an integer")
	}
	n, _ := big.NewFloat(math.RoundToEven(x)).Int(nil)
	return n, nil
}

// roundHalfEven is num/den rounded to the nearest integer, ties to even
// (den > 0).
func roundHalfEven(num, den *big.Int) *big.Int {
	q, r := new(big.Int).DivMod(num, den, new(big.Int)) // floor division: 0 <= r < den
	c := new(big.Int).Lsh(r, 1).Cmp(den)
	if c > 0 || c == 0 && q.Bit(0) == 1 {
		q.Add(q, big.NewInt(1))
	}
	return q
}
