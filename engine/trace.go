package engine

import (
	"bufio"
	"io"
	"strconv"
)

// tracer writes one JSON object per line for each message event, so a run
// can be replayed or analysed outside p2prepl.
type tracer struct {
	w   *bufio.Writer
	buf []byte
	err error
}

// SetTrace starts writing an event trace in JSON Lines to w (nil stops it).
// Call FlushTrace before closing w.
func (s *Sim) SetTrace(w io.Writer) {
	if w == nil {
		s.FlushTrace()
		s.trace = nil
		return
	}
	s.trace = &tracer{w: bufio.NewWriterSize(w, 1<<16)}
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

func (t *tracer) head(now float64, ev string) {
	b := t.buf[:0]
	b = append(b, `{"t":`...)
	b = strconv.AppendFloat(b, now, 'g', -1, 64)
	b = append(b, `,"ev":"`...)
	b = append(b, ev...)
	b = append(b, '"')
	t.buf = b
}

func (t *tracer) end() {
	t.buf = append(t.buf, "}\n"...)
	if _, err := t.w.Write(t.buf); err != nil && t.err == nil {
		t.err = err
	}
}

func (t *tracer) msg(now float64, ev string, m *Message, from, to int, reason string) {
	t.head(now, ev)
	b := t.buf
	b = append(b, `,"kind":`...)
	b = strconv.AppendQuote(b, m.Kind)
	if m.ID != "" {
		b = append(b, `,"id":`...)
		b = strconv.AppendQuote(b, m.ID)
		b = append(b, `,"version":`...)
		b = strconv.AppendInt(b, int64(m.version), 10)
	}
	b = append(b, `,"from":`...)
	b = strconv.AppendInt(b, int64(from), 10)
	b = append(b, `,"to":`...)
	b = strconv.AppendInt(b, int64(to), 10)
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, int64(m.Size), 10)
	if reason != "" {
		b = append(b, `,"reason":`...)
		b = strconv.AppendQuote(b, reason)
	}
	t.buf = b
	t.end()
}

func (s *Sim) traceConn(ev string, a, b int) {
	if s.trace == nil {
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

func (s *Sim) traceState(peer int, up bool) {
	if s.trace == nil {
		return
	}
	t := s.trace
	ev := "offline"
	if up {
		ev = "online"
	}
	t.head(s.now, ev)
	t.buf = append(t.buf, `,"peer":`...)
	t.buf = strconv.AppendInt(t.buf, int64(peer), 10)
	t.end()
}
