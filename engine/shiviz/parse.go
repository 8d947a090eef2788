package shiviz

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// LogEvent is one parsed line of a ShiViz log.
type LogEvent struct {
	Line  int // 1-based line number in the file
	Host  string
	Text  string
	Clock map[string]uint64
}

// lineRE is Regexp in Go's syntax, anchored as ShiViz anchors it.
var lineRE = regexp.MustCompile(`^` + Regexp + `$`)

// Parse reads a ShiViz log file: the parser expression on the first line,
// an empty delimiter line, then one event per line matched with Regexp.
func Parse(r io.Reader) ([]LogEvent, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	var out []LogEvent
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		switch n {
		case 1:
			if line != Regexp {
				return nil, fmt.Errorf("line 1: want the parser expression %s, got %q", Regexp, line)
			}
			continue
		case 2:
			if strings.TrimSpace(line) != "" {
				return nil, fmt.Errorf("line 2: want an empty execution delimiter, got %q", line)
			}
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		// ShiViz matches the expression in JavaScript with flag m
		// (NamedRegExp, js/util/regexp.js), where "." stops and "$"
		// matches at \r, U+2028 and U+2029 as at \n: a line holding one
		// is no event to ShiViz, which skips it without a word.
		if i := strings.IndexAny(line, "\r\u2028\u2029"); i >= 0 {
			r, _ := utf8.DecodeRuneInString(line[i:])
			return nil, fmt.Errorf("line %d: holds %U, a line break to ShiViz (JavaScript): the line would not match %s", n, r, Regexp)
		}
		m := lineRE.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("line %d: does not match %s: %q", n, Regexp, line)
		}
		ev := LogEvent{Line: n, Host: m[lineRE.SubexpIndex("host")], Text: m[lineRE.SubexpIndex("event")]}
		if err := json.Unmarshal([]byte(m[lineRE.SubexpIndex("clock")]), &ev.Clock); err != nil {
			return nil, fmt.Errorf("line %d: the vector clock is not a JSON object of counts: %v", n, err)
		}
		out = append(out, ev)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if n < 2 {
		return nil, errors.New("not a ShiViz log: no parser expression and delimiter lines")
	}
	// ShiViz refuses an execution without events (ExecutionParser,
	// js/model/parser.js: "does not capture any events").
	if len(out) == 0 {
		return nil, errors.New("the log has no events: ShiViz refuses it")
	}
	return out, nil
}

// Check verifies the clocks of a log as ShiViz does before drawing it
// (VectorTimestamp, js/model/vectorTimestamp.js; ModelGraph's initPrevNext
// and initParentChild, js/model/modelGraph.js): every event's clock names
// its own host; each host's own entries count 1, 2, 3, ... in some order
// of its events; every entry for another host names an event of that host.
// It also checks that each clock is exactly the entrywise maximum of the
// host's previous event and the events it newly learned of (one more on
// its own entry), which is what a clock built by the vector clock rules
// is: ShiViz states that rule (stepThroughAndVerify) but does not call it.
func Check(events []LogEvent) error {
	byHost := map[string][]*LogEvent{}
	for i := range events {
		e := &events[i]
		own, ok := e.Clock[e.Host]
		if !ok || own == 0 {
			return fmt.Errorf("line %d: host %q is missing from its own clock", e.Line, e.Host)
		}
		byHost[e.Host] = append(byHost[e.Host], e)
	}
	hosts := make([]string, 0, len(byHost))
	for h, es := range byHost {
		hosts = append(hosts, h)
		sort.SliceStable(es, func(i, j int) bool { return es[i].Clock[h] < es[j].Clock[h] })
		for i, e := range es {
			if e.Clock[h] != uint64(i+1) {
				return fmt.Errorf("line %d: host %s's clock goes from %d to %d; it must count 1, 2, 3, ...", e.Line, h, i, e.Clock[h])
			}
		}
	}
	sort.Strings(hosts)
	for _, h := range hosts {
		var prev map[string]uint64
		for _, e := range byHost[h] {
			want := map[string]uint64{}
			for k, v := range prev {
				want[k] = v
			}
			for g, t := range e.Clock {
				if g == h || t <= prev[g] {
					continue
				}
				ges := byHost[g]
				if t > uint64(len(ges)) {
					return fmt.Errorf("line %d: the clock names event %d of host %q, which has %d events", e.Line, t, g, len(ges))
				}
				for k, v := range ges[t-1].Clock {
					if v > want[k] {
						want[k] = v
					}
				}
			}
			want[h] = e.Clock[h]
			if !sameClock(want, e.Clock) {
				return fmt.Errorf("line %d: impermissible clock %v for %s; from its predecessors it should be %v", e.Line, e.Clock, h, want)
			}
			prev = e.Clock
		}
	}
	return nil
}

func sameClock(a, b map[string]uint64) bool {
	n := 0
	for k, v := range a {
		if v == 0 {
			continue
		}
		n++
		if b[k] != v {
			return false
		}
	}
	for _, v := range b {
		if v != 0 {
			n--
		}
	}
	return n == 0
}

// Dominates reports whether clock a is entrywise at least b.
func Dominates(a, b map[string]uint64) bool {
	for k, v := range b {
		if a[k] < v {
			return false
		}
	}
	return true
}
