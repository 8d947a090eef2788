package engine

import (
	"bufio"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/p2prepl/p2prepl/engine/shiviz"
)

// TraceFormat is the format of an event trace.
type TraceFormat uint8

const (
	// TraceJSONL writes one JSON object per line and event.
	TraceJSONL TraceFormat = iota
	// TraceShiViz writes a ShiViz log (see package shiviz), every event
	// with its vector clock, which opens as a space-time diagram in ShiViz.
	TraceShiViz
)

// DefaultClockPeers is the largest simulation whose JSON Lines trace
// carries vector clocks by default: a clock has an entry per peer that
// the event's peer has heard of, so beyond a hundred or so peers the
// clocks would make up nearly all of the trace.
const DefaultClockPeers = 100

// TraceOptions configure an event trace.
type TraceOptions struct {
	Format TraceFormat
	// ClockPeers bounds the size of simulation whose JSON Lines trace
	// carries each event's vector clock ("vc"): clocks are kept if the
	// simulation has at most ClockPeers peers at the first event of a
	// peer traced (0: DefaultClockPeers; < 0: never). A ShiViz trace
	// always has them.
	ClockPeers int
}

// tracer writes one line for each event of a run, so that a run can be
// replayed or analysed outside p2prepl.
//
// JSON Lines: {"t":2,"ev":"deliver","kind":"tx","id":"m1","version":0,
// "from":1,"to":2,"size":10,"hops":1,"seq":1,"vc":{"1":1,"2":1}}. Events:
// send, deliver (accepted and handled), unhandled, reject, drop (with a
// reason), mark (a peer's annotation, with a label), online, offline,
// connect and disconnect (with peers a and b). Every message sent has a
// send line; seq numbers the sends, and the receipt or drop of that copy
// carries the same seq. vc is the vector clock of the event at its peer
// (see shiviz.Event.Host), keyed by peer id.
type tracer struct {
	w          *bufio.Writer
	buf        []byte
	err        error
	format     TraceFormat
	clockPeers int
	decided    bool        // whether to keep clocks has been settled
	log        *shiviz.Log // nil: no clocks
	events     uint64      // event lines of peers written
}

// SetTrace starts writing an event trace in JSON Lines to w (nil stops
// it), with vector clocks for simulations of up to DefaultClockPeers
// peers. Call FlushTrace before closing w.
func (s *Sim) SetTrace(w io.Writer) { s.SetTraceOptions(w, TraceOptions{}) }

// SetTraceOptions starts writing an event trace to w in the format o
// gives (nil stops it). Call FlushTrace before closing w.
func (s *Sim) SetTraceOptions(w io.Writer, o TraceOptions) {
	if w == nil {
		s.FlushTrace()
		s.trace = nil
		s.obs = s.hist != nil
		return
	}
	if o.ClockPeers == 0 {
		o.ClockPeers = DefaultClockPeers
	}
	t := &tracer{w: bufio.NewWriterSize(w, 1<<16), format: o.Format, clockPeers: o.ClockPeers}
	if o.Format == TraceShiViz {
		t.decided, t.log = true, shiviz.NewLog()
		t.w.WriteString(shiviz.Header)
	}
	s.trace = t
	s.obs = true
}

// FlushTrace writes out buffered trace lines and reports the first write
// error met.
func (s *Sim) FlushTrace() error {
	if s.trace == nil {
		return nil
	}
	if err := s.trace.w.Flush(); err != nil && s.trace.err == nil {
		s.trace.err = err
	}
	return s.trace.err
}

// TraceEvents returns how many events of peers (connects and disconnects
// aside) the trace has written: a ShiViz log without any is one ShiViz
// refuses to open.
func (s *Sim) TraceEvents() uint64 {
	if s.trace == nil {
		return 0
	}
	return s.trace.events
}

func (t *tracer) head(now float64, ev string) {
	b := t.buf[:0]
	b = append(b, `{"t":`...)
	b = strconv.AppendFloat(b, now, 'g', -1, 64)
	b = append(b, `,"ev":"`...)
	b = append(b, ev...)
	b = append(b, '"')
	t.buf = b
}

