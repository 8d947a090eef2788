package report

import (
	"fmt"
	"html/template"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/p2prepl/p2prepl/engine"
)

// maxTopologyPeers bounds the peers drawn: beyond a few hundred a
// node-link drawing is a hairball, and the page would grow with N.
const maxTopologyPeers = 300

type topoNode struct {
	id           int
	x, y         float64
	typ, region  int
	online       bool
	degree       int
	label        string
	neighbourIDs []int
}

type topology struct {
	SVG     template.HTML
	Caption string
	Types   []legendEntry
	Regions []legendEntry
}

type legendEntry struct {
	Class string
	Color string
	Label string
	Count int
}

// chooseNodes picks the peers to draw: all of them when few, else a
// breadth-first neighbourhood of the first peer of the rarest type (the
// clients, usually), which keeps the drawing connected.
func chooseNodes(sim *engine.Sim) ([]*engine.Peer, string) {
	ps := sim.Peers()
	if len(ps) <= maxTopologyPeers {
		return ps, fmt.Sprintf("all %d peers", len(ps))
	}
	count := map[string]int{}
	for _, p := range ps {
		count[p.Type()]++
	}
	start := ps[0]
	for _, p := range ps {
		if count[p.Type()] < count[start.Type()] {
			start = p
		}
	}
	seen := map[int]bool{start.ID(): true}
	out := []*engine.Peer{start}
	for i := 0; i < len(out) && len(out) < maxTopologyPeers; i++ {
		for _, n := range out[i].Neighbours() {
			if !seen[n] && len(out) < maxTopologyPeers {
				seen[n] = true
				out = append(out, sim.Peer(n))
			}
		}
	}
	for _, p := range ps { // a disconnected remainder
		if len(out) >= maxTopologyPeers {
			break
		}
		if !seen[p.ID()] {
			seen[p.ID()] = true
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID() < out[j].ID() })
	return out, fmt.Sprintf("%d of %d peers, breadth-first from peer %d (%s)", len(out), len(ps), start.ID(), start.Type())
}

// layout places nodes with Fruchterman and Reingold's force-directed
// algorithm from a fixed start, so the same run draws the same picture.
// It uses its own generator: drawing must not change the simulation's.
func layout(nodes []*topoNode, edges [][2]int, w, h float64) {
	n := len(nodes)
	if n == 0 {
		return
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range nodes {
		a := 2 * math.Pi * float64(i) / float64(n)
		nodes[i].x = w/2 + w*0.35*math.Cos(a) + r.Float64()
		nodes[i].y = h/2 + h*0.35*math.Sin(a) + r.Float64()
	}
	k := math.Sqrt(w * h / float64(n))
	temp := w / 10
	dx := make([]float64, n)
	dy := make([]float64, n)
	const iterations = 120
	for it := 0; it < iterations; it++ {
		clear(dx)
		clear(dy)
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				ddx, ddy := nodes[i].x-nodes[j].x, nodes[i].y-nodes[j].y
				d2 := ddx*ddx + ddy*ddy
				if d2 < 0.01 {
					d2 = 0.01
				}
				f := k * k / d2 // repulsion k²/d, along (ddx, ddy)/d
				dx[i] += ddx * f
				dy[i] += ddy * f
				dx[j] -= ddx * f
				dy[j] -= ddy * f
			}
		}
		for _, e := range edges {
			i, j := e[0], e[1]
			ddx, ddy := nodes[i].x-nodes[j].x, nodes[i].y-nodes[j].y
			d := math.Sqrt(ddx*ddx + ddy*ddy)
			if d < 0.1 {
				continue
			}
			f := d / k // attraction d²/k, along (ddx, ddy)/d
			dx[i] -= ddx * f
			dy[i] -= ddy * f
			dx[j] += ddx * f
			dy[j] += ddy * f
		}
		for i := range nodes {
			d := math.Sqrt(dx[i]*dx[i] + dy[i]*dy[i])
			if d > 0 {
				step := math.Min(d, temp)
				nodes[i].x += dx[i] / d * step
				nodes[i].y += dy[i] / d * step
			}
			// gravity towards the centre keeps disconnected parts in view
			nodes[i].x += (w/2 - nodes[i].x) * 0.01
			nodes[i].y += (h/2 - nodes[i].y) * 0.01
		}
		temp *= 0.96
	}
	// fit to the box
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, nd := range nodes {
		minX, maxX = math.Min(minX, nd.x), math.Max(maxX, nd.x)
		minY, maxY = math.Min(minY, nd.y), math.Max(maxY, nd.y)
	}
	const pad = 14
	sx := (w - 2*pad) / math.Max(maxX-minX, 1)
	sy := (h - 2*pad) / math.Max(maxY-minY, 1)
	for i := range nodes {
		nodes[i].x = pad + (nodes[i].x-minX)*sx
		nodes[i].y = pad + (nodes[i].y-minY)*sy
	}
}

