package bindings

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarktest"
)

var update = flag.Bool("update", false, "rewrite the golden files of TestErrorMessages and the README's builtins table")

// testEnv makes an Env writing into a fresh output directory, and a thread
// whose load() also knows "assert.star" (go.starlark.net's assert module).
func testEnv(t testing.TB, opts Options) (*Env, *starlark.Thread, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	if opts.Stdout == nil {
		opts.Stdout = &out
	}
	if opts.OutDir == "" {
		opts.OutDir = t.TempDir()
	}
	e := NewEnv(opts)
	th := e.NewThread(t.Name())
	load := th.Load
	th.Load = func(thread *starlark.Thread, module string) (starlark.StringDict, error) {
		if module == "assert.star" {
			return starlarktest.LoadAssertModule()
		}
		return load(thread, module)
	}
	if tt, ok := t.(*testing.T); ok {
		starlarktest.SetReporter(th, tt)
	}
	return e, th, &out
}

// TestScripts runs every testdata/*.star script; each asserts with the
// assert module (load("assert.star", "assert")).
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.star")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test scripts: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".star"), func(t *testing.T) {
			opts := Options{Params: map[string]string{"n": "7", "rate": "2.5", "flag": "true", "name": "x"}}
			e, th, out := testEnv(t, opts)
			if _, err := e.ExecFile(th, f, nil); err != nil {
				t.Fatalf("%s\n(output so far:\n%s)", FormatError(err), out)
			}
		})
	}
}

// TestErrorMessages runs every testdata/errors/*.star script, which must
// fail, and compares FormatError's message with the .golden file beside
// it (go test -run ErrorMessages -update rewrites them). A first line
// "# options: max_steps=N max_events=N max_pending=N max_stall=N" sets
// limits.
func TestErrorMessages(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.star")
	if err != nil || len(files) == 0 {
		t.Fatalf("no error scripts: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".star"), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var opts Options
			if first, _, _ := strings.Cut(string(src), "\n"); strings.HasPrefix(first, "# options:") {
				for _, kv := range strings.Fields(strings.TrimPrefix(first, "# options:")) {
					k, v, _ := strings.Cut(kv, "=")
					n, err := strconv.ParseUint(v, 10, 64)
					if err != nil {
						t.Fatalf("bad option %q", kv)
					}
					switch k {
					case "max_steps":
						opts.MaxSteps = n
					case "max_events":
						opts.MaxEvents = n
					case "max_pending":
						opts.MaxPending = n
					case "max_stall":
						opts.MaxStall = n
					default:
						t.Fatalf("unknown option %q", k)
					}
				}
			}
			e, th, _ := testEnv(t, opts)
			// Run from inside testdata so that positions read errors/x.star.
			_, err = e.ExecFile(th, filepath.ToSlash(strings.TrimPrefix(f, "testdata/")), src)
			if err == nil {
				t.Fatalf("%s ran without error", f)
			}
			got := FormatError(err) + "\n"
			golden := strings.TrimSuffix(f, ".star") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it); got:\n%s", err, got)
			}
			if got != string(want) {
				t.Errorf("message differs from %s\n--- got:\n%s--- want:\n%s", golden, got, want)
			}
		})
	}
}

func TestEnvSmoke(t *testing.T) {
	var out bytes.Buffer
	e := NewEnv(Options{Stdout: &out, Params: map[string]string{"n": "5", "unused": "1"}})
	th := e.NewThread("test")
	g, err := e.ExecFile(th, "smoke.star", "x = param('n', 1) * Mbps\nprint(x)\n")
	if err != nil {
		t.Fatal(FormatError(err))
	}
	if g["x"].String() != "5000000" || out.String() != "5000000\n" {
		t.Fatalf("x = %v, out %q", g["x"], out.String())
	}
	if u := e.UnusedParams(); len(u) != 1 || u[0] != "unused" {
		t.Errorf("UnusedParams = %v", u)
	}
	globals := starlark.StringDict{}
	for k, v := range g {
		globals[k] = v
	}
	v, isExpr, err := e.ExecREPLChunk(th, globals, "x + 1")
	if err != nil || !isExpr || v.String() != "5000001" {
		t.Fatalf("%v %v %v", v, isExpr, err)
	}
	if _, isExpr, err = e.ExecREPLChunk(th, globals, "y = x * 2\nx = 3"); err != nil || isExpr {
		t.Fatalf("statements: %v %v", isExpr, err)
	}
	if globals["y"].String() != "10000000" || globals["x"].String() != "3" {
		t.Fatalf("globals after chunk: y=%v x=%v", globals["y"], globals["x"])
	}
	if len(e.Predeclared()) == 0 {
		t.Fatal("no names")
	}
}
