package bindings

import (
	"fmt"
	"math"

	"go.starlark.net/starlark"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/internal/sample"
)

// peerConfig holds what add_peers / add_peer share.
type peerConfig struct {
	typ      string
	region   starlark.Value
	upload   starlark.Value
	download starlark.Value
	validate starlark.Value
	services starlark.Value
}

func (c *peerConfig) pairs() []any {
	return []any{"type?", &c.typ, "region?", &c.region, "upload?", &c.upload, "download?", &c.download,
		"validate?", &c.validate, "services?", &c.services}
}

func newPeerConfig() peerConfig {
	return peerConfig{typ: "peer", region: starlark.None, upload: starlark.MakeInt(0), download: starlark.MakeInt(0),
		validate: starlark.None, services: starlark.NewList(nil)}
}

// prepared is a checked peerConfig, ready to make PeerSpecs.
type prepared struct {
	s        *Simulation
	fn       string
	typ      string
	region   string
	regionD  *Dist
	upload   starlark.Value
	download starlark.Value
	validate engine.ValidateFunc
	services []*ServiceSpec
}

func (s *Simulation) prepare(fn string, c *peerConfig) (*prepared, error) {
	pr := &prepared{s: s, fn: fn, typ: c.typ, upload: c.upload, download: c.download}
	switch r := c.region.(type) {
	case starlark.NoneType:
	case starlark.String:
		if _, err := s.sim.Network().Region(string(r)); err != nil {
			return nil, fmt.Errorf("%s: region: %w", fn, err)
		}
		pr.region = string(r)
	case *Dist:
		if r.values == nil {
			return nil, fmt.Errorf("%s: region must be a region name or a dist.sample over names (got %s)", fn, r)
		}
		for _, v := range r.values {
			name, ok := starlark.AsString(v)
			if !ok {
				return nil, fmt.Errorf("%s: region: %s draws %s, not a region name", fn, r, v)
			}
			if _, err := s.sim.Network().Region(name); err != nil {
				return nil, fmt.Errorf("%s: region: %w", fn, err)
			}
		}
		pr.regionD = r
	default:
		return nil, fmt.Errorf("%s: region must be a region name or a dist.sample over names (got %s %s)", fn, c.region.Type(), short(c.region))
	}
	for _, bw := range []struct {
		name string
		v    starlark.Value
	}{{"upload", c.upload}, {"download", c.download}} {
		switch x := bw.v.(type) {
		case *Dist:
			if _, err := x.numeric(fn + ": " + bw.name); err != nil {
				return nil, err
			}
		case starlark.Int, starlark.Float:
			f, _ := toFloat(x)
			if err := checkBandwidth(fn, bw.name, f, ""); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("%s: %s must be a bandwidth in bits per second (a number such as 50 * Mbps, or a dist) (got %s %s)", fn, bw.name, bw.v.Type(), short(bw.v))
		}
	}
	if c.validate != starlark.None {
		fnv, ok := c.validate.(starlark.Callable)
		if !ok {
			return nil, fmt.Errorf("%s: validate must be a function fn(peer, msg) -> bool (got %s)", fn, c.validate.Type())
		}
		pr.validate = s.validator(fnv)
		s.roots = append(s.roots, fnv)
	}
	svcs, err := iterate(fn, "services", c.services)
	if err != nil {
		return nil, err
	}
	for i, v := range svcs {
		spec, err := asServiceSpec(v)
		if err != nil {
			return nil, fmt.Errorf("%s: services[%d]: %w", fn, i, err)
		}
		pr.services = append(pr.services, spec)
	}
	return pr, nil
}

func checkBandwidth(fn, name string, f float64, drawn string) error {
	if math.IsNaN(f) || f < 0 {
		return fmt.Errorf("%s: %s bandwidth must be > 0 bits/s, or 0 for unlimited (got %s%s)", fn, name, fmtFloat(f), drawn)
	}
	return nil
}

func (pr *prepared) bandwidth(name string, v starlark.Value, id int) (float64, error) {
	if d, ok := v.(*Dist); ok {
		f := d.d.Sample(pr.s.peerRand)
		if err := checkBandwidth(pr.fn, name, f, fmt.Sprintf(", drawn from %s for peer %d", d, id)); err != nil {
			return 0, err
		}
		return f, nil
	}
	f, _ := toFloat(v)
	return f, nil
}

