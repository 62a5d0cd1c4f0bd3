package server

import (
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"
)

// maxCachedCredentials bounds the credential cache. When it is full, the
// expired entries go first, then arbitrary ones.
const maxCachedCredentials = 1024

// credentialCache remembers successful password verifications, so that
// bcrypt runs once per user and password within the lifetime ttl. Entries
// are keyed by a SHA-256 of a per-process random salt, the user name and
// the password, never by the password itself. A nil cache is disabled. It
// is safe for concurrent use.
type credentialCache struct {
	ttl  time.Duration
	salt [32]byte

	mu      sync.Mutex
	entries map[[32]byte]cachedCredential
}

type cachedCredential struct {
	principal *principal
	expires   time.Time
}

// newCredentialCache returns a cache with the lifetime ttl, or nil, which
// caches nothing, when ttl is negative.
func newCredentialCache(ttl time.Duration) *credentialCache {
	if ttl < 0 {
		return nil
	}
	c := &credentialCache{ttl: ttl, entries: make(map[[32]byte]cachedCredential)}
	rand.Read(c.salt[:])
	return c
}

// key returns the cache key of a user name and password. Basic
// authentication forbids ':' in user names, so "name:password" is
// unambiguous.
func (c *credentialCache) key(name, password string) [32]byte {
	if c == nil {
		return [32]byte{}
	}
	h := sha256.New()
	h.Write(c.salt[:])
	h.Write([]byte(name))
	h.Write([]byte{':'})
	h.Write([]byte(password))
	var key [32]byte
	h.Sum(key[:0])
	return key
}

// get returns the principal cached under key, or nil when there is none
// or it has expired.
func (c *credentialCache) get(key [32]byte, now time.Time) *principal {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !now.Before(e.expires) {
		return nil
	}
	return e.principal
}

// put caches a principal under key until now plus the lifetime.
func (c *credentialCache) put(key [32]byte, p *principal, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCachedCredentials {
		c.evict(now)
	}
	c.entries[key] = cachedCredential{principal: p, expires: now.Add(c.ttl)}
}

// evict removes the expired entries, and arbitrary ones when that frees
// no room. The caller holds c.mu.
func (c *credentialCache) evict(now time.Time) {
	for key, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, key)
		}
	}
	for key := range c.entries {
		if len(c.entries) < maxCachedCredentials {
			return
		}
		delete(c.entries, key)
	}
}
