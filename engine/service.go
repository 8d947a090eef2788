package engine

// Service is what peers run: it declares the message kinds it handles, is
// started once when its peer is added, handles messages and fires timers.
// Each peer has its own instance, so a service keeps per-peer state in its
// own fields. An error from any method ends the run with a RunError naming
// the time and peer.
type Service interface {
	Name() string
	Kinds() []string
	Start(p *Peer) error
	Handle(p *Peer, d *Delivery) error
	Timer(p *Peer, tag int64) error
}

// OnlineObserver is implemented by services that act when their peer goes
// down or comes back (reconnecting, catching up).
type OnlineObserver interface {
	Offline(p *Peer) error
	Online(p *Peer) error
}

// Base is embedded by services that need only some of the methods.
type Base struct{}

func (Base) Kinds() []string               { return nil }
func (Base) Start(*Peer) error             { return nil }
func (Base) Handle(*Peer, *Delivery) error { return nil }
func (Base) Timer(*Peer, int64) error      { return nil }

// After schedules this peer's service svc to get Timer(tag) delay ms from now.
func (p *Peer) After(svc Service, delay float64, tag int64) (TimerID, error) {
	return p.sim.After(p, svc, delay, tag)
}
