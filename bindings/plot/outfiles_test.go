package plot_test

import (
	"strings"
	"testing"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/bindings/outfiles"
	"github.com/p2prepl/p2prepl/bindings/outfiles/outfilestest"
)

// TestWritersConfined draws every kind of chart to hostile paths (links
// out of the output directory, "..", absolute paths): each must fail with
// a clear error and write nothing outside.
func TestWritersConfined(t *testing.T) {
	charts := map[string]string{
		"line":    `plot.line([1, 2, 3], path = P)`,
		"scatter": `plot.scatter(x = [1, 2], y = [2, 1], path = P)`,
		"hist":    `plot.hist([1, 2, 2, 3], path = P)`,
		"bar":     `plot.bar({"a": 1, "b": 2}, path = P)`,
		"heatmap": `plot.heatmap([[1, 2], [3, 4]], path = P)`,
	}
	for _, ext := range []string{".png", ".svg"} {
		f := outfilestest.New(t, ext)
		for name, call := range charts {
			for i, p := range append([]string{"ok" + ext}, f.Paths()...) {
				thread := &starlark.Thread{Name: name}
				thread.SetLocal(outfiles.Key, outfiles.Dir(f.Out))
				globals := starlark.StringDict{"plot": api.Predeclared()["plot"], "table": api.Predeclared()["table"], "P": starlark.String(p)}
				_, err := starlark.ExecFile(thread, name+".star", call, globals)
				if i == 0 { // the control: a plain path works
					if err != nil {
						t.Errorf("plot.%s(path = %q): %v", name, p, err)
					}
					continue
				}
				if err == nil {
					t.Errorf("plot.%s(path = %q) succeeded", name, p)
				} else if !strings.Contains(err.Error(), p) {
					t.Errorf("plot.%s(path = %q): error does not name the path: %v", name, p, err)
				}
			}
		}
		f.Check(t)
	}
}
