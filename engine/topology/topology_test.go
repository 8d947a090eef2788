package topology

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func rng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

// checkValid asserts the Graph invariants plus node ids 1..n.
func checkValid(t *testing.T, g *Graph, n int) {
	t.Helper()
	if err := g.Validate(); err != nil {
		t.Fatalf("invalid graph: %v", err)
	}
	if !slices.Equal(g.Nodes, seqNodes(n)) {
		t.Fatalf("nodes = %v..., want 1..%d", g.Nodes[:min(5, len(g.Nodes))], n)
	}
}

func TestDeterministicShapes(t *testing.T) {
	tests := []struct {
		name  string
		g     *Graph
		n     int
		edges int
	}{
		{"complete_0", Complete(0), 0, 0},
		{"complete_1", Complete(1), 1, 0},
		{"complete_7", Complete(7), 7, 21},
		{"ring_1", Ring(1), 1, 0},
		{"ring_2", Ring(2), 2, 1},
		{"ring_3", Ring(3), 3, 3},
		{"ring_10", Ring(10), 10, 10},
		{"star_1", Star(1), 1, 0},
		{"star_6", Star(6), 6, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkValid(t, tt.g, tt.n)
			if len(tt.g.Edges) != tt.edges {
				t.Fatalf("edges = %d, want %d", len(tt.g.Edges), tt.edges)
			}
			if !tt.g.Connected() {
				t.Fatal("not connected")
			}
		})
	}
	deg := Ring(10).Degrees()
	for id, d := range deg {
		if d != 2 {
			t.Errorf("ring node %d degree %d", id, d)
		}
	}
	star := Star(6)
	if got := star.Neighbours(1); !slices.Equal(got, []int{2, 3, 4, 5, 6}) {
		t.Errorf("star hub neighbours = %v", got)
	}
	if got := star.Neighbours(4); !slices.Equal(got, []int{1}) {
		t.Errorf("star leaf neighbours = %v", got)
	}
}

// generator is a random generator under test with its expected edge count
// (-1 if random).
type generator struct {
	name  string
	n     int
	edges int
	make  func(r *rand.Rand) (*Graph, error)
}

var generators = []generator{
	{"erdos_renyi", 300, -1, func(r *rand.Rand) (*Graph, error) { return ErdosRenyi(300, 0.05, r) }},
	{"random_regular", 1000, 4000, func(r *rand.Rand) (*Graph, error) { return RandomRegular(1000, 8, r) }},
	{"random_regular_dense", 41, 41 * 30 / 2, func(r *rand.Rand) (*Graph, error) { return RandomRegular(41, 30, r) }},
	{"barabasi_albert", 500, 3 * (500 - 3), func(r *rand.Rand) (*Graph, error) { return BarabasiAlbert(500, 3, r) }},
	{"watts_strogatz", 400, 400 * 6 / 2, func(r *rand.Rand) (*Graph, error) { return WattsStrogatz(400, 6, 0.2, r) }},
	{"attach_clients", 60, 50 + 10*3, func(r *rand.Rand) (*Graph, error) {
		g, _, err := AttachClients(Ring(50), 10, 3, r)
		return g, err
	}},
}

func TestGeneratorsValidAndDeterministic(t *testing.T) {
	for _, gen := range generators {
		t.Run(gen.name, func(t *testing.T) {
			a, err := gen.make(rng(1))
			if err != nil {
				t.Fatal(err)
			}
			checkValid(t, a, gen.n)
			if gen.edges >= 0 && len(a.Edges) != gen.edges {
				t.Fatalf("edges = %d, want %d", len(a.Edges), gen.edges)
			}
			b, err := gen.make(rng(1))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a.Edges, b.Edges) || !slices.Equal(a.Nodes, b.Nodes) {
				t.Fatal("same seed gave different graphs")
			}
			c, err := gen.make(rng(2))
			if err != nil {
				t.Fatal(err)
			}
			if slices.Equal(a.Edges, c.Edges) {
				t.Fatal("different seeds gave the same graph")
			}
		})
	}
}

