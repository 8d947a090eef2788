// Package outfilestest tries writers of output files with hostile paths:
// a temporary output directory holding symbolic links that lead out of it
// (to a directory and to files beside it), and paths that climb out with
// ".." or name a place outside. Every writer of output files (see package
// outfiles) has a test that runs it on each path and calls Check.
package outfilestest

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Fixture is an output directory Out with hostile links in it, and the
// directory Outside beside it that nothing may touch.
type Fixture struct {
	Base    string // holds Out and Outside
	Out     string
	Outside string
	ext     string
	before  map[string]string
}

// New makes a fixture whose file names end in ext (".csv", ".png"...):
//
//	Out/linkdir      -> ../outside          (a relative link to a directory)
//	Out/absdir       -> Outside             (an absolute one)
//	Out/inner/up     -> ../../outside       (a link one level down)
//	Out/linkfile.ext -> ../outside/victim.ext (exists: must stay unchanged)
//	Out/dangling.ext -> ../outside/new.ext  (must not be created)
func New(t testing.TB, ext string) *Fixture {
	t.Helper()
	base := t.TempDir()
	f := &Fixture{Base: base, Out: filepath.Join(base, "out"), Outside: filepath.Join(base, "outside"), ext: ext}
	must := func(err error) {
		if err != nil {
			t.Helper()
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(f.Out, "inner"), 0o755))
	must(os.MkdirAll(f.Outside, 0o755))
	must(os.WriteFile(filepath.Join(f.Outside, "victim"+ext), []byte("precious"), 0o644))
	must(os.Symlink("../outside", filepath.Join(f.Out, "linkdir")))
	must(os.Symlink(f.Outside, filepath.Join(f.Out, "absdir")))
	must(os.Symlink("../../outside", filepath.Join(f.Out, "inner", "up")))
	must(os.Symlink("../outside/victim"+ext, filepath.Join(f.Out, "linkfile"+ext)))
	must(os.Symlink("../outside/new"+ext, filepath.Join(f.Out, "dangling"+ext)))
	f.before = f.snapshot(t)
	return f
}

// Paths are the hostile paths, as a script would give them (relative to
// Out, or absolute).
func (f *Fixture) Paths() []string {
	e := f.ext
	return []string{
		"linkdir/x" + e,
		"linkdir/sub/x" + e,
		"absdir/x" + e,
		"inner/up/x" + e,
		"sub/../linkdir/x" + e,
		"linkfile" + e,
		"dangling" + e,
		"../x" + e,
		"../outside/x" + e,
		"inner/../../x" + e,
		filepath.Join(f.Outside, "x"+e),
		filepath.Join(f.Base, "x"+e),
		"/tmp/../" + strings.TrimPrefix(filepath.Join(f.Outside, "y"+e), "/"),
	}
}

// snapshot lists every file and directory under Base but outside Out,
// with a digest of each file's content, and the links in Out.
func (f *Fixture) snapshot(t testing.TB) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(f.Base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			m[p] = "link " + target
			return err
		}
		if p == f.Out || strings.HasPrefix(p, f.Out+string(filepath.Separator)) {
			return nil // files in Out are fine; only its links are recorded
		}
		if d.IsDir() {
			m[p] = "dir"
			return nil
		}
		data, err := os.ReadFile(p)
		m[p] = fmt.Sprintf("%x", sha256.Sum256(data))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Check fails the test if anything outside Out was created, changed or
// removed, or if a link in Out was replaced.
func (f *Fixture) Check(t testing.TB) {
	t.Helper()
	after := f.snapshot(t)
	for p, v := range after {
		if w, ok := f.before[p]; !ok {
			t.Errorf("%s appeared outside the output directory", p)
		} else if v != w {
			t.Errorf("%s changed", p)
		}
	}
	for p := range f.before {
		if _, ok := after[p]; !ok {
			t.Errorf("%s disappeared", p)
		}
	}
}
