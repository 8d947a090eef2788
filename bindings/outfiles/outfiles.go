// Package outfiles is the one way a run writes files, and reads them.
// Every path a script writes is taken relative to the run's output
// directory (--out) and opened through an os.Root on it, so no "..",
// absolute path or symbolic link can lead outside it, whatever the
// directory already holds; and a file is written to a temporary file
// beside it and renamed into place, so a failed or interrupted write never
// leaves a corrupt output.
//
// Writing a file from a builtin takes one call:
//
//	outfiles.WriteFile(thread, path, data)   // the whole file at once
//	w, err := outfiles.Create(thread, path)  // streamed: w.Close() commits,
//	                                         // w.Abort() discards
//	f, err := outfiles.Stream(thread, path)  // written in place as a run goes
//	                                         // (traces, logs): a crashed run
//	                                         // leaves what it wrote
//
// Each finds the output directory the host stored on the thread under Key
// (bindings does it for every thread of a session; a thread without one
// writes under the current directory, with the same rules). Hosts and
// tools that write outside a script (a results store, a report) use the
// same rules through a *Root: Dir(dir).Create, .Stream, or .Path for a
// library that must open the file by name (SQLite). Errors name the path
// the script gave and say what to do.
//
// Reading goes the same way: outfiles.Open(thread, path) looks a path up
// in the script's directory tree (TreeKey), then in the output directory,
// each through an os.Root, so a script reads its own data and its own
// results and nothing else on the host.
//
// Rules for writing: the path may not be empty, absolute outside the directory, or
// lead out of it through ".." or a symbolic link; links inside the
// directory that stay inside it are followed, except that the file itself
// may not be a symbolic link (its target would be replaced by a link-free
// file, or written through: neither is what the user meant), nor a named
// pipe or a device. Missing
// parent directories are created.
package outfiles

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.starlark.net/starlark"
)

// Key is the thread-local key (thread.SetLocal) under which the host
// stores the Files that a script's output goes through.
const Key = "p2prepl.files"

// Files creates the output files of a run. Paths are the ones the script
// gave, relative to the run's output directory. The returned writer
// commits the file atomically on Close; if it also implements Aborter, a
// failed write calls Abort instead of Close so that no partial file is
// left behind. *Root is the implementation; tests may supply their own.
type Files interface {
	Create(path string) (io.WriteCloser, error)
}

// Aborter is implemented by writers that can discard what was written.
type Aborter interface {
	Abort() error
}

// Streamer is implemented by Files that can open a file written in place
// (see Stream).
type Streamer interface {
	Stream(path string) (*os.File, error)
}

// Root is an output directory: every file is created through an os.Root
// opened on it, so that nothing is written outside it.
type Root struct {
	dir string
}

// Dir returns the output directory dir as Files. The directory is created
// when the first file is written, if missing; dir itself may be a
// symbolic link (the user named it), nothing under it may lead out.
func Dir(dir string) *Root {
	if dir == "" {
		dir = "."
	}
	return &Root{dir: dir}
}

// rel turns a script's path into a clean path relative to the directory,
// or says why it cannot be one. Absolute paths inside the directory are
// accepted, as before the output directory had a root.
func (r *Root) rel(path string) (string, error) {
	if path == "" {
		return "", errors.New("empty path")
	}
	if strings.IndexByte(path, 0) >= 0 {
		return "", fmt.Errorf("path %q contains a NUL byte", path)
	}
	p := filepath.FromSlash(path)
	if filepath.IsAbs(p) {
		root, err := filepath.Abs(r.dir)
		if err != nil {
			return "", err
		}
		rel, err := filepath.Rel(root, filepath.Clean(p))
		if err != nil {
			return "", r.outside(path)
		}
		p = rel
	}
	p = filepath.Clean(p)
	if p == "." || p == ".." || strings.HasPrefix(p, ".."+string(filepath.Separator)) || filepath.IsAbs(p) {
		return "", r.outside(path)
	}
	return p, nil
}

func (r *Root) outside(path string) error {
	return fmt.Errorf("path %q is outside the output directory %s (--out); write under it", path, r.dir)
}

