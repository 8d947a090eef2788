package outfiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.starlark.net/starlark"
)

// TreeKey is the thread-local key under which the host stores the *Root
// of the script's directory tree: the main script's directory, or the
// current directory for a REPL session without one. Scripts read files
// (table.read_csv, topology.from_file) from it and from the output
// directory, nowhere else.
const TreeKey = "p2prepl.tree"

// Open opens a file for reading, as a script reading data does. A
// relative path is looked up next to the Starlark file that calls (the
// innermost one on the stack that is a file; from the REPL or the
// standard library, the top of the script's tree), then in the output
// directory; an absolute path must lie in one of the two. Both are opened
// through an os.Root, so no "..", absolute path or symbolic link reaches
// outside the script's tree and --out. Only regular files are opened (a
// FIFO would block). It returns the file and the name it was found under,
// for messages.
func Open(thread *starlark.Thread, path string) (*os.File, string, error) {
	var f *os.File
	name, err := find(thread, path, func(r *Root, rel string) (err error) {
		f, err = r.openRead(rel)
		return err
	})
	return f, name, err
}

// Locate finds path as Open does, for a library that opens files by name
// (SQLite): a regular file, or with dirs a directory, in the script's tree
// or --out, reached without leaving them. It returns the name on the
// host and, for a directory, a check that a file found under it (by that
// host name) is a regular file reached without leaving it either. Unlike
// Open it cannot hold the check until the library opens the file: use it
// for files the host reads, not ones a script may swap meanwhile.
func Locate(thread *starlark.Thread, path string, dirs bool) (host string, under func(string) error, err error) {
	host, err = find(thread, path, func(r *Root, rel string) error {
		fi, err := r.stat(rel)
		switch {
		case err != nil:
			return err
		case fi.Mode().IsRegular():
			return nil
		case dirs && fi.IsDir():
			under = func(name string) error {
				sub, err := filepath.Rel(filepath.Join(r.dir, rel), name)
				if err != nil || !filepath.IsLocal(sub) {
					return fmt.Errorf("%s is not under %s", name, path)
				}
				fi, err := r.stat(filepath.Join(rel, sub))
				if err == nil && !fi.Mode().IsRegular() {
					err = fmt.Errorf("%s is not a regular file", filepath.Join(rel, sub))
				}
				if err != nil {
					return fmt.Errorf("cannot read %q: %v", name, r.explainRead(name, err))
				}
				return nil
			}
			return nil
		}
		return fmt.Errorf("%s is not a regular file", rel)
	})
	return host, under, err
}

// find looks path up in the script's tree, then in the output directory
// (see Open), calling try on the first place it exists; it returns the
// name it was found under.
func find(thread *starlark.Thread, path string, try func(r *Root, rel string) error) (string, error) {
	if path == "" {
		return "", errors.New("empty path")
	}
	if strings.IndexByte(path, 0) >= 0 {
		return "", fmt.Errorf("path %q contains a NUL byte", path)
	}
	tree := treeOf(thread)
	var looked []string
	var refused []string

	// The script's tree, relative to the calling file.
	p := filepath.FromSlash(path)
	if !filepath.IsAbs(p) {
		p = filepath.Join(callerDir(thread, tree.dir), p)
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if rel, err := tree.rel(p); err == nil {
		err := try(tree, rel)
		if err == nil {
			return filepath.Join(tree.dir, rel), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("cannot read %q: %v", path, tree.explainRead(path, err))
		}
		looked = append(looked, filepath.Join(tree.dir, rel))
	} else {
		refused = append(refused, "the script's directory "+tree.dir)
	}

	// The output directory, relative to it.
	if out, ok := filesOf(thread).(*Root); ok {
		if rel, err := out.rel(path); err == nil {
			err := try(out, rel)
			if err == nil {
				return filepath.Join(out.dir, rel), nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("cannot read %q: %v", path, out.explainRead(path, err))
			}
			looked = append(looked, filepath.Join(out.dir, rel))
		} else {
			refused = append(refused, "the output directory "+out.dir+" (--out)")
		}
	}
	if len(looked) == 0 {
		return "", fmt.Errorf("cannot read %q: it is outside %s; scripts read files only under them",
			path, strings.Join(refused, " and "))
	}
	return "", fmt.Errorf("cannot read %q: no such file (looked for %s)", path, strings.Join(looked, " and "))
}

// stat looks rel up through an os.Root on the directory, following links
// that stay inside it.
func (r *Root) stat(rel string) (fs.FileInfo, error) {
	root, err := os.OpenRoot(r.dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.Stat(rel)
}

// openRead opens rel, a clean path relative to the directory, for reading
// through an os.Root; it must be a regular file.
func (r *Root) openRead(rel string) (*os.File, error) {
	root, err := os.OpenRoot(r.dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	fi, err := root.Stat(rel)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", rel)
	}
	return root.Open(rel)
}

// explainRead rewrites os.Root's "path escapes from parent" for a read.
func (r *Root) explainRead(path string, err error) error {
	if strings.Contains(err.Error(), "path escapes from parent") { // os.Root's unexported error
		return fmt.Errorf("it leads outside %s through a symbolic link; scripts read files only under their own directory and --out", r.dir)
	}
	return err
}

// treeOf is the thread's script tree, or the current directory.
func treeOf(thread *starlark.Thread) *Root {
	if thread != nil {
		if r, ok := thread.Local(TreeKey).(*Root); ok && r != nil {
			return r
		}
	}
	return Dir(".")
}

// callerDir is the directory of the innermost Starlark file on the stack
// that is a file on disk; tree when there is none (the REPL, the standard
// library, a Go caller).
func callerDir(thread *starlark.Thread, tree string) string {
	if thread == nil {
		return tree
	}
	for i := 0; i < thread.CallStackDepth(); i++ {
		fn := thread.CallFrame(i).Pos.Filename()
		if fn == "" || fn == "<builtin>" || strings.HasPrefix(fn, "@") {
			continue // builtins and the standard library read for their caller
		}
		if strings.HasPrefix(fn, "<") {
			return tree
		}
		return filepath.Dir(fn)
	}
	return tree
}