// buildTopology draws the peers and their connections as an SVG whose
// nodes carry their type, region and state as classes; the page's CSS
// colors one of the three (switched by buttons).
func buildTopology(sim *engine.Sim) topology {
	ps, caption := chooseNodes(sim)
	index := map[int]int{}
	regions := sim.Network().Regions()
	regionIndex := map[string]int{}
	for i, r := range regions {
		regionIndex[r] = i
	}
	typeIndex := map[string]int{}
	for i, t := range sim.Types() {
		typeIndex[t] = i
	}
	nodes := make([]*topoNode, len(ps))
	for i, p := range ps {
		index[p.ID()] = i
		nodes[i] = &topoNode{id: p.ID(), typ: typeIndex[p.Type()], region: regionIndex[p.Region()],
			online: p.Online(), degree: p.Degree(), neighbourIDs: p.Neighbours(),
			label: fmt.Sprintf("peer %d: %s, %s, %s, %d connections", p.ID(), p.Type(), p.Region(), onlineWord(p.Online()), p.Degree())}
	}
	var edges [][2]int
	total := 0
	for i, nd := range nodes {
		for _, nb := range nd.neighbourIDs {
			if nb > nd.id {
				total++
			}
			if j, ok := index[nb]; ok && nb > nd.id {
				edges = append(edges, [2]int{i, j})
			}
		}
	}
	const w, h = 720.0, 480.0
	layout(nodes, edges, w, h)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" id="topology-svg" class="by-type" viewBox="0 0 %g %g">`, w, h)
	b.WriteString(`<g class="edges" stroke="#c9c9c9" stroke-width="0.8">`)
	for _, e := range edges {
		a, c := nodes[e[0]], nodes[e[1]]
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, a.x, a.y, c.x, c.y)
	}
	b.WriteString(`</g><g class="nodes">`)
	radius := 5.0
	if len(nodes) > 100 {
		radius = 3.5
	}
	for _, nd := range nodes {
		state := "on"
		if !nd.online {
			state = "off"
		}
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="%g" class="t%d r%d %s"><title>%s</title></circle>`,
			nd.x, nd.y, radius, nd.typ, nd.region, state, esc(nd.label))
	}
	b.WriteString("</g></svg>")
	t := topology{SVG: template.HTML(b.String()), Caption: fmt.Sprintf("%s; %d of %d connections between them", caption, len(edges), total)}
	typeCount := map[int]int{}
	regionCount := map[int]int{}
	for _, p := range sim.Peers() {
		typeCount[typeIndex[p.Type()]]++
		regionCount[regionIndex[p.Region()]]++
	}
	for i, name := range sim.Types() {
		t.Types = append(t.Types, legendEntry{Class: fmt.Sprintf("t%d", i), Color: categorical(i), Label: name, Count: typeCount[i]})
	}
	for i, name := range regions {
		t.Regions = append(t.Regions, legendEntry{Class: fmt.Sprintf("r%d", i), Color: categorical(i + 3), Label: name, Count: regionCount[i]})
	}
	return t
}

func onlineWord(up bool) string {
	if up {
		return "online"
	}
	return "offline"
}
