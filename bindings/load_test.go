package bindings

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestLoadConfined: load() reads modules only from the main script's
// directory tree, @stdlib and the directories of Options.LoadPath; a path
// or a symbolic link leading elsewhere is refused at the load statement,
// and the message never quotes the file.
func TestLoadConfined(t *testing.T) {
	base := t.TempDir()
	tree := filepath.Join(base, "tree")
	lib := filepath.Join(base, "lib")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(tree, "sub"), lib, outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, src string) {
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(tree, "sub", "mod.star"), "x = 1\n")
	write(filepath.Join(lib, "libmod.star"), "load('helper.star', 'h')\ny = h + 1\n")
	write(filepath.Join(lib, "helper.star"), "h = 41\n")
	write(filepath.Join(outside, "secret.star"), "SECRET-CONTENT = 1\n")
	write(filepath.Join(tree, "bad.star"), "z = 1\nw = '\x00'\n")
	if err := os.Symlink(filepath.Join(outside, "secret.star"), filepath.Join(tree, "link.star")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(tree, "linkdir")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(tree, "fifo.star"), 0o644); err != nil {
		t.Fatal(err)
	}
	main := filepath.Join(tree, "main.star")
	for _, c := range []struct {
		load     string
		loadPath []string
		want     string // "" for success
	}{
		{`load("sub/mod.star", "x")`, nil, ""},
		{`load("` + filepath.Join(tree, "sub", "mod.star") + `", "x")`, nil, ""},
		{`load("../outside/secret.star", "x")`, nil, "main.star:2:1: cannot load ../outside/secret.star: it is outside the script's directory " + tree},
		{`load("` + filepath.Join(outside, "secret.star") + `", "x")`, nil, "it is outside the script's directory"},
		{`load("/etc/passwd", "root")`, nil, "it is outside the script's directory"},
		{`load("link.star", "x")`, nil, "main.star:2:1: cannot load link.star: it leads outside " + tree + " through a symbolic link"},
		{`load("linkdir/secret.star", "x")`, nil, "through a symbolic link"},
		{`load("fifo.star", "x")`, nil, "fifo.star is not a regular file"},
		{`load("bad.star", "z")`, nil, "bad.star:2:6: syntax error: NUL byte in the source"},
		{`load("../lib/libmod.star", "y")`, nil, "it is outside the script's directory"},
		{`load("../lib/libmod.star", "y")`, []string{lib}, ""},
		{`load("` + filepath.Join(lib, "libmod.star") + `", "y")`, []string{lib}, ""},
	} {
		e, th, _ := testEnv(t, Options{LoadPath: c.loadPath})
		_, err := e.ExecFile(th, main, "# main\n"+c.load+"\n")
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s (load path %v): %s", c.load, c.loadPath, FormatError(err))
		case c.want != "" && err == nil:
			t.Errorf("%s (load path %v) succeeded", c.load, c.loadPath)
		case c.want != "":
			msg := FormatError(err)
			if !strings.Contains(msg, c.want) {
				t.Errorf("%s: got\n%s\nwant it to contain %q", c.load, msg, c.want)
			}
			if strings.Contains(msg, "SECRET") {
				t.Errorf("%s: the message quotes the file:\n%s", c.load, msg)
			}
		}
	}
}
