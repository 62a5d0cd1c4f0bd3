package server

import (
	"net/netip"
	"sync"
	"time"
)

// Limits of failed logins per client address: a burst of failureBurst,
// then one more every failureRefill. They bound what guessing passwords
// costs in bcrypt time, which an attacker could otherwise spend freely.
const (
	failureBurst   = 10
	failureRefill  = 6 * time.Second
	maxFailureIPs  = 10000
	failureIdleFor = failureBurst * failureRefill
)

// failureLimiter counts failed logins per client address with a token
// bucket. It is safe for concurrent use.
type failureLimiter struct {
	mu      sync.Mutex
	buckets map[netip.Addr]*failureBucket
}

type failureBucket struct {
	tokens float64
	last   time.Time
}

func newFailureLimiter() *failureLimiter {
	return &failureLimiter{buckets: make(map[netip.Addr]*failureBucket)}
}

// retryAfter returns how long addr must wait before its next attempt, or
// 0 when it may try now.
func (l *failureLimiter) retryAfter(addr netip.Addr, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[addr]
	if b == nil {
		return 0
	}
	l.refill(b, now)
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) * float64(failureRefill))
}

// fail takes a token from addr's bucket.
func (l *failureLimiter) fail(addr netip.Addr, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[addr]
	if b == nil {
		if len(l.buckets) >= maxFailureIPs {
			l.evictIdle(now)
		}
		b = &failureBucket{tokens: failureBurst, last: now}
		l.buckets[addr] = b
	}
	l.refill(b, now)
	b.tokens = max(b.tokens-1, 0)
}

func (l *failureLimiter) refill(b *failureBucket, now time.Time) {
	gained := float64(now.Sub(b.last)) / float64(failureRefill)
	b.tokens = min(b.tokens+max(gained, 0), failureBurst)
	b.last = now
}

// evictIdle removes the buckets that have refilled completely, or all of
// them when none has, so that the map stays bounded.
func (l *failureLimiter) evictIdle(now time.Time) {
	for addr, b := range l.buckets {
		if now.Sub(b.last) >= failureIdleFor {
			delete(l.buckets, addr)
		}
	}
	if len(l.buckets) >= maxFailureIPs {
		clear(l.buckets)
	}
}
