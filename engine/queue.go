package engine

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
// the heap's keys, so moving keys around the heap never copies it.
type event struct {
	msg   *Message
	svc   Service
	fn    func() error
	tag   int64
	timer uint64
	peer  int32
	from  int32
	ttl   int32
	hops  int32
	kind  eventKind
	ok    bool
}

// key orders events by (time, sequence): equal-time events run in the order
// they were scheduled.
type key struct {
	t    float64
	seq  uint64
	slot int32
}

func (a key) less(b key) bool {
	return a.t < b.t || (a.t == b.t && a.seq < b.seq)
}

// queue is a binary min-heap of keys over a slab of event payloads with a
// free list. Steady-state push and pop allocate nothing.
type queue struct {
	heap []key
	slab []event
	free []int32
	seq  uint64
}

func (q *queue) Len() int { return len(q.heap) }

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
	q.seq++
	k := key{t: t, seq: q.seq, slot: slot}
	h := append(q.heap, k)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !k.less(h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = k
	q.heap = h
}

// peekTime is the time of the next event; callers check Len first.
func (q *queue) peekTime() float64 { return q.heap[0].t }

// pop removes the earliest event and returns its time and payload.
func (q *queue) pop() (float64, event) {
	h := q.heap
	top := h[0]
	n := len(h) - 1
	last := h[n]
	h = h[:n]
	if n > 0 {
		i := 0
		for {
			c := 2*i + 1
			if c >= n {
				break
			}
			if r := c + 1; r < n && h[r].less(h[c]) {
				c = r
			}
			if !h[c].less(last) {
				break
			}
			h[i] = h[c]
			i = c
		}
		h[i] = last
	}
	q.heap = h
	ev := q.slab[top.slot]
	q.slab[top.slot] = event{}
	q.free = append(q.free, top.slot)
	return top.t, ev
}
