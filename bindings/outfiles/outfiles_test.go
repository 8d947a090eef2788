package outfiles_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/outfiles"
	"github.com/p2prepl/p2prepl/bindings/outfiles/outfilestest"
)

func TestCreateAbortKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "x.csv")
	if err := os.WriteFile(name, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := outfiles.Dir(dir).Create("x.csv")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("half a fi"))
	if err := w.(outfiles.Aborter).Abort(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(name); string(data) != "old" {
		t.Errorf("after Abort: %q", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary file left behind: %v", entries)
	}
	w, _ = outfiles.Dir(dir).Create("x.csv")
	w.Write([]byte("new"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(name); string(data) != "new" {
		t.Errorf("after Close: %q", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary file left behind: %v", entries)
	}
}

// TestPaths checks where each path lands, or the error it gets.
func TestPaths(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		path, want, err string
	}{
		{"a.csv", "a.csv", ""},
		{"sub/b.png", "sub/b.png", ""},
		{filepath.Join(dir, "c.txt"), "c.txt", ""},
		{"sub/../d.txt", "d.txt", ""},
		{"../x.txt", "", "is outside the output directory"},
		{"/etc/passwd", "", "is outside the output directory"},
		{".", "", "is outside the output directory"},
		{"", "", "empty path"},
		{"a\x00b", "", "NUL byte"},
		{"sub", "", "is a directory"},
	} {
		w, err := outfiles.Dir(dir).Create(c.path)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("Create(%q): error %v, want one containing %q", c.path, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("Create(%q): %v", c.path, err)
		case c.err == "":
			io.WriteString(w, c.path)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if data, err := os.ReadFile(filepath.Join(dir, c.want)); err != nil || string(data) != c.path {
				t.Errorf("Create(%q): %s holds %q, %v", c.path, c.want, data, err)
			}
		}
	}
}

// TestLinksInside: links that stay inside the directory are followed.
func TestLinksInside(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "real"), 0o755)
	if err := os.Symlink("real", filepath.Join(dir, "alias")); err != nil {
		t.Fatal(err)
	}
	if err := outfiles.WriteFile(threadIn(dir), "alias/x.txt", []byte("ok")); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "real", "x.txt")); string(data) != "ok" {
		t.Errorf("got %q", data)
	}
}

func threadIn(dir string) *starlark.Thread {
	th := new(starlark.Thread)
	th.SetLocal(outfiles.Key, outfiles.Dir(dir))
	return th
}

// TestHostile tries every way of opening a file with every hostile path:
// each must fail, and nothing outside the directory may change.
func TestHostile(t *testing.T) {
	f := outfilestest.New(t, ".txt")
	th := threadIn(f.Out)
	ways := map[string]func(path string) error{
		"WriteFile": func(p string) error { return outfiles.WriteFile(th, p, []byte("x")) },
		"Create": func(p string) error {
			w, err := outfiles.Create(th, p)
			if err == nil {
				w.Write([]byte("x"))
				w.Close()
			}
			return err
		},
		"Stream": func(p string) error {
			w, err := outfiles.Stream(th, p)
			if err == nil {
				w.Write([]byte("x"))
				w.Close()
			}
			return err
		},
		"Path": func(p string) error {
			_, err := outfiles.Dir(f.Out).Path(p)
			return err
		},
	}
	for name, open := range ways {
		for _, p := range f.Paths() {
			err := open(p)
			if err == nil {
				t.Errorf("%s(%q) succeeded", name, p)
				continue
			}
			if msg := err.Error(); !strings.Contains(msg, "output directory") && !strings.Contains(msg, "symbolic link") {
				t.Errorf("%s(%q): unclear error %q", name, p, msg)
			}
		}
	}
	f.Check(t)
}

// TestCheckCatchesEscapes makes sure the fixture's Check sees a file
// written outside (a check that cannot fail would prove nothing).
func TestCheckCatchesEscapes(t *testing.T) {
	f := outfilestest.New(t, ".txt")
	os.WriteFile(filepath.Join(f.Outside, "victim.txt"), []byte("changed"), 0o644)
	os.WriteFile(filepath.Join(f.Base, "new.txt"), []byte("x"), 0o644)
	ft := &fakeT{TB: t}
	f.Check(ft)
	if ft.errors != 2 {
		t.Errorf("Check reported %d problems, want 2", ft.errors)
	}
}

type fakeT struct {
	testing.TB
	errors int
}

func (f *fakeT) Errorf(string, ...any) { f.errors++ }
func (f *fakeT) Helper()               {}
