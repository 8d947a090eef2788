package plot_test

import (
	"bytes"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarktest"
	"go.starlark.net/syntax"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/bindings/outfiles"
)

// outDir is where the charts go: a temporary directory, or
// $P2PREPL_PLOT_OUT when set, to look at them.
func outDir(t *testing.T) string {
	if d := os.Getenv("P2PREPL_PLOT_OUT"); d != "" {
		return d
	}
	return t.TempDir()
}

func runScript(t *testing.T, file, dir string) {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	assert, err := starlarktest.LoadAssertModule()
	if err != nil {
		t.Fatal(err)
	}
	thread := &starlark.Thread{Name: file}
	starlarktest.SetReporter(thread, t)
	thread.SetLocal(outfiles.Key, outfiles.Dir(dir))
	predeclared := starlark.StringDict{
		"plot":   api.Predeclared()["plot"],
		"table":  api.Predeclared()["table"],
		"assert": assert["assert"],
	}
	opts := &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true}
	if _, err := starlark.ExecFileOptions(opts, thread, file, src, predeclared); err != nil {
		if ee, ok := err.(*starlark.EvalError); ok {
			t.Fatal(ee.Backtrace())
		}
		t.Fatal(err)
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	runScript(t, "testdata/errors.star", dir)
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("failed calls left files behind: %v", entries)
	}
}

func TestCharts(t *testing.T) {
	dir := outDir(t)
	runScript(t, "testdata/plots.star", dir)

	pngs := map[string][2]int{ // file -> width, height in pixels (scale 2 unless set)
		"line_table.png":     {1600, 1000},
		"line_defaults.png":  {1600, 1000},
		"line_dict.png":      {1600, 1000},
		"line_dict_ys.png":   {1600, 1000},
		"line_list.png":      {800, 600},
		"line_ydict.png":     {1600, 1000},
		"line_by.png":        {1600, 1000},
		"line_one_point.png": {1600, 1000},
		"line_errors.png":    {1600, 1000},
		"line_band_log.png":  {1600, 1000},
		"line_scale1.png":    {800, 500},
		"line_scale3.png":    {900, 600},
		"scatter.png":        {1600, 1000},
		"hist.png":           {1600, 1000},
		"hist_constant.png":  {1600, 1000},
		"hist_onecol.png":    {1600, 1000},
		"hist_log.png":       {1600, 1000},
		"hist_lim.png":       {1600, 1000},
		"bar_log.png":        {1600, 1000},
		"bar.png":            {1600, 1000},
		"bar_dict.png":       {1600, 1000},
		"bar_table.png":      {1600, 1000},
		"bar_many.png":       {1600, 1000},
		"heat_bool.png":      {1600, 1000},
		"heat_const.png":     {1600, 1000},
		"heat_big.png":       {1600, 1000},
		"sub/dir/line.jpg":   {1600, 1000},
	}
	for name, size := range pngs {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Error(err)
			continue
		}
		img, format, err := image.Decode(f)
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if want := strings.TrimPrefix(filepath.Ext(name), "."); format != map[string]string{"jpg": "jpeg"}[want] && format != want {
			t.Errorf("%s: format %s", name, format)
		}
		b := img.Bounds()
		if b.Dx() != size[0] || b.Dy() != size[1] {
			t.Errorf("%s: %dx%d, want %dx%d", name, b.Dx(), b.Dy(), size[0], size[1])
		}
		if n := inked(img); n < 500 {
			t.Errorf("%s: only %d non-white pixels", name, n)
		}
	}
	for _, name := range []string{"line_table.svg", "line_xy.svg", "scatter_table.svg", "hist_table.svg", "bar_grouped.svg", "bar_legend.svg", "heat_num.svg"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Error(err)
			continue
		}
		s := string(bytes.TrimSpace(data))
		if !strings.HasPrefix(s, "<?xml") && !strings.HasPrefix(s, "<svg") {
			t.Errorf("%s does not start like SVG: %.40q", name, s)
		}
		if !strings.HasSuffix(s, "</svg>") {
			t.Errorf("%s is truncated", name)
		}
	}
	if data, err := os.ReadFile(filepath.Join(dir, "heat_none.pdf")); err != nil || !bytes.HasPrefix(data, []byte("%PDF")) {
		t.Errorf("heat_none.pdf: %v %.10q", err, data)
	}
	// Titles and labels reach the SVG as text.
	data, _ := os.ReadFile(filepath.Join(dir, "line_table.svg"))
	for _, want := range []string{"time", "coverage"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("line_table.svg lacks %q", want)
		}
	}

	// The same script draws the same bytes.
	again := t.TempDir()
	runScript(t, "testdata/plots.star", again)
	for _, name := range []string{"line_table.png", "line_table.svg", "heat_bool.png", "bar_grouped.svg", "line_errors.png", "hist_log.png", "bar_log.png"} {
		x, _ := os.ReadFile(filepath.Join(dir, name))
		y, _ := os.ReadFile(filepath.Join(again, name))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

// inked counts the pixels that are not (nearly) white.
func inked(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				n++
			}
		}
	}
	return n
}

func TestDocs(t *testing.T) {
	m := api.Predeclared()["plot"].(*api.Module)
	if d := api.Doc(m); !strings.HasPrefix(d, "plot: charts") {
		t.Errorf("Doc(plot) = %q", d)
	}
	for _, name := range m.AttrNames() {
		v, _ := m.Attr(name)
		if d := api.Doc(v); !strings.HasPrefix(d, "plot."+name+"(") {
			t.Errorf("Doc(plot.%s) = %q", name, d)
		}
	}
	if len(m.AttrNames()) != 5 {
		t.Errorf("plot has %d members, want 5", len(m.AttrNames()))
	}
}
