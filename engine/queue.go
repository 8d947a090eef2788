package engine

import (
	"math"
	"math/bits"
	"slices"
)

// eventKind says what an event does when it fires.
type eventKind uint8

const (
	evArrive     eventKind = iota + 1 // a message reaches a peer's inbound queue
	evDownloaded                      // the head of a peer's inbound queue finished downloading
	evValidated                       // the validation step of the head message finished
	evTimer                           // a service timer fires
	evFunc                            // a scheduled Go function (faults, start-up, script actions)
)

// event is the payload of a scheduled event. It lives in a slab indexed by
// the heap's keys, so moving keys around the heap never copies it. It is
// kept to 64 bytes, one cache line: an arrival packs its TTL and hop count
// into tag (see hopTag), which other kinds use for an epoch or a timer tag.
type event struct {
	msg   *Message
	svc   Service
	fn    func() error
	tag   int64
	timer uint64
	peer  int32
	from  int32
	kind  eventKind
	ok    bool
}

// hopTag packs a TTL and a hop count into an arrival's tag.
func hopTag(ttl, hops int32) int64 { return int64(uint64(uint32(ttl))<<32 | uint64(uint32(hops))) }

// ttlHops unpacks hopTag.
func (ev *event) ttlHops() (ttl, hops int32) {
	return int32(uint64(ev.tag) >> 32), int32(uint32(ev.tag))
}

// key orders events by (time, sequence): equal-time events run in the order
// they were scheduled. id holds the sequence number in its high 32 bits and
// the event's slab slot in its low 32 bits, so that a key is 16 bytes and
// four sibling keys share one cache line; since sequence numbers are unique,
// comparing ids compares sequence numbers.
type key struct {
	t  float64
	id uint64
}

func (a key) less(b key) bool {
	return a.t < b.t || (a.t == b.t && a.id < b.id)
}

// lessBit is less as 0 or 1, computed without branches: event times are
// never negative, -0 or NaN (see push), and for such floats the bit
// patterns order like the numbers, so (t, id) compares as one 128-bit
// unsigned integer, whose subtraction borrows exactly when a < b. Picking
// the least of four siblings this way avoids mispredicted branches.
func (a key) lessBit(b key) int {
	_, borrow := bits.Sub64(a.id, b.id, 0)
	_, borrow = bits.Sub64(math.Float64bits(a.t), math.Float64bits(b.t), borrow)
	return int(borrow)
}

func (k key) slot() int32 { return int32(uint32(k.id)) }

// The heap is 4-ary and its root sits at index heapRoot, after padding, so
// that the four children of node i, at 4i-8 .. 4i-5, start at a multiple of
// four keys: with the array 64-byte aligned (large allocations are), each
// group of siblings is one cache line. A sift-down then touches one line
// per level, over half as many levels as a binary heap.
const heapRoot = 3

func firstChild(i int) int { return 4*i - 8 }
func parent(c int) int     { return c/4 + 2 }

// queue is a 4-ary min-heap of keys over a slab of event payloads with a
// free list. Steady-state push and pop allocate nothing.
type queue struct {
	heap []key // heap[heapRoot:] holds the keys
	slab []event
	free []int32
	seq  uint32 // sequence number of the last push
}

func (q *queue) Len() int { return max(len(q.heap)-heapRoot, 0) }

// push schedules ev at time t.
func (q *queue) push(t float64, ev event) {
	var slot int32
	if n := len(q.free); n > 0 {
		slot = q.free[n-1]
		q.free = q.free[:n-1]
		q.slab[slot] = ev
	} else {
		slot = int32(len(q.slab))
		q.slab = append(q.slab, ev)
	}
	if q.seq == math.MaxUint32 {
		q.renumber()
	}
	q.seq++
	if !(t > 0) {
		// lessBit needs times >= 0 and not -0. The engine never schedules
		// before now (>= 0); this also maps -0 (and a stray NaN) to 0.
		t = 0
	}
	k := key{t: t, id: uint64(q.seq)<<32 | uint64(uint32(slot))}
	if len(q.heap) < heapRoot {
		q.heap = make([]key, heapRoot, 256)
	}
	h := append(q.heap, k)
	i := len(h) - 1
	for i > heapRoot {
		p := parent(i)
		if !k.less(h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = k
	q.heap = h
}

// renumber gives the pending events fresh sequence numbers 1..n in their
// current order, when the 32-bit counter is about to wrap (once every four
// billion events). A sorted array is a valid heap, so sorting is enough.
func (q *queue) renumber() {
	h := q.heap[heapRoot:]
	slices.SortFunc(h, func(a, b key) int {
		if a.less(b) {
			return -1
		}
		return 1
	})
	for i := range h {
		h[i].id = uint64(i+1)<<32 | uint64(uint32(h[i].id))
	}
	q.seq = uint32(len(h))
}

// peekTime is the time of the next event; callers check Len first.
func (q *queue) peekTime() float64 { return q.heap[heapRoot].t }

// pop removes the earliest event and returns its time and payload.
//
// It is Wegener's bottom-up variant: the hole left by the root moves down
// to a leaf along the least children, and the heap's last key then sifts
// up from there. The last key is nearly always among the latest, so it
// rarely climbs, which saves a comparison per level over the classic
// sift-down.
func (q *queue) pop() (float64, event) {
	h := q.heap
	top := h[heapRoot]
	slot := top.slot()
	// Load the payload first: its cache miss overlaps the heap walk.
	ev := q.slab[slot]
	n := len(h) - 1
	last := h[n]
	h = h[:n]
	if n > heapRoot {
		i := heapRoot
		for {
			c := firstChild(i)
			if c+3 < n {
				a := c + h[c+1].lessBit(h[c])
				b := c + 2 + h[c+3].lessBit(h[c+2])
				a += (b - a) * h[b].lessBit(h[a])
				h[i] = h[a]
				i = a
				continue
			}
			if c < n {
				m := c
				for j := c + 1; j < n; j++ {
					if h[j].less(h[m]) {
						m = j
					}
				}
				h[i] = h[m]
				i = m
			}
			break
		}
		for i > heapRoot {
			p := parent(i)
			if !last.less(h[p]) {
				break
			}
			h[i] = h[p]
			i = p
		}
		h[i] = last
	}
	q.heap = h
	q.slab[slot] = event{}
	q.free = append(q.free, slot)
	return top.t, ev
}
