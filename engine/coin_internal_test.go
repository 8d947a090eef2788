package engine

import "testing"

// The test vectors of the SipHash paper (Aumasson and Bernstein, appendix
// A): key 00 01 .. 0f, messages 00 01 .. of length 0 and 15.
func TestSipHashVectors(t *testing.T) {
	k0, k1 := uint64(0x0706050403020100), uint64(0x0f0e0d0c0b0a0908)
	msg := make([]byte, 15)
	for i := range msg {
		msg[i] = byte(i)
	}
	for _, c := range []struct {
		n    int
		want uint64
	}{{0, 0x726fdb47dd0e0e31}, {15, 0xa129ca6149be45e5}, {8, 0x93f5f5799a932462}} {
		if got := sipHash24(k0, k1, msg[:c.n]); got != c.want {
			t.Errorf("SipHash-2-4 of %d bytes: %#x, want %#x", c.n, got, c.want)
		}
	}
}
