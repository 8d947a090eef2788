package explore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

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
// so a crash never leaves half a schedule).
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
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".schedule-*.json")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
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

// LoadFile reads a schedule file, with an error that says what is wrong
// with it.
func LoadFile(path string) (*File, error) {
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
