package table_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.starlark.net/lib/json"
	"go.starlark.net/lib/math"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarktest"
	"go.starlark.net/syntax"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/bindings/outfiles"
	"github.com/p2prepl/p2prepl/bindings/table"
)

var fileOptions = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true}

// predeclared returns the globals the test scripts see.
func predeclared(t *testing.T) starlark.StringDict {
	t.Helper()
	assert, err := starlarktest.LoadAssertModule()
	if err != nil {
		t.Fatal(err)
	}
	return starlark.StringDict{
		"table":  api.Predeclared()["table"],
		"assert": assert["assert"],
		"json":   json.Module,
		"math":   math.Module,
	}
}

// run executes src as a Starlark file with output files going to dir
// (no Files hook when dir is empty).
func run(t *testing.T, name, src, dir string) (starlark.StringDict, error) {
	t.Helper()
	thread := &starlark.Thread{Name: name}
	starlarktest.SetReporter(thread, t)
	if dir != "" {
		thread.SetLocal(outfiles.Key, outfiles.Dir(dir))
	}
	return starlark.ExecFileOptions(fileOptions, thread, name, src, predeclared(t))
}

func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.star")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test scripts: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := run(t, f, string(src), t.TempDir()); err != nil {
				if ee, ok := err.(*starlark.EvalError); ok {
					t.Fatal(ee.Backtrace())
				}
				t.Fatal(err)
			}
		})
	}
}

// eval runs src and returns the global "x".
func eval(t *testing.T, src string) starlark.Value {
	t.Helper()
	g, err := run(t, "eval.star", src, "")
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return g["x"]
}

func TestString(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"mixed", `x = table(columns = ["peer", "region", "latency", "ok", "n"],
			rows = [[1, "eu", 3.5, True, None], [20, "us-east", 12.0, False, 7],
			        [300, "asia", 0.123456789, None, -1], [4, "", 1234567.0, True, 1e100]])`,
			`peer  region     latency  ok          n
   1  eu             3.5  True     None
  20  us-east       12.0  False       7
 300  asia      0.123457  None       -1
   4           1234567.0  True   1e+100`},
		{"no rows", `x = table(columns = ["a", "bb"])`, "a  bb\n(no rows)"},
		{"no columns", `x = table(columns = [], rows = [[], []])`, "(empty table, 2 rows)"},
		{"escapes and long strings", `x = table(["s"], [["a\nb"], ["x" * 50]])`,
			"s\na\\nb\n" + strings.Repeat("x", 37) + "..."},
		{"floats", `x = table(["f"], [[5200.0], [float("nan")], [float("-inf")], [0.1]])`,
			"     f\n5200.0\n   nan\n  -inf\n   0.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := eval(t, tc.src).String()
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestStringElided(t *testing.T) {
	got := eval(t, `x = table.from_columns({"i": list(range(100)), "sq": [i * i for i in range(100)]})`).String()
	lines := strings.Split(got, "\n")
	// header + 20 rows + elision + 20 rows + footer
	if len(lines) != 43 {
		t.Fatalf("got %d lines:\n%s", len(lines), got)
	}
	want := []string{" i    sq", " 0     0", " 1     1"}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("line %d: got %q, want %q", i, lines[i], w)
		}
	}
	for i, w := range map[int]string{
		20: "19   361",
		21: "... 60 rows ...",
		22: "80  6400",
		41: "99  9801",
		42: "[100 rows x 2 columns]",
	} {
		if lines[i] != w {
			t.Errorf("line %d: got %q, want %q", i, lines[i], w)
		}
	}
	if got := eval(t, `x = table.from_columns({"i": list(range(40))})`).String(); strings.Contains(got, "...") {
		t.Errorf("40 rows should print in full:\n%s", got)
	}
}

func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	src := `
t = table(["name", "x"], [["a", 1.5], ["b", None]])
p1 = t.to_csv("out/t.csv")
p2 = t.to_json("t.json")
`
	g, err := run(t, "write.star", src, dir)
	if err != nil {
		t.Fatal(err)
	}
	if g["p1"] != starlark.String("out/t.csv") || g["p2"] != starlark.String("t.json") {
		t.Errorf("returned paths %v, %v", g["p1"], g["p2"])
	}
	check := func(name, want string) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != want {
			t.Errorf("%s: got %q, want %q", name, data, want)
		}
	}
	check("out/t.csv", "name,x\na,1.5\nb,\n")
	check("t.json", "[\n  {\"name\": \"a\", \"x\": 1.5},\n  {\"name\": \"b\", \"x\": null}\n]\n")
	entries, _ := os.ReadDir(filepath.Join(dir, "out"))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}

	// Absolute paths inside the output directory are accepted.
	abs := filepath.Join(dir, "abs.csv")
	if _, err := run(t, "abs.star", `table(["a"]).to_csv(`+starlark.String(abs).String()+`)`, dir); err != nil {
		t.Errorf("to_csv(%q): %v", abs, err)
	}
	// Paths outside the output directory are refused.
	for _, bad := range []string{"../x.csv", "/tmp/x.csv", "a/../../x.csv", ""} {
		_, err := run(t, "bad.star", `table(["a"]).to_csv(`+starlark.String(bad).String()+`)`, dir)
		if err == nil {
			t.Errorf("to_csv(%q) succeeded", bad)
		} else if !strings.Contains(err.Error(), "to_csv: ") {
			t.Errorf("to_csv(%q): %v", bad, err)
		}
	}
	// A directory in the way is an error and leaves nothing behind.
	os.Mkdir(filepath.Join(dir, "d.csv"), 0o755)
	if _, err := run(t, "dir.star", `table(["a"]).to_csv("d.csv")`, dir); err == nil ||
		!strings.Contains(err.Error(), `to_csv: cannot create "d.csv"`) {
		t.Errorf("writing over a directory: %v", err)
	}
}