func TestErdosRenyiMeanEdges(t *testing.T) {
	tests := []struct {
		n int
		p float64
	}{
		{200, 0.05}, {100, 0.5}, {1000, 0.004},
	}
	for _, tt := range tests {
		const seeds = 40
		total := 0
		for s := range uint64(seeds) {
			g, err := ErdosRenyi(tt.n, tt.p, rng(s))
			if err != nil {
				t.Fatal(err)
			}
			checkValid(t, g, tt.n)
			total += len(g.Edges)
		}
		mean := float64(total) / seeds
		want := tt.p * float64(tt.n*(tt.n-1)) / 2
		if d := mean/want - 1; d > 0.03 || d < -0.03 {
			t.Errorf("n=%d p=%v: mean edges %.1f, want %.1f ± 3%%", tt.n, tt.p, mean, want)
		}
	}
	for _, p := range []float64{0, 1} {
		g, err := ErdosRenyi(20, p, rng(1))
		if err != nil {
			t.Fatal(err)
		}
		if want := int(p * 190); len(g.Edges) != want {
			t.Errorf("p=%v: %d edges, want %d", p, len(g.Edges), want)
		}
	}
}

func TestRandomRegular(t *testing.T) {
	tests := []struct{ n, d int }{
		{1, 0}, {2, 1}, {4, 3}, {5, 2}, {5, 4}, {6, 3}, {7, 4}, {8, 3}, {10, 5},
		{10, 6}, {20, 2}, {21, 10}, {21, 12}, {30, 27}, {100, 3}, {100, 50}, {101, 66},
		{2000, 8}, {3000, 70}, {10000, 1}, {10000, 2},
	}
	for _, tt := range tests {
		for s := range uint64(5) {
			g, err := RandomRegular(tt.n, tt.d, rng(s))
			if err != nil {
				t.Fatalf("n=%d d=%d: %v", tt.n, tt.d, err)
			}
			checkValid(t, g, tt.n)
			if len(g.Edges) != tt.n*tt.d/2 {
				t.Fatalf("n=%d d=%d: %d edges, want %d", tt.n, tt.d, len(g.Edges), tt.n*tt.d/2)
			}
			for id, deg := range g.Degrees() {
				if deg != tt.d {
					t.Fatalf("n=%d d=%d: node %d has degree %d", tt.n, tt.d, id, deg)
				}
			}
		}
	}
}

// TestRandomRegularNearUniform checks the sampler against the exact count
// for 2-regular graphs on 6 labelled nodes: 60 hexagons and 10 pairs of
// triangles, so a uniform sampler gives each of the 70 graphs 1/70 and
// "two triangles" 1/7.
func TestRandomRegularNearUniform(t *testing.T) {
	const runs = 7000
	seen := map[[6]Edge]int{}
	triangles := 0
	for s := range uint64(runs) {
		g, err := RandomRegular(6, 2, rng(s))
		if err != nil {
			t.Fatal(err)
		}
		seen[[6]Edge(g.Edges)]++
		if !g.Connected() {
			triangles++
		}
	}
	if len(seen) != 70 {
		t.Errorf("saw %d distinct graphs, want all 70", len(seen))
	}
	for key, c := range seen {
		if c < runs/70/2 || c > runs/70*2 {
			t.Errorf("graph %v drawn %d times, want about %d", key, c, runs/70)
		}
	}
	if f := float64(triangles) / runs; f < 0.12 || f > 0.17 {
		t.Errorf("two triangles in %.3f of draws, want about 1/7", f)
	}
}

// TestRandomRegularRestarts measures how often one pairing attempt fails:
// rarely for sparse graphs, and for the densest case pairing ever sees
// (d = (n-1)/2, since denser graphs are built as complements) about 3 times
// in 4, which is steady in n, so the regularAttempts bound (1000) is never
// near: 0.8^1000 is about 1e-97.
func TestRandomRegularRestarts(t *testing.T) {
	tests := []struct {
		n, d, runs int
		maxFail    float64
	}{
		{1000, 8, 200, 0.05}, {100000, 8, 3, 0}, {1000, 100, 50, 0.3},
		{6, 2, 200, 0.5}, {9, 4, 200, 0.6},
		{50, 24, 200, 0.8}, {200, 99, 100, 0.85}, {1001, 500, 10, 0.95},
	}
	for _, tt := range tests {
		g := &regular{n: tt.n, d: tt.d, adj: make([]int32, tt.n*tt.d), deg: make([]int32, tt.n),
			stubs: make([]int32, tt.n*tt.d), count: make([]int32, tt.n)}
		if tt.d > scanLimit {
			g.set = map[uint64]struct{}{}
		}
		r := rng(3)
		fails := 0
		for range tt.runs {
			if !g.try(r) {
				fails++
			}
		}
		t.Logf("n=%d d=%d: %d of %d attempts failed", tt.n, tt.d, fails, tt.runs)
		if float64(fails) > tt.maxFail*float64(tt.runs) {
			t.Errorf("n=%d d=%d: %d of %d attempts failed, want <= %.0f%%", tt.n, tt.d, fails, tt.runs, 100*tt.maxFail)
		}
	}
}

func TestRandomRegularLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	g, err := RandomRegular(100_000, 8, rng(7))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Edges) != 400_000 {
		t.Fatalf("%d edges", len(g.Edges))
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	if !g.Connected() {
		t.Error("8-regular graph on 100k nodes not connected (probability ~0)")
	}
}

func TestBarabasiAlbert(t *testing.T) {
	tests := []struct{ n, m int }{{2, 1}, {10, 1}, {10, 9}, {2000, 2}, {2000, 5}}
	for _, tt := range tests {
		g, err := BarabasiAlbert(tt.n, tt.m, rng(11))
		if err != nil {
			t.Fatal(err)
		}
		checkValid(t, g, tt.n)
		if want := tt.m * (tt.n - tt.m); len(g.Edges) != want {
			t.Fatalf("n=%d m=%d: %d edges, want m*(n-m) = %d", tt.n, tt.m, len(g.Edges), want)
		}
		if !g.Connected() {
			t.Fatalf("n=%d m=%d: not connected", tt.n, tt.m)
		}
		maxDeg := 0
		for id, d := range g.Degrees() {
			if id > tt.m && d < tt.m {
				t.Fatalf("node %d has degree %d < m", id, d)
			}
			maxDeg = max(maxDeg, d)
		}
		if tt.n >= 2000 && maxDeg < 10*tt.m {
			t.Errorf("n=%d m=%d: max degree %d, want a heavy tail (>= %d)", tt.n, tt.m, maxDeg, 10*tt.m)
		}
		t.Logf("n=%d m=%d: max degree %d", tt.n, tt.m, maxDeg)
		if tt.n < 2000 {
			continue
		}
		// Contrast: G(n,p) with the same mean degree 2m has no hubs.
		er, err := ErdosRenyi(tt.n, float64(2*tt.m)/float64(tt.n-1), rng(11))
		if err != nil {
			t.Fatal(err)
		}
		erMax := 0
		for _, d := range er.Degrees() {
			erMax = max(erMax, d)
		}
		if 3*erMax > maxDeg {
			t.Errorf("n=%d m=%d: BA max degree %d not far above G(n,p)'s %d", tt.n, tt.m, maxDeg, erMax)
		}
		t.Logf("n=%d m=%d: G(n,p) with the same mean degree: max degree %d", tt.n, tt.m, erMax)
	}
}

func TestWattsStrogatz(t *testing.T) {
	lattice, err := WattsStrogatz(12, 4, 0, rng(1))
	if err != nil {
		t.Fatal(err)
	}
	var want []Edge
	for u := 1; u <= 12; u++ {
		for j := 1; j <= 2; j++ {
			want = append(want, Edge{u, (u-1+j)%12 + 1}.normal())
		}
	}
	w, _ := FromEdges(want)
	if !slices.Equal(lattice.Edges, w.Edges) {
		t.Fatalf("beta=0: got %v, want lattice %v", lattice.Edges, w.Edges)
	}
	tests := []struct {
		n, k int
		beta float64
	}{{3, 2, 1}, {5, 4, 1}, {12, 4, 0.5}, {1000, 10, 0.1}, {1000, 10, 1}}
	for _, tt := range tests {
		g, err := WattsStrogatz(tt.n, tt.k, tt.beta, rng(5))
		if err != nil {
			t.Fatal(err)
		}
		checkValid(t, g, tt.n)
		if len(g.Edges) != tt.n*tt.k/2 {
			t.Fatalf("%+v: %d edges, want n*k/2 = %d", tt, len(g.Edges), tt.n*tt.k/2)
		}
	}
	// Rewiring changes edges: with beta = 0.5 about half are not lattice edges.
	g, _ := WattsStrogatz(1000, 6, 0.5, rng(9))
	lat, _ := WattsStrogatz(1000, 6, 0, rng(9))
	kept := 0
	for _, e := range g.Edges {
		if lat.HasEdge(e.A, e.B) {
			kept++
		}
	}
	if frac := float64(kept) / 3000; frac < 0.4 || frac > 0.6 {
		t.Errorf("beta=0.5 kept %.2f of lattice edges, want about 0.5", frac)
	}
}

