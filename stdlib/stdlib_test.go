package stdlib_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarktest"

	"github.com/p2prepl/p2prepl/bindings"
	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/stdlib"
)

// TestModules runs every testdata/*.star script: each loads the modules it
// tests with load("@stdlib/...") and asserts with load("assert.star", "assert").
func TestModules(t *testing.T) {
	files, err := filepath.Glob("testdata/*.star")
	if err != nil || len(files) == 0 {
		t.Fatalf("no stdlib test scripts: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".star"), func(t *testing.T) {
			var out bytes.Buffer
			env := bindings.NewEnv(bindings.Options{Seed: 1, OutDir: t.TempDir(), Stdout: &out})
			env.SetStdlib(stdlib.FS)
			thread := env.NewThread(file)
			load := thread.Load
			thread.Load = func(th *starlark.Thread, module string) (starlark.StringDict, error) {
				if module == "assert.star" {
					return starlarktest.LoadAssertModule()
				}
				return load(th, module)
			}
			starlarktest.SetReporter(thread, t)
			if _, err := env.ExecFile(thread, file, nil); err != nil {
				t.Fatalf("%s\n(output:\n%s)", bindings.FormatError(err), out.String())
			}
		})
	}
}

// TestEveryModuleLoads makes sure each embedded module parses and runs its
// top level, so a broken module cannot hide behind a missing test.
func TestEveryModuleLoads(t *testing.T) {
	var mods []string
	for _, pattern := range []string{"*.star", "consensus/*.star"} {
		m, _ := filepath.Glob(pattern)
		mods = append(mods, m...)
	}
	env := bindings.NewEnv(bindings.Options{Seed: 1, OutDir: t.TempDir(), Stdout: &bytes.Buffer{}})
	env.SetStdlib(stdlib.FS)
	for _, m := range mods {
		thread := env.NewThread(m)
		if _, err := thread.Load(thread, "@stdlib/"+filepath.ToSlash(m)); err != nil {
			t.Errorf("%s: %s", m, bindings.FormatError(err))
		}
	}
}

// TestEveryExportHasADocString: help(f) and `p2prepl help f` show each
// exported function's and service's own doc string, so none may lack one.
// Other values (constants) are documented by their module's doc string.
func TestEveryExportHasADocString(t *testing.T) {
	mods, err := api.Library()
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) < 10 {
		t.Fatalf("the library documents %d modules; want every module of stdlib", len(mods))
	}
	for _, m := range mods {
		if m.Doc == "" {
			t.Errorf("%s has no module doc string", m.Path)
		}
		for _, mem := range m.Members {
			if !mem.Own && mem.Kind != "value" {
				t.Errorf("%s: %s %s has no doc string", m.Path, mem.Kind, mem.Name)
			}
			if mem.Kind == "value" && !strings.Contains(m.Doc, mem.Name) {
				t.Errorf("%s: %s (a %s) is not described in the module's doc string", m.Path, mem.Name, mem.Value.Type())
			}
		}
	}
}
