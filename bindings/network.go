package bindings

import (
	"fmt"
	"math"
	"strings"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/dist"
)

// Network is the value of network(): regions, a latency table and a loss
// probability. It is a description; each simulation builds its own engine
// network from it, so changing one simulation's loss never touches another.
type Network struct {
	regions []string
	latency []latencyEntry
	loss    float64
}

type latencyEntry struct {
	a, b string
	d    dist.Dist
}

var _ starlark.HasAttrs = (*Network)(nil)

func (n *Network) String() string {
	var sb strings.Builder
	sb.WriteString("network(regions=[")
	for i, r := range n.regions {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(quote(r))
	}
	sb.WriteString("], latency={")
	for i, l := range n.latency {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "(%s, %s): %s", quote(l.a), quote(l.b), l.d)
	}
	sb.WriteString("}")
	if n.loss > 0 {
		fmt.Fprintf(&sb, ", loss=%s", fmtFloat(n.loss))
	}
	sb.WriteString(")")
	return sb.String()
}
func (n *Network) Type() string          { return "network" }
func (n *Network) Freeze()               {}
func (n *Network) Truth() starlark.Bool  { return true }
func (n *Network) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: network") }

// networkType declares a network's attributes (help(net)).
var networkType = api.NewType(&api.Type[*Network]{
	Name: "network",
	Var:  "net",
	Doc:  "A network model (from network(...)).",
	Fields: []api.Field[*Network]{
		api.Attr("regions", "the region names", func(n *Network) (starlark.Value, error) { return stringList(n.regions), nil }),
		api.Attr("loss", "the loss probability of every link", func(n *Network) (starlark.Value, error) { return starlark.Float(n.loss), nil }),
		api.Attr("latency", "{(a, b): dist} round-trip latency per region pair, as given", func(n *Network) (starlark.Value, error) {
			d := starlark.NewDict(len(n.latency))
			for _, l := range n.latency {
				_ = d.SetKey(starlark.Tuple{starlark.String(l.a), starlark.String(l.b)}, &Dist{d: l.d})
			}
			d.Freeze()
			return d, nil
		}),
	},
})

func (n *Network) Attr(name string) (starlark.Value, error) { return networkType.Attr(n, name, nil) }

func (n *Network) AttrNames() []string { return networkType.AttrNames() }

// build makes a fresh engine network.
func (n *Network) build() (*engine.Network, error) {
	en, err := engine.NewNetwork(n.regions)
	if err != nil {
		return nil, err
	}
	for _, l := range n.latency {
		if err := en.SetLatency(l.a, l.b, l.d); err != nil {
			return nil, fmt.Errorf("network: latency: %w", err)
		}
	}
	en.Loss = n.loss
	return en, en.Check()
}

func init() {
	api.Register(api.Function("network", `network(regions, latency, loss=0.0) -> a network model for simulation(network=...)

regions: a list of region names.
latency: round-trip time in ms per region pair; a message's one-way delay
  is half a draw. Give a dict {(a, b): dist_or_number} (the table is
  symmetric: (a, b) also serves (b, a) unless that is given too), a nested
  dict {a: {b: ...}} as in p2psimpy, or one dist/number for every pair.
  Every pair needs a latency.
loss: the probability that a message is lost on any link (sim.set_loss
  changes it later).

  net = network(regions = ["eu", "us"],
                latency = {("eu", "eu"): dist.norm(2, 0.5),
                           ("eu", "us"): dist.norm(12, 2),
                           ("us", "us"): dist.gamma(1, 1, 1)})`, builtinNetwork))
}

func builtinNetwork(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var regionsV, latencyV starlark.Value
	var loss num
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "regions", &regionsV, "latency", &latencyV, "loss?", &loss); err != nil {
		return nil, err
	}
	rv, err := iterate("network", "regions", regionsV)
	if err != nil {
		return nil, err
	}
	n := &Network{loss: float64(loss)}
	for i, r := range rv {
		s, ok := starlark.AsString(r)
		if !ok {
			return nil, fmt.Errorf("network: region %d must be a string (got %s %s)", i, r.Type(), short(r))
		}
		n.regions = append(n.regions, s)
	}
	if math.IsNaN(n.loss) || n.loss < 0 || n.loss > 1 {
		return nil, fmt.Errorf("network: loss must be a probability in [0, 1] (got %s)", fmtFloat(n.loss))
	}
	add := func(a, b starlark.Value, v starlark.Value) error {
		as, ok1 := starlark.AsString(a)
		bs, ok2 := starlark.AsString(b)
		if !ok1 || !ok2 {
			return fmt.Errorf("network: latency keys must be pairs of region names like (\"eu\", \"us\") (got %s, %s)", short(a), short(b))
		}
		where := fmt.Sprintf("latency[(%q, %q)]", as, bs)
		d, err := asDist("network", where, v)
		if err != nil {
			return err
		}
		// Draws below 0 count as 0 (a message cannot arrive before it is
		// sent): fine for the tail of norm(2, 0.5), a mistake for a
		// latency that is negative or infinite by construction.
		switch mean := d.Mean(); {
		case d.Variance() == 0 && (mean < 0 || math.IsInf(mean, 0) || math.IsNaN(mean)):
			return fmt.Errorf("network: %s is always %s ms: a latency must be a finite number of ms >= 0", where, fmtValue(mean))
		case mean < 0:
			return fmt.Errorf("network: %s has a negative mean (%s ms): draws below 0 count as 0, so most messages would take no time; check its parameters", where, fmtValue(mean))
		}
		n.latency = append(n.latency, latencyEntry{as, bs, d})
		return nil
	}
	switch lat := latencyV.(type) {
	case *starlark.Dict:
		for _, item := range lat.Items() {
			k, v := item[0], item[1]
			switch key := k.(type) {
			case starlark.Tuple:
				if len(key) != 2 {
					return nil, fmt.Errorf("network: latency key %s must be a pair of regions", short(k))
				}
				if err := add(key[0], key[1], v); err != nil {
					return nil, err
				}
			case starlark.String:
				inner, ok := v.(*starlark.Dict)
				if !ok {
					return nil, fmt.Errorf("network: latency[%s] must be a dict {region: dist} (got %s); or key the table by pairs: {(a, b): dist}", k, v.Type())
				}
				for _, it := range inner.Items() {
					if err := add(key, it[0], it[1]); err != nil {
						return nil, err
					}
				}
			default:
				return nil, fmt.Errorf("network: latency keys must be pairs of region names like (\"eu\", \"us\") (got %s)", k.Type())
			}
		}
	default:
		if _, ok := latencyV.(*Dist); !ok {
			if _, ok := toFloat(latencyV); !ok {
				return nil, fmt.Errorf("network: latency must be a dict {(a, b): dist}, a dist or a number (got %s)", latencyV.Type())
			}
		}
		for i, a := range n.regions {
			for _, bb := range n.regions[i:] {
				if err := add(starlark.String(a), starlark.String(bb), latencyV); err != nil {
					return nil, err
				}
			}
		}
	}
	if _, err := n.build(); err != nil {
		return nil, err
	}
	return n, nil
}
