// Package outfiles writes a run's output files: every path a script gives
// is taken relative to the run's output directory (--out) and may not leave
// it, and every file is written to a temporary file and renamed into place,
// so a failed or interrupted write never leaves a corrupt output. table,
// plot and the bindings all write through it.
package outfiles

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.starlark.net/starlark"
)

// Key is the thread-local key (thread.SetLocal) under which the host
// stores the Files that a script's output goes through.
const Key = "p2prepl.files"

// Files creates the output files of a run. Paths are the ones the script
// gave, relative to the run's output directory. The returned writer
// should commit the file atomically on Close; if it also implements
// Aborter, a failed write calls Abort instead of Close so that no partial
// file is left behind.
type Files interface {
	Create(path string) (io.WriteCloser, error)
}

// Aborter is implemented by writers that can discard what was written.
type Aborter interface {
	Abort() error
}

// Dir returns a Files rooted at dir: relative paths are taken from dir,
// and no path may lead outside it (absolute paths inside dir are
// accepted); missing parent directories are created, and every file is
// written to a temporary file in its directory and renamed into place on
// Close.
func Dir(dir string) Files { return dirFiles{dir: dir, confine: true} }

// dirFiles implements Files over a directory of the host file system.
type dirFiles struct {
	dir     string
	confine bool // refuse absolute paths and paths leaving dir
}

func (d dirFiles) Create(path string) (io.WriteCloser, error) {
	full := path
	if d.confine {
		var err error
		if full, err = Resolve(d.dir, path); err != nil {
			return nil, err
		}
	} else if path == "" {
		return nil, errors.New("empty path")
	} else if !filepath.IsAbs(path) && d.dir != "" {
		full = filepath.Join(d.dir, path)
	}
	return CreateAtomic(full)
}

// Resolve returns the file path for a path a script gave: relative paths
// are taken from dir; a path that leads outside dir (through "..", or
// absolute elsewhere) is an error saying so.
func Resolve(dir, path string) (string, error) {
	if path == "" {
		return "", errors.New("empty path")
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	full := path
	if !filepath.IsAbs(full) {
		full = filepath.Join(root, filepath.FromSlash(full))
	}
	full = filepath.Clean(full)
	rel, err := filepath.Rel(root, full)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("path %q is outside the output directory %s (--out); write under it", path, dir)
	}
	return full, nil
}

// CreateAtomic opens a writer for the file name that writes to a
// temporary file in the same directory (creating the directory if
// needed) and renames it to name on Close. Abort removes the temporary
// file, leaving any previous file at name untouched.
func CreateAtomic(name string) (io.WriteCloser, error) {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(name); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory", name)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return nil, err
	}
	return &atomicFile{f: f, name: name}, nil
}

type atomicFile struct {
	f    *os.File
	name string
	done bool
}

func (a *atomicFile) Write(p []byte) (int, error) { return a.f.Write(p) }

func (a *atomicFile) Close() error {
	if a.done {
		return nil
	}
	a.done = true
	tmp := a.f.Name()
	err := a.f.Sync()
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, a.name)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

func (a *atomicFile) Abort() error {
	if a.done {
		return nil
	}
	a.done = true
	a.f.Close()
	return os.Remove(a.f.Name())
}

// WriteFile writes data to path through the thread's Files (stored under
// Key) or, when there is none, relative to the current directory;
// either way the file is replaced atomically. Errors name the path.
func WriteFile(thread *starlark.Thread, path string, data []byte) error {
	if path == "" {
		return errors.New("path: empty file name")
	}
	var files Files = dirFiles{}
	if thread != nil {
		if f, ok := thread.Local(Key).(Files); ok && f != nil {
			files = f
		}
	}
	w, err := files.Create(path)
	if err != nil {
		return fmt.Errorf("cannot create %q: %v", path, err)
	}
	if _, err := w.Write(data); err != nil {
		if a, ok := w.(Aborter); ok {
			a.Abort()
		} else {
			w.Close()
		}
		return fmt.Errorf("cannot write %q: %v", path, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("cannot write %q: %v", path, err)
	}
	return nil
}