// open opens the directory as an os.Root (creating it if missing) and
// prepares path in it: its parents exist and it is not a link or a
// directory. It returns the root and the clean relative path.
func (r *Root) open(path string) (*os.Root, string, error) {
	rel, err := r.rel(path)
	if err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return nil, "", fmt.Errorf("output directory: %w", err)
	}
	root, err := os.OpenRoot(r.dir)
	if err != nil {
		return nil, "", fmt.Errorf("output directory: %w", err)
	}
	fail := func(err error) (*os.Root, string, error) {
		root.Close()
		return nil, "", r.explain(path, err)
	}
	if parent := filepath.Dir(rel); parent != "." {
		if err := root.MkdirAll(parent, 0o755); err != nil {
			return fail(err)
		}
	}
	fi, err := root.Lstat(rel)
	switch {
	case err == nil && fi.Mode()&fs.ModeSymlink != 0:
		return fail(fmt.Errorf("%s is a symbolic link; p2prepl does not write through links (remove it or choose another name)", path))
	case err == nil && fi.IsDir():
		return fail(fmt.Errorf("%s is a directory", path))
	case err == nil && !fi.Mode().IsRegular():
		// A named pipe would block a stream; replacing it is not what
		// the user meant either.
		return fail(fmt.Errorf("%s is a named pipe, socket or device, not a file; choose another name", path))
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fail(err)
	}
	return root, rel, nil
}

// explain rewrites os.Root's "path escapes from parent" as what happened.
func (r *Root) explain(path string, err error) error {
	if strings.Contains(err.Error(), "path escapes from parent") { // os.Root's unexported error
		return fmt.Errorf("path %q leads outside the output directory %s (--out) through a symbolic link; write under it", path, r.dir)
	}
	return err
}

// Create opens a writer for path that writes a temporary file in the same
// directory and renames it to path on Close; Abort removes the temporary
// file, leaving any previous file at path untouched.
func (r *Root) Create(path string) (io.WriteCloser, error) {
	root, rel, err := r.open(path)
	if err != nil {
		return nil, err
	}
	dir, base := filepath.Split(rel)
	for range 100 {
		tmp := dir + "." + base + ".tmp" + strconv.FormatUint(rand.Uint64()%1e9, 10)
		f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			root.Close()
			return nil, r.explain(path, err)
		}
		return &atomicFile{root: root, f: f, tmp: tmp, name: rel}, nil
	}
	root.Close()
	return nil, fmt.Errorf("cannot create a temporary file for %s", path)
}

// Stream opens path for writing in place (created or truncated), for a
// file written as a run goes: a run that dies leaves what it wrote.
func (r *Root) Stream(path string) (*os.File, error) {
	root, rel, err := r.open(path)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, r.explain(path, err)
	}
	return f, nil
}

// Path prepares path as Create does (parents created, no link leading out,
// not itself a link) and returns its name on the host, for a library that
// opens files by name (SQLite). Unlike Create it cannot hold the check
// until the file is opened: use it only for files the host writes.
func (r *Root) Path(path string) (string, error) {
	root, rel, err := r.open(path)
	if err != nil {
		return "", err
	}
	root.Close()
	return filepath.Join(r.dir, rel), nil
}

type atomicFile struct {
	root      *os.Root
	f         *os.File
	tmp, name string
	done      bool
}

func (a *atomicFile) Write(p []byte) (int, error) { return a.f.Write(p) }

func (a *atomicFile) Close() error {
	if a.done {
		return nil
	}
	a.done = true
	defer a.root.Close()
	err := a.f.Sync()
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = a.root.Rename(a.tmp, a.name)
	}
	if err != nil {
		a.root.Remove(a.tmp)
	}
	return err
}

func (a *atomicFile) Abort() error {
	if a.done {
		return nil
	}
	a.done = true
	defer a.root.Close()
	a.f.Close()
	return a.root.Remove(a.tmp)
}

// filesOf is the thread's Files, or the current directory.
func filesOf(thread *starlark.Thread) Files {
	if thread != nil {
		if f, ok := thread.Local(Key).(Files); ok && f != nil {
			return f
		}
	}
	return Dir(".")
}

// Create opens path for writing through the thread's Files (see the
// package doc); Close commits the file, Abort (when the writer is an
// Aborter, as the default one is) discards it.
func Create(thread *starlark.Thread, path string) (io.WriteCloser, error) {
	w, err := filesOf(thread).Create(path)
	if err != nil {
		return nil, fmt.Errorf("cannot create %q: %v", path, err)
	}
	return w, nil
}

// Stream opens path through the thread's Files for writing in place.
func Stream(thread *starlark.Thread, path string) (*os.File, error) {
	s, ok := filesOf(thread).(Streamer)
	if !ok {
		return nil, fmt.Errorf("cannot create %q: this session cannot stream files", path)
	}
	f, err := s.Stream(path)
	if err != nil {
		return nil, fmt.Errorf("cannot create %q: %v", path, err)
	}
	return f, nil
}

// WriteFile writes data to path through the thread's Files, replacing any
// previous file atomically. Errors name the path.
func WriteFile(thread *starlark.Thread, path string, data []byte) error {
	if path == "" {
		return errors.New("path: empty file name")
	}
	w, err := Create(thread, path)
	if err != nil {
		return err
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
