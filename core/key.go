package core

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"hash"
	"sync"

	"github.com/signet-media/signet/core/internal/uri"
)

// Key is a signing key.
type Key struct {
	// ID names the key in signed URLs (the keyId parameter).
	ID string

	// Secret is the HMAC key. Its UTF-8 bytes are used as they are; a hex
	// text is never decoded.
	Secret string

	// URLs are the prefixes of the URLs this key signs, such as
	// "https://media.example.org/engage" or a path such as "/engage".
	// A Verifier ignores them.
	URLs []string

	// Organization restricts signing to callers of that organization.
	// Empty means any organization. A Verifier ignores it.
	Organization string
}

// macKey computes HMAC-SHA256 under one secret, reusing hash states.
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

// prefix is a parsed Key URL.
type prefix struct {
	text     string
	pathOnly bool
	scheme   string
	host     string
	port     string // effective port
	path     string // normalized
}

func parsePrefix(text string) (prefix, error) {
	if p := uri.Validate(text); p != nil {
		return prefix{}, fmt.Errorf("invalid URL prefix %q: %v", text, p)
	}
	parts := uri.Split(text)
	if parts.HasQuery || parts.HasFragment || parts.HasUserInfo {
		return prefix{}, fmt.Errorf("invalid URL prefix %q: a prefix has no query, fragment or user info", text)
	}
	if !parts.IsPathOnly() && (parts.Scheme == "" || !parts.HasAuthority) {
		return prefix{}, fmt.Errorf("invalid URL prefix %q: write scheme://host/path or a path starting with '/'", text)
	}
	if parts.IsPathOnly() && (parts.Path == "" || parts.Path[0] != '/') {
		return prefix{}, fmt.Errorf("invalid URL prefix %q: a path prefix starts with '/'", text)
	}
	path, _ := uri.AppendNormalizedPath(nil, nil, parts.Path, false)
	return prefix{
		text:     text,
		pathOnly: parts.IsPathOnly(),
		scheme:   parts.Scheme,
		host:     parts.Host,
		port:     parts.EffectivePort(),
		path:     string(path),
	}, nil
}

// matches reports whether the prefix covers a URL with the given parts and
// normalized path: scheme and host equal ignoring case, equal effective
// ports, and a path that starts with the prefix path at a segment boundary.
func (p *prefix) matches(u *uri.Parts, path []byte) bool {
	if p.pathOnly != u.IsPathOnly() {
		return false
	}
	if !p.pathOnly {
		if !u.HasAuthority || !uri.EqualFold(p.scheme, u.Scheme) ||
			!uri.EqualFold(p.host, u.Host) || p.port != u.EffectivePort() {
			return false
		}
	}
	if len(path) < len(p.path) || string(path[:len(p.path)]) != p.path {
		return false
	}
	return len(path) == len(p.path) || p.path == "" ||
		p.path[len(p.path)-1] == '/' || path[len(p.path)] == '/'
}
