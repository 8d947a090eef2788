package engine

import (
	"cmp"
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
// into tag (see hopTag), which other kinds use for an epoch or a timer tag,
// and its copy's ref (see Delivery) into timer, a timer's id otherwise.
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
// the event's slab slot in its low 32 bits, so that a key is 16 bytes; since
// sequence numbers are unique, comparing ids compares sequence numbers.
type key struct {
	t  float64
	id uint64
}

func (a key) less(b key) bool {
	return a.t < b.t || (a.t == b.t && a.id < b.id)
}

func (k key) slot() int32 { return int32(uint32(k.id)) }

// queue is a radix heap of keys over a slab of event payloads with a free
// list. Push and pop allocate only when a bucket outgrows its high-water
// mark, mostly when simulated time crosses a power of two: in steady
// state, nothing.
//
// A radix heap works for monotone priorities, which a discrete-event
// simulation has: nothing is scheduled before now, the time of the last
// event popped. Times are never negative (push maps -0 and anything not
// > 0 to 0), so their float64 bit patterns order like the numbers. With
// last the bits of the last time popped, a pending key whose bits differ
// from last at most significantly at bit j sits in bucket j; keys at time
// last sit in at, in sequence order. Every key of bucket j is earlier than
// every key of a higher bucket, so the next event is at[head] or, when at
// is used up, the least key of the lowest non-empty bucket. Popping it
// moves that bucket's keys to lower buckets (relative to the new last).
// A key only ever moves down, so it moves at most 64 times; in practice
// about log2 of the number of keys it shares its buckets with, and each
// move is sequential memory traffic, where a comparison heap follows a
// chain of dependent loads through its tree. The order is exactly the
// (time, sequence) order of a comparison heap.
type queue struct {
	at   []key // keys at time last, in sequence order, from head on
	head int
	bkt  [64][]key
	mask uint64 // bit j set when bkt[j] is not empty
	last uint64 // bits of the last time popped; no pending key is earlier
	n    int

	// peekTime's find, reused by the pop that follows it. peekTime moves
	// nothing, so that last stays <= now even when a run stops before the
	// next event.
	peeked bool
	peekJ  int
	peekI  int

	slab []event
	free []int32
	seq  uint32 // sequence number of the last push
}

func (q *queue) Len() int { return q.n }

// push schedules ev at time t, which must not be before the time of the
// last event popped; the engine never schedules before now, and an earlier
// time is taken as that time.
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
		t = 0 // -0 (whose bits would order last) and a stray NaN
	}
	tb := math.Float64bits(t)
	if tb < q.last {
		tb = q.last
		t = math.Float64frombits(tb)
	}
	q.n++
	q.peeked = false
	q.place(key{t: t, id: uint64(q.seq)<<32 | uint64(uint32(slot))}, tb)
}

// place files k, whose time has bits tb >= last, in at or its bucket.
func (q *queue) place(k key, tb uint64) {
	if tb == q.last {
		q.at = append(q.at, k)
		return
	}
	j := 63 - bits.LeadingZeros64(tb^q.last)
	q.bkt[j] = append(q.bkt[j], k)
	q.mask |= 1 << uint(j)
}

// least finds the next key when at is used up: bucket j, index i.
func (q *queue) least() (j, i int) {
	if q.peeked {
		return q.peekJ, q.peekI
	}
	j = bits.TrailingZeros64(q.mask)
	b := q.bkt[j]
	for k := 1; k < len(b); k++ {
		if b[k].less(b[i]) {
			i = k
		}
	}
	q.peeked, q.peekJ, q.peekI = true, j, i
	return j, i
}

// peekTime is the time of the next event; callers check Len first.
func (q *queue) peekTime() float64 {
	if q.head < len(q.at) {
		return q.at[q.head].t
	}
	j, i := q.least()
	return q.bkt[j][i].t
}

// pop removes the earliest event, copies its payload to ev and returns its
// time. The payload goes straight to the caller's event: returned, it
// would be copied twice more on the way.
func (q *queue) pop(ev *event) float64 {
	if q.head == len(q.at) {
		q.advance()
	}
	top := q.at[q.head]
	q.head++
	if q.head == len(q.at) {
		q.at, q.head = q.at[:0], 0
	}
	q.n--
	slot := top.slot()
	*ev = q.slab[slot]
	q.slab[slot] = event{}
	q.free = append(q.free, slot)
	return top.t
}

// advance moves last to the next event's time, when at is used up: the
// lowest non-empty bucket's keys move to at (those at the new last) or to
// lower buckets. Buckets below it are empty and those above stay valid,
// since the new last agrees with the old one above the bucket's bit.
func (q *queue) advance() {
	j, i := q.least()
	q.peeked = false
	b := q.bkt[j]
	q.last = math.Float64bits(b[i].t)
	q.bkt[j] = b[:0]
	if j >= 52 {
		// Above the mantissa's 52 bits, keys differ from last in the
		// exponent: such a bucket fills only when time crosses a power of
		// two (or leaves 0), a few dozen times in a run. Free it rather
		// than keep room for every pending event in each of them.
		q.bkt[j] = nil
	}
	q.mask &^= 1 << uint(j)
	for _, k := range b {
		q.place(k, math.Float64bits(k.t))
	}
	if len(q.at) > 1 {
		// Keys tied at one time come from different buckets: put them in
		// sequence order.
		slices.SortFunc(q.at, func(a, b key) int { return cmp.Compare(a.id, b.id) })
	}
}

// renumber gives the pending events fresh sequence numbers 1..n in their
// current order, when the 32-bit counter is about to wrap (once every four
// billion events), and files them again.
func (q *queue) renumber() {
	all := make([]key, 0, q.n)
	all = append(all, q.at[q.head:]...)
	for j := range q.bkt {
		all = append(all, q.bkt[j]...)
		q.bkt[j] = q.bkt[j][:0]
	}
	slices.SortFunc(all, func(a, b key) int {
		if a.less(b) {
			return -1
		}
		return 1
	})
	q.at, q.head, q.mask, q.peeked = q.at[:0], 0, 0, false
	for i, k := range all {
		k.id = uint64(i+1)<<32 | uint64(uint32(k.id))
		q.place(k, math.Float64bits(k.t))
	}
	q.seq = uint32(len(all))
}

// each calls fn for every pending event, in no particular order.
func (q *queue) each(fn func(*event)) {
	for _, k := range q.at[q.head:] {
		fn(&q.slab[k.slot()])
	}
	for j := range q.bkt {
		for _, k := range q.bkt[j] {
			fn(&q.slab[k.slot()])
		}
	}
}
