package topology

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// regularAttempts bounds the restarts of the pairing process. A restart
// happens only when the last few stubs cannot be paired; it is rare for
// sparse graphs (see the tests), so this bound is a safety net.
const regularAttempts = 1000

// RandomRegular returns a random d-regular graph on nodes 1..n: every peer
// has exactly d neighbours, the usual shape of overlays with a fixed
// connection count. It needs 0 <= d < n and n*d even, and gives n*d/2 edges.
//
// The algorithm is Steger–Wormald pairing: every node owns d stubs; two
// stubs are drawn uniformly and joined when they belong to different, not
// yet adjacent nodes (so each join is uniform among suitable pairs); when no
// suitable pair remains the attempt restarts. Restarts are rare for sparse
// graphs and about 3 in 4 attempts at the densest case (d = (n-1)/2); after
// 1000 failed attempts it returns an error, which in practice never
// happens. The result is asymptotically uniform over d-regular graphs (a
// test checks it is close to uniform even for n = 6, d = 2). For
// d > (n-1)/2 it builds the complement of a random (n-1-d)-regular graph,
// because pairing works best sparse. Cost is O(n*d) expected: n = 100,000,
// d = 8 takes about 40 ms.
func RandomRegular(n, d int, r *rand.Rand) (*Graph, error) {
	const name = "random_regular"
	if err := checkCommon(name, n, r); err != nil {
		return nil, err
	}
	if d < 0 || d >= n {
		return nil, fmt.Errorf("%s: need 0 <= d < n (got n=%d, d=%d)", name, n, d)
	}
	if err := checkEdges(name, float64(n)*float64(d)/2); err != nil {
		return nil, err
	}
	if n%2 == 1 && d%2 == 1 {
		return nil, fmt.Errorf("%s: n*d must be even (n=%d, d=%d)", name, n, d)
	}
	switch {
	case d == 0:
		return &Graph{Nodes: seqNodes(n), Edges: []Edge{}}, nil
	case d == n-1:
		return Complete(n), nil
	}
	complement := 2*d > n-1
	dd := d
	if complement {
		dd = n - 1 - d
	}
	adj, err := pairRegular(n, dd, r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for u := range n {
		slices.Sort(adj[u*dd : (u+1)*dd])
	}
	edges := make([]Edge, 0, n*d/2)
	for u := range n {
		row := adj[u*dd : (u+1)*dd]
		if !complement {
			for _, v := range row {
				if int(v) > u {
					edges = append(edges, Edge{u + 1, int(v) + 1})
				}
			}
			continue
		}
		// Emit u's non-neighbours above u, skipping the sorted row.
		i, _ := slices.BinarySearch(row, int32(u+1))
		for v := u + 1; v < n; v++ {
			if i < len(row) && int(row[i]) == v {
				i++
				continue
			}
			edges = append(edges, Edge{u + 1, v + 1})
		}
	}
	// Rows are visited in order and sorted, so edges are already sorted.
	return &Graph{Nodes: seqNodes(n), Edges: edges}, nil
}

// regular holds the state of one pairing run on nodes 0..n-1. adj is a flat
// n*d table: node u's neighbours are adj[u*d : u*d+deg[u]].
type regular struct {
	n, d  int
	adj   []int32
	deg   []int32
	stubs []int32
	set   map[uint64]struct{} // adjacency set, used instead of row scans when d is large
	count []int32             // scratch for pickSuitable, all zero between uses
}

// scanLimit is the largest d for which adjacency is tested by scanning a
// node's row; above it a hash set is cheaper.
const scanLimit = 64

// pairRegular returns the flat adjacency table of a random d-regular graph
// on 0..n-1 (1 <= d < n-1, n*d even; meant for d <= (n-1)/2).
func pairRegular(n, d int, r *rand.Rand) ([]int32, error) {
	g := &regular{
		n:     n,
		d:     d,
		adj:   make([]int32, n*d),
		deg:   make([]int32, n),
		stubs: make([]int32, n*d),
		count: make([]int32, n),
	}
	if d > scanLimit {
		g.set = make(map[uint64]struct{}, n*d/2)
	}
	for range regularAttempts {
		if g.try(r) {
			return g.adj, nil
		}
	}
	return nil, fmt.Errorf("no %d-regular graph on %d nodes found after %d attempts", d, n, regularAttempts)
}

func pairKey(u, v int32) uint64 {
	if u > v {
		u, v = v, u
	}
	return uint64(u)<<32 | uint64(v)
}

func (g *regular) adjacent(u, v int32) bool {
	if g.set != nil {
		_, ok := g.set[pairKey(u, v)]
		return ok
	}
	if g.deg[v] < g.deg[u] {
		u, v = v, u
	}
	base := int(u) * g.d
	return slices.Contains(g.adj[base:base+int(g.deg[u])], v)
}

func (g *regular) link(u, v int32) {
	g.adj[int(u)*g.d+int(g.deg[u])] = v
	g.deg[u]++
	g.adj[int(v)*g.d+int(g.deg[v])] = u
	g.deg[v]++
	if g.set != nil {
		g.set[pairKey(u, v)] = struct{}{}
	}
}

// try runs one pairing attempt and reports whether it completed.
func (g *regular) try(r *rand.Rand) bool {
	clear(g.deg)
	if g.set != nil {
		clear(g.set)
	}
	for i := range g.stubs {
		g.stubs[i] = int32(i / g.d)
	}
	stubs := g.stubs
	fails := 0
	for len(stubs) > 0 {
		L := len(stubs)
		i := r.IntN(L)
		j := r.IntN(L - 1)
		if j >= i {
			j++
		}
		u, v := stubs[i], stubs[j]
		if u == v || g.adjacent(u, v) {
			fails++
			if fails < 64 {
				continue
			}
			// Many rejections in a row: few suitable pairs may be
			// left, or none. Decide exactly.
			fails = 0
			var ok bool
			if i, j, ok = g.pickSuitable(stubs, r); !ok {
				return false
			}
			if i < 0 {
				continue // plenty of suitable pairs; keep drawing
			}
			u, v = stubs[i], stubs[j]
		}
		fails = 0
		g.link(u, v)
		// Remove stubs i and j by moving the last two stubs into their
		// places; filling the higher index first never overwrites a
		// stub that is kept.
		if i < j {
			i, j = j, i
		}
		stubs[i] = stubs[L-1]
		stubs[j] = stubs[L-2]
		stubs = stubs[:L-2]
	}
	return true
}

// pickSuitable decides whether any suitable pair is left among stubs. It
// returns ok=false if none is; i=-1 if some surely are (more distinct nodes
// than d, so every node has a non-neighbour among them); otherwise the
// indices of a stub pair drawn uniformly among the suitable ones.
func (g *regular) pickSuitable(stubs []int32, r *rand.Rand) (i, j int, ok bool) {
	var nodes []int32
	for _, u := range stubs {
		if g.count[u] == 0 {
			nodes = append(nodes, u)
		}
		g.count[u]++
	}
	defer func() {
		for _, u := range nodes {
			g.count[u] = 0
		}
	}()
	if len(nodes) > g.d {
		return -1, -1, true
	}
	slices.Sort(nodes) // determinism does not need it; it keeps the draw order obvious
	total := 0
	for a := range nodes {
		for b := a + 1; b < len(nodes); b++ {
			if !g.adjacent(nodes[a], nodes[b]) {
				total += int(g.count[nodes[a]]) * int(g.count[nodes[b]])
			}
		}
	}
	if total == 0 {
		return 0, 0, false
	}
	x := r.IntN(total)
	var u, v int32
pick:
	for a := range nodes {
		for b := a + 1; b < len(nodes); b++ {
			if !g.adjacent(nodes[a], nodes[b]) {
				x -= int(g.count[nodes[a]]) * int(g.count[nodes[b]])
				if x < 0 {
					u, v = nodes[a], nodes[b]
					break pick
				}
			}
		}
	}
	// A uniform suitable stub pair: (u, v) weighted by stub counts, then
	// any stub of each (all stubs of a node are interchangeable).
	i = slices.Index(stubs, u)
	j = slices.Index(stubs, v)
	return i, j, true
}
