//go:build !wasm

package core

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
)

// macKey computes HMAC-SHA256 under one secret with crypto/hmac, whose
// SHA-256 uses the CPU's instructions, reusing hash states. The
// WebAssembly build has its own in mac_wasm.go.
type macKey struct {
	id     string
	secret []byte
	pool   sync.Pool // of hash.Hash
}

func newMACKey(id, secret string) *macKey {
	return &macKey{id: id, secret: []byte(secret)}
}

// appendMAC appends HMAC-SHA256 of msg to dst.
func (k *macKey) appendMAC(dst, msg []byte) []byte {
	h, ok := k.pool.Get().(hash.Hash)
	if ok {
		h.Reset()
	} else {
		h = hmac.New(sha256.New, k.secret)
	}
	h.Write(msg)
	dst = h.Sum(dst)
	k.pool.Put(h)
	return dst
}
