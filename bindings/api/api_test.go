package api

import (
	"errors"
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

// thing is a test value declared with a Type.
type thing struct {
	n     int
	bound Bound
}

func (t *thing) String() string        { return "thing" }
func (t *thing) Type() string          { return "api_test_thing" }
func (t *thing) Freeze()               {}
func (t *thing) Truth() starlark.Bool  { return true }
func (t *thing) Hash() (uint32, error) { return 0, nil }

var thingType = NewType(&Type[*thing]{
	Name: "api_test_thing",
	Var:  "th",
	Doc:  "A test thing.",
	Fields: []Field[*thing]{
		Attr("n", "its number", func(t *thing) (starlark.Value, error) { return starlark.MakeInt(t.n), nil }),
	},
	Methods: []Builtin{
		Method("double", "th.double() -> twice n", func(_ *starlark.Thread, b *starlark.Builtin, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			return starlark.MakeInt(2 * b.Receiver().(*thing).n), nil
		}),
		Method("boom", "th.boom() -> panics", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			panic("boom")
		}),
		Pure(Method("peek", "th.peek() -> n", func(_ *starlark.Thread, b *starlark.Builtin, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			return starlark.MakeInt(b.Receiver().(*thing).n), nil
		})),
	},
})

func TestTypeAttr(t *testing.T) {
	x := &thing{n: 21}
	if v, err := thingType.Attr(x, "n", &x.bound); err != nil || v.String() != "21" {
		t.Fatalf("n = %v, %v", v, err)
	}
	m1, _ := thingType.Attr(x, "double", &x.bound)
	m2, _ := thingType.Attr(x, "double", &x.bound)
	if m1 != m2 {
		t.Error("a bound method is made again on each lookup")
	}
	if m1.(*starlark.Builtin).Name() != "th.double" {
		t.Errorf("method name %q", m1.(*starlark.Builtin).Name())
	}
	v, err := starlark.Call(&starlark.Thread{}, m1, nil, nil)
	if err != nil || v.String() != "42" {
		t.Errorf("th.double() = %v, %v", v, err)
	}
	if v, err := thingType.Attr(x, "nope", &x.bound); v != nil || err != nil {
		t.Errorf("missing attribute gave %v, %v", v, err)
	}
	if got := strings.Join(thingType.AttrNames(), ","); got != "boom,double,n,peek" {
		t.Errorf("AttrNames = %s", got)
	}
	boom, _ := thingType.Attr(x, "boom", nil)
	_, err = starlark.Call(&starlark.Thread{}, boom, nil, nil)
	var ie *InternalError
	if !errors.As(err, &ie) {
		t.Errorf("a panic in a method gave %v, want an InternalError", err)
	}
}

func TestLookupAndDoc(t *testing.T) {
	for _, name := range []string{"th.double", "api_test_thing.double", "th.n", "api_test_thing"} {
		if d, ok := Lookup(name); !ok || d == "" {
			t.Errorf("Lookup(%q) found nothing", name)
		}
	}
	d := Doc(&thing{})
	for _, want := range []string{"A test thing.", "Attributes:", "n       its number", "Methods (help(th.NAME) for more):", "double  th.double() -> twice n"} {
		if !strings.Contains(d, want) {
			t.Errorf("Doc lacks %q:\n%s", want, d)
		}
	}
}

func TestDuplicatesPanic(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a type declaring one name twice did not panic")
		}
	}()
	NewType(&Type[*thing]{Name: "api_test_dup", Doc: "d", Fields: []Field[*thing]{
		Attr("a", "x", func(*thing) (starlark.Value, error) { return starlark.None, nil }),
		Attr("a", "y", func(*thing) (starlark.Value, error) { return starlark.None, nil }),
	}})
}

func TestConstDoc(t *testing.T) {
	Register(Const("api_test_unit", "api_test_unit = 7: a test unit.", starlark.MakeInt(7)))
	if d := Doc(starlark.MakeInt(7)); !strings.Contains(d, "a test unit") {
		t.Errorf("Doc(7) = %q", d)
	}
}

func TestIsPure(t *testing.T) {
	x := &thing{n: 1}
	peek, _ := thingType.Attr(x, "peek", nil)
	double, _ := thingType.Attr(x, "double", nil)
	noop := func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		return starlark.None, nil
	}
	Register(PureFunction("api_test_pure", "api_test_pure() -> None", noop), Function("api_test_impure", "api_test_impure() -> None", noop))
	m := NewModule(&Module{Name: "api_test_mod", Doc: "m", Members: []Builtin{Pure(Method("p", "p()", noop)), Method("q", "q()", noop)}})
	mp, _ := m.Attr("p")
	mq, _ := m.Attr("q")
	pd := Predeclared()
	upper, _ := starlark.String("a").Attr("upper")
	get, _ := starlark.NewDict(0).Attr("get")
	clear, _ := starlark.NewDict(0).Attr("clear")
	appnd, _ := starlark.NewList(nil).Attr("append")
	for _, c := range []struct {
		name string
		v    starlark.Value
		want bool
	}{
		{"th.peek", peek, true},
		{"th.double", double, false},
		{"api_test_pure", pd["api_test_pure"], true},
		{"api_test_impure", pd["api_test_impure"], false},
		{"api_test_mod.p", mp, true},
		{"api_test_mod.q", mq, false},
		{"len", starlark.Universe["len"], true},
		{"fail", starlark.Universe["fail"], false},
		{"print", starlark.Universe["print"], false},
		{"str.upper", upper, true},
		{"dict.get", get, true},
		{"dict.clear", clear, false},
		{"list.append", appnd, false},
		{"an int", starlark.MakeInt(1), false},
	} {
		if got := IsPure(c.v); got != c.want {
			t.Errorf("IsPure(%s) = %v, want %v", c.name, got, c.want)
		}
	}
}
