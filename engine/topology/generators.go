package topology

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/p2prepl/p2prepl/internal/sample"
	"gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/graphs/gen"
)

// MaxNodes and MaxEdges bound the graphs the generators build and the
// node ids a graph may hold, so that a mistyped size (n = 10**9) is an
// error at once rather than tens of GB of memory: 16.7 million nodes, 134
// million edges (2 GB of edges). Simulations of that size need more
// memory than any default limit anyway.
const (
	MaxNodes = 1 << 24
	MaxEdges = 1 << 27
)

// checkCommon validates the arguments every random generator shares.
func checkCommon(name string, n int, r *rand.Rand) error {
	if r == nil {
		return fmt.Errorf("%s: nil random generator", name)
	}
	if n < 1 {
		return fmt.Errorf("%s: n must be >= 1 (got %d)", name, n)
	}
	if n > MaxNodes {
		return fmt.Errorf("%s: n=%d is more than the %d nodes a graph may have", name, n, MaxNodes)
	}
	return nil
}

// checkEdges refuses a graph expected to have more than MaxEdges edges.
func checkEdges(name string, edges float64) error {
	if edges > MaxEdges {
		return fmt.Errorf("%s: the graph would have about %.0f edges, more than the %d a graph may have; choose a sparser graph", name, edges, MaxEdges)
	}
	return nil
}

// checkProb validates a probability argument; NaN is rejected too.
func checkProb(name, arg string, p float64) error {
	if !(p >= 0 && p <= 1) {
		return fmt.Errorf("%s: %s must be in [0, 1] (got %v)", name, arg, p)
	}
	return nil
}

// Complete returns the complete graph on nodes 1..n (n(n-1)/2 edges): every
// peer talks to every other, the baseline for small networks. n <= 0 gives
// an empty graph.
func Complete(n int) *Graph {
	if n < 0 {
		n = 0
	}
	edges := make([]Edge, 0, n*(n-1)/2)
	for a := 1; a <= n; a++ {
		for b := a + 1; b <= n; b++ {
			edges = append(edges, Edge{a, b})
		}
	}
	return &Graph{Nodes: seqNodes(n), Edges: edges}
}

// Ring returns the cycle 1-2-...-n-1, the sparsest connected topology where
// every peer has two neighbours: n edges for n >= 3; n = 2 gives the single
// edge 1-2 (a simple graph has no double edge), n = 1 a lone node.
func Ring(n int) *Graph {
	edges := make([]Edge, 0, max(n, 0))
	for a := 1; a < n; a++ {
		edges = append(edges, Edge{a, a + 1})
	}
	if n >= 3 {
		// (1, n) sorts after (1, 2) and before (2, 3).
		edges = slices.Insert(edges, 1, Edge{1, n})
	}
	return &Graph{Nodes: seqNodes(n), Edges: edges}
}

// Star returns the star with hub 1 and leaves 2..n (n-1 edges): a
// client-server or relay-centred network.
func Star(n int) *Graph {
	edges := make([]Edge, 0, max(n-1, 0))
	for b := 2; b <= n; b++ {
		edges = append(edges, Edge{1, b})
	}
	return &Graph{Nodes: seqNodes(n), Edges: edges}
}

// edgeRecorder is a minimal gonum graph.Builder for gen.Gnp that records
// edges in the order the generator adds them, with no maps (so the output is
// reproducible) and no allocation per node or edge. Generator node k becomes
// node k+1. Nodes live in a slab; NewEdge returns a pointer to one reused
// edge, which is safe because Gnp passes each new edge straight to SetEdge
// (dst.SetEdge(dst.NewEdge(u, v))) and SetEdge copies its ends. Check that
// before using it with another generator.
type edgeRecorder struct {
	slab    []recNode
	pending recEdge
	edges   []Edge
}

type recNode int64

func (n *recNode) ID() int64 { return int64(*n) }

type recEdge struct{ f, t graph.Node }

func (e *recEdge) From() graph.Node         { return e.f }
func (e *recEdge) To() graph.Node           { return e.t }
func (e *recEdge) ReversedEdge() graph.Edge { return &recEdge{e.t, e.f} }

func (b *edgeRecorder) NewNode() graph.Node {
	// If append reallocates, earlier nodes keep pointing at the old array,
	// whose values never change, so they stay valid.
	b.slab = append(b.slab, recNode(len(b.slab)))
	return &b.slab[len(b.slab)-1]
}

func (b *edgeRecorder) AddNode(graph.Node) {}

