package bindings

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/p2prepl/p2prepl/engine/shiviz"
)

// The files testdata/pictures.star writes are what they claim to be.
func TestPictureFiles(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "out")
	e, th, _ := testEnv(t, Options{OutDir: out})
	if _, err := e.ExecFile(th, "testdata/pictures.star", nil); err != nil {
		t.Fatal(FormatError(err))
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var doc struct {
		Groups []struct {
			Class string `xml:"class,attr"`
		} `xml:"g"`
	}
	if err := xml.Unmarshal(read("ring.svg"), &doc); err != nil {
		t.Fatalf("ring.svg: %v", err)
	}
	counts := map[string]int{}
	for _, g := range doc.Groups {
		counts[g.Class]++
	}
	// 6 peers; the flood's first copies and its duplicates; marks of every
	// copy accepted plus "start"; the partition.
	if counts["peer"] != 6 || counts["msg delivered"] < 6 || counts["mark"] < 7 || counts["partition"] != 1 {
		t.Errorf("ring.svg groups: %v", counts)
	}
	if _, err := png.Decode(bytes.NewReader(read("ring.png"))); err != nil {
		t.Errorf("ring.png: %v", err)
	}
	read("sub/ring_tx.svg")
	page := string(read("ring.html"))
	for _, want := range []string{`<section id="spacetime">`, `id="spacetime-svg"`, "<title>p2prepl report: pictures.star</title>", "peer 4 did not decide", `class="pass">passed`} {
		if !strings.Contains(page, want) {
			t.Errorf("ring.html lacks %q", want)
		}
	}
	for _, name := range []string{"early.svg", "x.svg", "x.pdf", "report.txt"} {
		if _, err := os.Stat(filepath.Join(out, name)); err == nil {
			t.Errorf("%s was written by a failed call", name)
		}
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 {
		t.Errorf("files outside --out: %v", entries)
	}
}

// trace_format = "shiviz" writes a log that ShiViz's checks accept, with
// the marks in it.
func TestShiVizTraceFromScript(t *testing.T) {
	out := t.TempDir()
	e, th, _ := testEnv(t, Options{OutDir: out})
	src := `
sim = simulation(seed = 4, trace = "run.log", trace_format = "shiviz",
                 network = network(regions = ["eu"], latency = {("eu", "eu"): dist.norm(4, 1)}))
def _start(self):
    if self.peer.id == 1:
        self.every(100, _produce)
def _produce(self):
    self.peer.gossip(message("tx", id = "t%d" % int(sim.now), ttl = 4), fanout = 2)
def _on_tx(self, msg):
    if msg.first:
        self.peer.mark("got " + msg.id)
        if msg.ttl != 0:
            self.peer.gossip(msg, fanout = 2)
flood = service("Flood", on_start = _start, on_message = {"tx": _on_tx})
sim.add_peers(topology.random_regular(8, 3, seed = 1), services = [flood(), random_downtime()])
sim.run(until = 2500)
`
	if _, err := e.ExecFile(th, "shiviz.star", src); err != nil {
		t.Fatal(FormatError(err))
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(out, "run.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	evs, err := shiviz.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := shiviz.Check(evs); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, ev := range evs {
		kinds[strings.TrimSuffix(strings.Fields(ev.Text)[0], ",")]++
	}
	if kinds["send"] < 50 || kinds["deliver"] < 50 || kinds["mark"] < 8 || kinds["offline"] == 0 || kinds["drop"] == 0 {
		t.Errorf("events by kind: %v", kinds)
	}
	// A run in which no peer does anything would leave a log ShiViz
	// refuses ("does not capture any events"): closing says so. A JSON
	// Lines trace may be empty.
	for _, tc := range []struct{ format, err string }{
		{"shiviz", "trace empty.log: no peer sent, received, marked or went offline"},
		{"jsonl", ""},
	} {
		e, th, _ := testEnv(t, Options{OutDir: out})
		src := fmt.Sprintf("sim = simulation(seed = 1, trace = \"empty.log\", trace_format = %q)\n", tc.format) +
			"sim.add_peers(topology.ring(3), services = [gossip()])\nsim.run(until = 10)\n"
		if _, err := e.ExecFile(th, "empty.star", src); err != nil {
			t.Fatal(FormatError(err))
		}
		err := e.Close()
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: an empty trace: %v, want %q", tc.format, err, tc.err)
		}
	}
	_, err = NewEnv(Options{OutDir: out}).ExecFile(NewEnv(Options{}).NewThread("x"), "bad.star", `simulation(trace = "x.log", trace_format = "xml")`)
	if err == nil || !strings.Contains(err.Error(), `trace_format must be "jsonl" or "shiviz" (got "xml")`) {
		t.Errorf("bad trace_format: %v", err)
	}
}

// With Options.Record every simulation keeps its history, and WriteReport
// writes the report of the last one, with the script's error when it
// failed.
func TestWriteReport(t *testing.T) {
	out := t.TempDir()
	e, th, _ := testEnv(t, Options{OutDir: out, Record: true, Params: map[string]string{"k": "v"}})
	_, err := e.ExecFile(th, "failing.star", `
sim = simulation(seed = 1)
sim.add_peers(topology.ring(4), services = [gossip()])
sim.add_peer(type = "client", connect = 2, services = [producer(rate = 50)])
sim.run(until = 500)
fail("the claim does not hold")
`)
	if err == nil {
		t.Fatal("the script should fail")
	}
	if err := e.WriteReport("r/report.html", "failing.star", FormatError(err)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "r", "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{`id="spacetime-svg"`, "the claim does not hold", "<td>k</td><td>v</td>"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if err := e.WriteReport("../r.html", "x", ""); err == nil || !strings.Contains(err.Error(), "outside the output directory") {
		t.Errorf("--report outside --out: %v", err)
	}
	if err := NewEnv(Options{OutDir: out}).WriteReport("r.html", "x", ""); err == nil || !strings.Contains(err.Error(), "created no simulation") {
		t.Errorf("no simulation: %v", err)
	}
}
