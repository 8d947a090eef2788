package bindings

import (
	"bytes"
	"testing"
)

func TestEnvSmoke(t *testing.T) {
	var out bytes.Buffer
	e := NewEnv(Options{Stdout: &out, Params: map[string]string{"n": "5"}})
	th := e.NewThread("test")
	g, err := e.ExecFile(th, "smoke.star", "x = param('n', 1) * Mbps\nprint(x)\n")
	if err != nil {
		t.Fatal(FormatError(err))
	}
	if g["x"].String() != "5000000" || out.String() != "5000000\n" {
		t.Fatalf("x = %v, out %q", g["x"], out.String())
	}
	v, isExpr, err := e.ExecREPLChunk(th, g, "x + 1")
	if err != nil || !isExpr || v.String() != "5000001" {
		t.Fatalf("%v %v %v", v, isExpr, err)
	}
	if len(Names()) == 0 {
		t.Fatal("no names")
	}
}
