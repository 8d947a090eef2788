package engine

import (
	"strconv"

	"github.com/p2prepl/p2prepl/engine/shiviz"
)

// A history is the in-memory record of what happened in a run, for the
// pictures drawn after it (space-time diagrams, reports): every copy of a
// message sent, with its receipt or drop, changes of online state and the
// peers' marks. It is kept only once KeepHistory is called; until then
// observing costs one predictable branch per message.

// EntryKind says what a history entry records.
type EntryKind uint8

const (
	EntrySent      EntryKind = iota + 1 // Peer put a copy of Msg on the wire to Other
	EntryDelivered                      // Peer accepted a copy from Other and a service handled it
	EntryUnhandled                      // Peer accepted it, but no service takes its kind
	EntryRejected                       // Peer's validation step refused it
	EntryDropped                        // the copy was lost at Peer (Reason says why)
	EntryOffline                        // Peer went offline
	EntryOnline                         // Peer came back online
	EntryMark                           // Peer was marked with a label (Peer.Mark)
)

var entryNames = [...]string{"", "sent", "delivered", "unhandled", "rejected", "dropped", "offline", "online", "mark"}

func (k EntryKind) String() string {
	if int(k) < len(entryNames) {
		return entryNames[k]
	}
	return "entry(" + strconv.Itoa(int(k)) + ")"
}

// DropReason says why a message was dropped.
type DropReason uint8

const (
	DropNone            DropReason = iota
	DropSenderOffline              // the sender was offline when it sent
	DropLoss                       // lost on the link
	DropPartition                  // the link was cut by a partition
	DropReceiverOffline            // the receiver was offline when it arrived or while it waited
	DropDisconnected               // sent to a peer the sender was no longer connected to
	DropFault                      // a perturbation schedule dropped it (Sim.Perturb, Sim.Replay)
)

var dropNames = [...]string{"", "sender offline", "loss", "partition", shiviz.ReceiverOffline, "disconnected", "fault"}

