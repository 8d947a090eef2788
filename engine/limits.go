package engine

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Errors a runaway run ends with (see Config.MaxPending, Config.MaxStall).
var (
	ErrPendingLimit = errors.New("pending-event limit reached")
	ErrTimeStalled  = errors.New("simulated time stalled")
)

// Source is a group of pending events with the same origin: timers of one
// service on peers of one type, messages of one kind on their way to peers
// of one type, or scheduled actions.
type Source struct {
	What     string // "timers", "messages" or "actions"
	Name     string // the service (timers) or the message kind (messages)
	PeerType string // the type of the peer the events are for ("" for actions)
	Count    int
}

func (s Source) String() string {
	switch s.What {
	case "timers":
		return fmt.Sprintf("timers of service %q on %q peers", s.Name, s.PeerType)
	case "messages":
		return fmt.Sprintf("%q messages to %q peers", s.Name, s.PeerType)
	}
	return "scheduled actions (sim.at, faults, start-up)"
}

// Sources groups the pending events by origin and returns the n largest
// groups, largest first. It reads the whole queue: call it when a run has
// stopped, to say what ran away.
func (s *Sim) Sources(n int) []Source {
	type gk struct {
		what, name string
		typ        int
	}
	counts := map[gk]int{}
	s.q.each(func(ev *event) {
		k := gk{what: "actions", typ: -1}
		switch ev.kind {
		case evTimer:
			k = gk{"timers", ev.svc.Name(), s.peers[ev.peer].typ}
		case evArrive, evDownloaded, evValidated:
			p := s.peers[ev.peer]
			m := ev.msg
			if m == nil && p.head < len(p.inbox) { // downloading or validating the inbox's head
				m = p.inbox[p.head].Msg
			}
			kind := "?"
			if m != nil {
				kind = m.Kind
			}
			k = gk{"messages", kind, p.typ}
		}
		counts[k]++
	})
	out := make([]Source, 0, len(counts))
	for k, c := range counts {
		src := Source{What: k.what, Name: k.name, Count: c}
		if k.typ >= 0 {
			src.PeerType = s.typeNames[k.typ]
		}
		out = append(out, src)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].String() < out[j].String()
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// StormError ends a run whose pending events outgrew Config.MaxPending, or
// whose clock stopped advancing for Config.MaxStall events. The simulation
// stays consistent at T.
type StormError struct {
	Reason  error // ErrPendingLimit or ErrTimeStalled
	T       float64
	Pending int
	Limit   uint64 // the limit that was reached
	Sources []Source
}

func (e *StormError) Error() string {
	var b strings.Builder
	if e.Reason == ErrTimeStalled {
		fmt.Fprintf(&b, "%v: %d events in a row at t=%s ms without the clock advancing (a handler rescheduling itself at delay 0, or messages flooding links without latency?)", e.Reason, e.Limit, FormatTime(e.T))
	} else {
		fmt.Fprintf(&b, "%v: %d events pending at t=%s ms, over the limit of %d (a storm of timers or messages?)", e.Reason, e.Pending, FormatTime(e.T), e.Limit)
	}
	if len(e.Sources) > 0 {
		b.WriteString("; the busiest event sources: ")
		b.WriteString(FormatSources(e.Sources, e.Pending))
	}
	return b.String()
}

func (e *StormError) Unwrap() error { return e.Reason }

// FormatSources lists sources with their counts and share of total.
func FormatSources(srcs []Source, total int) string {
	parts := make([]string, len(srcs))
	for i, s := range srcs {
		parts[i] = s.String() + ": " + strconv.Itoa(s.Count)
		if total > 0 {
			parts[i] += fmt.Sprintf(" (%.0f%%)", 100*float64(s.Count)/float64(total))
		}
	}
	return strings.Join(parts, ", ")
}

func (s *Sim) storm(reason error, limit uint64) error {
	return &StormError{Reason: reason, T: s.now, Pending: s.q.Len(), Limit: limit, Sources: s.Sources(3)}
}
