// Package hmac256 computes HMAC-SHA256 (RFC 2104, FIPS 180-4) in plain Go
// for the WebAssembly build of the core.
//
// crypto/hmac and crypto/sha256 link the standard library's FIPS 140
// module, whose self-tests bring AES, GCM, SHA-3, SHA-512 and a random
// generator into every binary that hashes: 282 KB of signet's WebAssembly
// module, which only needs one MAC. Native builds keep crypto/hmac, whose
// SHA-256 uses the CPU's instructions; this package is tested against it.
//
// The rounds are unrolled eight at a time. Besides being faster, that
// matters in wazero with a per-call deadline, because the guest then calls
// into the host at every loop header to learn whether to stop, about 27 ns
// each on the machine of docs/benchmarks.md. A block costs 8 such checks
// here against 128 in the standard library's generic code.
package hmac256

// Size is the length of a MAC in bytes.
const Size = 32

const blockSize = 64

// Key is a secret prepared for HMAC-SHA256: the hash states after the
// inner and the outer padded key blocks. A Key is read-only after New, so
// it is safe for concurrent use.
type Key struct {
	inner, outer [8]uint32
}

// New prepares a secret of any length. A secret longer than a block is
// replaced by its SHA-256 hash, as RFC 2104 requires.
func New(secret []byte) *Key {
	var pad [blockSize]byte
	if len(secret) > blockSize {
		sum := Sum256(secret)
		copy(pad[:], sum[:])
	} else {
		copy(pad[:], secret)
	}
	k := &Key{inner: initial, outer: initial}
	for i := range pad {
		pad[i] ^= 0x36
	}
	blocks(&k.inner, pad[:])
	for i := range pad {
		pad[i] ^= 0x36 ^ 0x5c
	}
	blocks(&k.outer, pad[:])
	return k
}

// AppendMAC appends the HMAC-SHA256 of msg to dst. It allocates nothing
// when dst has room for Size more bytes.
func (k *Key) AppendMAC(dst, msg []byte) []byte {
	h := k.inner
	var sum [Size]byte
	finish(&h, msg, blockSize, &sum)
	h = k.outer
	finish(&h, sum[:], blockSize, &sum)
	return append(dst, sum[:]...)
}

// Sum256 returns the SHA-256 hash of data.
func Sum256(data []byte) [Size]byte {
	h := initial
	var sum [Size]byte
	finish(&h, data, 0, &sum)
	return sum
}

// finish hashes msg into h, which has already taken done bytes, adds the
// padding and writes the digest to sum.
func finish(h *[8]uint32, msg []byte, done int, sum *[Size]byte) {
	full := len(msg) &^ (blockSize - 1)
	blocks(h, msg[:full])
	var tail [2 * blockSize]byte
	n := copy(tail[:], msg[full:])
	tail[n] = 0x80
	end := blockSize
	if n+1+8 > blockSize {
		end = 2 * blockSize
	}
	putBigEndian(tail[end-8:end], uint64(done+len(msg))*8)
	blocks(h, tail[:end])
	for i, v := range h {
		putBigEndian(sum[4*i:4*i+4], uint64(v))
	}
}

// putBigEndian writes the low len(b) bytes of v to b, most significant
// first. The core avoids encoding/binary, which imports reflect.
func putBigEndian(b []byte, v uint64) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}
