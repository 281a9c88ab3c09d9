package actors

import (
	"net"
	"sync"
	"time"
)

// authThrottle limits failed authentications per client IP with a token
// bucket: perMinute tokens, refilled continuously, one spent per failure.
// An IP with an empty bucket gets -32007 without its signature being
// checked, so brute force costs the attacker time and the server nothing.
// Safe for concurrent use (all sessions share one).
type authThrottle struct {
	mu        sync.Mutex
	perMinute float64
	buckets   map[string]*bucket
	ops       int
	now       func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxThrottleEntries bounds the map; full buckets are pruned first.
const maxThrottleEntries = 100_000

func newAuthThrottle(perMinute int) *authThrottle {
	return &authThrottle{perMinute: float64(perMinute), buckets: map[string]*bucket{}, now: time.Now}
}

// allowed reports whether ip may attempt an authentication now.
func (t *authThrottle) allowed(ip string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.buckets[ip]
	if !ok {
		return true
	}
	t.refill(b)
	return b.tokens >= 1
}

// failed spends one token of ip's bucket.
func (t *authThrottle) failed(ip string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.buckets[ip]
	if !ok {
		t.prune()
		b = &bucket{tokens: t.perMinute, last: t.now()}
		t.buckets[ip] = b
	}
	t.refill(b)
	if b.tokens >= 1 {
		b.tokens--
	}
}

func (t *authThrottle) refill(b *bucket) {
	now := t.now()
	b.tokens += now.Sub(b.last).Minutes() * t.perMinute
	if b.tokens > t.perMinute {
		b.tokens = t.perMinute
	}
	b.last = now
}

// prune drops refilled buckets every so often, and everything if the map
// is still too large (a flood of distinct addresses).
func (t *authThrottle) prune() {
	t.ops++
	if t.ops%1024 != 0 && len(t.buckets) < maxThrottleEntries {
		return
	}
	for ip, b := range t.buckets {
		t.refill(b)
		if b.tokens >= t.perMinute {
			delete(t.buckets, ip)
		}
	}
	if len(t.buckets) >= maxThrottleEntries {
		clear(t.buckets)
	}
}

// clientIP is the throttling key of a remote address: the IP without port.
func clientIP(remoteAddr string) string {
	if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return host
	}
	return remoteAddr
}
