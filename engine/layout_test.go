package engine

import (
	"testing"
	"unsafe"
)

// Peer's size is a multiple of 64 bytes and one of Go's size classes, so
// that every Peer starts on a cache line (see the padding in Peer).
func TestPeerSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(Peer{}); n%64 != 0 {
		t.Errorf("Peer is %d bytes; adjust its padding to a multiple of 64 that is a size class (e.g. 576)", n)
	}
}
