package runner

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/p2prepl/p2prepl/bindings"
	"github.com/p2prepl/p2prepl/bindings/outfiles/outfilestest"
)

// TestStoreConfined: sweep(store = P) opens its SQLite store by name, so
// its path goes through outfiles' Root.Path: hostile paths (links out of
// --out, "..", absolute paths) are refused and nothing appears outside.
func TestStoreConfined(t *testing.T) {
	f := outfilestest.New(t, ".db")
	cell, err := filepath.Abs("testdata/cell.star")
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range append([]string{"ok.db"}, f.Paths()...) {
		env := DefaultEnv(bindings.Options{OutDir: f.Out, Stdout: new(strings.Builder)})
		src := "t = sweep(" + strconv.Quote(cell) + ", grid = {\"fanout\": [1]}, seeds = 1, store = " + strconv.Quote(p) + ")\n"
		_, err := env.ExecFile(env.NewThread("store.star"), filepath.Join(filepath.Dir(cell), "store.star"), src)
		if i == 0 {
			if err != nil {
				t.Fatalf("control store %q: %s", p, bindings.FormatError(err))
			}
			if _, err := os.Stat(filepath.Join(f.Out, "ok.db")); err != nil {
				t.Fatalf("the control wrote no store: %v", err)
			}
			continue
		}
		if err == nil {
			t.Errorf("sweep(store = %q) succeeded", p)
		} else if msg := bindings.FormatError(err); !strings.Contains(msg, p) {
			t.Errorf("sweep(store = %q): the error does not name the path:\n%s", p, msg)
		}
	}
	f.Check(t)
}