func (b *edgeRecorder) NewEdge(from, to graph.Node) graph.Edge {
	b.pending = recEdge{from, to}
	return &b.pending
}

func (b *edgeRecorder) SetEdge(e graph.Edge) {
	b.edges = append(b.edges, Edge{int(e.From().ID()) + 1, int(e.To().ID()) + 1}.normal())
}

// ErdosRenyi returns a G(n, p) random graph on nodes 1..n: each of the
// n(n-1)/2 possible edges is present independently with probability p, the
// classic unstructured P2P overlay. Expected edge count p*n(n-1)/2; runs in
// O(n + E) using gonum's gen.Gnp (Batagelj–Brandes). The graph need not be
// connected; check Connected if that matters.
func ErdosRenyi(n int, p float64, r *rand.Rand) (*Graph, error) {
	const name = "erdos_renyi"
	if err := checkCommon(name, n, r); err != nil {
		return nil, err
	}
	if err := checkProb(name, "p", p); err != nil {
		return nil, err
	}
	expect := p * float64(n) * float64(n-1) / 2
	if err := checkEdges(name, expect); err != nil {
		return nil, err
	}
	if p == 1 {
		// Gnp handles p = 1 through log(0) = -Inf arithmetic; be explicit.
		return Complete(n), nil
	}
	rec := &edgeRecorder{
		slab:  make([]recNode, 0, n),
		edges: make([]Edge, 0, int(min(expect+4*math.Sqrt(expect)+8, 1<<24))),
	}
	if err := gen.Gnp(rec, n, p, r); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return denseGraph(n, rec.edges), nil
}

// BarabasiAlbert returns a preferential-attachment (scale-free) graph on
// nodes 1..n, whose few high-degree hubs resemble real P2P overlays. The
// construction follows gonum's gen.PreferentialAttachment: nodes 1..m start
// with no edges; node m+1 links to all of them; every later node links to m
// distinct earlier nodes chosen with probability proportional to their
// degree (sampling without replacement). So the graph is connected, has
// exactly m*(n-m) edges, and every node after the first m has degree >= m.
//
// It is implemented here rather than by calling gen.PreferentialAttachment,
// whose cost is O(n²) (it re-weights every node after each step: about 1 s
// for n = 30,000); this version is O(n*m) expected time.
func BarabasiAlbert(n, m int, r *rand.Rand) (*Graph, error) {
	const name = "barabasi_albert"
	if err := checkCommon(name, n, r); err != nil {
		return nil, err
	}
	if m < 1 || m >= n {
		return nil, fmt.Errorf("%s: need 1 <= m < n (got n=%d, m=%d)", name, n, m)
	}
	if err := checkEdges(name, float64(m)*float64(n-m)); err != nil {
		return nil, err
	}
	edges := make([]Edge, 0, m*(n-m))
	// ends holds both ends of every edge so far: a uniform pick from it is
	// a degree-proportional pick of a node.
	ends := make([]int, 0, 2*m*(n-m))
	seen := make([]int, n+1) // seen[x] == v: x already chosen for node v
	targets := make([]int, 0, m)
	for v := m + 1; v <= n; v++ {
		targets = targets[:0]
		if v == m+1 {
			for x := 1; x <= m; x++ {
				targets = append(targets, x)
			}
		} else {
			for len(targets) < m {
				x := ends[r.IntN(len(ends))]
				if seen[x] == v {
					continue // rejection = sampling without replacement
				}
				seen[x] = v
				targets = append(targets, x)
			}
		}
		for _, x := range targets {
			edges = append(edges, Edge{x, v})
			ends = append(ends, x, v)
		}
	}
	return denseGraph(n, edges), nil
}

