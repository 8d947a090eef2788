package services

import (
	"slices"

	"github.com/p2prepl/p2prepl/engine"
)

// ConnManager keeps a peer's connections alive, as p2psimpy's
// BaseConnectionManager does (and with its defaults). Every PingInterval
// ms it pings each neighbour it has heard nothing from for more than
// PingInterval ms: any message counts, so traffic proves liveness and a
// busy link carries no pings. It drops neighbours silent for more than
// MaxSilence ms, and after downtime reconnects to the neighbours it had
// when it went down.
//
// In a quiet network a link then carries two pings (each answered by a
// pong) every three intervals when its two ends' rounds are out of phase
// (the default), and one ping from each end every two intervals when they
// are in phase (Aligned, as in p2psimpy).
type ConnManager struct {
	engine.Base
	PingInterval float64 // ms, default 1000
	MaxSilence   float64 // ms, default 5000
	// Aligned runs the rounds at start + k*PingInterval, as p2psimpy
	// does, so that peers started together ping at the same instants.
	// Otherwise the first round comes after a random phase drawn
	// uniformly from [0, PingInterval), which spreads the pings out.
	Aligned bool
	// Hello opens links and announces returns as p2psimpy's
	// BaseConnectionManager does. At start the peer says hello to each
	// neighbour, and the first end of a link to hear a hello answers it,
	// so each link carries three. Back from downtime, the peer says hello
	// to the neighbours it is still connected to, instead of reconnecting
	// to those it had and restarting its silence clock. (Links are usable
	// from the start either way; hellos are only traffic and liveness.)
	Hello bool

	ping    *engine.Message
	prev    float64 // time of the previous round
	before  []int
	drop    []int
	greeted []int32 // neighbours whose link a hello has opened (Hello)
}

// NewConnManager returns a connection manager with p2psimpy's defaults.
func NewConnManager() *ConnManager {
	return &ConnManager{PingInterval: 1000, MaxSilence: 5000}
}

// KindHello is the kind of the Hello option's messages.
const KindHello = "hello"

func (c *ConnManager) Name() string { return "connection_manager" }
func (c *ConnManager) Kinds() []string {
	if c.Hello {
		return []string{"ping", "pong", KindHello}
	}
	return []string{"ping", "pong"}
}

func (c *ConnManager) Start(p *engine.Peer) error {
	s := p.Sim()
	// Ping and pong carry nothing, so the simulation's one of each serves
	// every peer.
	c.ping = s.Signal("ping", engine.HeaderSize)
	phase := 0.0
	if !c.Aligned {
		phase = s.Rand().Float64() * c.PingInterval
	}
	c.prev = s.Now() + phase - c.PingInterval
	if _, err := p.After(c, phase, 0); err != nil {
		return err
	}
	if c.Hello {
		return c.sayHello(p)
	}
	return nil
}

// sayHello sends a hello to every neighbour.
func (c *ConnManager) sayHello(p *engine.Peer) error {
	hello := p.Sim().Signal(KindHello, engine.HeaderSize)
	for i := 0; i < p.Degree(); i++ {
		id, _ := p.Neighbour(i)
		if err := p.Send(id, hello); err != nil {
			return err
		}
	}
	return nil
}

// onHello answers the first hello heard on a link, from either end, as
// p2psimpy's recv_hello answers a peer it is not yet connected to.
func (c *ConnManager) onHello(p *engine.Peer, from int) error {
	if slices.Contains(c.greeted, int32(from)) {
		return nil
	}
	c.greeted = append(c.greeted, int32(from))
	if q := p.Sim().Peer(from); q != nil {
		for _, svc := range q.Services() {
			if o, ok := svc.(*ConnManager); ok && o.Hello && !slices.Contains(o.greeted, int32(p.ID())) {
				o.greeted = append(o.greeted, int32(p.ID()))
			}
		}
	}
	if !p.Connected(from) {
		return nil
	}
	return p.Send(from, p.Sim().Signal(KindHello, engine.HeaderSize))
}

func (c *ConnManager) Timer(p *engine.Peer, _ int64) error {
	now := p.Sim().Now()
	if p.Online() {
		c.drop = c.drop[:0]
		for i := 0; i < p.Degree(); i++ {
			id, heard := p.Neighbour(i)
			if now-heard > c.MaxSilence {
				c.drop = append(c.drop, id)
				continue
			}
			// Silent for more than one interval: nothing arrived since
			// the previous round (itself one interval ago). Comparing
			// with the stored round time, not now-PingInterval, keeps a
			// reply that arrived at the very instant of the previous
			// round (zero latency) from depending on rounding.
			if heard < c.prev {
				if err := p.Send(id, c.ping); err != nil {
					return err
				}
			}
		}
		for _, id := range c.drop {
			p.Sim().Disconnect(p.ID(), id)
		}
	}
	c.prev = now
	_, err := p.After(c, c.PingInterval, 0)
	return err
}

func (c *ConnManager) Handle(p *engine.Peer, d *engine.Delivery) error {
	switch d.Msg.Kind {
	case "ping":
		if p.Connected(d.From) {
			// The pong comes from the simulation, not from c: reading c
			// here would cost a cache miss per ping in large networks.
			return p.Send(d.From, p.Sim().Signal("pong", engine.HeaderSize))
		}
	case KindHello:
		return c.onHello(p, d.From)
	}
	return nil
}

// Offline remembers the neighbours to reconnect to later.
func (c *ConnManager) Offline(p *engine.Peer) error {
	c.before = c.before[:0]
	for i := 0; i < p.Degree(); i++ {
		id, _ := p.Neighbour(i)
		c.before = append(c.before, id)
	}
	return nil
}

// Online reconnects to the neighbours the peer had before going down (a
// snapshot taken then, not a live view) that are up, and restarts the
// silence clock so the peer does not judge them by its own downtime. With
// Hello it only says hello to the neighbours it still has, as p2psimpy.
func (c *ConnManager) Online(p *engine.Peer) error {
	if c.Hello {
		return c.sayHello(p)
	}
	s := p.Sim()
	for _, id := range c.before {
		if q := s.Peer(id); q != nil && q.Online() {
			if err := s.Connect(p.ID(), id); err != nil {
				return err
			}
		}
	}
	p.Heard()
	return nil
}

// Snapshot saves the time of the previous round and the links a hello
// has opened (engine.Snapshotter).
func (c *ConnManager) Snapshot() func() {
	prev, greeted := c.prev, slices.Clone(c.greeted)
	return func() { c.prev, c.greeted = prev, slices.Clone(greeted) }
}
