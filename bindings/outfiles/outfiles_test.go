package outfiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCreateAtomicAbortKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "x.csv")
	if err := os.WriteFile(name, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := CreateAtomic(name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("half a fi"))
	if err := w.(Aborter).Abort(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(name); string(data) != "old" {
		t.Errorf("after Abort: %q", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary file left behind: %v", entries)
	}
	w, _ = CreateAtomic(name)
	w.Write([]byte("new"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(name); string(data) != "new" {
		t.Errorf("after Close: %q", data)
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		path, want, err string
	}{
		{"a.csv", filepath.Join(dir, "a.csv"), ""},
		{"sub/b.png", filepath.Join(dir, "sub", "b.png"), ""},
		{filepath.Join(dir, "c.txt"), filepath.Join(dir, "c.txt"), ""},
		{"sub/../d.txt", filepath.Join(dir, "d.txt"), ""},
		{"../x.txt", "", "is outside the output directory"},
		{"/etc/passwd", "", "is outside the output directory"},
		{".", "", "is outside the output directory"},
		{"", "", "empty path"},
	} {
		got, err := Resolve(dir, c.path)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("Resolve(%q): error %v, want one containing %q", c.path, err, c.err)
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("Resolve(%q) = %q, %v; want %q", c.path, got, err, c.want)
		}
	}
}

func TestDirCreatesParents(t *testing.T) {
	dir := t.TempDir()
	w, err := Dir(dir).Create("deep/er/x.txt")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("ok"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "deep", "er", "x.txt")); string(data) != "ok" {
		t.Errorf("got %q", data)
	}
	if _, err := Dir(dir).Create("../escape.txt"); err == nil {
		t.Error("Create outside the directory succeeded")
	}
}