func TestAttachClients(t *testing.T) {
	base, err := RandomRegular(30, 4, rng(1))
	if err != nil {
		t.Fatal(err)
	}
	base = base.Relabel(100) // ids 101..130: clients start at 131
	for _, k := range []int{1, 3, 30} {
		g, ids, err := AttachClients(base, 7, k, rng(2))
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Validate(); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids, []int{131, 132, 133, 134, 135, 136, 137}) {
			t.Fatalf("client ids %v", ids)
		}
		if g.N() != 37 || len(g.Edges) != len(base.Edges)+7*k {
			t.Fatalf("k=%d: %d nodes, %d edges", k, g.N(), len(g.Edges))
		}
		adj := g.Adjacency()
		for _, c := range ids {
			if len(adj[c]) != k {
				t.Fatalf("client %d degree %d, want %d", c, len(adj[c]), k)
			}
			for _, x := range adj[c] {
				if !base.HasNode(x) {
					t.Fatalf("client %d linked to non-original node %d", c, x)
				}
			}
		}
		for _, e := range base.Edges { // original edges kept
			if !g.HasEdge(e.A, e.B) {
				t.Fatalf("lost edge %v", e)
			}
		}
	}
	if len(base.Nodes) != 30 || len(base.Edges) != 60 {
		t.Fatal("AttachClients modified its input")
	}
	g, ids, err := AttachClients(base, 0, 2, rng(1))
	if err != nil || len(ids) != 0 || !slices.Equal(g.Edges, base.Edges) {
		t.Fatalf("clients=0: %v %v", ids, err)
	}
}

func TestArgumentErrors(t *testing.T) {
	r := rng(1)
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"er p", second(ErdosRenyi(10, 1.5, r)), "erdos_renyi: p must be in [0, 1] (got 1.5)"},
		{"er p nan", second(ErdosRenyi(10, nanValue(), r)), "erdos_renyi: p must be in [0, 1] (got NaN)"},
		{"er n", second(ErdosRenyi(0, 0.5, r)), "erdos_renyi: n must be >= 1 (got 0)"},
		{"er rng", second(ErdosRenyi(10, 0.5, nil)), "erdos_renyi: nil random generator"},
		{"rr parity", second(RandomRegular(5, 3, r)), "random_regular: n*d must be even (n=5, d=3)"},
		{"rr d", second(RandomRegular(5, 5, r)), "random_regular: need 0 <= d < n (got n=5, d=5)"},
		{"rr neg", second(RandomRegular(5, -2, r)), "random_regular: need 0 <= d < n (got n=5, d=-2)"},
		{"ba m", second(BarabasiAlbert(5, 5, r)), "barabasi_albert: need 1 <= m < n (got n=5, m=5)"},
		{"ba m0", second(BarabasiAlbert(5, 0, r)), "barabasi_albert: need 1 <= m < n (got n=5, m=0)"},
		{"ws odd", second(WattsStrogatz(10, 3, 0.1, r)), "watts_strogatz: k must be even (got 3)"},
		{"ws k", second(WattsStrogatz(10, 10, 0.1, r)), "watts_strogatz: need 2 <= k < n (got n=10, k=10)"},
		{"ws beta", second(WattsStrogatz(10, 4, -0.1, r)), "watts_strogatz: beta must be in [0, 1] (got -0.1)"},
		{"from self loop", second(FromEdges([]Edge{{1, 2}, {3, 3}})), "from_edges: edge 1 is a self loop on node 3"},
		{"attach k", third(AttachClients(Ring(4), 2, 5, r)), "attach_clients: need 1 <= k <= number of existing nodes (got k=5, 4 nodes)"},
		{"attach clients", third(AttachClients(Ring(4), -1, 1, r)), "attach_clients: clients must be >= 0 (got -1)"},
		{"attach empty", third(AttachClients(Complete(0), 1, 1, r)), "attach_clients: need 1 <= k <= number of existing nodes (got k=1, 0 nodes)"},
	}
	for _, tt := range tests {
		if tt.err == nil || tt.err.Error() != tt.want {
			t.Errorf("%s: error %v, want %q", tt.name, tt.err, tt.want)
		}
	}
}

