// Package report writes the one-page HTML report of a run: parameters
// and seed, the topology, traffic per kind, load over time, coverage and
// latency distributions, the version table as a heat map, the space-time
// diagram (with zoom, pan and hover) and the results of the checks.
//
// The page is self-contained: inline SVG, CSS and a small hand-written
// script, pictures as data: URIs, no request to any network. It
// summarises rather than lists: the topology draws at most 300 peers, the
// heat map at most 200 ids by 400 peer columns, the diagram at most 40
// peers and 1,500 messages, so a run of 10,000 peers gives a page of a
// few hundred kilobytes.
package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/p2prepl/p2prepl/bindings/spacetime"
	"github.com/p2prepl/p2prepl/engine"
)

// Check is the outcome of one check the script made (check.agreement...).
type Check struct {
	Name     string
	T        float64  // simulated time when it ran
	Problems []string // empty: it passed
}

// Input is what a report shows.
type Input struct {
	Title  string            // the script's name
	Params map[string]string // --set parameters
	Sim    *engine.Sim
	Checks []Check
	Error  string // the script's error, when it failed
}

// Limits of the space-time section.
const (
	diagramPeers    = 40
	diagramMessages = 800
)

// Write writes the report of in.Sim to w.
func Write(w io.Writer, in Input) error {
	if in.Sim == nil {
		return fmt.Errorf("no simulation to report on")
	}
	p, err := build(in)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := page.Execute(&b, p); err != nil {
		return err
	}
	_, err = w.Write(b.Bytes())
	return err
}

type row struct{ Key, Value string }

type trafficRow struct {
	Kind                                                  string
	Sent, Delivered, Unhandled, Rejected, Dropped         int64
	DroppedOffline, DroppedLoss, DroppedPartition, MBytes string
	Total                                                 bool
}

type checkRow struct {
	Name     string
	T        string
	OK       bool
	Problems []string
	More     int
}

type pageData struct {
	Title      string
	Error      string
	Summary    []row
	Params     []row
	Topology   topology
	Traffic    []trafficRow
	Load       template.HTML
	LoadNote   string
	Coverage   template.HTML
	CoverNote  string
	Latency    template.HTML
	Quantiles  []row
	Heatmap    heatmap
	HeatPNG    template.URL
	HeatLabels template.JS
	Spacetime  template.HTML
	STNote     string
	Checks     []checkRow
	CSS        template.CSS
	Script     template.JS
	Guard      template.JS
}

func build(in Input) (*pageData, error) {
	s := in.Sim
	p := &pageData{Title: in.Title, Error: in.Error, CSS: template.CSS(css), Script: template.JS(script), Guard: template.JS(guard)}
	if p.Title == "" {
		p.Title = "run"
	}
	p.Summary = summary(s)
	keys := make([]string, 0, len(in.Params))
	for k := range in.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p.Params = append(p.Params, row{k, in.Params[k]})
	}
	p.Topology = buildTopology(s)
	p.Traffic = traffic(s)
	p.Load, p.LoadNote = load(s)
	p.Coverage, p.CoverNote, p.Latency, p.Quantiles = coverage(s)
	hm, err := buildHeatmap(s)
	if err != nil {
		return nil, err
	}
	p.Heatmap, p.HeatPNG, p.HeatLabels = hm, template.URL(hm.PNG), template.JS(hm.Labels)
	p.Spacetime, p.STNote = diagram(s)
	for _, c := range in.Checks {
		cr := checkRow{Name: c.Name, T: engine.FormatTime(c.T), OK: len(c.Problems) == 0, Problems: c.Problems}
		if len(cr.Problems) > 5 {
			cr.Problems, cr.More = cr.Problems[:5], len(c.Problems)-5
		}
		p.Checks = append(p.Checks, cr)
	}
	return p, nil
}

