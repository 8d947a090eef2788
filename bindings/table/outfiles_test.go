package table_test

import (
	"strings"
	"testing"

	"github.com/p2prepl/p2prepl/bindings/outfiles/outfilestest"
)

// TestWritersConfined tries to_csv and to_json with hostile paths (links
// out of the output directory, "..", absolute paths): each must fail with
// a clear error and write nothing outside.
func TestWritersConfined(t *testing.T) {
	for _, method := range []string{"to_csv", "to_json"} {
		f := outfilestest.New(t, ".csv")
		for i, p := range append([]string{"ok.csv"}, f.Paths()...) {
			_, err := run(t, "w.star", `table(["a"], [[1]]).`+method+`(`+quote(p)+`)`, f.Out)
			if i == 0 { // the control: a plain path works
				if err != nil {
					t.Errorf("%s(%q): %v", method, p, err)
				}
				continue
			}
			if err == nil {
				t.Errorf("%s(%q) succeeded", method, p)
			} else if !strings.Contains(err.Error(), p) {
				t.Errorf("%s(%q): error does not name the path: %v", method, p, err)
			}
		}
		f.Check(t)
	}
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
