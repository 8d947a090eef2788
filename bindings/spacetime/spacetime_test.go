package spacetime

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/dist"
)

// taker handles "tx" and marks its peer with the version it got.
type taker struct{ engine.Base }

func (taker) Name() string    { return "taker" }
func (taker) Kinds() []string { return []string{"tx"} }
func (taker) Handle(p *engine.Peer, d *engine.Delivery) error {
	p.Mark(fmt.Sprintf("got v%d", d.Msg.Version()))
	return nil
}

// knownRun is a 5-peer run with a known schedule (one-way delay 5 ms):
// peer 1 equivocates, sending version 0 of m1 to peer 2 and version 1
// to peer 3; the peers pass them on by hand:
//
//	t=0   1 -> 2 v0 delivered at 5       t=0   1 -> 3 v1 delivered at 5
//	t=10  2 -> 4 v0 dropped at 15: 4 is offline during [8, 30)
//	t=10  3 -> 5 v1 delivered at 15
//	t=20  2 -> 5 v0 lost (link loss 1)
//	t=40  3 -> 4 v1 delivered at 45
//	t=50  5 -> 3 ping dropped: partition {5} | rest during [48, 60)
//	t=70  4 -> 2 ping delivered at 75, unhandled
//
// so 4 delivered, 1 unhandled, 3 dropped; by version, 3 arrows of v0, 3
// of v1 and 2 untracked; 4 marks.
func knownRun(t testing.TB) *engine.Sim {
	t.Helper()
	n, _ := engine.NewNetwork([]string{"eu", "us"})
	for _, pair := range [][2]string{{"eu", "eu"}, {"eu", "us"}, {"us", "us"}} {
		n.SetLatency(pair[0], pair[1], dist.Constant(10))
	}
	s := engine.New(engine.Config{Seed: 1, Network: n})
	s.KeepHistory()
	ps := make([]*engine.Peer, 6)
	for id := 1; id <= 5; id++ {
		typ, region := "peer", "eu"
		if id == 1 {
			typ = "client"
		}
		if id >= 4 {
			region = "us"
		}
		p, err := s.AddPeer(engine.PeerSpec{ID: id, Type: typ, Region: region, Services: []engine.Service{taker{}}})
		if err != nil {
			t.Fatal(err)
		}
		ps[id] = p
	}
	for _, e := range [][2]int{{1, 2}, {1, 3}, {2, 4}, {3, 4}, {2, 5}, {3, 5}} {
		s.Connect(e[0], e[1])
	}
	s.SetLinkLoss(2, 5, 1)
	s.Partition([]int{5}, nil, 48, 60)
	v0 := s.NewMessage("tx", "m1", 1, nil, 100, 0)
	v1 := s.NewMessage("tx", "m1", 1, nil, 100, 0)
	at := func(when float64, f func() error) {
		if err := s.Schedule(when, f); err != nil {
			t.Fatal(err)
		}
	}
	at(0, func() error { return ps[1].Send(2, v0) })
	at(0, func() error { return ps[1].Send(3, v1) })
	at(8, func() error { return ps[4].SetOnline(false) })
	at(10, func() error { return ps[2].SendHop(4, v0, 0, 2) })
	at(10, func() error { return ps[3].SendHop(5, v1, 0, 2) })
	at(20, func() error { return ps[2].SendHop(5, v0, 0, 2) })
	at(30, func() error { return ps[4].SetOnline(true) })
	at(40, func() error { return ps[3].SendHop(4, v1, 0, 2) })
	at(50, func() error { return ps[5].Send(3, s.Signal("ping", 20)) })
	at(70, func() error { return ps[4].Send(2, s.Signal("ping", 20)) })
	if err := s.Run(100); err != nil {
		t.Fatal(err)
	}
	return s
}

// svgDoc is the structure of a written diagram.
type svgDoc struct {
	Groups []svgGroup `xml:"g"`
}

type svgGroup struct {
	Class  string   `xml:"class,attr"`
	Stroke string   `xml:"data-color,attr"`
	Peer   string   `xml:"data-peer,attr"`
	Title  string   `xml:"title"`
	Texts  []string `xml:"text"`
}

func parseSVG(t *testing.T, d *Diagram) (svgDoc, string) {
	t.Helper()
	var b bytes.Buffer
	if err := d.SVG(&b); err != nil {
		t.Fatal(err)
	}
	var doc svgDoc
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("the SVG does not parse: %v\n%s", err, b.String())
	}
	return doc, b.String()
}

