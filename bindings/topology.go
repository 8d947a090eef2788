package bindings

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/bindings/outfiles"
	"github.com/p2prepl/p2prepl/engine/topology"
)

// Graph is a topology value: a sorted node list and edge list.
type Graph struct {
	g *topology.Graph
}

var _ starlark.HasAttrs = (*Graph)(nil)

func (g *Graph) String() string {
	return fmt.Sprintf("graph(%d nodes, %d edges)", len(g.g.Nodes), len(g.g.Edges))
}
func (g *Graph) Type() string          { return "graph" }
func (g *Graph) Freeze()               {}
func (g *Graph) Truth() starlark.Bool  { return len(g.g.Nodes) > 0 }
func (g *Graph) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: graph") }

// graphType declares a graph's attributes and methods (help(g)).
var graphType = api.NewType(&api.Type[*Graph]{
	Name: "graph",
	Var:  "graph",
	Doc:  "A topology graph (see help(topology)); pass it to sim.add_peers.",
	Fields: []api.Field[*Graph]{
		api.Attr("nodes", "the node ids, sorted", func(g *Graph) (starlark.Value, error) { return intList(g.g.Nodes), nil }),
		api.Attr("edges", "the edges as (a, b) pairs with a < b, sorted", func(g *Graph) (starlark.Value, error) {
			l := make([]starlark.Value, len(g.g.Edges))
			for i, e := range g.g.Edges {
				l[i] = starlark.Tuple{starlark.MakeInt(e.A), starlark.MakeInt(e.B)}
			}
			return starlark.NewList(l), nil
		}),
		api.Attr("n", "the number of nodes", func(g *Graph) (starlark.Value, error) { return starlark.MakeInt(len(g.g.Nodes)), nil }),
		api.Attr("m", "the number of edges", func(g *Graph) (starlark.Value, error) { return starlark.MakeInt(len(g.g.Edges)), nil }),
	},
	Methods: []api.Builtin{
		api.Pure(api.Method("neighbours", "graph.neighbours(node) -> the sorted neighbours of a node.", graphNeighbours)),
		api.Pure(api.Method("has_edge", "graph.has_edge(a, b) -> True if a and b are linked.", graphHasEdge)),
		api.Pure(api.Method("degrees", "graph.degrees() -> {node: degree}.", graphDegrees)),
		api.Pure(api.Method("connected", "graph.connected() -> True if every node can reach every other.", graphConnected)),
		api.Pure(api.Method("relabel", "graph.relabel(offset) -> a copy with offset added to every node id (relabel(-1) gives networkx's 0..n-1).", graphRelabel)),
	},
})

func (g *Graph) Attr(name string) (starlark.Value, error) { return graphType.Attr(g, name, nil) }

func (g *Graph) AttrNames() []string { return graphType.AttrNames() }

func graphNeighbours(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var id int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "node", &id); err != nil {
		return nil, err
	}
	return intList(b.Receiver().(*Graph).g.Neighbours(id)), nil
}

func graphHasEdge(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var a, c int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &a, "b", &c); err != nil {
		return nil, err
	}
	return starlark.Bool(b.Receiver().(*Graph).g.HasEdge(a, c)), nil
}

func graphDegrees(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	g := b.Receiver().(*Graph).g
	deg := g.Degrees()
	d := starlark.NewDict(len(g.Nodes))
	for _, id := range g.Nodes {
		_ = d.SetKey(starlark.MakeInt(id), starlark.MakeInt(deg[id]))
	}
	return d, nil
}

func graphConnected(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Bool(b.Receiver().(*Graph).g.Connected()), nil
}

func graphRelabel(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var off int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "offset", &off); err != nil {
		return nil, err
	}
	return &Graph{b.Receiver().(*Graph).g.Relabel(off)}, nil
}

// topoRand is the generator of a random topology: an explicit seed= gives
// its own stream; otherwise the "topology" stream of the simulation created
// last, or, before any simulation, of --seed. Either way the graph is a
// function of the seed.
func topoRand(thread *starlark.Thread, seed starlark.Value) (*rand.Rand, error) {
	if seed != nil && seed != starlark.None {
		var s int64
		if err := starlark.AsInt(seed, &s); err != nil {
			return nil, fmt.Errorf("seed must be an int (got %s)", seed.Type())
		}
		return rand.New(rand.NewPCG(uint64(s), streamKey("topology"))), nil
	}
	e := envOf(thread)
	if e.current != nil {
		return e.current.topoRand, nil
	}
	return e.fallbackTopo, nil
}

