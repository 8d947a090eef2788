// Package scripts holds the example experiments; this test runs each one,
// so that the examples, which assert their own claims, cannot rot.
package scripts

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/p2prepl/p2prepl/bindings"
	"github.com/p2prepl/p2prepl/stdlib"
)

func TestScripts(t *testing.T) {
	files, err := filepath.Glob("*.star")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			env := bindings.NewEnv(bindings.Options{OutDir: t.TempDir(), Stdout: &out})
			env.SetStdlib(stdlib.FS)
			thread := env.NewThread(file)
			if _, err := env.ExecFile(thread, file, nil); err != nil {
				t.Fatalf("%s\n(output:\n%s)", bindings.FormatError(err), out.String())
			}
			t.Logf("%s", out.String())
		})
	}
}
