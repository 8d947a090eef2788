package shiviz

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestClocks(t *testing.T) {
	c := NewClocks()
	if got := string(AppendClock(nil, c.Send(1, 7), "")); got != `{"1":1}` {
		t.Errorf("send: %s", got)
	}
	c.Tick(2)
	if got := string(AppendClock(nil, c.Receive(2, 7), "p")); got != `{"p1":1,"p2":2}` {
		t.Errorf("receive: %s", got)
	}
	// A second receipt of the same seq (never happens) is a local event.
	if got := string(AppendClock(nil, c.Receive(2, 7), "p")); got != `{"p1":1,"p2":3}` {
		t.Errorf("unknown seq: %s", got)
	}
	c.Send(3, 8)
	c.Forget(8)
	if got := string(AppendClock(nil, c.Receive(1, 8), "")); got != `{"1":2}` {
		t.Errorf("forgotten seq: %s", got)
	}
}

func TestAppendText(t *testing.T) {
	for _, tc := range []struct {
		e    Event
		want string
	}{
		{Event{Ev: "send", Kind: "tx", ID: "m1", Version: 1, From: 1, To: 2, T: 1.5, Hops: 2, Seq: 9}, "send tx m1 v1 to peer2, t=1.5, hops=2, seq=9"},
		{Event{Ev: "deliver", Kind: "ping", From: 1, To: 2, T: 1e6, Hops: 1, Seq: 3}, "deliver ping from peer1, t=1000000, hops=1, seq=3"},
		{Event{Ev: "drop", Kind: "tx", From: 1, To: 2, Reason: "loss", Seq: 3, Hops: 1}, "drop tx to peer2 (loss), t=0, hops=1, seq=3"},
		{Event{Ev: "drop", Kind: "tx", From: 1, To: 2, Reason: ReceiverOffline, Seq: 3, Hops: 1}, "drop tx from peer1 (offline), t=0, hops=1, seq=3"},
		{Event{Ev: "mark", Peer: 4, Label: "decided \"a\"\nnext", T: 2}, "mark decided 'a' next, t=2"},
		{Event{Ev: "offline", Peer: 4, T: 2}, "offline, t=2"},
		// JavaScript ends a line at \r, U+2028 and U+2029 too (see Parse).
		{Event{Ev: "mark", Peer: 4, Label: "a\rb\u2028c\u2029d\u0085e", T: 2}, "mark a b c d\u0085e, t=2"},
		{Event{Ev: "drop", Kind: "k\u2028", ID: "i\r", From: 1, To: 2, Reason: "r\u2029", Seq: 3}, "drop k  i  v0 to peer2 (r ), t=0, hops=0, seq=3"},
	} {
		got := string(AppendText(nil, &tc.e))
		if got != tc.want {
			t.Errorf("%+v:\n got %q\nwant %q", tc.e, got, tc.want)
		}
		// The line is one event to ShiViz, with the text as written.
		line := string(AppendLine(nil, 4, &tc.e, []uint32{0, 0, 0, 0, 1}))
		evs, err := Parse(strings.NewReader(Header + line))
		if err != nil || len(evs) != 1 || evs[0].Text != got {
			t.Errorf("line %q: parsed as %+v, %v", line, evs, err)
		}
	}
}

