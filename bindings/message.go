package bindings

import (
	"fmt"
	"strconv"
	"strings"

	"go.starlark.net/lib/json"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/p2prepl/p2prepl/bindings/api"
	"github.com/p2prepl/p2prepl/engine"
)

// Message is a message value. It is in one of three states:
//
//   - a draft, made by message(kind, data, ...) and not sent yet;
//   - a simulation message (m != nil), after its first send or when read
//     back from storage, the first-seen table or sim.versions;
//   - a received message, as a handler or validate function gets it: a
//     simulation message plus the hop it arrived on (sender, ttl left,
//     hops, first, arrived).
//
// A message is immutable: message() freezes its data (deeply, so the
// caller's own list or dict freezes too). The first send makes the draft a
// simulation message: its origin is the sender, created the time of that
// send, and its version the count of earlier messages with the same id;
// sending the same value again sends the same message. Sending a received
// message forwards it: one hop further, with one TTL less.
type Message struct {
	m     *engine.Message // nil for a draft
	sim   *Simulation
	draft *draft // what message() was given; nil for a message it did not make

	// A received message is the engine's delivery (copied: the engine
	// reuses its own after the handler returns) and the peer it reached.
	recv bool
	at   int32
	d    engine.Delivery
}

// draft is what message(...) was given. It lives beside the Message, not
// in it, so that a received message (one per delivery to a Starlark
// handler) is 80 bytes, not 144.
type draft struct {
	kind string
	id   string
	data starlark.Value
	size int // -1: engine.HeaderSize + len(json.encode(data)) at the first send
	ttl  int
}

// draftMessage allocates a draft and its Message together.
type draftMessage struct {
	Message
	draft draft
}

var (
	_ starlark.HasAttrs   = (*Message)(nil)
	_ starlark.Comparable = (*Message)(nil)
)

func (s *Simulation) messageOf(m *engine.Message) *Message {
	return &Message{m: m, sim: s}
}

func (s *Simulation) received(p *engine.Peer, d *engine.Delivery) *Message {
	return &Message{m: d.Msg, sim: s, recv: true, at: int32(p.ID()), d: *d}
}

func (m *Message) Kind() string {
	if m.m != nil {
		return m.m.Kind
	}
	return m.draft.kind
}

func (m *Message) ID() string {
	if m.m != nil {
		return m.m.ID
	}
	return m.draft.id
}

func (m *Message) Data() starlark.Value {
	if m.m != nil {
		return toStarlark(m.sim, m.m.Data)
	}
	return m.draft.data
}

// ttl is the TTL it was made with (not what is left on a received one).
func (m *Message) ttl() int {
	if m.m != nil {
		return m.m.TTL
	}
	return m.draft.ttl
}

func (m *Message) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "message(%s", quote(m.Kind()))
	if id := m.ID(); id != "" {
		fmt.Fprintf(&sb, ", id=%s", quote(id))
		if m.m != nil {
			fmt.Fprintf(&sb, ", version=%d", m.m.Version())
		}
	}
	if m.m != nil {
		fmt.Fprintf(&sb, ", origin=%d, created=%s, size=%d", m.m.Origin, fmtFloat(m.m.Created), m.m.Size)
	} else if m.draft.size >= 0 {
		fmt.Fprintf(&sb, ", size=%d", m.draft.size)
	}
	if m.recv {
		fmt.Fprintf(&sb, ", sender=%d, hops=%d, ttl=%d", m.d.From, m.d.Hops, m.d.TTL)
		if m.d.First {
			sb.WriteString(", first=True")
		}
	} else if ttl := m.ttl(); ttl >= 0 {
		fmt.Fprintf(&sb, ", ttl=%d", ttl)
	}
	if d := m.Data(); d != starlark.None {
		sb.WriteString(", data=")
		sb.WriteString(short(d))
	}
	sb.WriteString(")")
	return sb.String()
}

func (m *Message) Type() string         { return "message" }
func (m *Message) Freeze()              {}
func (m *Message) Truth() starlark.Bool { return true }

func (m *Message) Hash() (uint32, error) {
	h, _ := starlark.String(m.Kind()).Hash()
	h2, _ := starlark.String(m.ID()).Hash()
	return h*31 + h2, nil
}

// CompareSameType: two message values are equal when they are the same
// simulation message (same id and version, whatever hop they arrived
// on); a draft equals only itself.
func (m *Message) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	o := y.(*Message)
	same := m == o || (m.m != nil && m.m == o.m)
	switch op {
	case syntax.EQL:
		return same, nil
	case syntax.NEQ:
		return !same, nil
	}
	return false, fmt.Errorf("messages cannot be ordered (%s)", op)
}

