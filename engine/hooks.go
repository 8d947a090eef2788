package engine

// deliverHook is a check run after deliveries (Sim.OnDeliver).
type deliverHook struct {
	kinds map[string]bool // nil: every kind
	fn    func(p *Peer, d *Delivery) error
}

// OnDeliver calls fn after each message of one of kinds (nil: every kind)
// has been handed to a peer's services, e.g. to check a property that must
// always hold. An error from fn ends the run as a *RunError at that
// delivery. Without hooks a delivery pays one length check.
func (s *Sim) OnDeliver(kinds []string, fn func(p *Peer, d *Delivery) error) {
	h := deliverHook{fn: fn}
	if kinds != nil {
		h.kinds = make(map[string]bool, len(kinds))
		for _, k := range kinds {
			h.kinds[k] = true
		}
	}
	s.onDeliver = append(s.onDeliver, h)
}

func (s *Sim) afterDelivery(p *Peer, d *Delivery) error {
	for i := range s.onDeliver {
		h := &s.onDeliver[i]
		if h.kinds != nil && !h.kinds[d.Msg.Kind] {
			continue
		}
		if err := h.fn(p, d); err != nil {
			if _, ok := err.(*RunError); ok {
				return err
			}
			return &RunError{T: s.now, Peer: p.id, Err: err}
		}
	}
	return nil
}
