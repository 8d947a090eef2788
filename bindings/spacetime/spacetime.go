// Package spacetime draws a run's history (engine.History) as a
// space-time diagram, the Lamport diagram of Maelstrom and ShiViz: one
// horizontal line per peer, time from left to right, each message copy
// an arrow from its send to its receipt. Dropped copies end in a cross
// with the reason, offline intervals are shaded, partitions tint the two
// sides, and the peers' marks (peer.mark) sit on their lines.
//
// A Diagram is laid out once (Build) and drawn by two back ends from the
// same list of shapes: SVG written by hand (so that each arrow can carry
// its details for hovering, in a file or in the run report) and PNG
// through gonum/plot's vg canvas, which rasterizes the very same shapes.
// Drawing beyond about 64 peers or 5,000 messages gives a smear, so Build
// refuses and says how to filter instead.
package spacetime

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/p2prepl/p2prepl/bindings/plot"
	"github.com/p2prepl/p2prepl/engine"
)

// Limits of a legible drawing, the defaults of Options.
const (
	MaxPeers    = 64
	MaxMessages = 5000
)

// Options choose what to draw.
type Options struct {
	Peers       []int    // peer ids, in the order of the lines; nil: every peer
	Kinds       []string // message kinds; nil: every kind
	Start, End  float64  // the time window, ms; NaN: from the history's first entry, to the simulation's now
	ColorBy     string   // "kind" (default) or "version"
	Width       int      // pixels; 0: 1200
	MaxPeers    int      // 0: MaxPeers
	MaxMessages int      // 0: MaxMessages
	// Fit ends the window early, where the messages begun so far fill
	// MaxMessages, instead of refusing a window with more.
	Fit bool
}

// Color schemes.
const (
	ByKind    = "kind"
	ByVersion = "version"
)

// EndStyle is how an arrow ends.
type EndStyle uint8

const (
	Head  EndStyle = iota // delivered or unhandled: an arrowhead
	Cross                 // dropped
	Bar                   // rejected by the receiver's validation
)

// Row is a peer's line.
type Row struct {
	Peer  int
	Label string
	Y     float64
}

// Span is a time interval on a row (an offline interval).
type Span struct {
	Row    int
	X0, X1 float64
}

// Band is a partition drawn over the rows of its two sides.
type Band struct {
	X0, X1 float64
	A, B   []int // rows on each side
	Label  string
}

// Arrow is one message copy.
type Arrow struct {
	X0, Y0, X1, Y1 float64
	Color          int      // index into Diagram.Colors
	End            EndStyle // drawn only when the end is inside the window
	Clipped        bool     // the receipt is outside the window
	Dashed         bool     // unhandled: no service of the receiver takes the kind
	Label          string   // drawn beside the end (drop reasons, when few)
	Tip            string   // details shown on hover
	Class          string   // delivered, unhandled, rejected, dropped
}

// Mark is a peer's annotation.
type Mark struct {
	X, Y  float64
	Label string
	Tip   string
	Text  bool // draw the label (only when there are few marks)
}

// Tick is a labelled time on the axis.
type Tick struct {
	X     float64
	Label string
}

// LegendItem names a color.
type LegendItem struct {
	Color int
	Label string
}

// Diagram is a laid-out space-time diagram, in pixels, y downwards.
type Diagram struct {
	W, H           float64
	X0, X1, Y0, Y1 float64 // the plot area
	Title, Caption string
	Rows           []Row
	Offline        []Span
	Bands          []Band
	Arrows         []Arrow
	Marks          []Mark
	Ticks          []Tick
	Colors         []color.NRGBA
	Legend         []LegendItem
	RowH           float64
}

// palette is Tableau's 10 categorical colors; version colors start with
// the strongest contrast (blue, red) so that two equivocating versions
// read apart at a glance.
var palette = []color.NRGBA{
	rgb(0x4e79a7), rgb(0xf28e2b), rgb(0xe15759), rgb(0x76b7b2), rgb(0x59a14f),
	rgb(0xedc948), rgb(0xb07aa1), rgb(0xff9da7), rgb(0x9c755f), rgb(0xbab0ac),
}

