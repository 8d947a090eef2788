// Package topology builds the undirected simple graphs that say which peers
// of a simulated peer-to-peer network are connected.
//
// A Graph is a plain value: a sorted node list and a sorted edge list, so it
// can be compared, printed and written to a file without surprises. Node ids
// are ints; the generators number nodes 1..n, as the p2psimpy notebooks do
// after relabelling networkx's 0..n-1 (use Relabel(-1) to get 0..n-1).
//
// Every random generator takes a *math/rand/v2.Rand and draws all of its
// randomness from it, and nothing depends on map iteration order, so the
// same generator state always gives the same graph (for given versions of
// this package, gonum and Go) and a simulation seed reproduces its topology.
// Erdős–Rényi uses gonum's graph/graphs/gen.Gnp through an order-preserving
// builder; the other generators are written here because gonum either has
// no equivalent (random regular, Watts–Strogatz rewiring) or its version is
// quadratic in n (gen.PreferentialAttachment re-weights every node at each
// step).
//
// Generator argument errors use the snake_case names that scripts call
// (erdos_renyi, random_regular, barabasi_albert, watts_strogatz,
// from_edges, attach_clients).
package topology

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// Edge is an undirected edge. Graphs always store it normalised, A < B, so
// that each edge has exactly one representation.
type Edge struct{ A, B int }

// normal returns e with its ends ordered A <= B.
func (e Edge) normal() Edge {
	if e.A > e.B {
		return Edge{e.B, e.A}
	}
	return e
}

// compareEdges orders edges by A, then B.
func compareEdges(x, y Edge) int {
	if c := cmp.Compare(x.A, y.A); c != 0 {
		return c
	}
	return cmp.Compare(x.B, y.B)
}

// Graph is an undirected simple graph. Nodes is sorted ascending without
// duplicates and contains every edge end; Edges holds normalised edges
// (A < B) sorted by (A, B), without duplicates or self loops. Graphs built by
// this package always satisfy these invariants (see Validate); methods assume
// them. Treat a Graph as immutable: functions return new graphs rather than
// modifying their arguments.
type Graph struct {
	Nodes []int
	Edges []Edge
}

// makeGraph builds a valid Graph from arbitrary nodes and (already
// normalised, self-loop free) edges: it sorts and deduplicates both and adds
// the edge ends to the node list. It takes ownership of both slices.
func makeGraph(nodes []int, edges []Edge) *Graph {
	if !slices.IsSortedFunc(edges, compareEdges) {
		slices.SortFunc(edges, compareEdges)
	}
	edges = slices.Compact(edges)
	slices.Sort(nodes)
	nodes = slices.Compact(nodes)
	var extra []int
	for _, e := range edges {
		if _, ok := slices.BinarySearch(nodes, e.A); !ok {
			extra = append(extra, e.A)
		}
		if _, ok := slices.BinarySearch(nodes, e.B); !ok {
			extra = append(extra, e.B)
		}
	}
	if len(extra) > 0 {
		nodes = append(nodes, extra...)
		slices.Sort(nodes)
		nodes = slices.Compact(nodes)
	}
	if nodes == nil {
		nodes = []int{}
	}
	if edges == nil {
		edges = []Edge{}
	}
	return &Graph{Nodes: slices.Clip(nodes), Edges: slices.Clip(edges)}
}

