package services

import (
	"fmt"
	"math"
	"strconv"

	"github.com/p2prepl/p2prepl/engine"
)

// Producer creates a new message every 1000/Rate ms from InitDelay on and
// gossips it to Fanout random neighbours with TTL TTL. Ids are
// "<peer>_<n>", n counting from 1, as in p2psimpy's MessageProducer (and
// its defaults, given on the fields). The producer also holds what it
// produces, so it counts as having seen it.
type Producer struct {
	engine.Base
	Kind      string  // message kind, default "gossip"
	Rate      float64 // messages per simulated second, default 5
	InitDelay float64 // ms before the first message, default 1000
	Fanout    int     // default 5
	TTL       int     // default 4; engine.Unlimited for no limit
	Size      int     // bytes, default 250 like p2psimpy's gossip messages
	Store     string  // namespace to store produced messages ("" none)
	// Payload makes the data of message n; nil gives a random uint64. An
	// error from it ends the run.
	Payload func(p *engine.Peer, n int) (any, error)

	n int
}

// NewProducer returns a producer with p2psimpy's defaults (see Producer's
// fields).
func NewProducer() *Producer {
	return &Producer{Kind: "gossip", Rate: 5, InitDelay: 1000, Fanout: 5, TTL: 4, Size: 250}
}

// Check validates the parameters.
func (pr *Producer) Check() error {
	if !(pr.Rate > 0) || math.IsInf(pr.Rate, 1) {
		return fmt.Errorf("producer: rate must be > 0 messages per second, and finite (got %g)", pr.Rate)
	}
	if !(pr.InitDelay >= 0) {
		return fmt.Errorf("producer: start delay must be >= 0 ms (got %g)", pr.InitDelay)
	}
	if pr.Size < 0 {
		return fmt.Errorf("producer: size must be >= 0 bytes (got %d)", pr.Size)
	}
	return nil
}

func (pr *Producer) Name() string { return "producer" }

func (pr *Producer) Start(p *engine.Peer) error {
	if err := pr.Check(); err != nil {
		return err
	}
	_, err := p.After(pr, pr.InitDelay, 0)
	return err
}

func (pr *Producer) Timer(p *engine.Peer, _ int64) error {
	if p.Online() {
		s := p.Sim()
		pr.n++
		id := strconv.Itoa(p.ID()) + "_" + strconv.Itoa(pr.n)
		var data any
		if pr.Payload != nil {
			var err error
			if data, err = pr.Payload(p, pr.n); err != nil {
				return fmt.Errorf("producer payload of message %s: %w", id, err)
			}
		} else {
			data = s.Rand().Uint64()
		}
		m := s.NewMessage(pr.Kind, id, p.ID(), data, pr.Size, pr.TTL)
		s.MarkSeen(p.ID(), m, 0)
		if pr.Store != "" {
			p.Store(pr.Store, id, m)
			p.Store("msg_time", id, s.Now())
		}
		p.Gossip(m, pr.TTL, 1, pr.Fanout, engine.Exclude{Peer: engine.NoPeer})
	}
	_, err := p.After(pr, 1000/pr.Rate, 0)
	return err
}

// Produced is the number of messages created so far.
func (pr *Producer) Produced() int { return pr.n }

// Snapshot saves the count of messages produced (engine.Snapshotter).
func (pr *Producer) Snapshot() func() {
	n := pr.n
	return func() { pr.n = n }
}