func (t *tracer) write() {
	if _, err := t.w.Write(t.buf); err != nil && t.err == nil {
		t.err = err
	}
}

func (t *tracer) end() {
	t.buf = append(t.buf, "}\n"...)
	t.write()
}

// clock records e in the vector clocks, if they are kept, and returns its
// host and clock (nil when there is none).
func (t *tracer) clock(s *Sim, e *shiviz.Event) (int, []uint32) {
	if !t.decided {
		t.decided = true
		if t.clockPeers > 0 && s.npeer <= t.clockPeers {
			t.log = shiviz.NewLog()
		}
	}
	if t.log == nil {
		return 0, nil
	}
	host, c, _ := t.log.Clock(e)
	return host, c
}

// event writes the line of an event of one peer (a message event, a mark,
// a change of state); size < 0 means the event carries no message.
func (t *tracer) event(s *Sim, e *shiviz.Event, size int) {
	host, vc := t.clock(s, e)
	t.events++
	if t.format == TraceShiViz {
		t.buf = shiviz.AppendLine(t.buf[:0], host, e, vc)
		t.write()
		return
	}
	t.head(e.T, e.Ev)
	b := t.buf
	if size < 0 {
		b = append(b, `,"peer":`...)
		b = strconv.AppendInt(b, int64(e.Peer), 10)
		if e.Ev == "mark" {
			b = append(b, `,"label":`...)
			b = appendJSONString(b, e.Label)
		}
	} else {
		b = append(b, `,"kind":`...)
		b = appendJSONString(b, e.Kind)
		if e.ID != "" {
			b = append(b, `,"id":`...)
			b = appendJSONString(b, e.ID)
			b = append(b, `,"version":`...)
			b = strconv.AppendInt(b, int64(e.Version), 10)
		}
		b = append(b, `,"from":`...)
		b = strconv.AppendInt(b, int64(e.From), 10)
		b = append(b, `,"to":`...)
		b = strconv.AppendInt(b, int64(e.To), 10)
		b = append(b, `,"size":`...)
		b = strconv.AppendInt(b, int64(size), 10)
		b = append(b, `,"hops":`...)
		b = strconv.AppendInt(b, int64(e.Hops), 10)
		b = append(b, `,"seq":`...)
		b = strconv.AppendUint(b, e.Seq, 10)
		if e.Reason != "" {
			b = append(b, `,"reason":`...)
			b = appendJSONString(b, e.Reason)
		}
	}
	if vc != nil {
		b = append(b, `,"vc":`...)
		b = shiviz.AppendClock(b, vc, "")
	}
	t.buf = b
	t.end()
}

func (t *tracer) msg(s *Sim, ev string, m *Message, from, to, hops int, seq uint32, reason string) {
	e := shiviz.Event{T: s.now, Ev: ev, Kind: m.Kind, ID: m.ID, Version: int(m.version),
		From: from, To: to, Hops: hops, Seq: uint64(seq), Reason: reason}
	t.event(s, &e, m.Size)
}

func (s *Sim) traceConn(ev string, a, b int) {
	if s.trace == nil || s.trace.format != TraceJSONL {
		return
	}
	t := s.trace
	t.head(s.now, ev)
	t.buf = append(t.buf, `,"a":`...)
	t.buf = strconv.AppendInt(t.buf, int64(a), 10)
	t.buf = append(t.buf, `,"b":`...)
	t.buf = strconv.AppendInt(t.buf, int64(b), 10)
	t.end()
}

// appendJSONString appends s as a JSON string. strconv.AppendQuote is Go
// syntax: a NUL, an escape character or a byte of invalid UTF-8 in a
// kind, id or label came out as \x00, which no JSON reader accepts.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	plain := 0 // s[plain:i] is still to be copied
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue // valid UTF-8, written as it is
			}
		}
		b = append(b, s[plain:i]...)
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[r>>4], hexDigits[r&0xf])
		default: // a byte of invalid UTF-8
			b = append(b, `\ufffd`...)
		}
		i += size
		plain = i
	}
	b = append(b, s[plain:]...)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"
