package bindings

import (
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
}

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