func summary(s *engine.Sim) []row {
	byType := map[string]int{}
	online := 0
	for _, p := range s.Peers() {
		byType[p.Type()]++
		if p.Online() {
			online++
		}
	}
	var types []string
	for _, t := range s.Types() {
		types = append(types, fmt.Sprintf("%d %s", byType[t], t))
	}
	tot := s.Total()
	history := "kept (space-time diagram below)"
	if h := s.History(); h == nil {
		history = "not kept: call sim.keep_history() before sim.run, or run with --report"
	} else {
		history = fmt.Sprintf("kept: %s entries", thousands(int64(h.Len())))
	}
	return []row{
		{"seed", fmt.Sprint(s.Seed())},
		{"simulated time", engine.FormatTime(s.Now()) + " ms"},
		{"events processed", thousands(int64(s.Events()))},
		{"peers", fmt.Sprintf("%s (%s); %d online at the end", thousands(int64(len(s.Peers()))), strings.Join(types, ", "), online)},
		{"regions", strings.Join(s.Network().Regions(), ", ")},
		{"message kinds", strings.Join(s.Kinds(), ", ")},
		{"messages", fmt.Sprintf("%s sent, %s delivered, %s dropped", thousands(tot.Sent), thousands(tot.Delivered), thousands(tot.Dropped))},
		{"tracked message ids", thousands(int64(len(s.MessageIDs())))},
		{"history", history},
	}
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func traffic(s *engine.Sim) []trafficRow {
	var out []trafficRow
	add := func(kind string, c engine.Counter, total bool) {
		out = append(out, trafficRow{Kind: kind, Sent: c.Sent, Delivered: c.Delivered, Unhandled: c.Unhandled,
			Rejected: c.Rejected, Dropped: c.Dropped, DroppedOffline: thousands(c.DroppedOffline),
			DroppedLoss: thousands(c.DroppedLoss), DroppedPartition: thousands(c.DroppedPartition),
			MBytes: fmt.Sprintf("%.3f", float64(c.SentBytes)/1e6), Total: total})
	}
	for _, k := range s.Kinds() {
		add(k, s.CounterOf(k), false)
	}
	add("total", s.Total(), true)
	return out
}

func load(s *engine.Sim) (template.HTML, string) {
	pts := s.Load()
	bars := make([]bar, len(pts))
	peak, at := int64(0), 0
	for i, p := range pts {
		bars[i] = bar{x0: float64(p.Second), x1: float64(p.Second + 1), y: float64(p.Messages),
			tip: fmt.Sprintf("second %d: %s messages, %s bytes delivered", p.Second, thousands(p.Messages), thousands(p.Bytes))}
		if p.Messages > peak {
			peak, at = p.Messages, p.Second
		}
	}
	note := "nothing was delivered"
	if peak > 0 {
		note = fmt.Sprintf("peak: %s messages in second %d", thousands(peak), at)
	}
	return template.HTML(barChart("load-chart", bars, "simulated second", "messages delivered", categorical(0))), note
}

// coverage summarises, over the tracked message ids, the fraction of
// peers each reached and how long each peer waited for its first copy.
func coverage(s *engine.Sim) (template.HTML, string, template.HTML, []row) {
	ids := s.MessageIDs()
	n := len(s.Peers())
	var cov, lat []float64
	for _, id := range ids {
		vs := s.Versions(id)
		fs := s.FirstSeen(id)
		if n > 0 {
			cov = append(cov, 100*float64(len(fs))/float64(n))
		}
		if len(vs) == 0 {
			continue
		}
		created := vs[0].Created
		for _, f := range fs {
			if f.Peer != vs[0].Origin {
				lat = append(lat, f.T-created)
			}
		}
	}
	covSVG := barChart("coverage-chart", histogram(cov, 10, "%"), "peers reached (%)", "message ids", categorical(4))
	note := "no tracked message ids (messages without an id are not followed)"
	if len(cov) > 0 {
		sum := 0.0
		full := 0
		for _, c := range cov {
			sum += c
			if c >= 100 {
				full++
			}
		}
		note = fmt.Sprintf("%s ids; mean coverage %.1f%% of %s peers; %s reached every peer", thousands(int64(len(cov))), sum/float64(len(cov)), thousands(int64(n)), thousands(int64(full)))
	}
	latSVG := barChart("latency-chart", histogram(lat, 30, " ms"), "ms from creation to a peer's first copy", "first receipts", categorical(1))
	sorted := sortedCopy(lat)
	q := quantiles(sorted, 0.5, 0.9, 0.99, 1)
	var qs []row
	if len(sorted) > 0 {
		mean := 0.0
		for _, v := range sorted {
			mean += v
		}
		mean /= float64(len(sorted))
		qs = []row{{"first receipts", thousands(int64(len(sorted)))}, {"mean", fmtMs(mean)},
			{"median", fmtMs(q[0])}, {"90th percentile", fmtMs(q[1])}, {"99th percentile", fmtMs(q[2])}, {"max", fmtMs(q[3])}}
	}
	return template.HTML(covSVG), note, template.HTML(latSVG), qs
}

func fmtMs(v float64) string { return fmt.Sprintf("%.2f ms", v) }

// diagram draws the space-time diagram of a few peers: all when few, else
// the origin of the first tracked message and the first peers it reached,
// which shows it spreading; the window ends where the drawing would grow
// past diagramMessages.
func diagram(s *engine.Sim) (template.HTML, string) {
	if s.History() == nil {
		return "", "The history of messages was not kept: call sim.keep_history() before sim.run, or run the script with p2prepl run --report, to see this section."
	}
	var peers []int
	all := s.Peers()
	if len(all) > diagramPeers {
		seen := map[int]bool{}
		add := func(id int) {
			if !seen[id] && len(peers) < diagramPeers && s.Peer(id) != nil {
				seen[id] = true
				peers = append(peers, id)
			}
		}
		if ids := s.MessageIDs(); len(ids) > 0 {
			if vs := s.Versions(ids[0]); len(vs) > 0 {
				add(vs[0].Origin)
			}
			for _, f := range s.FirstSeen(ids[0]) {
				add(f.Peer)
			}
		}
		for _, p := range all {
			add(p.ID())
		}
		sort.Ints(peers)
	}
	// The kinds of tracked messages and of those that carried them (what
	// the protocol is about, not its pings), colored by version when some
	// id has several.
	colorBy := spacetime.ByKind
	tracked := map[string]bool{}
	var kinds []string
	for _, id := range s.MessageIDs() {
		vs := s.Versions(id)
		if len(vs) > 1 {
			colorBy = spacetime.ByVersion
		}
		for _, m := range vs {
			if !tracked[m.Kind] {
				tracked[m.Kind] = true
				kinds = append(kinds, m.Kind)
			}
		}
	}
	kinds = append(kinds, carriers(s, peers, tracked)...)
	d, err := spacetime.Build(s, spacetime.Options{Peers: peers, Kinds: kinds, Start: math.NaN(), End: math.NaN(),
		ColorBy: colorBy, MaxPeers: diagramPeers, MaxMessages: diagramMessages, Fit: true, Width: 1100})
	if err != nil {
		return "", "No diagram: " + err.Error()
	}
	note := "Scroll to zoom, drag to pan, double-click to reset; hover over an arrow for its details."
	if kinds != nil {
		note = "Messages with ids and those that carried them (" + strings.Join(kinds, ", ") + "). " + note
	}
	if len(all) > diagramPeers {
		note = fmt.Sprintf("The first message's origin and the first peers it reached (%d of %d peers). ", len(peers), len(all)) + note
	}
	return template.HTML(d.InlineSVG("spacetime-svg")), note
}

// carriers returns the kinds, not among known, of messages without an id
// whose receipt gave a peer (of peers; nil: all) its first copy of some
// id: pull gossip's responses, which carry the tracked messages. Only
// the first 200,000 history entries are looked at, to bound the cost.
func carriers(s *engine.Sim, peers []int, known map[string]bool) []string {
	type key struct {
		peer int
		t    float64
	}
	want := map[int]bool{}
	for _, p := range peers {
		want[p] = true
	}
	firsts := map[key]bool{}
	for _, id := range s.MessageIDs() {
		for _, f := range s.FirstSeen(id) {
			if peers == nil || want[f.Peer] {
				firsts[key{f.Peer, f.T}] = true
			}
		}
	}
	h := s.History()
	seen := map[string]bool{}
	var out []string
	for i := 0; i < min(h.Len(), 200_000); i++ {
		e := h.At(i)
		if e.Kind != engine.EntryDelivered || e.Msg.ID != "" || known[e.Msg.Kind] || seen[e.Msg.Kind] {
			continue
		}
		if firsts[key{int(e.Peer), e.T}] {
			seen[e.Msg.Kind] = true
			out = append(out, e.Msg.Kind)
		}
	}
	return out
}
