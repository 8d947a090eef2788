package outfiles_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/outfiles"
)

// readFixture lays out
//
//	base/tree/data.csv              "tree"
//	base/tree/sub/near.csv          "sub"
//	base/tree/sub/mod.star          (the calling file, for relative paths)
//	base/tree/shared.csv            "tree shared"
//	base/tree/link.csv   -> ../outside/secret.csv
//	base/tree/linkdir    -> ../outside
//	base/tree/inlink.csv -> data.csv (a link that stays inside)
//	base/tree/fifo                  (a named pipe)
//	base/out/result.csv             "out"
//	base/out/shared.csv             "out shared"
//	base/out/link.csv    -> ../outside/secret.csv
//	base/outside/secret.csv         "secret"
func readFixture(t *testing.T) (base string) {
	t.Helper()
	base = t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, data string) {
		must(os.MkdirAll(filepath.Dir(filepath.Join(base, name)), 0o755))
		must(os.WriteFile(filepath.Join(base, name), []byte(data), 0o644))
	}
	write("tree/data.csv", "tree")
	write("tree/sub/near.csv", "sub")
	write("tree/shared.csv", "tree shared")
	write("out/result.csv", "out")
	write("out/shared.csv", "out shared")
	write("outside/secret.csv", "secret")
	must(os.Symlink("../outside/secret.csv", filepath.Join(base, "tree/link.csv")))
	must(os.Symlink("../outside", filepath.Join(base, "tree/linkdir")))
	must(os.Symlink("data.csv", filepath.Join(base, "tree/inlink.csv")))
	must(os.Symlink("../outside/secret.csv", filepath.Join(base, "out/link.csv")))
	must(syscall.Mkfifo(filepath.Join(base, "tree/fifo"), 0o644))
	return base
}

// readFrom calls outfiles.Open(path) from a Starlark file named caller.
func readFrom(t *testing.T, base, caller, path string) (string, error) {
	t.Helper()
	thread := &starlark.Thread{}
	thread.SetLocal(outfiles.Key, outfiles.Dir(filepath.Join(base, "out")))
	thread.SetLocal(outfiles.TreeKey, outfiles.Dir(filepath.Join(base, "tree")))
	var got string
	read := starlark.NewBuiltin("read", func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		f, _, err := outfiles.Open(thread, string(args[0].(starlark.String)))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		got = string(b)
		return starlark.None, err
	})
	_, err := starlark.ExecFile(thread, caller, "read(p)", starlark.StringDict{"read": read, "p": starlark.String(path)})
	if ee, ok := err.(*starlark.EvalError); ok {
		err = ee.Unwrap()
	}
	return got, err
}

func TestOpenConfined(t *testing.T) {
	base := readFixture(t)
	main := filepath.Join(base, "tree", "main.star")
	mod := filepath.Join(base, "tree", "sub", "mod.star")
	for _, c := range []struct {
		caller, path, want, err string
	}{
		{main, "data.csv", "tree", ""},
		{main, "sub/near.csv", "sub", ""},
		{mod, "near.csv", "sub", ""},            // relative to the calling file
		{mod, "../data.csv", "tree", ""},        // up, but still in the tree
		{main, "result.csv", "out", ""},         // not in the tree: --out
		{main, "shared.csv", "tree shared", ""}, // the tree first
		{"<repl>", "data.csv", "tree", ""},      // the REPL reads from the top of the tree
		{"@stdlib/x.star", "data.csv", "tree", ""},
		{main, filepath.Join(base, "tree", "data.csv"), "tree", ""},
		{main, filepath.Join(base, "out", "result.csv"), "out", ""},
		{main, "inlink.csv", "tree", ""}, // a link inside the tree
		{main, "missing.csv", "", `cannot read "missing.csv": no such file (looked for ` + filepath.Join(base, "tree", "missing.csv") + " and " + filepath.Join(base, "out", "missing.csv") + ")"},
		{main, "link.csv", "", "leads outside " + filepath.Join(base, "tree") + " through a symbolic link"},
		{main, "linkdir/secret.csv", "", "through a symbolic link"},
		{main, "../outside/secret.csv", "", "it is outside the script's directory"}, // out of the tree, and of --out
		{main, filepath.Join(base, "outside", "secret.csv"), "", "is outside the script's directory " + filepath.Join(base, "tree") + " and the output directory"},
		{main, "/etc/passwd", "", "scripts read files only under them"},
		{main, "fifo", "", "fifo is not a regular file"},
		{main, "sub", "", "sub is not a regular file"},
		{main, "", "", "empty path"},
	} {
		got, err := readFrom(t, base, c.caller, c.path)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s reads %q: %v", c.caller, c.path, err)
		case c.err == "" && got != c.want:
			t.Errorf("%s reads %q: got %q, want %q", c.caller, c.path, got, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s reads %q: got %q, %v; want an error containing %q", c.caller, c.path, got, err, c.err)
		case c.err != "" && strings.Contains(got, "secret"):
			t.Errorf("%s reads %q: read the secret", c.caller, c.path)
		}
	}
}
