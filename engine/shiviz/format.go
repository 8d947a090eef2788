package shiviz

import (
	"strconv"
	"unicode/utf8"
)

// Regexp is the parser expression a ShiViz log file starts with: ShiViz
// takes a file's first line as the expression (anchored to whole lines),
// its second line as the delimiter between executions (empty here: one
// run per file), and the rest as the log.
const Regexp = `(?<host>\S+) "(?<event>.*)" (?<clock>\{.*\})`

// Header is what a log file starts with.
const Header = Regexp + "\n\n"

// Event is one event of a run, as the trace writes it.
type Event struct {
	T       float64
	Ev      string // send, deliver, unhandled, reject, drop, mark, online, offline, connect, disconnect
	Kind    string // message kind
	ID      string // message id; "" for an untracked message
	Version int
	From    int // the sender of a message event
	To      int // its receiver
	Peer    int // the peer of a mark, online or offline event
	Hops    int
	Seq     uint64 // the send's sequence number, shared by the send and its receipt or drop
	Reason  string // why a message was dropped
	Label   string // a mark's label
}

// ReceiverOffline is the drop reason of a message that reached, or waited
// at, a peer that was offline: the message is lost at the receiver. Every
// other reason loses it at the sender, before it travels.
const ReceiverOffline = "offline"

// Host returns the peer at which the event happens: the sender of a send,
// the receiver of a receipt, the peer where a dropped message was lost,
// the peer of a mark or of a change of state. ok is false for events that
// belong to no single peer (connect, disconnect).
func (e *Event) Host() (host int, ok bool) {
	switch e.Ev {
	case "send":
		return e.From, true
	case "deliver", "unhandled", "reject":
		return e.To, true
	case "drop":
		if e.Reason == ReceiverOffline {
			return e.To, true
		}
		return e.From, true
	case "mark", "online", "offline":
		return e.Peer, true
	}
	return 0, false
}

// Log keeps the vector clocks of a run's events.
type Log struct {
	clocks *Clocks
}

// NewLog returns a log with no events yet.
func NewLog() *Log { return &Log{clocks: NewClocks()} }

// Clock records the event and returns its host and its vector clock
// (valid until the next call); ok is false for events of no single peer,
// which have no clock. A drop is a local event of the peer where the
// message was lost; the message's clock is forgotten.
func (l *Log) Clock(e *Event) (host int, clock []uint32, ok bool) {
	host, ok = e.Host()
	if !ok {
		return 0, nil, false
	}
	switch e.Ev {
	case "send":
		return host, l.clocks.Send(host, e.Seq), true
	case "deliver", "unhandled", "reject":
		return host, l.clocks.Receive(host, e.Seq), true
	case "drop":
		l.clocks.Forget(e.Seq)
	}
	return host, l.clocks.Tick(host), true
}

// HostName is the ShiViz host name of a peer.
func HostName(peer int) string { return "peer" + strconv.Itoa(peer) }

// AppendClock appends a vector clock as a JSON object of its non-zero
// entries in peer id order, keys being prefix followed by the peer id
// ({"peer1":3,"peer4":1} with prefix "peer").
func AppendClock(b []byte, clock []uint32, prefix string) []byte {
	b = append(b, '{')
	first := true
	for p, n := range clock {
		if n == 0 {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, prefix...)
		b = strconv.AppendInt(b, int64(p), 10)
		b = append(b, '"', ':')
		b = strconv.AppendUint(b, uint64(n), 10)
	}
	return append(b, '}')
}

// AppendLine appends the log line of an event at host with its clock.
func AppendLine(b []byte, host int, e *Event, clock []uint32) []byte {
	b = append(b, "peer"...)
	b = strconv.AppendInt(b, int64(host), 10)
	b = append(b, ' ', '"')
	b = AppendText(b, e)
	b = append(b, '"', ' ')
	b = AppendClock(b, clock, "peer")
	return append(b, '\n')
}

// AppendText appends the description ShiViz shows for an event, e.g.
//
//	deliver tx m1 v0 from peer3, t=14.5, hops=1, seq=17
//
// Quotes and line breaks in names are replaced, so that a line always
// matches Regexp.
func AppendText(b []byte, e *Event) []byte {
	b = append(b, e.Ev...)
	switch e.Ev {
	case "mark":
		b = append(b, ' ')
		b = appendClean(b, e.Label)
	case "online", "offline", "connect", "disconnect":
	default:
		b = append(b, ' ')
		b = appendClean(b, e.Kind)
		if e.ID != "" {
			b = append(b, ' ')
			b = appendClean(b, e.ID)
			b = append(b, " v"...)
			b = strconv.AppendInt(b, int64(e.Version), 10)
		}
		switch e.Ev {
		case "send":
			b = append(b, " to "...)
			b = append(b, HostName(e.To)...)
		case "drop":
			if e.Reason == ReceiverOffline {
				b = append(b, " from "...)
				b = append(b, HostName(e.From)...)
			} else {
				b = append(b, " to "...)
				b = append(b, HostName(e.To)...)
			}
			b = append(b, " ("...)
			b = appendClean(b, e.Reason)
			b = append(b, ')')
		default:
			b = append(b, " from "...)
			b = append(b, HostName(e.From)...)
		}
	}
	b = append(b, ", t="...)
	b = strconv.AppendFloat(b, e.T, 'f', -1, 64)
	switch e.Ev {
	case "mark", "online", "offline", "connect", "disconnect":
		return b
	}
	b = append(b, ", hops="...)
	b = strconv.AppendInt(b, int64(e.Hops), 10)
	b = append(b, ", seq="...)
	return strconv.AppendUint(b, e.Seq, 10)
}

func appendClean(b []byte, s string) []byte {
	for _, r := range s {
		switch {
		case r == '"':
			r = '\''
		case r < ' ' || r == 0x7f || r == 0x2028 || r == 0x2029:
			r = ' '
		}
		b = utf8.AppendRune(b, r)
	}
	return b
}
