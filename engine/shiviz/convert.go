package shiviz

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// traceLine is one line of a p2prepl JSON Lines trace.
type traceLine struct {
	T       *float64 `json:"t"`
	Ev      string   `json:"ev"`
	Kind    string   `json:"kind"`
	ID      string   `json:"id"`
	Version int      `json:"version"`
	From    *int     `json:"from"`
	To      *int     `json:"to"`
	Peer    *int     `json:"peer"`
	Hops    int      `json:"hops"`
	Seq     *uint64  `json:"seq"`
	Reason  string   `json:"reason"`
	Label   string   `json:"label"`
}

// Convert reads a JSON Lines trace written by p2prepl and writes it as a
// ShiViz log, with vector clocks computed from the trace's send sequence
// numbers (any "vc" in the trace is not needed). Events of no single peer
// (connect, disconnect) are left out. Errors name the trace line.
func Convert(r io.Reader, w io.Writer) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 256*1024*1024)
	bw := bufio.NewWriterSize(w, 1<<16)
	if _, err := bw.WriteString(Header); err != nil {
		return err
	}
	log := NewLog()
	var buf []byte
	n, events := 0, 0
	for sc.Scan() {
		n++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var tl traceLine
		if err := json.Unmarshal(raw, &tl); err != nil {
			return fmt.Errorf("line %d: not a JSON object: %v", n, err)
		}
		e, skip, err := tl.event()
		if err != nil {
			return fmt.Errorf("line %d: %v", n, err)
		}
		if skip {
			continue
		}
		host, clock, _ := log.Clock(&e)
		buf = AppendLine(buf[:0], host, &e, clock)
		if _, err := bw.Write(buf); err != nil {
			return err
		}
		events++
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("line %d: %v", n+1, err)
	}
	if events == 0 {
		return fmt.Errorf("the trace has no events of peers (%d lines read): nothing to convert", n)
	}
	return bw.Flush()
}

func (tl *traceLine) event() (e Event, skip bool, err error) {
	if tl.T == nil || tl.Ev == "" {
		return e, false, fmt.Errorf(`not a p2prepl trace event: want "t" and "ev" fields`)
	}
	e = Event{T: *tl.T, Ev: tl.Ev, Kind: tl.Kind, ID: tl.ID, Version: tl.Version, Hops: tl.Hops, Reason: tl.Reason, Label: tl.Label}
	switch tl.Ev {
	case "connect", "disconnect":
		return e, true, nil
	case "mark", "online", "offline":
		if tl.Peer == nil {
			return e, false, fmt.Errorf(`a %q event needs a "peer"`, tl.Ev)
		}
		e.Peer = *tl.Peer
		return e, false, checkIDs(e.Peer)
	case "send", "deliver", "unhandled", "reject", "drop":
		if tl.From == nil || tl.To == nil {
			return e, false, fmt.Errorf(`a %q event needs "from" and "to"`, tl.Ev)
		}
		if tl.Seq == nil {
			return e, false, fmt.Errorf(`a %q event has no "seq": the trace was written by an older p2prepl; run the script again to trace it`, tl.Ev)
		}
		e.From, e.To, e.Seq = *tl.From, *tl.To, *tl.Seq
		return e, false, checkIDs(e.From, e.To)
	}
	return e, false, fmt.Errorf("unknown event %q", tl.Ev)
}

// MaxPeerID bounds the peer ids a converted trace may use: clocks are
// dense slices indexed by id.
const MaxPeerID = 1 << 24

func checkIDs(ids ...int) error {
	for _, id := range ids {
		if id < 0 || id > MaxPeerID {
			return fmt.Errorf("peer id %d is out of range (0 to %d)", id, MaxPeerID)
		}
	}
	return nil
}
