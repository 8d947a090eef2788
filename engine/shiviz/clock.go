// Package shiviz keeps the vector clocks of a run and writes its events in
// the log format of ShiViz (Beschastnikh et al., CACM 2020), the viewer
// that draws a log as an interactive space-time diagram; it also reads
// such a log back and checks it the way ShiViz does, and converts a
// p2prepl JSON Lines trace into one.
//
// Vector clocks follow the textbook rules: a process increments its own
// entry on every event it logs; a message carries its sender's clock at
// the send; a receive takes the entrywise maximum of the receiver's clock
// and the message's, then increments the receiver's entry. A receive's
// clock therefore dominates its send's, which is what ShiViz uses to draw
// the arrow.
package shiviz

// Clocks keeps one vector clock per process (a small non-negative id) and
// the clock each message in flight carries, keyed by its send sequence
// number. Clocks are dense slices indexed by process id, so memory grows
// with the square of the number of processes that hear of each other:
// meant for the tens to hundreds of peers a person reads in ShiViz.
type Clocks struct {
	procs    [][]uint32
	inflight map[uint64][]uint32
	free     [][]uint32
}

// NewClocks returns an empty set of clocks.
func NewClocks() *Clocks { return &Clocks{inflight: map[uint64][]uint32{}} }

func (c *Clocks) of(p int) []uint32 {
	for len(c.procs) <= p {
		c.procs = append(c.procs, nil)
	}
	if len(c.procs[p]) <= p {
		c.procs[p] = grow(c.procs[p], p+1)
	}
	return c.procs[p]
}

func grow(v []uint32, n int) []uint32 {
	if n <= len(v) {
		return v
	}
	if n <= cap(v) {
		return v[:n]
	}
	out := make([]uint32, n, max(n, 2*cap(v)))
	copy(out, v)
	return out
}

// Tick records a local event of process p and returns p's clock after it.
// The slice is valid until the next call on c.
func (c *Clocks) Tick(p int) []uint32 {
	v := c.of(p)
	v[p]++
	return v
}

// Send records the send of message seq by process p (a local event) and
// remembers the clock the message carries. It returns p's clock.
func (c *Clocks) Send(p int, seq uint64) []uint32 {
	v := c.Tick(p)
	var snap []uint32
	if n := len(c.free); n > 0 {
		snap, c.free = c.free[n-1][:0], c.free[:n-1]
	}
	c.inflight[seq] = append(snap, v...)
	return v
}

// Receive records the receipt of message seq by process p: p's clock
// becomes the entrywise maximum of its own and the message's, then p
// ticks. A seq that Send never saw (sent before the clocks started) is
// taken as a local event. It returns p's clock.
func (c *Clocks) Receive(p int, seq uint64) []uint32 {
	m, ok := c.inflight[seq]
	if ok {
		v := c.of(p)
		if len(m) > len(v) {
			v = grow(v, len(m))
			c.procs[p] = v
		}
		for i, x := range m {
			if x > v[i] {
				v[i] = x
			}
		}
		c.Forget(seq)
	}
	return c.Tick(p)
}

// Forget drops the clock of message seq (it was lost).
func (c *Clocks) Forget(seq uint64) {
	if m, ok := c.inflight[seq]; ok {
		delete(c.inflight, seq)
		c.free = append(c.free, m)
	}
}

// Now returns process p's current clock without an event (valid until the
// next call on c).
func (c *Clocks) Now(p int) []uint32 { return c.of(p) }