// spec makes the engine PeerSpec of peer id (engine.NoPeer: next free).
func (pr *prepared) spec(id int) (engine.PeerSpec, error) {
	if err := pr.s.env.stopped(); err != nil { // adding millions of peers is one long call
		return engine.PeerSpec{}, err
	}
	ps := engine.PeerSpec{ID: id, Type: pr.typ, Region: pr.region, Validate: pr.validate}
	if pr.regionD != nil {
		ps.Region = string(pr.regionD.values[pr.regionD.choice.Pick(pr.s.peerRand)].(starlark.String))
	}
	var err error
	if ps.Upload, err = pr.bandwidth("upload", pr.upload, id); err != nil {
		return ps, err
	}
	if ps.Download, err = pr.bandwidth("download", pr.download, id); err != nil {
		return ps, err
	}
	for _, sp := range pr.services {
		svc, err := sp.instance(pr.s)
		if err != nil {
			return ps, fmt.Errorf("%s: %w", pr.fn, err)
		}
		ps.Services = append(ps.Services, svc)
	}
	return ps, nil
}

// validator adapts a Starlark validate function.
func (s *Simulation) validator(fn starlark.Callable) engine.ValidateFunc {
	_, reuse := fn.(*starlark.Function)
	args := make(starlark.Tuple, 2)
	return func(p *engine.Peer, d *engine.Delivery) (bool, float64, error) {
		a := args
		if !reuse {
			a = make(starlark.Tuple, 2)
		}
		a[0], a[1] = s.peerValue(p), s.received(p, d)
		prevV, prevB := s.validating, s.busy
		s.validating, s.busy = p, 0
		v, err := s.call(fn, a)
		busy := s.busy
		s.validating, s.busy = prevV, prevB
		a[0], a[1] = nil, nil
		if err != nil {
			return false, 0, err
		}
		ok, isBool := v.(starlark.Bool)
		if !isBool {
			return false, 0, fmt.Errorf("validate function %s returned %s %s; it must return True (accept) or False (reject)", fn.Name(), v.Type(), short(v))
		}
		return bool(ok), busy, nil
	}
}

func simAddPeers(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var what starlark.Value
	var nodesV starlark.Value = starlark.None
	c := newPeerConfig()
	pairs := append([]any{"graph_or_n", &what}, c.pairs()...)
	pairs = append(pairs, "nodes?", &nodesV)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, pairs...); err != nil {
		return nil, err
	}
	if err := s.actsOnAll(b.Name()); err != nil {
		return nil, err
	}
	pr, err := s.prepare(b.Name(), &c)
	if err != nil {
		return nil, err
	}
	var out []starlark.Value
	switch w := what.(type) {
	case starlark.Int:
		n, err := intArg(b.Name(), "n", w)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, fmt.Errorf("%s: n must be >= 0 (got %d)", b.Name(), n)
		}
		if n > engine.MaxPeerID {
			return nil, fmt.Errorf("%s: n=%d is more peers than a simulation may have (peer ids go up to %d)", b.Name(), n, engine.MaxPeerID)
		}
		for i := 0; i < n; i++ {
			p, err := pr.add(engine.NoPeer)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	case *Graph:
		g := w.g
		nodes := g.Nodes
		if nodesV != starlark.None {
			nv, err := iterate(b.Name(), "nodes", nodesV)
			if err != nil {
				return nil, err
			}
			nodes = make([]int, len(nv))
			for i, x := range nv {
				if nodes[i], err = intArg(b.Name(), "nodes", x); err != nil {
					return nil, err
				}
				if !g.HasNode(nodes[i]) {
					return nil, fmt.Errorf("%s: node %d is not in the graph", b.Name(), nodes[i])
				}
			}
		}
		for _, id := range nodes {
			if s.sim.Peer(id) != nil {
				return nil, fmt.Errorf("%s: graph node %d: a peer with that id already exists (use topology relabel(offset), or nodes= to add only new nodes)", b.Name(), id)
			}
		}
		if nodesV == starlark.None {
			nodes = nil // every node
		}
		ps, err := s.sim.AddGraphNodes(g, nodes, pr.spec)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		for _, p := range ps {
			out = append(out, s.peerValue(p))
		}
	default:
		return nil, fmt.Errorf("%s: want a topology graph or a number of peers (got %s %s)", b.Name(), what.Type(), short(what))
	}
	return starlark.NewList(out), nil
}

