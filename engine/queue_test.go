package engine

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"
)

// TestQueueOrder checks that events come out in (time, scheduling order)
// order, including many equal times, and that slots are reused.
func TestQueueOrder(t *testing.T) {
	var q queue
	r := rand.New(rand.NewPCG(1, 2))
	type item struct {
		t   float64
		tag int64
	}
	var want []item
	for i := 0; i < 5000; i++ {
		tm := float64(r.IntN(100)) // many ties
		q.push(tm, event{kind: evFunc, tag: int64(i)})
		want = append(want, item{tm, int64(i)})
	}
	// A stable sort by time is exactly (time, sequence) order.
	slices.SortStableFunc(want, func(a, b item) int {
		switch {
		case a.t < b.t:
			return -1
		case a.t > b.t:
			return 1
		}
		return 0
	})
	for i, w := range want {
		if q.Len() != len(want)-i {
			t.Fatalf("Len %d, want %d", q.Len(), len(want)-i)
		}
		if pt := q.peekTime(); pt != w.t {
			t.Fatalf("pop %d: peekTime %g, want %g", i, pt, w.t)
		}
		var ev event
		tm := q.pop(&ev)
		if tm != w.t || ev.tag != w.tag {
			t.Fatalf("pop %d: got (%g, %d), want (%g, %d)", i, tm, ev.tag, w.t, w.tag)
		}
	}
	slab := len(q.slab)
	for i := 0; i < 100; i++ {
		q.push(float64(i), event{kind: evFunc})
	}
	if len(q.slab) != slab {
		t.Errorf("slab grew from %d to %d though %d slots were free", slab, len(q.slab), slab)
	}
}

// TestQueueInterleaved pushes and pops at random against a model, with
// times that tie, differ by a hair or by orders of magnitude, cross powers
// of two and include +Inf, and never precede the last time popped (the
// simulation's now).
func TestQueueInterleaved(t *testing.T) {
	var q queue
	r := rand.New(rand.NewPCG(3, 4))
	type item struct {
		t   float64
		seq int64
	}
	var model []item
	now, seq := 0.0, int64(0)
	step := func() float64 {
		switch r.IntN(8) {
		case 0:
			return 0
		case 1:
			return math.Nextafter(now, math.Inf(1)) - now
		case 2:
			return float64(r.IntN(3))
		case 3:
			return r.ExpFloat64() * 1e6
		case 4:
			if r.IntN(50) == 0 {
				return math.Inf(1)
			}
		}
		return r.ExpFloat64() * 10
	}
	for i := 0; i < 50000; i++ {
		if len(model) == 0 || r.IntN(5) < 3 {
			tm := now + step()
			seq++
			q.push(tm, event{kind: evFunc, tag: seq})
			model = append(model, item{tm, seq})
			continue
		}
		best := 0
		for i, it := range model {
			if it.t < model[best].t || (it.t == model[best].t && it.seq < model[best].seq) {
				best = i
			}
		}
		if q.Len() != len(model) {
			t.Fatalf("step %d: Len %d, want %d", i, q.Len(), len(model))
		}
		if pt := q.peekTime(); pt != model[best].t {
			t.Fatalf("step %d: peekTime %g, want %g", i, pt, model[best].t)
		}
		var ev event
		tm := q.pop(&ev)
		if tm != model[best].t || ev.tag != model[best].seq {
			t.Fatalf("step %d: got (%g, %d), want (%g, %d)", i, tm, ev.tag, model[best].t, model[best].seq)
		}
		if !math.IsInf(tm, 1) {
			now = tm
		}
		model = append(model[:best], model[best+1:]...)
	}
}