func second[T any](_ T, err error) error        { return err }
func third[T, U any](_ T, _ U, err error) error { return err }
func nanValue() float64                         { z := 0.0; return z / z }

func TestFromEdgesAndMethods(t *testing.T) {
	g, err := FromEdges([]Edge{{5, 2}, {2, 5}, {2, 3}, {3, 9}, {-1, 2}}, 7, 3, 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	if want := []int{-1, 2, 3, 5, 7, 9, 100}; !slices.Equal(g.Nodes, want) {
		t.Fatalf("nodes %v, want %v", g.Nodes, want)
	}
	if want := []Edge{{-1, 2}, {2, 3}, {2, 5}, {3, 9}}; !slices.Equal(g.Edges, want) {
		t.Fatalf("edges %v, want %v", g.Edges, want)
	}
	if got := g.Neighbours(2); !slices.Equal(got, []int{-1, 3, 5}) {
		t.Errorf("Neighbours(2) = %v", got)
	}
	if got := g.Neighbours(7); got != nil {
		t.Errorf("Neighbours(7) = %v", got)
	}
	adj := g.Adjacency()
	if len(adj) != 7 || !slices.Equal(adj[2], []int{-1, 3, 5}) || adj[7] == nil || len(adj[7]) != 0 {
		t.Errorf("Adjacency = %v", adj)
	}
	deg := g.Degrees()
	if len(deg) != 7 || deg[2] != 3 || deg[100] != 0 || deg[9] != 1 {
		t.Errorf("Degrees = %v", deg)
	}
	if !g.HasEdge(5, 2) || g.HasEdge(5, 3) {
		t.Error("HasEdge")
	}
	rl := g.Relabel(10)
	if rl.Nodes[0] != 9 || rl.Edges[0] != (Edge{9, 12}) || g.Nodes[0] != -1 {
		t.Errorf("Relabel: %v", rl)
	}
	// Adjacency lists agree with Neighbours on a random graph.
	er, _ := ErdosRenyi(80, 0.1, rng(4))
	for id, list := range er.Adjacency() {
		if !slices.Equal(list, er.Neighbours(id)) && len(list)+len(er.Neighbours(id)) > 0 {
			t.Fatalf("node %d: Adjacency %v, Neighbours %v", id, list, er.Neighbours(id))
		}
		if !slices.IsSorted(list) {
			t.Fatalf("node %d: unsorted %v", id, list)
		}
	}
	bad := &Graph{Nodes: []int{1, 2}, Edges: []Edge{{2, 1}}}
	if bad.Validate() == nil {
		t.Error("Validate accepted an unnormalised edge")
	}
	bad = &Graph{Nodes: []int{1, 2}, Edges: []Edge{{1, 3}}}
	if bad.Validate() == nil {
		t.Error("Validate accepted an edge to a missing node")
	}
}

func TestConnected(t *testing.T) {
	two, _ := FromEdges([]Edge{{1, 2}, {3, 4}})
	isolated, _ := FromEdges([]Edge{{1, 2}, {2, 3}}, 4)
	bridged, _ := FromEdges([]Edge{{1, 2}, {3, 4}, {2, 3}})
	tests := []struct {
		name string
		g    *Graph
		want bool
	}{
		{"empty", Complete(0), true},
		{"single", Complete(1), true},
		{"two nodes no edge", &Graph{Nodes: []int{1, 2}}, false},
		{"two components", two, false},
		{"isolated node", isolated, false},
		{"bridged", bridged, true},
		{"ring", Ring(50), true},
		{"star", Star(50), true},
		{"complete", Complete(20), true},
	}
	for _, tt := range tests {
		if got := tt.g.Connected(); got != tt.want {
			t.Errorf("%s: Connected = %v, want %v", tt.name, got, tt.want)
		}
	}
	// A sparse G(n,p) below the threshold log(n)/n has isolated nodes.
	sparse, _ := ErdosRenyi(500, 0.001, rng(1))
	if sparse.Connected() {
		t.Error("very sparse G(n,p) reported connected")
	}
}

func TestEdgeListRoundTrip(t *testing.T) {
	withIsolated, _ := FromEdges([]Edge{{3, 1}, {2, 3}, {-4, 10}}, 7, 42)
	ba, _ := BarabasiAlbert(300, 2, rng(3))
	tests := []struct {
		name string
		g    *Graph
	}{
		{"empty", Complete(0)},
		{"single", Complete(1)},
		{"isolated", withIsolated},
		{"ring", Ring(9)},
		{"ba", ba},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := WriteEdgeList(&buf, tt.g); err != nil {
			t.Fatal(err)
		}
		got, err := ReadEdgeList(&buf)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !slices.Equal(got.Nodes, tt.g.Nodes) || !slices.Equal(got.Edges, tt.g.Edges) {
			t.Errorf("%s: round trip changed the graph:\n got %v\nwant %v", tt.name, got, tt.g)
		}
	}
	var buf bytes.Buffer
	WriteEdgeList(&buf, withIsolated)
	want := "# p2prepl topology: 7 nodes, 3 edges\n-4 10\n1 3\n2 3\nnode 7\nnode 42\n"
	if buf.String() != want {
		t.Errorf("written:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestReadEdgeList(t *testing.T) {
	good := "# a comment\n\n1 2\n2\t3  # trailing comment\n3 1\n2 1\nnode 9\nnode 2\n   \n"
	g, err := ReadEdgeList(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.Nodes, []int{1, 2, 3, 9}) || !slices.Equal(g.Edges, []Edge{{1, 2}, {1, 3}, {2, 3}}) {
		t.Fatalf("got %v", g)
	}
	tests := []struct{ in, want string }{
		{"1 2\n2 3\n1\n", `line 3: want two node ids, got "1"`},
		{"1 2 3\n", `line 1: want two node ids, got "1 2 3"`},
		{"# c\n1 x\n", `line 2: bad node id "x" (want an integer)`},
		{"1.5 2\n", `line 1: bad node id "1.5" (want an integer)`},
		{"1 2\n4 4\n", `line 2: self loop on node 4`},
		{"node\n", `line 1: want "node ID", got "node"`},
		{"node 1 2\n", `line 1: want "node ID", got "node 1 2"`},
		{"\n\nnode a\n", `line 3: bad node id "a" (want an integer)`},
		{"1 2\n" + strings.Repeat("9", 2<<20) + "\n", `line 2: bufio.Scanner: token too long`},
	}
	for _, tt := range tests {
		_, err := ReadEdgeList(strings.NewReader(tt.in))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%.20q: error %v, want %q", tt.in, err, tt.want)
		}
	}
}

func BenchmarkRandomRegular100k(b *testing.B) {
	b.ReportAllocs()
	r := rng(1)
	for b.Loop() {
		if _, err := RandomRegular(100_000, 8, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBarabasiAlbert100k(b *testing.B) {
	b.ReportAllocs()
	r := rng(1)
	for b.Loop() {
		if _, err := BarabasiAlbert(100_000, 4, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkErdosRenyi100k(b *testing.B) {
	b.ReportAllocs()
	r := rng(1)
	for b.Loop() {
		if _, err := ErdosRenyi(100_000, 8.0/100_000, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWattsStrogatz100k(b *testing.B) {
	b.ReportAllocs()
	r := rng(1)
	for b.Loop() {
		if _, err := WattsStrogatz(100_000, 8, 0.1, r); err != nil {
			b.Fatal(err)
		}
	}
}

func TestHasNode(t *testing.T) {
	for _, tc := range []struct {
		nodes []int
		id    int
		want  bool
	}{
		{[]int{1, 2, 3, 4}, 1, true}, {[]int{1, 2, 3, 4}, 4, true}, {[]int{1, 2, 3, 4}, 0, false}, {[]int{1, 2, 3, 4}, 5, false},
		{[]int{1, 3, 4, 9}, 3, true}, {[]int{1, 3, 4, 9}, 2, false}, {[]int{1, 3, 4, 9}, 9, true}, {[]int{1, 3, 4, 9}, 10, false},
		{nil, 0, false}, {[]int{-2, -1, 0}, -1, true},
	} {
		g := &Graph{Nodes: tc.nodes}
		if got := g.HasNode(tc.id); got != tc.want {
			t.Errorf("HasNode(%v, %d) = %v", tc.nodes, tc.id, got)
		}
	}
}