func graphResult(g *topology.Graph, err error) (starlark.Value, error) {
	if err != nil {
		return nil, fmt.Errorf("topology.%w", err)
	}
	return &Graph{g}, nil
}

func asGraph(fn string, v starlark.Value) (*topology.Graph, error) {
	g, ok := v.(*Graph)
	if !ok {
		return nil, fmt.Errorf("%s: want a graph from topology.* (got %s %s)", fn, v.Type(), short(v))
	}
	return g.g, nil
}

func init() {
	members := []api.Builtin{
		api.Method("erdos_renyi", "topology.erdos_renyi(n, p, seed=None) -> G(n, p) random graph on nodes 1..n: each pair linked with probability p (may be disconnected; see g.connected()).", topoErdosRenyi),
		api.Method("random_regular", "topology.random_regular(n, d, seed=None) -> random d-regular graph on nodes 1..n (n*d even, d < n).", topoRandomRegular),
		api.Method("barabasi_albert", "topology.barabasi_albert(n, m, seed=None) -> preferential-attachment (scale-free) graph on nodes 1..n, each new node linking to m earlier ones.", topoBarabasiAlbert),
		api.Method("watts_strogatz", "topology.watts_strogatz(n, k, beta, seed=None) -> small-world graph: ring lattice of even degree k with each edge rewired with probability beta.", topoWattsStrogatz),
		api.Pure(api.Method("complete", "topology.complete(n) -> every pair of nodes 1..n linked.", topoComplete)),
		api.Pure(api.Method("ring", "topology.ring(n) -> the cycle 1-2-...-n-1.", topoRing)),
		api.Pure(api.Method("star", "topology.star(n) -> hub 1 linked to leaves 2..n.", topoStar)),
		api.Pure(api.Method("from_edges", "topology.from_edges(edges, nodes=[]) -> a graph from a list of (a, b) pairs (either order, repeats merged), plus extra isolated nodes.", topoFromEdges)),
		api.Method("from_file", `topology.from_file(path) -> a graph read from an edge list file ("a b" per line, "node N" for isolated nodes, # comments), as topology.save writes. A relative path is looked up next to the script first, then in the output directory; files outside the script's directory and --out are refused. (It is not called topology.load because load is a Starlark keyword.)`, topoLoad),
		api.Method("save", "topology.save(graph, path) -> None; writes the graph as an edge list file under the output directory (--out).", topoSave),
		api.Method("attach_clients", `topology.attach_clients(graph, clients, k, seed=None) -> (graph, client_ids)

A copy of graph with clients new nodes (numbered after the largest node),
each linked to k distinct random nodes of graph. Add them with a type of
their own:
  g, clients = topology.attach_clients(base, 1, 5)
  sim.add_peers(g, type = "peer", nodes = base.nodes)
  sim.add_peers(g, type = "client", nodes = clients)`, topoAttachClients),
	}
	api.Register(api.NewModule(&api.Module{Name: "topology", Doc: `topology: graph generators, edge-list files and client attachment.

Generators number nodes 1..n. Random ones take seed=None: without a seed
they draw from the "topology" stream of the simulation created last (or,
before any simulation, of --seed), so the same script and seed give the
same graph. A graph has .nodes, .edges, .n, .m, .neighbours(id),
.has_edge(a, b), .degrees(), .connected(), .relabel(offset).`, Members: members}).Global())
}

func topoErdosRenyi(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var n int
	var p num
	var seed starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "n", &n, "p", &p, "seed?", &seed); err != nil {
		return nil, err
	}
	r, err := topoRand(thread, seed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	return graphResult(topology.ErdosRenyi(n, float64(p), r))
}

func topoRandomRegular(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var n, d int
	var seed starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "n", &n, "d", &d, "seed?", &seed); err != nil {
		return nil, err
	}
	r, err := topoRand(thread, seed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	return graphResult(topology.RandomRegular(n, d, r))
}

func topoBarabasiAlbert(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var n, m int
	var seed starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "n", &n, "m", &m, "seed?", &seed); err != nil {
		return nil, err
	}
	r, err := topoRand(thread, seed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	return graphResult(topology.BarabasiAlbert(n, m, r))
}