func (pr *prepared) add(id int) (*Peer, error) {
	ps, err := pr.spec(id)
	if err != nil {
		return nil, err
	}
	p, err := pr.s.sim.AddPeer(ps)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pr.fn, err)
	}
	return pr.s.peerValue(p), nil
}

func simAddPeer(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var idV, connectV starlark.Value = starlark.None, starlark.None
	c := newPeerConfig()
	pairs := append([]any{"id?", &idV}, c.pairs()...)
	pairs = append(pairs, "connect?", &connectV)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, pairs...); err != nil {
		return nil, err
	}
	if err := s.actsOnAll(b.Name()); err != nil {
		return nil, err
	}
	id := engine.NoPeer
	if idV != starlark.None {
		var err error
		if id, err = intArg(b.Name(), "id", idV); err != nil {
			return nil, err
		}
		if id < 0 {
			return nil, fmt.Errorf("%s: id must be >= 0 (got %d)", b.Name(), id)
		}
		if s.sim.Peer(id) != nil {
			return nil, fmt.Errorf("%s: a peer with id %d already exists", b.Name(), id)
		}
	}
	pr, err := s.prepare(b.Name(), &c)
	if err != nil {
		return nil, err
	}
	// Resolve connect= before adding, so a mistake adds nothing.
	var targets []int
	switch cv := connectV.(type) {
	case starlark.NoneType:
	case starlark.Int:
		k, err := intArg(b.Name(), "connect", cv)
		if err != nil {
			return nil, err
		}
		pool := s.sim.PeersOf("peer")
		if k < 0 || k > len(pool) {
			return nil, fmt.Errorf("%s: connect=%d, but there are %d peers of type \"peer\" to connect to", b.Name(), k, len(pool))
		}
		ids := make([]int, len(pool))
		for i, p := range pool {
			ids[i] = p.ID()
		}
		targets = sample.Choose(s.peerRand, ids, k)
	default:
		xs, err := iterate(b.Name(), "connect", connectV)
		if err != nil {
			return nil, fmt.Errorf("%s: connect must be a number of random peers or a list of peers (got %s)", b.Name(), connectV.Type())
		}
		for _, x := range xs {
			p, err := s.peerArg(b.Name(), "connect", x)
			if err != nil {
				return nil, err
			}
			targets = append(targets, p.ID())
		}
	}
	p, err := pr.add(id)
	if err != nil {
		return nil, err
	}
	for _, t := range targets {
		if err := s.sim.Connect(p.p.ID(), t); err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
	}
	return p, nil
}

func simPeer(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var id int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "id", &id); err != nil {
		return nil, err
	}
	p := s.sim.Peer(id)
	if p == nil {
		return nil, fmt.Errorf("sim.peer: there is no peer %d (the simulation has %d peers)", id, len(s.sim.Peers()))
	}
	return s.peerValue(p), nil
}

func simPeersOf(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	var typ string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "type", &typ); err != nil {
		return nil, err
	}
	ps := s.sim.PeersOf(typ)
	l := make([]starlark.Value, len(ps))
	for i, p := range ps {
		l[i] = s.peerValue(p)
	}
	return starlark.NewList(l), nil
}

// peerPair unpacks the two peers (or ids) of sim.connect / sim.disconnect.
func (s *Simulation) peerPair(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (*engine.Peer, *engine.Peer, error) {
	var av, bv starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "a", &av, "b", &bv); err != nil {
		return nil, nil, err
	}
	pa, err := s.peerArg(b.Name(), "a", av)
	if err != nil {
		return nil, nil, err
	}
	pb, err := s.peerArg(b.Name(), "b", bv)
	return pa, pb, err
}

func simConnect(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	pa, pb, err := s.peerPair(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	if err := s.actsOnLink(b.Name(), pa, pb); err != nil {
		return nil, err
	}
	if err := s.sim.Connect(pa.ID(), pb.ID()); err != nil {
		return nil, fmt.Errorf("sim.%w", err)
	}
	return starlark.None, nil
}

func simDisconnect(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	s := simOf(b)
	pa, pb, err := s.peerPair(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	if err := s.actsOnLink(b.Name(), pa, pb); err != nil {
		return nil, err
	}
	s.sim.Disconnect(pa.ID(), pb.ID())
	return starlark.None, nil
}
