package services

import (
	"math"
	"slices"

	"github.com/p2prepl/p2prepl/engine"
	"github.com/p2prepl/p2prepl/engine/dist"
)

// Gossip spreads messages of one kind. With Push it forwards each message
// to Fanout random neighbours (except the one it came from and peers of
// type ExceptType) while its TTL allows; with Pull it runs anti-entropy
// rounds; PushPull does both.
//
// By default a peer forwards each message id once, on first receipt.
// ForwardDuplicates reproduces p2psimpy's GossipService, which forwards on
// every receipt while TTL > 0, so traffic grows like fanout^TTL.
type Gossip struct {
	engine.Base
	Kind              string    // message kind spread, default "gossip"
	Push, Pull        bool      // modes
	Fanout            int       // push fanout, default 3
	ForwardDuplicates bool      // p2psimpy's behaviour
	ExceptType        string    // peer type never gossiped to, default "client"
	Store             string    // storage namespace for received messages ("" none)
	PullFanout        int       // neighbours per pull round, default 3
	RoundTime         float64   // ms between pull rounds, default 500
	FirstRound        dist.Dist // the first pull round is |FirstRound| ms after start, default N(200, 100)
	// DelayFirstRound starts the pull rounds RoundTime ms later, at
	// |FirstRound| + RoundTime, as p2psimpy's PullGossipService does (it
	// waits its initial timeout, then a round, before its first SyncPing).
	DelayFirstRound bool
	// StoreEvery stores every copy received, not only the first, so that
	// Store holds the last version a peer received and "msg_time" the
	// last receipt, as p2psimpy's gossip services keep them.
	StoreEvery bool

	exceptType int
	scratch    []*engine.Message // lists are built here, then cloned to size
}

// Kinds of the anti-entropy exchange: the initiator sends the ids it holds
// (SyncPing); the receiver answers with the ids the initiator lacks
// (SyncPong) and asks for those it lacks itself (MsgRequest); a MsgRequest
// is answered with the messages (MsgResponse).
const (
	KindSyncPing    = "sync_ping"
	KindSyncPong    = "sync_pong"
	KindMsgRequest  = "msg_request"
	KindMsgResponse = "msg_response"
)

// digestBytes is the size of one id in the anti-entropy exchange: its
// messages are a header (engine.HeaderSize) plus a digest per id; a
// response carries its messages whole.
const digestBytes = 8

// NewPushGossip returns push gossip with p2psimpy's defaults (see Gossip's
// fields).
func NewPushGossip() *Gossip { return newGossip(true, false) }

// NewPullGossip returns pull gossip (anti-entropy) with p2psimpy's defaults
// (see Gossip's fields).
func NewPullGossip() *Gossip { return newGossip(false, true) }

// NewPushPullGossip combines both, with the same defaults.
func NewPushPullGossip() *Gossip { return newGossip(true, true) }

func newGossip(push, pull bool) *Gossip {
	first, _ := dist.Norm(200, 100)
	return &Gossip{Kind: "gossip", Push: push, Pull: pull, Fanout: 3, ExceptType: "client",
		PullFanout: 3, RoundTime: 500, FirstRound: first}
}

func (g *Gossip) Name() string {
	switch {
	case g.Push && g.Pull:
		return "push_pull_gossip"
	case g.Pull:
		return "pull_gossip"
	}
	return "gossip"
}

func (g *Gossip) Kinds() []string {
	if !g.Pull {
		return []string{g.Kind}
	}
	return []string{g.Kind, KindSyncPing, KindSyncPong, KindMsgRequest, KindMsgResponse}
}

func (g *Gossip) Start(p *engine.Peer) error {
	g.exceptType = p.Sim().TypeIndex(g.ExceptType)
	if !g.Pull {
		return nil
	}
	p.KeepHeld()
	first := math.Abs(g.FirstRound.Sample(p.Sim().Rand()))
	if g.DelayFirstRound {
		first += g.RoundTime
	}
	_, err := p.After(g, first, 0)
	return err
}