// String is the reason as the trace and the counters name it.
func (r DropReason) String() string {
	if int(r) < len(dropNames) {
		return dropNames[r]
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// Entry is one thing that happened.
type Entry struct {
	T      float64
	Msg    *Message // the message of a message entry
	Send   int32    // receipts and drops: the index of the copy's EntrySent entry, -1 if it was sent before the history began
	Peer   int32    // where it happened: the sender of a send, the receiver of a receipt, where a drop happened
	Other  int32    // the other end: the receiver of a send, the sender of a receipt or drop
	Hops   int32    // hops the copy travelled (1 for a direct send)
	Label  int32    // EntryMark: the index of its label (History.Label)
	Kind   EntryKind
	Reason DropReason
}

const historyChunk = 1 << 16

// History is the record kept by KeepHistory. Entries are in the order
// they happened (by time, then by the order of the engine's events).
type History struct {
	chunks [][]Entry // fixed-size chunks: growing never copies entries
	n      int
	labels []string
	sendAt []int32 // entry index of the send numbered base+i
	base   uint32
}

// Len is the number of entries.
func (h *History) Len() int { return h.n }

// At returns entry i (0 <= i < Len). It must not be modified.
func (h *History) At(i int) *Entry { return &h.chunks[i/historyChunk][i%historyChunk] }

// Label returns the label of a mark entry.
func (h *History) Label(e *Entry) string {
	if e.Kind != EntryMark || int(e.Label) >= len(h.labels) {
		return ""
	}
	return h.labels[e.Label]
}

func (h *History) add(e Entry) int32 {
	c := h.n / historyChunk
	if c == len(h.chunks) {
		h.chunks = append(h.chunks, make([]Entry, 0, historyChunk))
	}
	h.chunks[c] = append(h.chunks[c], e)
	h.n++
	return int32(h.n - 1)
}

func (h *History) sendIndex(seq uint32) int32 {
	i := int64(seq) - int64(h.base)
	if seq == 0 || i < 0 || i >= int64(len(h.sendAt)) {
		return -1
	}
	return h.sendAt[i]
}

// KeepHistory starts keeping the history of the run from now on (calling
// it again does nothing). It costs about 40 bytes per message copy sent
// and another 40 per receipt or drop.
func (s *Sim) KeepHistory() {
	if s.hist != nil {
		return
	}
	h := &History{base: s.sendSeq + 1}
	s.hist = h
	s.obs = true
	for _, p := range s.peers {
		if p != nil && !p.online {
			h.add(Entry{T: s.now, Kind: EntryOffline, Peer: int32(p.id), Send: -1, Other: -1})
		}
	}
}

// History returns the history kept since KeepHistory, or nil.
func (s *Sim) History() *History { return s.hist }

// Mark annotates the peer's timeline at the current time with a label (a
// decision, the start of a round): it appears in the trace, the history
// and the pictures drawn from them. Without a trace or a history it does
// nothing.
func (p *Peer) Mark(label string) {
	s := p.sim
	if !s.obs {
		return
	}
	if s.trace != nil {
		e := shiviz.Event{T: s.now, Ev: "mark", Peer: p.id, Label: label}
		s.trace.event(s, &e, -1)
	}
	if h := s.hist; h != nil {
		h.labels = append(h.labels, label)
		h.add(Entry{T: s.now, Kind: EntryMark, Peer: int32(p.id), Other: -1, Send: -1, Label: int32(len(h.labels) - 1)})
	}
}

// The observe* functions are called, when s.obs is set, where the engine
// sends, receives and drops messages and peers change state.

// observeSend numbers a copy of m put on the wire and records it.
func (s *Sim) observeSend(m *Message, from, to int, hops int32) uint32 {
	s.sendSeq++
	seq := s.sendSeq
	if s.trace != nil {
		s.trace.msg(s, "send", m, from, to, int(hops), seq, "")
	}
	if h := s.hist; h != nil {
		i := h.add(Entry{T: s.now, Kind: EntrySent, Msg: m, Peer: int32(from), Other: int32(to), Hops: hops, Send: -1})
		h.sendAt = append(h.sendAt, i)
	}
	return seq
}

// observeDrop records the loss of copy seq of m, sent from one peer to
// another.
func (s *Sim) observeDrop(m *Message, from, to int, why DropReason, seq uint32, hops int) {
	if s.trace != nil {
		s.trace.msg(s, "drop", m, from, to, hops, seq, why.String())
	}
	if h := s.hist; h != nil {
		at, other := from, to
		if why == DropReceiverOffline {
			at, other = to, from
		}
		h.add(Entry{T: s.now, Kind: EntryDropped, Msg: m, Peer: int32(at), Other: int32(other), Hops: int32(hops), Send: h.sendIndex(seq), Reason: why})
	}
}

var receiptEvents = [...]string{EntryDelivered: "deliver", EntryUnhandled: "unhandled", EntryRejected: "reject"}

// observeReceipt records what peer p did with the copy it just processed.
func (s *Sim) observeReceipt(p *Peer, d *Delivery, k EntryKind) {
	if s.trace != nil {
		s.trace.msg(s, receiptEvents[k], d.Msg, d.From, p.id, d.Hops, s.copySeq(d.Msg, d.ref), "")
	}
	if h := s.hist; h != nil {
		h.add(Entry{T: s.now, Kind: k, Msg: d.Msg, Peer: int32(p.id), Other: int32(d.From), Hops: int32(d.Hops), Send: h.sendIndex(s.copySeq(d.Msg, d.ref))})
	}
}

// receiptKind says whether a service of p takes messages of kind k.
func (p *Peer) receiptKind(k int32) EntryKind {
	ki := int(k)
	w, bit := ki>>6, uint64(1)<<(uint(ki)&63)
	for i := range p.services {
		e := &p.services[i]
		if (w == 0 && e.mask0&bit != 0) || (w > 0 && w < len(e.mask) && e.mask[w]&bit != 0) {
			return EntryDelivered
		}
	}
	return EntryUnhandled
}

// observeState records a peer going offline or coming back.
func (s *Sim) observeState(peer int, up bool) {
	ev, k := "offline", EntryOffline
	if up {
		ev, k = "online", EntryOnline
	}
	if s.trace != nil {
		e := shiviz.Event{T: s.now, Ev: ev, Peer: peer}
		s.trace.event(s, &e, -1)
	}
	if h := s.hist; h != nil {
		h.add(Entry{T: s.now, Kind: k, Peer: int32(peer), Other: -1, Send: -1})
	}
}

// Partition is a cut between two groups of peers during [From, Until).
type Partition struct {
	From, Until float64
	A, B        []int // B is empty when it means every peer not in A
}

// Partitions lists the partitions set so far, by start time.
func (s *Sim) Partitions() []Partition {
	out := make([]Partition, len(s.partitions))
	for i, pt := range s.partitions {
		out[i] = Partition{From: pt.from, Until: pt.until}
		for id, side := range pt.side {
			switch side {
			case 1:
				out[i].A = append(out[i].A, id)
			case 2:
				out[i].B = append(out[i].B, id)
			}
		}
	}
	return out
}