var versionPalette = []color.NRGBA{
	rgb(0x4e79a7), rgb(0xe15759), rgb(0x59a14f), rgb(0xf28e2b), rgb(0xb07aa1), rgb(0xedc948),
}

var untracked = rgb(0x9a9a9a)

func rgb(x uint32) color.NRGBA {
	return color.NRGBA{R: uint8(x >> 16), G: uint8(x >> 8), B: uint8(x), A: 0xff}
}

// Hex is a color as #rrggbb.
func Hex(c color.NRGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// layout constants, in pixels
const (
	fontSize  = 11
	smallFont = 9
	titleFont = 13
	charW     = 6.6 // average width of a character at fontSize
	topMargin = 46
	axisH     = 34
	legendH   = 20
	rightPad  = 24
)

// Build lays out the diagram of sim's history.
func Build(sim *engine.Sim, o Options) (*Diagram, error) {
	h := sim.History()
	if h == nil {
		return nil, fmt.Errorf("the simulation kept no history of its messages")
	}
	if o.MaxPeers <= 0 {
		o.MaxPeers = MaxPeers
	}
	if o.MaxMessages <= 0 {
		o.MaxMessages = MaxMessages
	}
	if o.Width == 0 {
		o.Width = 1200
	}
	if o.Width < 300 || o.Width > 20000 {
		return nil, fmt.Errorf("width must be 300 to 20000 pixels (got %d)", o.Width)
	}
	switch o.ColorBy {
	case "":
		o.ColorBy = ByKind
	case ByKind, ByVersion:
	default:
		return nil, fmt.Errorf("color_by must be %q or %q (got %q)", ByKind, ByVersion, o.ColorBy)
	}
	peers, err := choosePeers(sim, o)
	if err != nil {
		return nil, err
	}
	kinds, err := chooseKinds(sim, o.Kinds)
	if err != nil {
		return nil, err
	}
	start, end, err := window(sim, h, o)
	if err != nil {
		return nil, err
	}
	row := map[int]int{}
	for i, p := range peers {
		row[p] = i
	}
	sel := selection{h: h, row: row, kinds: kinds, start: start, end: end}
	arrows, outside := sel.arrows()
	cut := false
	if len(arrows) > o.MaxMessages && o.Fit {
		if t, ok := fitEnd(arrows, o.MaxMessages, h); ok && t > start {
			end, cut = t, true
			sel.end = end
			arrows, outside = sel.arrows()
		}
	}
	if len(arrows) > o.MaxMessages {
		return nil, tooMany(len(arrows), o.MaxMessages, arrows, h)
	}
	d := &Diagram{W: float64(o.Width)}
	d.layoutRows(sim, peers)
	d.X1 = d.W - rightPad
	x := func(t float64) float64 { return d.X0 + (t-start)/(end-start)*(d.X1-d.X0) }
	d.layoutTicks(start, end, x)
	d.layoutArrows(sim, h, arrows, o.ColorBy, x)
	d.layoutStates(h, row, start, end, x)
	d.layoutPartitions(sim, row, start, end, x)
	d.layoutMarks(h, row, start, end, x)
	d.H = math.Ceil(d.placeLegend(func(int, float64, float64) {}) + legendH/2 + 6)
	d.Title = "Space-time diagram"
	d.Caption = caption(len(peers), len(sim.Peers()), len(arrows), outside, start, end, o.ColorBy)
	if cut {
		d.Caption += fmt.Sprintf("; cut at t = %s ms to show at most %d messages", ms(end), o.MaxMessages)
	}
	return d, nil
}

func choosePeers(sim *engine.Sim, o Options) ([]int, error) {
	var peers []int
	if o.Peers == nil {
		for _, p := range sim.Peers() {
			peers = append(peers, p.ID())
		}
		if len(peers) > o.MaxPeers {
			return nil, fmt.Errorf("%d peers are too many to draw legibly (at most %d): choose some with peers = [...], e.g. peers = sim.peers_of(\"client\") + sim.peers[:%d]", len(peers), o.MaxPeers, o.MaxPeers-4)
		}
	} else {
		seen := map[int]bool{}
		for _, id := range o.Peers {
			if sim.Peer(id) == nil {
				return nil, fmt.Errorf("peers: there is no peer %d%s", id, idRange(sim))
			}
			if !seen[id] {
				seen[id] = true
				peers = append(peers, id)
			}
		}
		if len(peers) > o.MaxPeers {
			return nil, fmt.Errorf("peers: %d peers are too many to draw legibly (at most %d); choose fewer", len(peers), o.MaxPeers)
		}
	}
	if len(peers) == 0 {
		return nil, fmt.Errorf("peers: no peer to draw")
	}
	return peers, nil
}

func idRange(sim *engine.Sim) string {
	ps := sim.Peers()
	if len(ps) == 0 {
		return " (the simulation has no peers)"
	}
	return fmt.Sprintf(" (the simulation has %d peers, ids %d to %d)", len(ps), ps[0].ID(), ps[len(ps)-1].ID())
}

// chooseKinds returns the kinds to draw (nil: all).
func chooseKinds(sim *engine.Sim, kinds []string) (map[string]bool, error) {
	if kinds == nil {
		return nil, nil
	}
	known := map[string]bool{}
	for _, k := range sim.Kinds() {
		known[k] = true
	}
	out := map[string]bool{}
	for _, k := range kinds {
		if !known[k] {
			return nil, fmt.Errorf("kinds: no message of kind %q was sent (kinds: %s)", k, strings.Join(sim.Kinds(), ", "))
		}
		out[k] = true
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("kinds: the list is empty (leave it out to draw every kind)")
	}
	return out, nil
}

func window(sim *engine.Sim, h *engine.History, o Options) (start, end float64, err error) {
	start, end = o.Start, o.End
	first := 0.0
	if h.Len() > 0 {
		first = h.At(0).T
	}
	if math.IsNaN(start) {
		start = first
	}
	if math.IsNaN(end) {
		end = sim.Now()
	}
	if math.IsInf(start, 0) || math.IsInf(end, 0) {
		return 0, 0, fmt.Errorf("the window must be finite (start=%s, end=%s)", ms(start), ms(end))
	}
	if end <= start {
		if math.IsNaN(o.Start) && math.IsNaN(o.End) {
			return 0, 0, fmt.Errorf("empty window: nothing happened yet (the history starts at t=%s ms and the simulation is at t=%s ms); run the simulation first", ms(start), ms(sim.Now()))
		}
		return 0, 0, fmt.Errorf("empty window: start (%s ms) must be before end (%s ms)", ms(start), ms(end))
	}
	if start >= sim.Now() && !math.IsNaN(o.Start) {
		return 0, 0, fmt.Errorf("empty window: start=%s ms is not before the simulation's time (%s ms)", ms(start), ms(sim.Now()))
	}
	return start, end, nil
}

// ms prints a time for people: whole or to a tenth of a ms when it has
// more decimals than that.
func ms(t float64) string {
	s := engine.FormatTime(t)
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i > 2 {
		s = strings.TrimSuffix(strconv.FormatFloat(t, 'f', 1, 64), ".0")
	}
	return s
}

// selection picks the history entries drawn.
type selection struct {
	h          *engine.History
	row        map[int]int
	kinds      map[string]bool
	start, end float64
}

// arrows returns the entries (receipts and drops) whose copies are drawn,
// and the number of copies in the window between a drawn peer and one
// that is not.
func (s *selection) arrows() (out []int, outside int) {
	h := s.h
	for i := 0; i < h.Len(); i++ {
		e := h.At(i)
		switch e.Kind {
		case engine.EntryDelivered, engine.EntryUnhandled, engine.EntryRejected, engine.EntryDropped:
		default:
			continue
		}
		if e.Send < 0 {
			continue
		}
		se := h.At(int(e.Send))
		if se.T > s.end || e.T < s.start {
			continue
		}
		if s.kinds != nil && !s.kinds[e.Msg.Kind] {
			continue
		}
		_, a := s.row[int(se.Peer)]
		_, b := s.row[int(se.Other)]
		if !a || !b {
			if a || b {
				outside++
			}
			continue
		}
		out = append(out, i)
	}
	return out, outside
}

// fitEnd returns the latest end of the window that keeps at most limit
// of the arrows (those sent by then); ok is false when even the earliest
// send time has more.
func fitEnd(arrows []int, limit int, h *engine.History) (end float64, ok bool) {
	ts := make([]float64, len(arrows))
	for i, a := range arrows {
		ts[i] = h.At(int(h.At(a).Send)).T
	}
	sort.Float64s(ts)
	for j := limit - 1; j >= 0; j-- {
		if ts[j] < ts[limit] {
			return ts[j], true
		}
	}
	return 0, false
}

func tooMany(n, limit int, arrows []int, h *engine.History) error {
	hint := ""
	if end, ok := fitEnd(arrows, limit, h); ok {
		shown := 0
		for _, a := range arrows {
			if h.At(int(h.At(a).Send)).T <= end {
				shown++
			}
		}
		hint = fmt.Sprintf(" (end = %s shows the first %d)", ms(end), shown)
	}
	return fmt.Errorf("%d messages are too many to draw legibly (at most %d): narrow the window with start and end%s, choose kinds = [...], or fewer peers", n, limit, hint)
}

func (d *Diagram) layoutRows(sim *engine.Sim, peers []int) {
	regions := sim.Network().Regions()
	showRegion := len(regions) > 1
	maxLen := 0
	for _, id := range peers {
		p := sim.Peer(id)
		label := strconv.Itoa(id) + " " + p.Type()
		if showRegion {
			label += " " + p.Region()
		}
		d.Rows = append(d.Rows, Row{Peer: id, Label: label})
		maxLen = max(maxLen, len(label))
	}
	d.X0 = math.Max(70, float64(maxLen)*charW+18)
	n := len(peers)
	d.RowH = math.Min(28, math.Max(14, 640/float64(n)))
	d.Y0 = topMargin
	for i := range d.Rows {
		d.Rows[i].Y = d.Y0 + d.RowH*(float64(i)+0.5)
	}
	d.Y1 = d.Y0 + d.RowH*float64(n)
}

func (d *Diagram) layoutTicks(start, end float64, x func(float64) float64) {
	n := max(2, int((d.X1-d.X0)/110))
	for _, t := range plot.NiceTicks(start, end, n) {
		d.Ticks = append(d.Ticks, Tick{X: x(t.Value), Label: t.Label})
	}
}

func (d *Diagram) y(row int) float64 { return d.Rows[row].Y }

func (d *Diagram) layoutArrows(sim *engine.Sim, h *engine.History, arrows []int, colorBy string, x func(float64) float64) {
	rowOf := map[int]int{}
	for i, r := range d.Rows {
		rowOf[r.Peer] = i
	}
	colorIndex := map[string]int{}
	color := func(key, label string, c color.NRGBA) int {
		if i, ok := colorIndex[key]; ok {
			return i
		}
		d.Colors = append(d.Colors, c)
		i := len(d.Colors) - 1
		colorIndex[key] = i
		d.Legend = append(d.Legend, LegendItem{Color: i, Label: label})
		return i
	}
	// Kinds take the palette's colors in the simulation's order of kinds,
	// counting only those drawn, so that few kinds get distinct colors.
	drawn := map[string]bool{}
	for _, a := range arrows {
		drawn[h.At(a).Msg.Kind] = true
	}
	kindOrder := map[string]int{}
	for _, k := range sim.Kinds() {
		if drawn[k] {
			kindOrder[k] = len(kindOrder)
		}
	}
	drops := 0
	for _, a := range arrows {
		if h.At(a).Kind == engine.EntryDropped || h.At(a).Kind == engine.EntryRejected {
			drops++
		}
	}
	var brought map[learnKey][]learnt
	if colorBy == ByVersion {
		brought = learntAt(sim, rowOf)
	}
	for _, a := range arrows {
		e := h.At(a)
		se := h.At(int(e.Send))
		m := e.Msg
		var ci int
		extra := ""
		if colorBy == ByVersion {
			v := m.Version()
			if v < 0 && e.Kind != engine.EntryDropped && e.Kind != engine.EntryRejected {
				// A message without an id (a pull response) takes the
				// color of the version it brought, if it brought one.
				v, extra = carried(brought[learnKey{int(e.Peer), e.T}])
			}
			switch {
			case v >= 0:
				ci = color("v"+strconv.Itoa(v), "version "+strconv.Itoa(v), versionPalette[v%len(versionPalette)])
			case v == several:
				ci = color("several", "several versions", severalC)
			default:
				ci = color("untracked", "no tracked id", untracked)
			}
		} else {
			ci = color("k:"+m.Kind, m.Kind, palette[kindOrder[m.Kind]%len(palette)])
		}
		from, to := rowOf[int(se.Peer)], rowOf[int(se.Other)]
		ar := Arrow{X0: x(se.T), Y0: d.y(from), X1: x(e.T), Y1: d.y(to), Color: ci}
		switch e.Kind {
		case engine.EntryDelivered:
			ar.End, ar.Class = Head, "delivered"
		case engine.EntryUnhandled:
			ar.End, ar.Class, ar.Dashed = Head, "unhandled", true
		case engine.EntryRejected:
			ar.End, ar.Class = Bar, "rejected"
			if drops <= 150 {
				ar.Label = "rejected"
			}
		case engine.EntryDropped:
			ar.End, ar.Class = Cross, "dropped"
			if e.Reason != engine.DropReceiverOffline {
				// Lost before it travelled: a short stroke towards the
				// receiver.
				dy := ar.Y1 - ar.Y0
				ar.X1 = ar.X0 + math.Min(14, d.RowH)
				ar.Y1 = ar.Y0 + math.Copysign(math.Min(math.Abs(dy)*0.4, d.RowH*0.6), dy)
			}
			if drops <= 150 {
				ar.Label = e.Reason.String()
			}
		}
		ar.Tip = tip(m, se, e) + extra
		d.clip(&ar)
		d.Arrows = append(d.Arrows, ar)
	}
	sort.SliceStable(d.Legend, func(i, j int) bool { return d.Legend[i].Label < d.Legend[j].Label })
}

// learnKey is a peer at a time.
type learnKey struct {
	peer int
	t    float64
}

// learnt is a message id a peer accepted first, in some version.
type learnt struct {
	id      string
	version int
}

// learntAt indexes the first receipts of the drawn peers by peer and
// time: what a message delivered then brought with it (pull gossip
// carries messages inside its responses, which have no id of their own).
func learntAt(sim *engine.Sim, rows map[int]int) map[learnKey][]learnt {
	out := map[learnKey][]learnt{}
	for _, id := range sim.MessageIDs() {
		for _, f := range sim.FirstSeen(id) {
			if _, ok := rows[f.Peer]; ok {
				k := learnKey{f.Peer, f.T}
				out[k] = append(out[k], learnt{id, f.Version})
			}
		}
	}
	return out
}

// several stands for a message that brought more than one version.
const several = -2

var severalC = rgb(0xb07aa1)

// carried returns the version a message brought (several, or -1 for
// none) and a note for its hover details.
func carried(ls []learnt) (int, string) {
	if len(ls) == 0 {
		return -1, ""
	}
	v := ls[0].version
	var b strings.Builder
	b.WriteString("; brought")
	for i, l := range ls {
		if l.version != v {
			v = several
		}
		if i < 8 {
			fmt.Fprintf(&b, " %s v%d", l.id, l.version)
		}
	}
	if len(ls) > 8 {
		fmt.Fprintf(&b, " and %d more", len(ls)-8)
	}
	return v, b.String()
}

// clip cuts an arrow to the plot area's time range; x grows along it.
func (d *Diagram) clip(a *Arrow) {
	if a.X0 < d.X0 && a.X1 > a.X0 {
		f := (d.X0 - a.X0) / (a.X1 - a.X0)
		a.X0, a.Y0 = d.X0, a.Y0+f*(a.Y1-a.Y0)
	}
	if a.X1 > d.X1 && a.X1 > a.X0 {
		f := (d.X1 - a.X0) / (a.X1 - a.X0)
		a.X1, a.Y1 = d.X1, a.Y0+f*(a.Y1-a.Y0)
		a.Clipped, a.Label = true, ""
	}
}

func tip(m *engine.Message, se, e *engine.Entry) string {
	var b strings.Builder
	b.WriteString(m.Kind)
	if m.ID != "" {
		fmt.Fprintf(&b, " %s version %d", m.ID, m.Version())
	}
	fmt.Fprintf(&b, ": peer %d to peer %d, sent at %s ms, ", se.Peer, se.Other, ms(se.T))
	switch e.Kind {
	case engine.EntryDelivered:
		fmt.Fprintf(&b, "delivered at %s ms", ms(e.T))
	case engine.EntryUnhandled:
		fmt.Fprintf(&b, "accepted at %s ms but unhandled", ms(e.T))
	case engine.EntryRejected:
		fmt.Fprintf(&b, "rejected at %s ms", ms(e.T))
	case engine.EntryDropped:
		fmt.Fprintf(&b, "dropped at %s ms (%s)", ms(e.T), e.Reason)
	}
	fmt.Fprintf(&b, ", hops %d, %d bytes", e.Hops, m.Size)
	return b.String()
}

func (d *Diagram) layoutStates(h *engine.History, row map[int]int, start, end float64, x func(float64) float64) {
	down := map[int]float64{}
	span := func(r int, from, to float64) {
		from, to = math.Max(from, start), math.Min(to, end)
		if to > from {
			d.Offline = append(d.Offline, Span{Row: r, X0: x(from), X1: x(to)})
		}
	}
	for i := 0; i < h.Len(); i++ {
		e := h.At(i)
		r, ok := row[int(e.Peer)]
		if !ok {
			continue
		}
		switch e.Kind {
		case engine.EntryOffline:
			if _, already := down[r]; !already {
				down[r] = e.T
			}
		case engine.EntryOnline:
			if t, ok := down[r]; ok {
				span(r, t, e.T)
				delete(down, r)
			}
		}
	}
	rows := make([]int, 0, len(down))
	for r := range down {
		rows = append(rows, r)
	}
	sort.Ints(rows)
	for _, r := range rows {
		span(r, down[r], end)
	}
}

func (d *Diagram) layoutPartitions(sim *engine.Sim, row map[int]int, start, end float64, x func(float64) float64) {
	for i, pt := range sim.Partitions() {
		from, to := math.Max(pt.From, start), math.Min(pt.Until, end)
		if to <= from {
			continue
		}
		b := Band{X0: x(from), X1: x(to), Label: fmt.Sprintf("partition %d", i+1)}
		inA := map[int]bool{}
		for _, id := range pt.A {
			inA[id] = true
			if r, ok := row[id]; ok {
				b.A = append(b.A, r)
			}
		}
		if len(pt.B) == 0 {
			for id, r := range row {
				if !inA[id] {
					b.B = append(b.B, r)
				}
			}
		} else {
			for _, id := range pt.B {
				if r, ok := row[id]; ok {
					b.B = append(b.B, r)
				}
			}
		}
		sort.Ints(b.A)
		sort.Ints(b.B)
		d.Bands = append(d.Bands, b)
	}
}

func (d *Diagram) layoutMarks(h *engine.History, row map[int]int, start, end float64, x func(float64) float64) {
	for i := 0; i < h.Len(); i++ {
		e := h.At(i)
		if e.Kind != engine.EntryMark || e.T < start || e.T > end {
			continue
		}
		r, ok := row[int(e.Peer)]
		if !ok {
			continue
		}
		label := h.Label(e)
		d.Marks = append(d.Marks, Mark{X: x(e.T), Y: d.y(r), Label: label,
			Tip: fmt.Sprintf("peer %d at %s ms: %s", e.Peer, ms(e.T), label)})
	}
	if len(d.Marks) > 200 {
		return
	}
	// Label the marks that do not run into the previous label on their
	// line; the rest show theirs on hover.
	labelEnd := map[float64]float64{}
	for i := range d.Marks {
		m := &d.Marks[i]
		if r := []rune(m.Label); len(r) > 28 {
			m.Label = string(r[:27]) + "…"
		}
		if last, ok := labelEnd[m.Y]; ok && m.X+5 < last+6 {
			continue
		}
		m.Text = true
		labelEnd[m.Y] = m.X + 5 + float64(len([]rune(m.Label)))*charW*smallFont/fontSize
	}
}

func caption(shown, total, arrows, outside int, start, end float64, colorBy string) string {
	s := fmt.Sprintf("%d of %d peers, %d messages, t = %s to %s ms, colored by %s", shown, total, arrows, ms(start), ms(end), colorBy)
	if outside > 0 {
		s += fmt.Sprintf("; %d messages to or from peers not shown are left out", outside)
	}
	return s
}