func TestWriteWithoutHook(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if _, err := run(t, "cwd.star", `table(["a"], [[1]]).to_csv("sub/x.csv")`, ""); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "sub", "x.csv"))
	if err != nil || string(data) != "a\n1\n" {
		t.Errorf("got %q, %v", data, err)
	}
}

// failingFiles hands out writers that fail, to check that a failed write
// is aborted.
type failingFiles struct{ aborted, closed bool }

func (f *failingFiles) Create(string) (io.WriteCloser, error) { return (*failingWriter)(f), nil }

type failingWriter failingFiles

func (w *failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
func (w *failingWriter) Close() error              { w.closed = true; return nil }
func (w *failingWriter) Abort() error              { w.aborted = true; return nil }

func TestWriteFailureAborts(t *testing.T) {
	f := new(failingFiles)
	thread := &starlark.Thread{}
	thread.SetLocal(outfiles.Key, outfiles.Files(f))
	_, err := starlark.ExecFileOptions(fileOptions, thread, "fail.star", `table(["a"]).to_json("x.json")`, predeclared(t))
	if err == nil || !strings.Contains(err.Error(), `to_json: cannot write "x.json": disk full`) {
		t.Errorf("got %v", err)
	}
	if !f.aborted || f.closed {
		t.Errorf("aborted=%v closed=%v, want aborted and not closed", f.aborted, f.closed)
	}
}

func TestNew(t *testing.T) {
	tb, err := table.New([]string{"a", "b"}, [][]starlark.Value{{starlark.MakeInt(1), starlark.None}})
	if err != nil {
		t.Fatal(err)
	}
	if tb.NumRows() != 1 || len(tb.Columns()) != 2 || !tb.HasColumn("b") || tb.HasColumn("c") {
		t.Errorf("bad table %v", tb)
	}
	if col, err := tb.Column("a"); err != nil || col[0] != starlark.MakeInt(1) {
		t.Errorf("Column: %v %v", col, err)
	}
	for _, tc := range []struct {
		cols []string
		rows [][]starlark.Value
		want string
	}{
		{[]string{"a", "b", "c"}, [][]starlark.Value{{starlark.None, starlark.None}}, "row 0 has 2 values but there are 3 columns (a, b, c)"},
		{[]string{"a"}, [][]starlark.Value{{starlark.NewList(nil)}}, `row 0, column "a": got list, want string, int, float, bool or None`},
		{[]string{"a", "a"}, nil, `duplicate column "a"`},
	} {
		if _, err := table.New(tc.cols, tc.rows); err == nil || err.Error() != tc.want {
			t.Errorf("New(%v): got %v, want %q", tc.cols, err, tc.want)
		}
	}
}

// TestDocs checks that every method, property and function has help text
// starting with its signature, and that api.Doc finds it from the values
// a user holds.
func TestDocs(t *testing.T) {
	tb, _ := table.New([]string{"a"}, nil)
	for _, name := range tb.AttrNames() {
		d, ok := api.Lookup("t." + name)
		if !ok || d == "" {
			t.Errorf("no doc for t.%s", name)
		}
		v, _ := tb.Attr(name)
		if _, isMethod := v.(*starlark.Builtin); isMethod {
			if api.Doc(v) != d || !strings.HasPrefix(d, "t."+name+"(") {
				t.Errorf("Doc(t.%s) = %q, want %q", name, api.Doc(v), d)
			}
		}
	}
	m := api.Predeclared()["table"].(starlark.HasAttrs)
	for _, name := range m.AttrNames() {
		v, _ := m.Attr(name)
		if d := api.Doc(v); !strings.HasPrefix(d, "table."+name+"(") {
			t.Errorf("Doc(table.%s) = %q", name, d)
		}
	}
	if d := api.Doc(m); !strings.HasPrefix(d, "table(columns, rows=[])") {
		t.Errorf("Doc(table) = %q", d)
	}
}
