package api

import (
	"sync/atomic"
	"unsafe"
)

// siteCache maps the address of an attribute name a script passes to the
// attribute's position. go.starlark.net passes the compiled program's own
// copy of the name each time an expression like msg.ttl runs, so the
// address (with the length) stands for the name: a hit costs a few loads
// and compares, no hashing of the name and no string comparison. A slot
// keeps the string it was filled with alive, so its memory cannot be
// reused for another name, and Go strings are immutable, so one address
// and length is always one name.
//
// Types are shared by the goroutines of a sweep, so every field is read
// and written atomically, and a slot is a sequence lock: its word holds a
// sequence number with the length and position, and a reader takes the
// slot only if the word is filled, not being written, and the same before
// and after it reads the address. Filling never allocates; a writer that
// finds the slot busy leaves it; two names sharing a slot take turns, each
// missing back to the buckets.
type siteCache struct {
	slots [siteSlots]siteSlot
}

// A program interns each attribute name once, so a few slots serve a
// script's handlers.
const (
	siteBits  = 5
	siteSlots = 1 << siteBits
)

// The word of a slot: bit 0 set while a writer fills it, bit 1 once
// filled, bits 2-31 a sequence number, 32-47 the position, 48-63 the
// length of the name.
const (
	siteWriting = 1
	siteFilled  = 2
	siteState   = siteWriting | siteFilled
)

type siteSlot struct {
	word atomic.Uint64
	ptr  atomic.Pointer[byte] // the name's bytes
}

// get returns the position cached for name.
func (c *siteCache) get(name string) (int, bool) {
	p := unsafe.StringData(name)
	s := &c.slots[(uint64(uintptr(unsafe.Pointer(p)))*0x9E3779B97F4A7C15)>>(64-siteBits)]
	w := s.word.Load()
	// One mask tests both the state and the length; the loads stay in
	// order: word, address, word.
	if s.ptr.Load() != p || s.word.Load() != w || w&(siteState|0xffff<<48) != siteFilled|uint64(len(name))<<48 {
		return 0, false
	}
	return int(w>>32) & 0xffff, true
}

// put caches position i for name, unless another goroutine is filling the
// same slot or the numbers do not fit the word.
func (c *siteCache) put(name string, i int) {
	if len(name) > 0xffff || i > 0xffff {
		return
	}
	p := unsafe.StringData(name)
	s := &c.slots[(uint64(uintptr(unsafe.Pointer(p)))*0x9E3779B97F4A7C15)>>(64-siteBits)]
	w := s.word.Load()
	if w&siteWriting != 0 || !s.word.CompareAndSwap(w, w|siteWriting) {
		return
	}
	s.ptr.Store(p)
	seq := uint64(uint32(w)&^siteState + 4)
	s.word.Store(seq | siteFilled | uint64(i)<<32 | uint64(len(name))<<48)
}