// BenchmarkQueueSteady100k measures one push plus one pop (one simulated
// event) on a queue holding a steady 100,000 pending events, each pushed
// an exponentially distributed time after the one just popped: the hold
// model of discrete-event simulation. ns/op is ns per event.
func BenchmarkQueueSteady100k(b *testing.B) {
	const pending = 100000
	var q queue
	r := rand.New(rand.NewPCG(42, 42))
	for i := 0; i < pending; i++ {
		q.push(r.ExpFloat64()*100, event{kind: evTimer, peer: int32(i)})
	}
	// Pre-draw increments so the generator is not what is measured.
	inc := make([]float64, 1<<16)
	for i := range inc {
		inc[i] = r.ExpFloat64() * 100
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var ev event
		t := q.pop(&ev)
		q.push(t+inc[i&(len(inc)-1)], ev)
	}
	b.StopTimer()
	if q.Len() != pending {
		b.Fatalf("queue holds %d events, want %d", q.Len(), pending)
	}
}

func TestEventFitsCacheLine(t *testing.T) {
	if n := unsafe.Sizeof(event{}); n > 64 {
		t.Errorf("event is %d bytes; keep it to 64 (one cache line)", n)
	}
	for _, c := range []struct{ ttl, hops int32 }{{0, 0}, {-1, 1}, {4, 5}, {math.MaxInt32, math.MaxInt32}, {math.MinInt32, -7}} {
		ev := event{tag: hopTag(c.ttl, c.hops)}
		if ttl, hops := ev.ttlHops(); ttl != c.ttl || hops != c.hops {
			t.Errorf("hopTag(%d, %d) unpacks to (%d, %d)", c.ttl, c.hops, ttl, hops)
		}
	}
}

// TestQueueRenumber makes the 32-bit sequence counter wrap: pending events
// are renumbered and keep their (time, scheduling order) order.
func TestQueueRenumber(t *testing.T) {
	var q queue
	r := rand.New(rand.NewPCG(5, 6))
	q.seq = math.MaxUint32 - 50
	type item struct {
		t   float64
		tag int64
	}
	var want []item
	for i := 0; i < 200; i++ {
		tm := float64(r.IntN(10))
		q.push(tm, event{kind: evFunc, tag: int64(i)})
		want = append(want, item{tm, int64(i)})
	}
	if q.seq >= math.MaxUint32-50 {
		t.Fatalf("sequence counter did not wrap (seq %d)", q.seq)
	}
	slices.SortStableFunc(want, func(a, b item) int { return int(a.t - b.t) })
	for i, w := range want {
		var ev event
		tm := q.pop(&ev)
		if tm != w.t || ev.tag != w.tag {
			t.Fatalf("pop %d: got (%g, %d), want (%g, %d)", i, tm, ev.tag, w.t, w.tag)
		}
	}
}

// TestQueueNegativeZero: an event at -0 is an event at 0, ordered by
// scheduling order among other events at 0 (the radix heap orders times by
// their bits, where -0 would come last).
func TestQueueNegativeZero(t *testing.T) {
	var q queue
	negZero := math.Copysign(0, -1)
	times := []float64{0, negZero, 1, 0.5}
	var want []int64
	for _, tm := range []float64{0, 0.5, 1} {
		for i := int64(0); i < 40; i++ {
			if x := times[i%4]; x == tm {
				want = append(want, i)
			}
		}
	}
	for i := int64(0); i < 40; i++ {
		q.push(times[i%4], event{tag: i})
	}
	for i, w := range want {
		var ev event
		if q.pop(&ev); ev.tag != w {
			t.Fatalf("pop %d: got event %d, want %d", i, ev.tag, w)
		}
	}
}

// A run that stops before the next event (at 100) peeks at it; an event
// then scheduled earlier (at 60) still comes first, at its own time.
func TestQueuePeekThenEarlierPush(t *testing.T) {
	var q queue
	q.push(10, event{tag: 1})
	q.push(100, event{tag: 2})
	var ev event
	if tm := q.pop(&ev); tm != 10 {
		t.Fatalf("first pop at %g", tm)
	}
	if pt := q.peekTime(); pt != 100 {
		t.Fatalf("peekTime %g, want 100", pt)
	}
	q.push(60, event{tag: 3})
	for _, want := range []struct {
		t   float64
		tag int64
	}{{60, 3}, {100, 2}} {
		if tm := q.pop(&ev); tm != want.t || ev.tag != want.tag {
			t.Fatalf("popped (%g, %d), want (%g, %d)", tm, ev.tag, want.t, want.tag)
		}
	}
}