// messageType declares a message's attributes (help(msg)).
var messageType = api.NewType(&api.Type[*Message]{
	Name: "message",
	Var:  "msg",
	Doc: `A message (from message(...), or as a handler receives it).

A received message (in a handler or validate function) also has sender,
receiver, hops, ttl (what is left), first and arrived; elsewhere those are
None (hops 0, first False). Sending a received message forwards it.`,
	Fields: []api.Field[*Message]{
		api.Attr("kind", `what the message is ("tx", "vote")`, func(m *Message) (starlark.Value, error) {
			return starlark.String(m.Kind()), nil
		}),
		api.Attr("data", "the payload (frozen)", func(m *Message) (starlark.Value, error) { return m.Data(), nil }),
		api.Attr("id", "the id it is tracked by (a string), or None", func(m *Message) (starlark.Value, error) {
			if id := m.ID(); id != "" {
				return starlark.String(id), nil
			}
			return starlark.None, nil
		}),
		api.Attr("size", "bytes on the wire", func(m *Message) (starlark.Value, error) {
			if m.m != nil {
				return starlark.MakeInt(m.m.Size), nil
			}
			return starlark.MakeInt(m.draft.size), nil
		}),
		api.Attr("ttl", "hops it may still travel (-1: unlimited); on a received message, what is left", func(m *Message) (starlark.Value, error) {
			if m.recv {
				return starlark.MakeInt(m.d.TTL), nil
			}
			return starlark.MakeInt(m.ttl()), nil
		}),
		api.Attr("hops", "hops travelled to reach the receiver (1: sent directly); 0 if not received", func(m *Message) (starlark.Value, error) {
			return starlark.MakeInt(m.d.Hops), nil
		}),
		api.Attr("path", `the peers that sent and forwarded this copy, in order (a list of ids: the
peer that first sent it, then each one that forwarded it; the last is the
sender), kept by the engine, so no peer can put another peer's id on it;
None unless the paths of its kind are recorded (service(..., paths=[kind])
or sim.record_paths(kind)) or the message was not received`, func(m *Message) (starlark.Value, error) {
			if !m.recv {
				return starlark.None, nil
			}
			path := m.sim.sim.Path(&m.d)
			if path == nil {
				return starlark.None, nil
			}
			return intList(path), nil
		}),
		api.Attr("sender", "the id of the neighbour it came from, or None", func(m *Message) (starlark.Value, error) {
			if m.recv {
				return starlark.MakeInt(m.d.From), nil
			}
			return starlark.None, nil
		}),
		api.Attr("receiver", "the id of the peer that received it, or None", func(m *Message) (starlark.Value, error) {
			if m.recv {
				return starlark.MakeInt(int(m.at)), nil
			}
			return starlark.None, nil
		}),
		api.Attr("origin", "the id of the peer that first sent it, or None before its first send", func(m *Message) (starlark.Value, error) {
			if m.m != nil {
				return starlark.MakeInt(m.m.Origin), nil
			}
			return starlark.None, nil
		}),
		api.Attr("created", "when it was first sent (ms), or None", func(m *Message) (starlark.Value, error) {
			if m.m != nil {
				return starlark.Float(m.m.Created), nil
			}
			return starlark.None, nil
		}),
		api.Attr("version", "its index among the messages with its id (0, 1, ... when a producer equivocates), or None", func(m *Message) (starlark.Value, error) {
			if m.m != nil && m.m.Version() >= 0 {
				return starlark.MakeInt(m.m.Version()), nil
			}
			return starlark.None, nil
		}),
		api.Attr("first", "True if this is the receiver's first accepted copy of its id", func(m *Message) (starlark.Value, error) {
			return starlark.Bool(m.d.First), nil
		}),
		api.Attr("arrived", "when it reached the receiver's inbound queue (ms), or None", func(m *Message) (starlark.Value, error) {
			if m.recv {
				return starlark.Float(m.d.Arrived), nil
			}
			return starlark.None, nil
		}),
	},
})

func (m *Message) Attr(name string) (starlark.Value, error) { return messageType.Attr(m, name, nil) }

func (m *Message) AttrNames() []string { return messageType.AttrNames() }

// bind returns the engine message for a send by peer from, creating it
// on the first send of a draft.
func (m *Message) bind(s *Simulation, from int) (*engine.Message, error) {
	if m.m != nil {
		if m.sim != s {
			return nil, fmt.Errorf("message %s belongs to another simulation", short(m))
		}
		return m.m, nil
	}
	m.sim = s
	d := m.draft
	m.m = s.sim.NewMessage(d.kind, d.id, from, d.data, d.size, d.ttl)
	return m.m, nil
}

var jsonEncode = json.Module.Members["encode"]

// payloadSize is the size rule of a message's data: the length of its
// JSON form (json.encode), 0 for None. A value JSON cannot encode (a
// function, a peer, a message) counts as its str() in quotes, inside
// lists, tuples and dicts laid out as JSON; data that contains itself (a
// list appended to itself) has no size and is an error, as is data
// nested deeper than maxPayloadDepth.
func payloadSize(thread *starlark.Thread, v starlark.Value) (int, error) {
	if v == starlark.None {
		return 0, nil
	}
	if s, ok := v.(starlark.String); ok {
		return len(s) + 2, nil
	}
	if r, err := starlark.Call(thread, jsonEncode, starlark.Tuple{v}, nil); err == nil {
		if s, ok := r.(starlark.String); ok {
			return len(s), nil
		}
	}
	return walkSize(thread, v, map[starlark.Value]bool{}, 0)
}

