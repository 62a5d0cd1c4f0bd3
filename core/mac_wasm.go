//go:build wasm

package core

import "github.com/signet-media/signet/core/internal/hmac256"

// macKey computes HMAC-SHA256 under one secret with hmac256, which keeps
// the standard library's FIPS 140 module out of the WebAssembly module
// (see that package). Native builds use crypto/hmac, in mac.go.
type macKey struct {
	id     string
	secret []byte
	key    *hmac256.Key
}

func newMACKey(id, secret string) *macKey {
	return &macKey{id: id, secret: []byte(secret), key: hmac256.New([]byte(secret))}
}

// appendMAC appends HMAC-SHA256 of msg to dst.
func (k *macKey) appendMAC(dst, msg []byte) []byte {
	return k.key.AppendMAC(dst, msg)
}
