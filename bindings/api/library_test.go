package api

import (
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

func compileFunc(t *testing.T, src, name string) *starlark.Function {
	t.Helper()
	g, err := starlark.ExecFileOptions(&syntax.FileOptions{}, &starlark.Thread{}, "@lib/sub/m.star", src, nil)
	if err != nil {
		t.Fatal(err)
	}
	return g[name].(*starlark.Function)
}

func TestFuncSignatureAndCleanDoc(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"def f(a, b = 1, c = \"x\"):\n    pass\n", `f(a, b=1, c="x")`},
		{"def f(a, *args, k = None, **kw):\n    pass\n", "f(a, *args, k=None, **kw)"},
		{"def f(a, *, k, j = 2):\n    pass\n", "f(a, *, k, j=2)"},
		{"def f():\n    pass\n", "f()"},
	} {
		if got := FuncSignature("f", compileFunc(t, c.src, "f")); got != c.want {
			t.Errorf("signature of %q = %s, want %s", c.src, got, c.want)
		}
	}
	f := compileFunc(t, "def f(x):\n    \"\"\"Summary line.\n\n        Indented details\n          keep their relative indent.\n        \"\"\"\n    return x\n", "f")
	want := "f(x)\n\nSummary line.\n\nIndented details\n  keep their relative indent."
	if got := FuncDoc("f", f); got != want {
		t.Errorf("FuncDoc = %q, want %q", got, want)
	}
}

func TestLibraryLookup(t *testing.T) {
	half := compileFunc(t, "def half(n):\n    \"\"\"Half of n, rounded down.\"\"\"\n    return n // 2\n", "half")
	SetLibrary(func() ([]LibraryModule, error) {
		return []LibraryModule{{
			Path: "@lib/sub/m.star",
			Doc:  "Test module. It has a second sentence.",
			Members: []LibraryMember{
				{Name: "half", Kind: "function", Doc: FuncDoc("half", half), Own: true, Value: half},
				{Name: "K", Kind: "value", Doc: "K = 3 (an int)", Value: starlark.MakeInt(3)},
			},
		}}, nil
	})
	for name, want := range map[string]string{
		"half":            "half(n)\n\nHalf of n, rounded down.\n\nload(\"@lib/sub/m.star\", \"half\")",
		"m.half":          "Half of n",
		"K":               "K = 3",
		"@lib/sub/m.star": "Exports (help(NAME) for more):\n  half  Half of n, rounded down.\n  K     K = 3 (an int)",
		"sub/m":           "Test module.",
		"sub/m.star":      "Test module.",
		"stdlib":          "@lib/sub/m.star: Test module.\n  half  Half",
	} {
		got, ok := Lookup(name)
		if !ok || !strings.Contains(got, want) {
			t.Errorf("Lookup(%q) = %q, %v; want it to contain %q", name, got, ok, want)
		}
	}
	if _, ok := Lookup("halve"); ok {
		t.Error("Lookup found a name the library does not export")
	}
	// help of the function itself names the module it comes from.
	if d := Doc(half); !strings.HasSuffix(d, `load("@lib/sub/m.star", "half")`) {
		t.Errorf("Doc(half) = %q", d)
	}
	found := false
	for _, n := range Names() {
		found = found || n == "half"
	}
	if !found {
		t.Error("Names lacks the library's half")
	}
}
