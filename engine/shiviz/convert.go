package shiviz

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
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
//
// Clocks are kept for peers numbered in the order they appear, whatever
// their ids, and a trace may name at most MaxPeers of them: a clock holds
// an entry per peer heard of, so memory and output grow with the square of
// the number of peers.
func Convert(r io.Reader, w io.Writer) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	bw := bufio.NewWriterSize(w, 1<<16)
	if _, err := bw.WriteString(Header); err != nil {
		return err
	}
	log := NewLog()
	rank := map[int]int{} // peer id -> its index in the clocks
	var ids []int         // index -> peer id
	dense := func(id int) (int, error) {
		if i, ok := rank[id]; ok {
			return i, nil
		}
		if len(ids) == MaxPeers {
			return 0, fmt.Errorf("peer %d is the trace's peer number %d: at most %d can be converted (clocks grow with the square of the peers; ShiViz shows tens to hundreds): trace a smaller run", id, MaxPeers+1, MaxPeers)
		}
		rank[id] = len(ids)
		ids = append(ids, id)
		return len(ids) - 1, nil
	}
	var buf []byte
	var entries []clockEntry
	n, events := 0, 0
	for sc.Scan() {
		n++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		if raw[0] != '{' {
			return fmt.Errorf("line %d: not a JSON object (a p2prepl trace has one per line)", n)
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
		// The clocks are indexed by the host's dense index; the line
		// names the ids.
		host, _ := e.Host()
		h, err := dense(host)
		if err != nil {
			return fmt.Errorf("line %d: %v", n, err)
		}
		de := e
		de.From, de.To, de.Peer = h, h, h
		_, clock, _ := log.Clock(&de)
		buf, entries = appendLineIDs(buf[:0], host, &e, clock, ids, entries)
		if _, err := bw.Write(buf); err != nil {
			return err
		}
		events++
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("line %d is longer than %d MB: not a p2prepl trace", n+1, maxLine>>20)
		}
		return fmt.Errorf("line %d: %v", n+1, err)
	}
	if events == 0 {
		return fmt.Errorf("the trace has no events of peers (%d lines read): nothing to convert", n)
	}
	return bw.Flush()
}

// maxLine bounds a trace line: a mark's label is the longest field (a
// variable for tests).
var maxLine = 256 << 20

// MaxPeers bounds the distinct peers of a converted trace.
const MaxPeers = 10000

type clockEntry struct {
	id int
	n  uint32
}

// appendLineIDs is AppendLine for a clock over dense indices: its entries
// are written under the peers' ids, in id order, as AppendClock writes
// them.
func appendLineIDs(b []byte, host int, e *Event, clock []uint32, ids []int, scratch []clockEntry) ([]byte, []clockEntry) {
	b = append(b, "peer"...)
	b = strconv.AppendInt(b, int64(host), 10)
	b = append(b, ' ', '"')
	b = AppendText(b, e)
	b = append(b, '"', ' ', '{')
	scratch = scratch[:0]
	for i, n := range clock {
		if n != 0 {
			scratch = append(scratch, clockEntry{ids[i], n})
		}
	}
	slices.SortFunc(scratch, func(a, b clockEntry) int { return cmp.Compare(a.id, b.id) })
	for i, c := range scratch {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `"peer`...)
		b = strconv.AppendInt(b, int64(c.id), 10)
		b = append(b, '"', ':')
		b = strconv.AppendUint(b, uint64(c.n), 10)
	}
	return append(b, '}', '\n'), scratch
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