// WattsStrogatz returns a small-world graph on nodes 1..n: a ring lattice
// where each node links to its k nearest neighbours (k/2 on each side), then
// each lattice edge (u, u+j) is, with probability beta, rewired to (u, w)
// for a uniformly random w that is neither u nor already a neighbour of u.
// Rewiring is skipped for a node already linked to all others. This is
// networkx's watts_strogatz_graph procedure (edges visited for j = 1..k/2,
// then u = 1..n), so the graph keeps exactly n*k/2 edges, beta = 0 gives the
// lattice and beta = 1 a random graph. It may be disconnected for large
// beta. gonum's gen.SmallWorldsBB is a different model, hence this code.
func WattsStrogatz(n, k int, beta float64, r *rand.Rand) (*Graph, error) {
	const name = "watts_strogatz"
	if err := checkCommon(name, n, r); err != nil {
		return nil, err
	}
	if k%2 != 0 {
		return nil, fmt.Errorf("%s: k must be even (got %d)", name, k)
	}
	if k < 2 || k >= n {
		return nil, fmt.Errorf("%s: need 2 <= k < n (got n=%d, k=%d)", name, n, k)
	}
	if err := checkEdges(name, float64(n)*float64(k)/2); err != nil {
		return nil, err
	}
	if err := checkProb(name, "beta", beta); err != nil {
		return nil, err
	}
	// ring returns the node j steps after u on the ring 1..n.
	ring := func(u, j int) int { return (u-1+j)%n + 1 }

	// slot (j-1)*n + (u-1) holds lattice edge (u, u+j) or its rewired
	// replacement; set answers "are a and b adjacent" while rewiring.
	slots := make([]Edge, 0, n*k/2)
	for j := 1; j <= k/2; j++ {
		for u := 1; u <= n; u++ {
			slots = append(slots, Edge{u, ring(u, j)}.normal())
		}
	}
	if beta > 0 {
		key := func(a, b int) uint64 {
			e := Edge{a, b}.normal()
			return uint64(e.A)<<32 | uint64(e.B)
		}
		set := make(map[uint64]struct{}, len(slots))
		for _, e := range slots {
			set[key(e.A, e.B)] = struct{}{}
		}
		deg := make([]int, n+1)
		for u := 1; u <= n; u++ {
			deg[u] = k
		}
		for j := 1; j <= k/2; j++ {
			for u := 1; u <= n; u++ {
				if r.Float64() >= beta || deg[u] >= n-1 {
					continue
				}
				v := ring(u, j)
				w := r.IntN(n) + 1
				for {
					if _, taken := set[key(u, w)]; w != u && !taken {
						break
					}
					w = r.IntN(n) + 1
				}
				delete(set, key(u, v))
				set[key(u, w)] = struct{}{}
				slots[(j-1)*n+u-1] = Edge{u, w}.normal()
				deg[v]--
				deg[w]++
			}
		}
	}
	return denseGraph(n, slots), nil
}

// AttachClients returns a copy of g with clients new nodes, numbered
// max(g.Nodes)+1, +2, ..., each linked to k distinct existing nodes chosen
// uniformly at random among g's nodes (never to another client). This models
// light clients or wallets that connect to a few full peers. It also returns
// the client ids in ascending order. Each client has degree exactly k.
func AttachClients(g *Graph, clients, k int, r *rand.Rand) (*Graph, []int, error) {
	const name = "attach_clients"
	if g == nil {
		return nil, nil, errors.New("attach_clients: nil graph")
	}
	if r == nil {
		return nil, nil, errors.New("attach_clients: nil random generator")
	}
	if clients < 0 {
		return nil, nil, fmt.Errorf("%s: clients must be >= 0 (got %d)", name, clients)
	}
	if clients > MaxNodes {
		return nil, nil, fmt.Errorf("%s: clients=%d is more than the %d nodes a graph may have", name, clients, MaxNodes)
	}
	n := g.N()
	if k < 1 || k > n {
		return nil, nil, fmt.Errorf("%s: need 1 <= k <= number of existing nodes (got k=%d, %d nodes)", name, k, n)
	}
	next := g.Nodes[n-1] + 1
	nodes := make([]int, n, n+clients)
	copy(nodes, g.Nodes)
	added := make([]Edge, 0, clients*k)
	ids := make([]int, clients)
	// pool is a permutation of g's nodes; sample.Choose picks a uniform
	// k-subset of it in O(k) per client.
	pool := slices.Clone(g.Nodes)
	for c := range clients {
		id := next + c
		ids[c] = id
		nodes = append(nodes, id)
		for _, v := range sample.Choose(r, pool, k) {
			added = append(added, Edge{v, id})
		}
	}
	// Clients have the largest ids, so nodes is sorted; the new edges are
	// all distinct and differ from g's, so a merge keeps edges sorted.
	slices.SortFunc(added, compareEdges)
	edges := make([]Edge, 0, len(g.Edges)+len(added))
	i, j := 0, 0
	for i < len(g.Edges) && j < len(added) {
		if compareEdges(g.Edges[i], added[j]) < 0 {
			edges = append(edges, g.Edges[i])
			i++
		} else {
			edges = append(edges, added[j])
			j++
		}
	}
	edges = append(append(edges, g.Edges[i:]...), added[j:]...)
	return &Graph{Nodes: nodes, Edges: edges}, ids, nil
}
