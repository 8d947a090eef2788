package bindings

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// outPath resolves a path a script writes to: relative paths go under
// Options.OutDir; a path that would escape it (absolute elsewhere, or
// through "..") is refused, so that a run writes only under its output
// directory. Missing parent directories are created.
func (e *Env) outPath(fn, path string) (string, error) {
	if path == "" {
		return "", fmt.Errorf("%s: empty output path", fn)
	}
	root, err := filepath.Abs(e.opts.OutDir)
	if err != nil {
		return "", fmt.Errorf("%s: output directory %s: %w", fn, e.opts.OutDir, err)
	}
	p := path
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	p = filepath.Clean(p)
	rel, err := filepath.Rel(root, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || rel == "." {
		return "", fmt.Errorf("%s: refusing to write %s: outputs must stay inside the output directory %s (--out)", fn, path, e.opts.OutDir)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", fmt.Errorf("%s: %w", fn, err)
	}
	return p, nil
}

// OutPath is outPath for sibling packages (table, plot): it resolves a
// script's output path under the output directory or refuses it.
func (e *Env) OutPath(fn, path string) (string, error) { return e.outPath(fn, path) }

// writeAtomic writes a file through a temporary file renamed into place,
// so that a failure never leaves a half-written output.
func writeAtomic(path string, write func(f *os.File) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	if err := write(tmp); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
