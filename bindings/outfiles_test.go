package bindings

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/p2prepl/p2prepl/bindings/outfiles/outfilestest"
)

// writers are the ways a script can write a file, P standing for the path
// and EXT for the extension the path gets. Add every new writer here.
var writers = []struct{ name, ext, src string }{
	{"table.to_csv", ".csv", `table(["a"], [[1]]).to_csv(P)`},
	{"table.to_json", ".json", `table(["a"], [[1]]).to_json(P)`},
	{"plot.line", ".png", `plot.line([1, 2, 3], path = P)`},
	{"plot.hist", ".svg", `plot.hist([1, 2, 2], path = P)`},
	{"topology.save", ".txt", `topology.save(topology.ring(3), P)`},
	{"simulation(trace)", ".jsonl", `
sim = simulation(seed = 1, trace = P)
sim.add_peers(topology.ring(3), services = [gossip()])
sim.run(until = 10)`},
	{"simulation(trace_format=shiviz)", ".log", `
sim = simulation(seed = 1, trace = P, trace_format = "shiviz")
sim.add_peers(topology.ring(3), services = [gossip()])
sim.add_peer(type = "client", connect = 1, services = [producer(rate = 100, start = 0)])
sim.run(until = 100)`},
	{"sim.spacetime (svg)", ".svg", pictureRun + `sim.spacetime(P)`},
	{"sim.spacetime (png)", ".png", pictureRun + `sim.spacetime(P)`},
	{"sim.report", ".html", pictureRun + `sim.report(P)`},
}

// pictureRun is a small recorded run for the writers of pictures.
const pictureRun = `
sim = simulation(seed = 1, network = network(regions = ["eu"], latency = {("eu", "eu"): 2}))
sim.keep_history()
sim.add_peers(topology.ring(3), services = [gossip()])
sim.add_peer(type = "client", connect = 1, services = [producer(rate = 100)])
sim.run(until = 100)
`

// TestWritersConfined tries every writer with every hostile path (links
// out of --out, "..", absolute paths elsewhere): each call must fail with
// an error naming the path, and afterwards nothing outside --out may have
// appeared or changed. A plain path is tried first, as a control.
func TestWritersConfined(t *testing.T) {
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			f := outfilestest.New(t, w.ext)
			for i, p := range append([]string{"ok" + w.ext}, f.Paths()...) {
				e, th, _ := testEnv(t, Options{OutDir: f.Out})
				src := "P = " + strconv.Quote(p) + "\n" + w.src
				_, err := e.ExecFile(th, "writer.star", src)
				if cerr := e.Close(); err == nil {
					err = cerr
				}
				if i == 0 {
					if err != nil {
						t.Fatalf("control %s(%q): %s", w.name, p, FormatError(err))
					}
					continue
				}
				if err == nil {
					t.Errorf("%s(%q) succeeded", w.name, p)
				} else if msg := FormatError(err); !strings.Contains(msg, p) || !strings.Contains(msg, "writer.star:") {
					t.Errorf("%s(%q): the error names neither the path nor the line:\n%s", w.name, p, msg)
				}
			}
			f.Check(t)
		})
	}
}

// TestOneWayToWrite keeps writers on outfiles: no code a script can reach
// (bindings and runner, outside the outfiles package itself) creates,
// renames or removes a file with package os directly. A new writer goes
// through outfiles.Create, Stream, WriteFile or Root.Path, and into the
// writers list above.
func TestOneWayToWrite(t *testing.T) {
	allowed := map[string]string{
		"../runner/store/store.go": "opens stores by name: paths from outfiles Root.Path or the command line",
	}
	raw := regexp.MustCompile(`\bos\.(Create|CreateTemp|WriteFile|OpenFile|Mkdir|MkdirAll|MkdirTemp|Rename|Remove|RemoveAll|Symlink|Link|Truncate|Chmod)\(`)
	for _, root := range []string{".", "../runner"} {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "outfiles" || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			if _, ok := allowed[filepath.ToSlash(p)]; ok {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for i, line := range strings.Split(string(data), "\n") {
				readOnly := strings.Contains(line, "os.O_RDONLY") && !regexp.MustCompile(`O_(WRONLY|RDWR|CREATE|TRUNC|APPEND)`).MatchString(line)
				if m := raw.FindString(line); m != "" && !readOnly {
					t.Errorf("%s:%d: %s... writes outside bindings/outfiles; use outfiles.Create, Stream or WriteFile", p, i+1, m)
				}
			}
			return nil
		})
	}
}