func (g *Gossip) Handle(p *engine.Peer, d *engine.Delivery) error {
	m := d.Msg
	switch m.Kind {
	case g.Kind:
		if g.Store != "" && (d.First || g.StoreEvery) {
			g.store(p, m)
		}
		if g.Push && (d.First || g.ForwardDuplicates) && d.Forwardable() {
			if _, err := p.ForwardGossip(d, g.Fanout, engine.Exclude{Peer: engine.NoPeer, Type: g.except(p)}); err != nil {
				return err
			}
		}
	case KindSyncPing:
		return g.onSyncPing(p, d)
	case KindSyncPong:
		return g.request(p, d.From, m.Data.([]*engine.Message))
	case KindMsgRequest:
		return g.respond(p, d.From, m.Data.([]*engine.Message))
	case KindMsgResponse:
		s := p.Sim()
		for _, got := range m.Data.([]*engine.Message) {
			if first := s.MarkSeen(p.ID(), got, d.Hops); (first || g.StoreEvery) && g.Store != "" {
				g.store(p, got)
			}
		}
	}
	return nil
}

// except is the index of ExceptType. The type may not have existed when
// the service started (no client added yet), so it is looked up again
// until it does.
func (g *Gossip) except(p *engine.Peer) int {
	if g.exceptType == 0 && g.ExceptType != "" {
		g.exceptType = p.Sim().TypeIndex(g.ExceptType)
	}
	return g.exceptType
}

func (g *Gossip) store(p *engine.Peer, m *engine.Message) {
	p.Store(g.Store, m.ID, m)
	p.Store("msg_time", m.ID, p.Sim().Now())
}

// Timer runs one pull round: offer what this peer holds to PullFanout
// random neighbours. The offer is a prefix of the peer's append-only held
// list, so it is a true snapshot at sending time.
func (g *Gossip) Timer(p *engine.Peer, _ int64) error {
	if p.Online() && p.Degree() > 0 {
		held := p.Held()
		m := p.Sim().NewMessage(KindSyncPing, "", p.ID(), held, engine.HeaderSize+digestBytes*len(held), 0)
		p.Gossip(m, 0, 1, g.PullFanout, engine.Exclude{Peer: engine.NoPeer, Type: g.except(p)})
	}
	_, err := p.After(g, g.RoundTime, 0)
	return err
}

func (g *Gossip) onSyncPing(p *engine.Peer, d *engine.Delivery) error {
	s := p.Sim()
	offered := d.Msg.Data.([]*engine.Message)
	mark := s.NewMark()
	g.scratch = g.scratch[:0]
	for _, m := range offered {
		m.Mark(mark)
		if !s.Seen(p.ID(), m) {
			g.scratch = append(g.scratch, m)
		}
	}
	want := slices.Clone(g.scratch)
	g.scratch = g.scratch[:0]
	for _, m := range p.Held() {
		if !m.Marked(mark) {
			g.scratch = append(g.scratch, m)
		}
	}
	lacks := slices.Clone(g.scratch)
	if !p.Connected(d.From) {
		return nil
	}
	if len(lacks) > 0 {
		pong := s.NewMessage(KindSyncPong, "", p.ID(), lacks, engine.HeaderSize+digestBytes*len(lacks), 0)
		if err := p.Send(d.From, pong); err != nil {
			return err
		}
	}
	if len(want) > 0 {
		req := s.NewMessage(KindMsgRequest, "", p.ID(), want, engine.HeaderSize+digestBytes*len(want), 0)
		return p.Send(d.From, req)
	}
	return nil
}

// request asks for the offered messages this peer still lacks.
func (g *Gossip) request(p *engine.Peer, from int, offered []*engine.Message) error {
	s := p.Sim()
	g.scratch = g.scratch[:0]
	for _, m := range offered {
		if !s.Seen(p.ID(), m) {
			g.scratch = append(g.scratch, m)
		}
	}
	if len(g.scratch) == 0 || !p.Connected(from) {
		return nil
	}
	want := slices.Clone(g.scratch)
	return p.Send(from, s.NewMessage(KindMsgRequest, "", p.ID(), want, engine.HeaderSize+digestBytes*len(want), 0))
}

// respond sends the version this peer holds of each requested id.
func (g *Gossip) respond(p *engine.Peer, to int, asked []*engine.Message) error {
	if !p.Connected(to) {
		return nil
	}
	held := p.Held()
	mark := p.Sim().NewMark()
	for _, m := range asked {
		m.Mark(mark)
	}
	g.scratch = g.scratch[:0]
	size := engine.HeaderSize
	for _, m := range held {
		if m.Marked(mark) {
			g.scratch = append(g.scratch, m)
			size += m.Size
		}
	}
	if len(g.scratch) == 0 {
		return nil
	}
	out := slices.Clone(g.scratch)
	return p.Send(to, p.Sim().NewMessage(KindMsgResponse, "", p.ID(), out, size, 0))
}

// Snapshot: gossip keeps no state between calls (engine.Snapshotter).
func (g *Gossip) Snapshot() func() { return func() {} }