// denseGraph builds the graph on nodes 1..n from normalised, self-loop free
// edges whose ends lie in 1..n. It sorts the edges by a counting sort on A
// (stable, O(E + n)) followed by a sort of each A-bucket by B, usually
// already in order; this is several times faster than a comparison sort for
// the large graphs the generators make.
func denseGraph(n int, edges []Edge) *Graph {
	start := make([]int, n+2) // bucket of A is out[start[A]:start[A+1]]
	for _, e := range edges {
		start[e.A+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	out := make([]Edge, len(edges))
	next := slices.Clone(start[:n+1])
	for _, e := range edges {
		out[next[e.A]] = e
		next[e.A]++
	}
	for a := 1; a <= n; a++ {
		bucket := out[start[a]:start[a+1]]
		if !slices.IsSortedFunc(bucket, compareEdges) {
			slices.SortFunc(bucket, compareEdges)
		}
	}
	return &Graph{Nodes: seqNodes(n), Edges: slices.Clip(slices.Compact(out))}
}

// seqNodes returns 1..n, the node list of every generated graph.
func seqNodes(n int) []int {
	if n < 0 {
		n = 0
	}
	nodes := make([]int, n)
	for i := range nodes {
		nodes[i] = i + 1
	}
	return nodes
}

// FromEdges builds a graph from an explicit edge list, for hand-made or
// imported topologies. Edges may be given in either direction and may repeat
// (duplicates are dropped); self loops are rejected. nodes adds extra nodes,
// typically isolated ones; nodes that are also edge ends are fine.
func FromEdges(edges []Edge, nodes ...int) (*Graph, error) {
	es := make([]Edge, len(edges))
	if len(edges) > MaxEdges {
		return nil, fmt.Errorf("from_edges: %d edges, more than the %d a graph may have", len(edges), MaxEdges)
	}
	for i, e := range edges {
		if e.A == e.B {
			return nil, fmt.Errorf("from_edges: edge %d is a self loop on node %d", i, e.A)
		}
		for _, x := range []int{e.A, e.B} {
			if x <= -MaxNodes || x >= MaxNodes {
				return nil, fmt.Errorf("from_edges: edge %d (%d, %d): node id %d is out of range (at most %d in size)", i, e.A, e.B, x, MaxNodes-1)
			}
		}
		es[i] = e.normal()
	}
	for _, x := range nodes {
		if x <= -MaxNodes || x >= MaxNodes {
			return nil, fmt.Errorf("from_edges: node id %d is out of range (at most %d in size)", x, MaxNodes-1)
		}
	}
	return makeGraph(slices.Clone(nodes), es), nil
}

// Validate reports whether g satisfies the Graph invariants. Graphs from this
// package always do; it is meant for graphs assembled by hand from the
// exported fields.
func (g *Graph) Validate() error {
	if g == nil {
		return errors.New("topology: nil graph")
	}
	for i := 1; i < len(g.Nodes); i++ {
		if g.Nodes[i-1] >= g.Nodes[i] {
			return fmt.Errorf("topology: nodes not sorted and unique at index %d (%d then %d)", i, g.Nodes[i-1], g.Nodes[i])
		}
	}
	for i, e := range g.Edges {
		if e.A >= e.B {
			return fmt.Errorf("topology: edge %d (%d, %d) is a self loop or not normalised (want A < B)", i, e.A, e.B)
		}
		if i > 0 && compareEdges(g.Edges[i-1], e) >= 0 {
			return fmt.Errorf("topology: edges not sorted and unique at index %d", i)
		}
		if !g.HasNode(e.A) || !g.HasNode(e.B) {
			return fmt.Errorf("topology: edge %d (%d, %d) has an end missing from Nodes", i, e.A, e.B)
		}
	}
	return nil
}

// N returns the number of nodes.
func (g *Graph) N() int { return len(g.Nodes) }

// HasNode reports whether id is a node of g: O(1) when the nodes are a
// run of consecutive ids (every generator's 1..n), else a binary search.
func (g *Graph) HasNode(id int) bool {
	n := len(g.Nodes)
	if n > 0 && g.Nodes[n-1]-g.Nodes[0] == n-1 {
		return id >= g.Nodes[0] && id <= g.Nodes[n-1]
	}
	_, ok := slices.BinarySearch(g.Nodes, id)
	return ok
}

// HasEdge reports whether a and b are adjacent (binary search, O(log E)).
func (g *Graph) HasEdge(a, b int) bool {
	_, ok := slices.BinarySearchFunc(g.Edges, Edge{a, b}.normal(), compareEdges)
	return ok
}

// Degrees returns each node's degree, keyed by node id. Every node is
// present, isolated ones with degree 0. A map is used because node ids need
// not be dense (FromEdges, Relabel, AttachClients).
func (g *Graph) Degrees() map[int]int {
	deg := make(map[int]int, len(g.Nodes))
	for _, id := range g.Nodes {
		deg[id] = 0
	}
	for _, e := range g.Edges {
		deg[e.A]++
		deg[e.B]++
	}
	return deg
}

// Neighbours returns the sorted neighbours of id (nil if it has none or is
// not a node). It scans the edge list, O(E); use Adjacency for many lookups.
func (g *Graph) Neighbours(id int) []int {
	var out []int
	// Edges are sorted by (A, B): every edge with B == id comes (with A
	// ascending, all < id) before the block with A == id (B ascending, all
	// > id), so out is sorted without a sort.
	for _, e := range g.Edges {
		switch id {
		case e.A:
			out = append(out, e.B)
		case e.B:
			out = append(out, e.A)
		}
	}
	return out
}

// Adjacency returns every node's sorted neighbour list, keyed by node id.
// Every node is present; isolated nodes map to an empty, non-nil list.
func (g *Graph) Adjacency() map[int][]int {
	deg := g.Degrees()
	// One backing array for all lists: 2E ints instead of one slice each.
	back := make([]int, 0, 2*len(g.Edges))
	adj := make(map[int][]int, len(g.Nodes))
	for _, id := range g.Nodes {
		d := deg[id]
		adj[id] = back[len(back) : len(back) : len(back)+d]
		back = back[:len(back)+d]
	}
	// Same ordering argument as in Neighbours: appends arrive sorted.
	for _, e := range g.Edges {
		adj[e.A] = append(adj[e.A], e.B)
		adj[e.B] = append(adj[e.B], e.A)
	}
	return adj
}

// index returns the position of id in g.Nodes; id must be a node.
func (g *Graph) index(id int) int {
	i, _ := slices.BinarySearch(g.Nodes, id)
	return i
}

// Connected reports whether every node can reach every other one, i.e.
// whether a message can spread from any peer to all peers. A graph with zero
// or one node is connected.
func (g *Graph) Connected() bool {
	n := len(g.Nodes)
	if n <= 1 {
		return true
	}
	if len(g.Edges) < n-1 {
		return false
	}
	parent := make([]int32, n)
	for i := range parent {
		parent[i] = int32(i)
	}
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]] // path halving
			x = parent[x]
		}
		return x
	}
	components := n
	for _, e := range g.Edges {
		a, b := find(int32(g.index(e.A))), find(int32(g.index(e.B)))
		if a != b {
			parent[a] = b
			components--
			if components == 1 {
				return true
			}
		}
	}
	return components == 1
}

// Relabel returns a copy of g with offset added to every node id, e.g.
// Relabel(-1) turns the generators' 1..n into networkx's 0..n-1, and a
// positive offset makes room to combine graphs.
func (g *Graph) Relabel(offset int) *Graph {
	nodes := make([]int, len(g.Nodes))
	for i, id := range g.Nodes {
		nodes[i] = id + offset
	}
	edges := make([]Edge, len(g.Edges))
	for i, e := range g.Edges {
		edges[i] = Edge{e.A + offset, e.B + offset}
	}
	return &Graph{Nodes: nodes, Edges: edges}
}
