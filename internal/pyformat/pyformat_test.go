package pyformat

import (
	"math/big"
	"strconv"
	"testing"
)

// The cases in python_cases_test.go are what Python 3 prints; an entry
// with bad set is one Python refuses (ValueError or TypeError).

func TestFloatAsPython(t *testing.T) {
	for _, c := range pyFloatCases {
		x, err := strconv.ParseFloat(c.x, 64)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Float(x, c.spec)
		switch {
		case c.bad && err == nil:
			t.Errorf("format(%s, %q) = %q, Python refuses it", c.x, c.spec, got)
		case !c.bad && err != nil:
			t.Errorf("format(%s, %q): %v, Python gives %q", c.x, c.spec, err, c.want)
		case got != c.want:
			t.Errorf("format(%s, %q) = %q, Python gives %q", c.x, c.spec, got, c.want)
		}
	}
}

func TestIntAsPython(t *testing.T) {
	for _, c := range pyIntCases {
		x, _ := new(big.Int).SetString(c.x, 10)
		got, err := Int(x, c.spec)
		switch {
		case c.bad && err == nil:
			t.Errorf("format(%s, %q) = %q, Python refuses it", c.x, c.spec, got)
		case !c.bad && err != nil:
			t.Errorf("format(%s, %q): %v, Python gives %q", c.x, c.spec, err, c.want)
		case got != c.want:
			t.Errorf("format(%s, %q) = %q, Python gives %q", c.x, c.spec, got, c.want)
		}
	}
}

func TestStringAsPython(t *testing.T) {
	for _, c := range pyStringCases {
		got, err := String(c.x, c.spec)
		switch {
		case c.bad && err == nil:
			t.Errorf("format(%q, %q) = %q, Python refuses it", c.x, c.spec, got)
		case !c.bad && err != nil:
			t.Errorf("format(%q, %q): %v, Python gives %q", c.x, c.spec, err, c.want)
		case got != c.want:
			t.Errorf("format(%q, %q) = %q, Python gives %q", c.x, c.spec, got, c.want)
		}
	}
}

func TestRoundAsPython(t *testing.T) {
	for _, c := range pyRoundCases {
		x, _ := strconv.ParseFloat(c.x, 64)
		got, err := Round(x, c.ndigits)
		switch {
		case c.bad && err == nil:
			t.Errorf("round(%s, %d) = %v, Python refuses it", c.x, c.ndigits, got)
		case !c.bad && err != nil:
			t.Errorf("round(%s, %d): %v, Python gives %s", c.x, c.ndigits, err, c.want)
		case !c.bad && Repr(got) != c.want:
			t.Errorf("round(%s, %d) = %s, Python gives %s", c.x, c.ndigits, Repr(got), c.want)
		}
	}
	for _, c := range pyRoundIntCases {
		x, _ := new(big.Int).SetString(c.x, 10)
		if got := RoundInt(x, c.ndigits).String(); got != c.want {
			t.Errorf("round(%s, %d) = %s, Python gives %s", c.x, c.ndigits, got, c.want)
		}
	}
	for _, c := range pyToIntCases {
		x, _ := strconv.ParseFloat(c.x, 64)
		got, err := ToInt(x)
		if err != nil || got.String() != c.want {
			t.Errorf("round(%s) = %v, %v; Python gives %s", c.x, got, err, c.want)
		}
	}
}

// TestRoundIntFarDigits: rounding an int to far more digits than it has
// is 0 at once; it used to build 10**-ndigits (round(123, -10**9) hung).
func TestRoundIntFarDigits(t *testing.T) {
	big999, _ := new(big.Int).SetString("999999999999999999999", 10) // 21 digits
	for _, c := range []struct {
		x       *big.Int
		ndigits int
		want    string
	}{
		{big.NewInt(123), -1_000_000_000, "0"},
		{big.NewInt(-123), -1 << 30, "0"},
		{big.NewInt(5), -1, "0"},   // a tie, to even
		{big.NewInt(15), -1, "20"}, // a tie, to even
		{big.NewInt(51), -2, "100"},
		{big.NewInt(49), -2, "0"},
		{big999, -21, "1000000000000000000000"},
		{big999, -22, "0"},
		{big999, -23, "0"},
	} {
		if got := RoundInt(c.x, c.ndigits).String(); got != c.want {
			t.Errorf("round(%s, %d) = %s, want %s", c.x, c.ndigits, got, c.want)
		}
	}
}
