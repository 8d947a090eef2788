package bindings

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// readers are the ways a script can read a file, P standing for the path.
// Add every new reader here.
var readers = []struct{ name, src string }{
	{"table.read_csv", `table.read_csv(P)`},
	{"table.read_json", `table.read_json(P)`},
	{"topology.from_file", `topology.from_file(P)`},
}

// TestReadersConfined runs a script in base/tree/main.star with --out
// base/out: each reader finds a file next to the script, in a
// subdirectory, and in --out, and refuses links and paths that lead to
// base/outside, with an error naming the path and the script's line.
func TestReadersConfined(t *testing.T) {
	base := t.TempDir()
	tree, out, outside := filepath.Join(base, "tree"), filepath.Join(base, "out"), filepath.Join(base, "outside")
	// What each reader can parse.
	content := map[string]string{
		"table.read_csv":     "a\n1\n",
		"table.read_json":    `[{"a": 1}]`,
		"topology.from_file": "1 2\n",
	}
	for _, r := range readers {
		t.Run(r.name, func(t *testing.T) {
			for _, d := range []string{tree, filepath.Join(tree, "sub"), out, outside} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range []string{filepath.Join(tree, "here.dat"), filepath.Join(tree, "sub", "deep.dat"),
				filepath.Join(out, "result.dat"), filepath.Join(outside, "secret.dat")} {
				if err := os.WriteFile(p, []byte(content[r.name]), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, l := range [][2]string{
				{"../outside/secret.dat", filepath.Join(tree, "link.dat")},
				{"../outside", filepath.Join(tree, "linkdir")},
				{"../outside/secret.dat", filepath.Join(out, "outlink.dat")},
			} {
				os.Remove(l[1])
				if err := os.Symlink(l[0], l[1]); err != nil {
					t.Fatal(err)
				}
			}
			for _, c := range []struct {
				path string
				ok   bool
			}{
				{"here.dat", true},
				{"sub/deep.dat", true},
				{"result.dat", true},
				{filepath.Join(tree, "here.dat"), true},
				{"link.dat", false},
				{"linkdir/secret.dat", false},
				{"outlink.dat", false},
				{"../outside/secret.dat", false},
				{filepath.Join(outside, "secret.dat"), false},
				{"/etc/passwd", false},
			} {
				e, th, _ := testEnv(t, Options{OutDir: out})
				src := "P = " + strconv.Quote(c.path) + "\nx = " + r.src
				_, err := e.ExecFile(th, filepath.Join(tree, "main.star"), src)
				e.Close()
				if c.ok {
					if err != nil {
						t.Errorf("%s(%q): %s", r.name, c.path, FormatError(err))
					}
					continue
				}
				if err == nil {
					t.Errorf("%s(%q) succeeded", r.name, c.path)
				} else if msg := FormatError(err); !strings.Contains(msg, strconv.Quote(c.path)) || !strings.Contains(msg, "main.star:2:") {
					t.Errorf("%s(%q): the error names neither the path nor the line:\n%s", r.name, c.path, msg)
				}
			}
		})
	}
}
