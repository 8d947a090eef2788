package engine

import (
	"encoding/binary"
	"math/bits"
)

// CommonCoin is a common coin (Rabin, 1983) for randomized agreement: a
// bit, 0 or 1, that is the same for every peer that asks with the same
// key, independent across keys, and that no script can compute before it
// is drawn. It is SipHash-2-4 of the key under a 128-bit secret drawn
// once, on first use, from the simulation's "common coin" stream: so it is
// a pure function of the seed and the key (same run, same coins), does
// not shift any other draw, and without the secret the bits of different
// keys are as good as fair, independent coin flips.
func (s *Sim) CommonCoin(key string) int {
	if !s.coinReady {
		r := s.Stream("common coin")
		s.coinKey = [2]uint64{r.Uint64(), r.Uint64()}
		s.coinReady = true
	}
	return int(sipHash24(s.coinKey[0], s.coinKey[1], []byte(key)) & 1)
}

// sipHash24 is SipHash-2-4 (Aumasson and Bernstein, 2012) of msg under the
// key (k0, k1), the key's bytes read little-endian.
func sipHash24(k0, k1 uint64, msg []byte) uint64 {
	v0 := k0 ^ 0x736f6d6570736575
	v1 := k1 ^ 0x646f72616e646f6d
	v2 := k0 ^ 0x6c7967656e657261
	v3 := k1 ^ 0x7465646279746573
	round := func() {
		v0 += v1
		v1 = bits.RotateLeft64(v1, 13)
		v1 ^= v0
		v0 = bits.RotateLeft64(v0, 32)
		v2 += v3
		v3 = bits.RotateLeft64(v3, 16)
		v3 ^= v2
		v0 += v3
		v3 = bits.RotateLeft64(v3, 21)
		v3 ^= v0
		v2 += v1
		v1 = bits.RotateLeft64(v1, 17)
		v1 ^= v2
		v2 = bits.RotateLeft64(v2, 32)
	}
	n := len(msg)
	for len(msg) >= 8 {
		m := binary.LittleEndian.Uint64(msg)
		v3 ^= m
		round()
		round()
		v0 ^= m
		msg = msg[8:]
	}
	last := uint64(n) << 56
	for i, b := range msg {
		last |= uint64(b) << (8 * i)
	}
	v3 ^= last
	round()
	round()
	v0 ^= last
	v2 ^= 0xff
	round()
	round()
	round()
	round()
	return v0 ^ v1 ^ v2 ^ v3
}
