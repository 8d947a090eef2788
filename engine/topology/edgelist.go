package topology

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ReadEdgeList parses an edge list file, the text form in which a topology
// is saved, shared, edited by hand or taken from other tools (networkx's
// write_edgelist with data=False writes a compatible file). Line by line:
//
//	# comment (also allowed after data: "1 2  # backbone")
//	1 2        an edge between nodes 1 and 2 (either order)
//	node 7     node 7, needed only for nodes without edges
//
// Node ids are integers (negative ones too). Blank lines are ignored,
// fields are separated by spaces or tabs, repeated edges are merged and
// self loops are errors. Errors name the line and the problem, e.g.
// `line 3: want two node ids, got "1"`.
func ReadEdgeList(r io.Reader) (*Graph, error) {
	var (
		nodes []int
		edges []Edge
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		f := strings.Fields(text)
		if len(f) == 0 {
			continue
		}
		if f[0] == "node" {
			if len(f) != 2 {
				return nil, fmt.Errorf("line %d: want \"node ID\", got %q", line, strings.TrimSpace(text))
			}
			id, err := parseID(f[1])
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", line, err)
			}
			nodes = append(nodes, id)
			continue
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("line %d: want two node ids, got %q", line, strings.TrimSpace(text))
		}
		a, err := parseID(f[0])
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		b, err := parseID(f[1])
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		if a == b {
			return nil, fmt.Errorf("line %d: self loop on node %d", line, a)
		}
		edges = append(edges, Edge{a, b}.normal())
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	return makeGraph(nodes, edges), nil
}

func parseID(s string) (int, error) {
	id, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("bad node id %q (want an integer)", s)
	}
	return id, nil
}

// WriteEdgeList writes g in the edge list format: a comment header, one
// "a b" line per edge in g's order, then a "node ID" line for each isolated
// node. ReadEdgeList of the output gives back exactly g.
func WriteEdgeList(w io.Writer, g *Graph) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# p2prepl topology: %d nodes, %d edges\n", len(g.Nodes), len(g.Edges))
	var buf []byte
	for _, e := range g.Edges {
		buf = strconv.AppendInt(buf[:0], int64(e.A), 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, int64(e.B), 10)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	deg := g.Degrees()
	for _, id := range g.Nodes {
		if deg[id] == 0 {
			buf = append(strconv.AppendInt(append(buf[:0], "node "...), int64(id), 10), '\n')
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}
