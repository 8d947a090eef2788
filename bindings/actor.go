package bindings

import (
	"fmt"

	"github.com/p2prepl/p2prepl/engine"
)

// A peer's code acts only for its own peer. A Starlark service (its
// handlers, timers and the sim.at calls it schedules) and a validate
// function run on behalf of one peer; everything else it can reach
// (sim.peer(id), self.peer.sim) it may read, but not act through. Without
// this a byzantine service could send as an honest peer, putting that
// peer's id on msg.path (the signature chain of authenticated protocols),
// or write an honest peer's decision, crash it, cut its links, partition
// the network or add sybil peers. Faults are injected by the script (at
// top level, or in sim.at callbacks the script itself schedules).

// actor is the peer whose code runs now: the one validating a message, or
// the one whose service instance runs; nil while the script itself runs.
func (s *Simulation) actor() *engine.Peer {
	if s.validating != nil {
		return s.validating
	}
	if a := s.active; a != nil {
		return a.peer
	}
	return s.acting
}

// actsFor refuses fn on peer p (an action: send, store, crash, ...) when
// the code running belongs to another peer.
func (s *Simulation) actsFor(fn string, p *engine.Peer) error {
	if a := s.actor(); a != nil && a != p {
		return fmt.Errorf("%s: the code of peer %d acts only for its own peer, not for peer %d: a service or validate function may read other peers, but send, store, connect, crash and go offline only as itself (inject faults on other peers from the script: at top level, or in a sim.at the script schedules)", fn, a.ID(), p.ID())
	}
	return nil
}

// actsOnLink refuses fn on the link a - b unless the code running belongs
// to one of its ends (a peer may open and close its own connections).
func (s *Simulation) actsOnLink(fn string, a, b *engine.Peer) error {
	if x := s.actor(); x != nil && x != a && x != b {
		return s.actsFor(fn, a)
	}
	return nil
}

// actsOnAll refuses fn, which changes the network or its membership as a
// whole, inside a peer's code.
func (s *Simulation) actsOnAll(fn string) error {
	if a := s.actor(); a != nil {
		return fmt.Errorf("%s: the code of peer %d acts only for its own peer: adding peers, partitions and loss change the whole network, which only the script does (at top level, or in a sim.at the script schedules)", fn, a.ID())
	}
	return nil
}