func count(doc svgDoc, class, stroke string) int {
	n := 0
	for _, g := range doc.Groups {
		if g.Class == class && (stroke == "" || g.Stroke == stroke) {
			n++
		}
	}
	return n
}

func TestGoldenStructure(t *testing.T) {
	s := knownRun(t)
	d, err := Build(s, Options{ColorBy: ByVersion, Start: math.NaN(), End: math.NaN()})
	if err != nil {
		t.Fatal(err)
	}
	doc, text := parseSVG(t, d)
	v0, v1, grey := Hex(versionPalette[0]), Hex(versionPalette[1]), Hex(untracked)
	for _, c := range []struct {
		class, stroke string
		want          int
	}{
		{"peer", "", 5},
		{"msg delivered", "", 4},
		{"msg unhandled", "", 1},
		{"msg dropped", "", 3},
		{"msg rejected", "", 0},
		{"msg delivered", v0, 1},
		{"msg delivered", v1, 3},
		{"msg dropped", v0, 2},
		{"msg dropped", grey, 1},
		{"msg unhandled", grey, 1},
		{"offline", "", 1},
		{"partition", "", 1},
		{"mark", "", 4},
		{"legend", "", 1},
	} {
		if got := count(doc, c.class, c.stroke); got != c.want {
			t.Errorf("%d groups of class %q stroke %q, want %d", got, c.class, c.stroke, c.want)
		}
	}
	var labels, drops []string
	for _, g := range doc.Groups {
		switch {
		case g.Class == "peer":
			labels = append(labels, g.Texts...)
		case g.Class == "msg dropped":
			drops = append(drops, g.Texts...)
		case g.Class == "offline" && g.Peer != "4":
			t.Errorf("offline interval on peer %s, want peer 4", g.Peer)
		}
	}
	if got := strings.Join(labels, "|"); got != "1 client eu|2 peer eu|3 peer eu|4 peer us|5 peer us" {
		t.Errorf("peer labels %q", got)
	}
	if got := strings.Join(drops, "|"); got != "offline|loss|partition" {
		t.Errorf("drop reasons %q", got)
	}
	for _, want := range []string{
		"<title>tx m1 version 1: peer 3 to peer 4, sent at 40 ms, delivered at 45 ms, hops 2, 100 bytes</title>",
		"<title>peer 2 at 5 ms: got v0</title>",
		">version 0</text>", ">version 1</text>", ">no tracked id</text>",
		"5 of 5 peers, 8 messages, t = 0 to 100 ms, colored by version",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	// By kind: one color per kind.
	d, err = Build(s, Options{Start: math.NaN(), End: math.NaN()})
	if err != nil {
		t.Fatal(err)
	}
	doc, _ = parseSVG(t, d)
	tx, ping := Hex(palette[0]), Hex(palette[1])
	if got := count(doc, "msg delivered", tx) + count(doc, "msg dropped", tx); got != 6 {
		t.Errorf("%d tx arrows, want 6", got)
	}
	if got := count(doc, "msg unhandled", ping) + count(doc, "msg dropped", ping); got != 2 {
		t.Errorf("%d ping arrows, want 2", got)
	}
}

func TestFilters(t *testing.T) {
	s := knownRun(t)
	nan := math.NaN()
	for _, tc := range []struct {
		name   string
		o      Options
		arrows int
		peers  int
		marks  int
	}{
		{"three peers", Options{Peers: []int{3, 1, 2}, Start: nan, End: nan}, 2, 3, 2},
		{"kind ping", Options{Kinds: []string{"ping"}, Start: nan, End: nan}, 2, 5, 4},
		{"window", Options{Start: 9, End: 41}, 4, 5, 1},
	} {
		d, err := Build(s, tc.o)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(d.Arrows) != tc.arrows || len(d.Rows) != tc.peers || len(d.Marks) != tc.marks {
			t.Errorf("%s: %d arrows, %d rows, %d marks; want %d, %d, %d", tc.name, len(d.Arrows), len(d.Rows), len(d.Marks), tc.arrows, tc.peers, tc.marks)
		}
		if tc.name == "three peers" {
			if d.Rows[0].Peer != 3 || !strings.Contains(d.Caption, "messages to or from peers not shown") {
				t.Errorf("rows in the order given, caption saying what is left out: %v %q", d.Rows, d.Caption)
			}
		}
		if tc.name == "window" {
			for _, a := range d.Arrows {
				if a.X0 < d.X0-1e-9 || a.X1 > d.X1+1e-9 {
					t.Errorf("arrow outside the plot area: %+v", a)
				}
			}
		}
	}
}

func TestBadInput(t *testing.T) {
	s := knownRun(t)
	nan := math.NaN()
	for _, tc := range []struct {
		o   Options
		err string
	}{
		{Options{Peers: []int{1, 99}, Start: nan, End: nan}, "peers: there is no peer 99 (the simulation has 5 peers, ids 1 to 5)"},
		{Options{Peers: []int{}, Start: nan, End: nan}, "peers: no peer to draw"},
		{Options{Kinds: []string{"vote"}, Start: nan, End: nan}, `kinds: no message of kind "vote" was sent (kinds: tx, ping)`},
		{Options{Start: 50, End: 50}, "empty window: start (50 ms) must be before end (50 ms)"},
		{Options{Start: 60, End: 20}, "empty window: start (60 ms) must be before end (20 ms)"},
		{Options{Start: 500, End: nan}, "empty window: start (500 ms) must be before end (100 ms)"},
		{Options{Start: math.Inf(-1), End: nan}, "the window must be finite"},
		{Options{ColorBy: "peer", Start: nan, End: nan}, `color_by must be "kind" or "version" (got "peer")`},
		{Options{MaxPeers: 4, Start: nan, End: nan}, "5 peers are too many to draw legibly (at most 4): choose some with peers = [...]"},
		{Options{MaxMessages: 3, Start: nan, End: nan}, "8 messages are too many to draw legibly (at most 3): narrow the window with start and end (end = 0 shows the first 2)"},
		{Options{Width: 10, Start: nan, End: nan}, "width must be 300 to 20000 pixels"},
	} {
		_, err := Build(s, tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%+v: got error %v, want %q", tc.o, err, tc.err)
		}
	}
	if _, err := Build(engine.New(engine.Config{}), Options{Start: nan, End: nan}); err == nil || !strings.Contains(err.Error(), "kept no history") {
		t.Errorf("no history: %v", err)
	}
	fresh := engine.New(engine.Config{})
	fresh.KeepHistory()
	fresh.AddPeer(engine.PeerSpec{ID: 1})
	if _, err := Build(fresh, Options{Start: nan, End: nan}); err == nil || !strings.Contains(err.Error(), "nothing happened yet") {
		t.Errorf("before running: %v", err)
	}
}

// The PNG is the same drawing: its size, and the version colors in it.
func TestPNG(t *testing.T) {
	s := knownRun(t)
	d, err := Build(s, Options{ColorBy: ByVersion, Start: math.NaN(), End: math.NaN()})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := d.PNG(&b); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() != int(d.W) || r.Dy() != int(math.Ceil(d.H)) {
		t.Errorf("PNG is %v, want %gx%g", r, d.W, d.H)
	}
	found := map[string]int{}
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := img.At(x, y)
			cr, cg, cb, _ := c.RGBA()
			for name, want := range map[string][3]uint8{"v0": {0x4e, 0x79, 0xa7}, "v1": {0xe1, 0x57, 0x59}} {
				if uint8(cr>>8) == want[0] && uint8(cg>>8) == want[1] && uint8(cb>>8) == want[2] {
					found[name]++
				}
			}
		}
	}
	if found["v0"] < 20 || found["v1"] < 20 {
		t.Errorf("version colors in the PNG: %v", found)
	}
	if dir := os.Getenv("SPACETIME_OUT"); dir != "" {
		os.WriteFile(filepath.Join(dir, "known.png"), b.Bytes(), 0o644)
		var sv bytes.Buffer
		d.SVG(&sv)
		os.WriteFile(filepath.Join(dir, "known.svg"), sv.Bytes(), 0o644)
	}
}

