package services

import "github.com/p2prepl/p2prepl/engine"

// ConnManager keeps a peer's connections alive: it pings every neighbour
// each PingInterval ms, drops neighbours silent for longer than MaxSilence
// ms, and after downtime reconnects to the neighbours it had when it went
// down. (p2psimpy's BaseConnectionManager; its defaults.)
type ConnManager struct {
	engine.Base
	PingInterval float64 // ms, default 1000
	MaxSilence   float64 // ms, default 5000

	ping   *engine.Message
	before []int
	drop   []int
}

// NewConnManager returns a connection manager with p2psimpy's defaults.
func NewConnManager() *ConnManager {
	return &ConnManager{PingInterval: 1000, MaxSilence: 5000}
}

func (c *ConnManager) Name() string    { return "connection_manager" }
func (c *ConnManager) Kinds() []string { return []string{"ping", "pong"} }

func (c *ConnManager) Start(p *engine.Peer) error {
	s := p.Sim()
	// Ping and pong carry nothing, so the simulation's one of each serves
	// every peer.
	c.ping = s.Signal("ping", engine.HeaderSize)
	// Peers added together would all ping at the same instant; a random
	// phase spreads them over one interval.
	_, err := p.After(c, s.Rand().Float64()*c.PingInterval, 0)
	return err
}

func (c *ConnManager) Timer(p *engine.Peer, _ int64) error {
	if p.Online() {
		now := p.Sim().Now()
		c.drop = c.drop[:0]
		for i := 0; i < p.Degree(); i++ {
			id, heard := p.Neighbour(i)
			if now-heard > c.MaxSilence {
				c.drop = append(c.drop, id)
				continue
			}
			if err := p.Send(id, c.ping); err != nil {
				return err
			}
		}
		for _, id := range c.drop {
			p.Sim().Disconnect(p.ID(), id)
		}
	}
	_, err := p.After(c, c.PingInterval, 0)
	return err
}

func (c *ConnManager) Handle(p *engine.Peer, d *engine.Delivery) error {
	if d.Msg.Kind == "ping" && p.Connected(d.From) {
		// The pong comes from the simulation, not from c: reading c here
		// would cost a cache miss per ping in large networks.
		return p.Send(d.From, p.Sim().Signal("pong", engine.HeaderSize))
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
// silence clock so the peer does not judge them by its own downtime.
func (c *ConnManager) Online(p *engine.Peer) error {
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