func TestCheck(t *testing.T) {
	good := Header + `peer1 "send" {"peer1":1}
peer2 "local" {"peer2":1}
peer2 "receive" {"peer1":1,"peer2":2}
peer1 "local" {"peer1":2}
`
	for _, tc := range []struct{ name, log, err string }{
		{"good", good, ""},
		{"not consecutive", Header + `peer1 "a" {"peer1":1}
peer1 "b" {"peer1":3}
`, "must count 1, 2, 3"},
		{"own host missing", Header + `peer1 "a" {"peer2":1}
`, "missing from its own clock"},
		{"unknown event named", Header + `peer1 "a" {"peer1":1}
peer2 "b" {"peer1":2,"peer2":1}
`, "names event 2 of host \"peer1\""},
		{"not the join", Header + `peer1 "a" {"peer1":1}
peer2 "b" {"peer2":1}
peer3 "c" {"peer1":1,"peer3":1}
peer3 "d" {"peer2":1,"peer3":2}
`, "impermissible clock"},
		{"bad header", `(?<host>.*)` + "\n\n", "line 1: want the parser expression"},
		{"bad line", Header + "peer1 a {}\n", "line 3: does not match"},
		{"bad clock", Header + `peer1 "a" {"peer1":"x"}` + "\n", "line 3: the vector clock"},
		// ShiViz's rules beyond the clocks (see Parse).
		{"no events", Header + "\n", "the log has no events"},
		{"U+2028 in a line", Header + "peer1 \"a\u2028b\" {\"peer1\":1}\n", "line 3: holds U+2028, a line break to ShiViz"},
		{"CR in a line", Header + "peer1 \"a\rb\" {\"peer1\":1}\n", "line 3: holds U+000D"},
	} {
		evs, err := Parse(strings.NewReader(tc.log))
		if err == nil {
			err = Check(evs)
		}
		if tc.err == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: got error %v, want one containing %q", tc.name, err, tc.err)
		}
	}
}

func TestConvertErrors(t *testing.T) {
	defer func(n int) { maxLine = n }(maxLine)
	maxLine = 1 << 20
	for _, tc := range []struct{ name, in, err string }{
		{"empty", "", "no events of peers"},
		{"only connects", `{"t":0,"ev":"connect","a":1,"b":2}`, "no events of peers"},
		{"not json", "hello", "line 1: not a JSON object"},
		{"no seq", `{"t":0,"ev":"send","kind":"tx","from":1,"to":2,"size":1}`, `line 1: a "send" event has no "seq"`},
		{"unknown event", `{"t":0,"ev":"explode"}`, `line 1: unknown event "explode"`},
		{"no time", `{"ev":"send"}`, `line 1: not a p2prepl trace event`},
		{"huge id", `{"t":0,"ev":"mark","peer":1000000000,"label":"x"}`, "out of range"},
		{"no peer", "\n" + `{"t":0,"ev":"online"}`, `line 2: a "online" event needs a "peer"`},
		{"array", `[1, 2]`, "line 1: not a JSON object (a p2prepl trace has one per line)"},
		{"too many peers", manyPeers(MaxPeers + 1), fmt.Sprintf("line %d: peer %d is the trace's peer number %d: at most %d", MaxPeers+1, MaxPeers, MaxPeers+1, MaxPeers)},
		{"long line", "\n" + `{"t":0,"ev":"mark","peer":1,"label":"` + strings.Repeat("x", 2<<20) + `"}`, "line 2 is longer than 1 MB: not a p2prepl trace"},
	} {
		var out bytes.Buffer
		err := Convert(strings.NewReader(tc.in), &out)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: got error %v, want one containing %q", tc.name, err, tc.err)
		}
	}
}

// manyPeers is a trace in which n peers each send a message.
func manyPeers(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"t":%d,"ev":"send","kind":"k","from":%d,"to":0,"seq":%d}`+"\n", i, i, i+1)
	}
	return b.String()
}

// Peer ids are only names: two peers with ids near 2^24 cost what two
// peers 1 and 2 cost (clocks used to be indexed by id: a few events of
// such peers took seconds and gigabytes), and their clocks name the ids.
func TestConvertLargeIDs(t *testing.T) {
	const a, b = MaxPeerID - 1, MaxPeerID
	var in strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&in, `{"t":%d,"ev":"send","kind":"k","from":%d,"to":%d,"seq":%d}`+"\n", 2*i, a, b, i+1)
		fmt.Fprintf(&in, `{"t":%d,"ev":"deliver","kind":"k","from":%d,"to":%d,"seq":%d}`+"\n", 2*i+1, a, b, i+1)
	}
	var out bytes.Buffer
	if err := Convert(strings.NewReader(in.String()), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	want := fmt.Sprintf(`peer%d "deliver k from peer%d, t=1999, hops=0, seq=1000" {"peer%d":1000,"peer%d":1000}`, b, a, a, b)
	if last != want {
		t.Errorf("last line\n%s\nwant\n%s", last, want)
	}
	evs, err := Parse(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(evs); err != nil {
		t.Fatal(err)
	}
}
