package explore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/p2prepl/p2prepl/bindings/outfiles"
	"github.com/p2prepl/p2prepl/engine"
)

// FileFormat is the version of the schedule file format.
const FileFormat = 1

// File is a saved schedule: what `p2prepl run FILE --schedule F.json`
// replays. Simulations[i] is the schedule of the i-th simulation the
// script creates. The rest says where it came from.
type File struct {
	Format       int                     `json:"p2prepl_schedule"`
	Script       string                  `json:"script"`
	ScriptSHA256 string                  `json:"script_sha256"`
	Seed         uint64                  `json:"seed"`
	Params       map[string]string       `json:"params,omitempty"`
	FaultSeed    uint64                  `json:"fault_seed,omitempty"`
	Budget       string                  `json:"budget,omitempty"`
	Failure      string                  `json:"failure,omitempty"` // the signature of the failure it reproduces
	Error        string                  `json:"error,omitempty"`
	Simulations  [][]engine.Perturbation `json:"simulations"`
}

// Save writes f to path (atomically: a temporary file renamed into place,
// so a crash never leaves half a schedule), under path's directory as
// outfiles writes: not through a link.
func (f *File) Save(path string) error {
	f.Format = FileFormat
	for i, s := range f.Simulations {
		if s == nil {
			f.Simulations[i] = []engine.Perturbation{}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	if err := enc.Encode(f); err != nil {
		return err
	}
	// Through the output directory's root: atomic, and no link leads out.
	w, err := outfiles.Dir(filepath.Dir(path)).Create(filepath.Base(path))
	if err != nil {
		return err
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		w.(outfiles.Aborter).Abort()
		return err
	}
	return w.Close()
}

// LoadFile reads a schedule file, with an error that says what is wrong
// with it.
func LoadFile(path string) (*File, error) {
	// A named pipe would block, a device never end.
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a schedule file (a regular file written by p2prepl explore)", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s is not a p2prepl schedule file: %v", path, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s is not a p2prepl schedule file: more follows the schedule's object", path)
	}
	if f.Format != FileFormat {
		return nil, fmt.Errorf("%s is not a p2prepl schedule file of format %d (it says %d)", path, FileFormat, f.Format)
	}
	if f.Simulations == nil {
		return nil, fmt.Errorf("%s has no \"simulations\" list", path)
	}
	for i, s := range f.Simulations {
		for j, p := range s {
			switch p.Kind {
			case engine.PerturbDelay, engine.PerturbDrop, engine.PerturbSlow, engine.PerturbCrash, engine.PerturbPartition:
			default:
				return nil, fmt.Errorf("%s: simulation %d, event %d: unknown kind %q", path, i, j+1, p.Kind)
			}
		}
	}
	return &f, nil
}
