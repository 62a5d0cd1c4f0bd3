package hmac256

import "math/bits"

// initial is the SHA-256 initial hash value (FIPS 180-4, 5.3.3).
var initial = [8]uint32{
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
}

// roundConstants are the SHA-256 constants K (FIPS 180-4, 4.2.2).
var roundConstants = [64]uint32{
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

// blocks runs the compression function over p, whose length is a multiple
// of the block size. The message schedule lives in 16 words, each
// replaced by its successor 16 rounds later.
func blocks(h *[8]uint32, p []byte) {
	var w [16]uint32
	for ; len(p) >= blockSize; p = p[blockSize:] {
		for i := range w {
			w[i] = uint32(p[4*i])<<24 | uint32(p[4*i+1])<<16 | uint32(p[4*i+2])<<8 | uint32(p[4*i+3])
		}
		a, b, c, d, e, f, g, hh := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
		for i := 0; i < 64; i += 8 {
			half := i & 8
			if i >= 16 {
				expand(&w, half)
			}
			k := (*[8]uint32)(roundConstants[i : i+8])
			v := (*[8]uint32)(w[half : half+8])
			// Each line is one round: the working variables rotate
			// through the argument positions instead of being moved.
			d, hh = round(a, b, c, d, e, f, g, hh, k[0]+v[0])
			c, g = round(hh, a, b, c, d, e, f, g, k[1]+v[1])
			b, f = round(g, hh, a, b, c, d, e, f, k[2]+v[2])
			a, e = round(f, g, hh, a, b, c, d, e, k[3]+v[3])
			hh, d = round(e, f, g, hh, a, b, c, d, k[4]+v[4])
			g, c = round(d, e, f, g, hh, a, b, c, k[5]+v[5])
			f, b = round(c, d, e, f, g, hh, a, b, k[6]+v[6])
			e, a = round(b, c, d, e, f, g, hh, a, k[7]+v[7])
		}
		h[0] += a
		h[1] += b
		h[2] += c
		h[3] += d
		h[4] += e
		h[5] += f
		h[6] += g
		h[7] += hh
	}
}

// round is one SHA-256 round (FIPS 180-4, 6.2.2, step 3) for the round
// constant plus schedule word kw. It returns the new d and h; the caller
// renames the variables for the next round.
func round(a, b, c, d, e, f, g, h, kw uint32) (uint32, uint32) {
	t1 := h + (bits.RotateLeft32(e, -6) ^ bits.RotateLeft32(e, -11) ^ bits.RotateLeft32(e, -25)) +
		(e&f ^ ^e&g) + kw
	t2 := (bits.RotateLeft32(a, -2) ^ bits.RotateLeft32(a, -13) ^ bits.RotateLeft32(a, -22)) +
		(a&b ^ a&c ^ b&c)
	return d + t1, t1 + t2
}

// expand replaces the eight schedule words from half on with the words of
// the next 16 rounds, in order, since each reads the one two before it.
func expand(w *[16]uint32, half int) {
	next(w, half)
	next(w, half+1)
	next(w, half+2)
	next(w, half+3)
	next(w, half+4)
	next(w, half+5)
	next(w, half+6)
	next(w, half+7)
}

// next replaces W[t-16] in slot j with W[t] (FIPS 180-4, 6.2.2, step 1).
func next(w *[16]uint32, j int) {
	w2, w15 := w[(j-2)&15], w[(j+1)&15]
	s1 := bits.RotateLeft32(w2, -17) ^ bits.RotateLeft32(w2, -19) ^ w2>>10
	s0 := bits.RotateLeft32(w15, -7) ^ bits.RotateLeft32(w15, -18) ^ w15>>3
	w[j&15] += s1 + w[(j-7)&15] + s0
}