func topoWattsStrogatz(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var n, k int
	var beta num
	var seed starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "n", &n, "k", &k, "beta", &beta, "seed?", &seed); err != nil {
		return nil, err
	}
	r, err := topoRand(thread, seed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	return graphResult(topology.WattsStrogatz(n, k, float64(beta), r))
}

const maxDeterministicNodes = 10_000_000

func fixedN(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (int, error) {
	var n int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "n", &n); err != nil {
		return 0, err
	}
	if n < 1 || n > maxDeterministicNodes {
		return 0, fmt.Errorf("%s: n must be between 1 and %d (got %d)", b.Name(), maxDeterministicNodes, n)
	}
	return n, nil
}

func topoComplete(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	n, err := fixedN(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	if n > 20_000 {
		return nil, fmt.Errorf("topology.complete: n=%d would have %d edges; use a sparser topology", n, n*(n-1)/2)
	}
	return &Graph{topology.Complete(n)}, nil
}

func topoRing(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	n, err := fixedN(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	return &Graph{topology.Ring(n)}, nil
}

func topoStar(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	n, err := fixedN(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	return &Graph{topology.Star(n)}, nil
}

func topoFromEdges(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var edgesV starlark.Value
	var nodesV starlark.Value = starlark.NewList(nil)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "edges", &edgesV, "nodes?", &nodesV); err != nil {
		return nil, err
	}
	ev, err := iterate(b.Name(), "edges", edgesV)
	if err != nil {
		return nil, err
	}
	edges := make([]topology.Edge, len(ev))
	for i, x := range ev {
		pair, err := iterate(b.Name(), fmt.Sprintf("edge %d", i), x)
		if err != nil || len(pair) != 2 {
			return nil, fmt.Errorf("%s: edge %d must be a pair of node ids like (1, 2) (got %s)", b.Name(), i, short(x))
		}
		a, err := intArg(b.Name(), fmt.Sprintf("edge %d", i), pair[0])
		if err != nil {
			return nil, err
		}
		c, err := intArg(b.Name(), fmt.Sprintf("edge %d", i), pair[1])
		if err != nil {
			return nil, err
		}
		if a < 0 || c < 0 {
			return nil, fmt.Errorf("%s: edge %d (%d, %d): node ids must be >= 0; they become peer ids", b.Name(), i, a, c)
		}
		edges[i] = topology.Edge{A: a, B: c}
	}
	nv, err := iterate(b.Name(), "nodes", nodesV)
	if err != nil {
		return nil, err
	}
	nodes := make([]int, len(nv))
	for i, x := range nv {
		if nodes[i], err = intArg(b.Name(), "nodes", x); err != nil {
			return nil, err
		}
		if nodes[i] < 0 {
			return nil, fmt.Errorf("%s: node %d: node ids must be >= 0; they become peer ids", b.Name(), nodes[i])
		}
	}
	return graphResult(topology.FromEdges(edges, nodes...))
}

func topoLoad(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var path string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "path", &path); err != nil {
		return nil, err
	}
	f, name, err := outfiles.Open(thread, path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", b.Name(), err)
	}
	path = name
	defer f.Close()
	g, err := topology.ReadEdgeList(f)
	if err != nil {
		return nil, fmt.Errorf("topology.from_file: %s: %w", path, err)
	}
	return &Graph{g}, nil
}

func topoSave(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var gv starlark.Value
	var path string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "graph", &gv, "path", &path); err != nil {
		return nil, err
	}
	g, err := asGraph(b.Name(), gv)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := topology.WriteEdgeList(&buf, g); err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	if err := outfiles.WriteFile(thread, path, buf.Bytes()); err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	return starlark.None, nil
}

func topoAttachClients(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var gv starlark.Value
	var clients, k int
	var seed starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "graph", &gv, "clients", &clients, "k", &k, "seed?", &seed); err != nil {
		return nil, err
	}
	g, err := asGraph(b.Name(), gv)
	if err != nil {
		return nil, err
	}
	r, err := topoRand(thread, seed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	ng, ids, err := topology.AttachClients(g, clients, k, r)
	if err != nil {
		return nil, fmt.Errorf("topology.%w", err)
	}
	return starlark.Tuple{&Graph{ng}, intList(ids)}, nil
}
