package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/p2prepl/p2prepl/engine/dist"
)

// Bandwidth units, in bits per second.
const (
	Bps  = 1.0
	Kbps = 1e3
	Mbps = 1e6
	Gbps = 1e9
)

// Network is the region and latency model shared by all peers, plus the
// default per-link loss probability.
type Network struct {
	regions  []string
	index    map[string]int
	latency  [][]dist.Dist // round-trip time per region pair, ms
	explicit [][]bool
	Loss     float64
}

// DefaultNetwork has one region, "default", with zero latency.
func DefaultNetwork() *Network {
	n, _ := NewNetwork([]string{"default"})
	n.latency[0][0] = dist.Constant(0)
	return n
}

// NewNetwork creates a network with the given regions; every pair needs a
// latency before the first message crosses it.
func NewNetwork(regions []string) (*Network, error) {
	if len(regions) == 0 {
		return nil, fmt.Errorf("network: need at least one region")
	}
	n := &Network{regions: append([]string(nil), regions...), index: map[string]int{}}
	for i, r := range regions {
		if _, dup := n.index[r]; dup {
			return nil, fmt.Errorf("network: region %q is listed twice", r)
		}
		n.index[r] = i
	}
	n.latency = make([][]dist.Dist, len(regions))
	n.explicit = make([][]bool, len(regions))
	for i := range regions {
		n.latency[i] = make([]dist.Dist, len(regions))
		n.explicit[i] = make([]bool, len(regions))
	}
	return n, nil
}

// Regions lists the region names.
func (n *Network) Regions() []string { return append([]string(nil), n.regions...) }

// Region returns the index of a region name, with an error naming the known
// regions when it is not one of them.
func (n *Network) Region(name string) (int, error) {
	if i, ok := n.index[name]; ok {
		return i, nil
	}
	return -1, fmt.Errorf("unknown region %q (known: %s)", name, strings.Join(n.regions, ", "))
}

// SetLatency sets the round-trip latency distribution between regions a and
// b. The table is symmetric: b->a takes the same distribution unless it is
// set explicitly too.
func (n *Network) SetLatency(a, b string, d dist.Dist) error {
	i, err := n.Region(a)
	if err != nil {
		return err
	}
	j, err := n.Region(b)
	if err != nil {
		return err
	}
	n.latency[i][j] = d
	n.explicit[i][j] = true
	if !n.explicit[j][i] {
		n.latency[j][i] = d
	}
	return nil
}

// Latency returns the round-trip distribution between two regions.
func (n *Network) Latency(a, b string) (dist.Dist, error) {
	i, err := n.Region(a)
	if err != nil {
		return nil, err
	}
	j, err := n.Region(b)
	if err != nil {
		return nil, err
	}
	return n.latency[i][j], nil
}

// Check reports region pairs without a latency.
func (n *Network) Check() error {
	var missing []string
	for i := range n.regions {
		for j := i; j < len(n.regions); j++ {
			if n.latency[i][j] == nil || n.latency[j][i] == nil {
				missing = append(missing, fmt.Sprintf("(%q, %q)", n.regions[i], n.regions[j]))
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("network: no latency for region pair %s; give one for every pair", strings.Join(missing, ", "))
	}
	if n.Loss < 0 || n.Loss > 1 || math.IsNaN(n.Loss) {
		return fmt.Errorf("network: loss must be a probability in [0, 1] (got %g)", n.Loss)
	}
	return nil
}

// oneWay samples a one-way delay: half a round trip, never negative.
func (n *Network) oneWay(a, b int, r *rand.Rand) float64 {
	d := n.latency[a][b].Sample(r) / 2
	if d > 0 {
		return d
	}
	return 0
}
