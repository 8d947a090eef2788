package bindings

import (
	"testing"
	"unsafe"
)

// TestReceivedMessageSize: every delivery to a Starlark handler allocates
// one Message, so what message() was given stays out of it (see draft).
func TestReceivedMessageSize(t *testing.T) {
	if n := unsafe.Sizeof(Message{}); n > 80 {
		t.Errorf("a Message is %d bytes, want at most 80 (a size class of the allocator)", n)
	}
}