// bigRun is 50 fully connected peers exchanging 5,000 messages of two
// kinds over 10 simulated seconds, with marks: the largest drawing the
// limits allow.
func bigRun(b *testing.B) *engine.Sim {
	s := engine.New(engine.Config{Seed: 3})
	s.KeepHistory()
	ps := make([]*engine.Peer, 51)
	for id := 1; id <= 50; id++ {
		ps[id], _ = s.AddPeer(engine.PeerSpec{ID: id, Services: []engine.Service{taker{}}})
	}
	for a := 1; a <= 50; a++ {
		for c := a + 1; c <= 50; c++ {
			s.Connect(a, c)
		}
	}
	r := s.Stream("bench")
	for i := 0; i < 5000; i++ {
		from, to := 1+r.IntN(50), 1+r.IntN(49)
		if to >= from {
			to++
		}
		kind := "tx"
		if i%3 == 0 {
			kind = "vote"
		}
		m := s.NewMessage(kind, fmt.Sprintf("m%d", i/2), from, nil, 100, 0)
		s.Schedule(float64(i)*2, func() error { return ps[from].Send(to, m) })
	}
	if err := s.Run(10_100); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkSpacetime50x5000 lays out and writes the diagram of 50 peers
// and 5,000 messages (the issue asks for under 1 s), as SVG and as PNG.
func BenchmarkSpacetime50x5000(b *testing.B) {
	s := bigRun(b)
	for _, format := range []string{"svg", "png"} {
		b.Run(format, func(b *testing.B) {
			size := 0
			for i := 0; i < b.N; i++ {
				d, err := Build(s, Options{ColorBy: ByVersion, Start: math.NaN(), End: math.NaN()})
				if err != nil {
					b.Fatal(err)
				}
				if len(d.Arrows) != 5000 {
					b.Fatalf("%d arrows", len(d.Arrows))
				}
				var buf bytes.Buffer
				if format == "svg" {
					err = d.SVG(&buf)
				} else {
					err = d.PNG(&buf)
				}
				if err != nil {
					b.Fatal(err)
				}
				size = buf.Len()
			}
			b.ReportMetric(float64(size)/1e6, "MB")
		})
	}
}

// puller accepts "resp" messages as pull gossip does: the message it
// carries (Data) is marked seen, without an arrow of its own.
type puller struct{ engine.Base }

func (puller) Name() string    { return "puller" }
func (puller) Kinds() []string { return []string{"resp"} }
func (puller) Handle(p *engine.Peer, d *engine.Delivery) error {
	for _, m := range d.Msg.Data.([]*engine.Message) {
		p.Sim().MarkSeen(p.ID(), m, d.Hops+1)
	}
	return nil
}

// By version, a message without an id takes the color of the version it
// brought, and says so on hover; one that brought two versions has its
// own color.
func TestColorByCarriedVersion(t *testing.T) {
	s := engine.New(engine.Config{Seed: 1})
	s.KeepHistory()
	for id := 1; id <= 3; id++ {
		s.AddPeer(engine.PeerSpec{ID: id, Services: []engine.Service{puller{}}})
	}
	s.Connect(1, 2)
	s.Connect(1, 3)
	v0 := s.NewMessage("tx", "m9", 1, nil, 10, 0)
	v1 := s.NewMessage("tx", "m9", 1, nil, 10, 0)
	w1 := s.NewMessage("tx", "m8", 1, nil, 10, 0)
	w0 := s.NewMessage("tx", "m8", 1, nil, 10, 0)
	p1 := s.Peer(1)
	s.Schedule(1, func() error { return p1.Send(2, s.NewMessage("resp", "", 1, []*engine.Message{v1}, 10, 0)) })
	s.Schedule(2, func() error { return p1.Send(3, s.NewMessage("resp", "", 1, []*engine.Message{v0, w0}, 10, 0)) })
	s.Schedule(3, func() error { return p1.Send(3, s.NewMessage("resp", "", 1, []*engine.Message{w1}, 10, 0)) })

	if err := s.Run(10); err != nil {
		t.Fatal(err)
	}
	d, err := Build(s, Options{ColorBy: ByVersion, Start: math.NaN(), End: math.NaN()})
	if err != nil {
		t.Fatal(err)
	}
	doc, text := parseSVG(t, d)
	if got := count(doc, "msg delivered", Hex(versionPalette[1])); got != 1 {
		t.Errorf("%d arrows colored version 1, want 1", got)
	}
	if got := count(doc, "msg delivered", Hex(severalC)); got != 1 {
		t.Errorf("%d arrows colored several versions, want 1", got)
	}
	if got := count(doc, "msg delivered", Hex(untracked)); got != 1 { // w1 came second: nothing new
		t.Errorf("%d arrows with nothing new, want 1", got)
	}
	if !strings.Contains(text, "; brought m9 v1</title>") || !strings.Contains(text, "; brought m9 v0 m8 v1</title>") {
		t.Errorf("hover details lack what was brought:\n%s", text)
	}
}