const maxPayloadDepth = 1000

func walkSize(thread *starlark.Thread, v starlark.Value, open map[starlark.Value]bool, depth int) (int, error) {
	if depth > maxPayloadDepth {
		return 0, fmt.Errorf("data is nested more than %d levels deep; give its size with size=", maxPayloadDepth)
	}
	var elems []starlark.Value
	var dict *starlark.Dict
	switch x := v.(type) {
	case *starlark.List:
		if open[x] {
			return 0, fmt.Errorf("data contains itself (a list inside itself), so it has no size; break the cycle or give size=")
		}
		open[x] = true
		defer delete(open, x)
		for i := 0; i < x.Len(); i++ {
			elems = append(elems, x.Index(i))
		}
	case starlark.Tuple:
		elems = x
	case *starlark.Dict:
		if open[x] {
			return 0, fmt.Errorf("data contains itself (a dict inside itself), so it has no size; break the cycle or give size=")
		}
		open[x] = true
		defer delete(open, x)
		dict = x
	default:
		if r, err := starlark.Call(thread, jsonEncode, starlark.Tuple{v}, nil); err == nil {
			if s, ok := r.(starlark.String); ok {
				return len(s), nil
			}
		}
		return len(v.String()) + 2, nil // as a JSON string of its str()
	}
	n := 2 // the brackets
	add := func(x starlark.Value) error {
		m, err := walkSize(thread, x, open, depth+1)
		n += m
		return err
	}
	if dict != nil {
		for i, kv := range dict.Items() {
			if i > 0 {
				n++
			}
			n++ // the colon
			if s, ok := kv[0].(starlark.String); ok {
				n += len(s) + 2
			} else if err := add(kv[0]); err != nil {
				return 0, err
			}
			if err := add(kv[1]); err != nil {
				return 0, err
			}
		}
		return n, nil
	}
	for i, x := range elems {
		if i > 0 {
			n++
		}
		if err := add(x); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func init() {
	api.Register(api.Function("message", `message(kind, data=None, id=None, size=None, ttl=-1) -> a new message

kind: a string naming what the message is ("tx", "vote"); services
  declare the kinds they handle.
data: any payload. It is frozen now (deeply: your own list or dict freezes
  too), so nobody can change a message after it is made.
id: a string (or int) to track the message by: the first-seen table,
  peer.seen(id), sim.versions(id). Two messages with one id are two
  versions of it (an equivocating producer). None: not tracked.
size: bytes on the wire; default `+strconv.Itoa(engine.HeaderSize)+` + len(json.encode(data)), as p2psimpy
  (a base of 20 plus the payload's printed length). Parts JSON cannot
  encode (functions, peers, messages) count as their str() in quotes;
  data that contains itself has no size (an error: give size=).
ttl: hops it may travel after the first; -1 means unlimited.

Attributes: kind, data, id, size, ttl, version, origin, created; a
received message also has sender, receiver, hops, ttl (left), first (the
receiver's first copy of this id) and arrived. Sending a received message
(peer.send, peer.gossip, peer.forward) forwards it one hop further.
Two message values are equal when they are the same message (id and
version), whichever hop they came on.`, builtinMessage))
}

func builtinMessage(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var kind string
	var data, idV, sizeV starlark.Value = starlark.None, starlark.None, starlark.None
	ttl := -1
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "kind", &kind, "data?", &data, "id?", &idV, "size?", &sizeV, "ttl?", &ttl); err != nil {
		return nil, err
	}
	return newMessage(thread, kind, data, idV, sizeV, ttl)
}

func newMessage(thread *starlark.Thread, kind string, data, idV, sizeV starlark.Value, ttl int) (*Message, error) {
	if kind == "" {
		return nil, fmt.Errorf("message: kind must be a non-empty string")
	}
	if ttl < engine.Unlimited {
		return nil, fmt.Errorf("message: ttl must be >= 0 hops, or -1 for unlimited (got %d)", ttl)
	}
	dm := &draftMessage{draft: draft{kind: kind, data: data, ttl: ttl}}
	dm.Message.draft = &dm.draft
	m, d := &dm.Message, &dm.draft
	if ttl < 0 {
		d.ttl = engine.Unlimited
	}
	if idV != starlark.None {
		id, err := keyString("message", "id", idV)
		if err != nil {
			return nil, err
		}
		d.id = id
	}
	data.Freeze()
	if sizeV == starlark.None {
		n, err := payloadSize(thread, data)
		if err != nil {
			return nil, fmt.Errorf("message: %w", err)
		}
		d.size = engine.HeaderSize + n
	} else {
		n, err := intArg("message", "size", sizeV)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, fmt.Errorf("message: size must be >= 0 bytes (got %d)", n)
		}
		d.size = n
	}
	return m, nil
}
