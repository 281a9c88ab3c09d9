package actors

import (
	"net"
	"strings"
	"sync"
	"time"
)

// authThrottle bounds what failed authentications cost the server without
// letting one client lock out others behind the same address (a NAT, a
// campus, a mobile carrier). Safe for concurrent use (all sessions share
// one). Three token buckets, refilled continuously:
//
//   - per (IP, claimed key): perMinute failures a minute. A key that keeps
//     failing from an IP is refused there (-32007) without its signature
//     being checked; other keys from the same IP are not affected.
//   - per IP: perMinute failures a minute. An IP that has used more than
//     half of it is suspect: a few typos a minute never make an office's
//     address suspect, a stream of bad attempts does within seconds.
//   - per suspect IP: ipVerifyPerSecond signature checks a second (burst
//     ipVerifyBurst) for keys that have not succeeded from it. An attacker
//     inventing a fresh key per attempt passes the first bucket every time,
//     so this one caps its verifications, and so its CPU, per IP; a
//     rightful user trying once in a while still finds a token, unless the
//     IP sends more attempts a second than the budget holds.
//
// A key that authenticated from an IP is remembered as good there: its
// attempts skip the per-IP verification budget (only its own failures
// count against it), so a returning user gets in however busy the
// neighbours are. Attempts from an IP with no recent failure are never
// delayed: ordinary clients never meet any of this.
//
// Measured in TestNATNeighbourCannotLockUserOut: with one bad attempt every
// 100 ms from an address, 20 of 20 first-time users there get in; with 500
// a second, the attacker gets at most ipVerifyPerSecond checks a second.
type authThrottle struct {
	mu        sync.Mutex
	perMinute float64
	ips       map[string]*ipState
	keys      map[ipKey]*keyState
	ops       int
	now       func() time.Time
}

// Verification budget of a suspect IP (see authThrottle). One secp256k1
// signature check costs about 50-100 µs, so this is at most a few
// milliseconds of CPU a second per address.
const (
	ipVerifyPerSecond = 20
	ipVerifyBurst     = 40
)

type ipKey struct{ ip, key string }

type ipState struct {
	failures bucket // perMinute a minute
	verify   bucket // ipVerifyPerSecond a second, spent while suspect
}

type keyState struct {
	failures bucket
	good     bool // authenticated from this IP
}

type bucket struct {
	tokens float64
	last   time.Time
}

// take refills b at rate tokens a second up to burst, then spends one
// token if there is one.
func (b *bucket) take(now time.Time, rate, burst float64) bool {
	b.refill(now, rate, burst)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (b *bucket) refill(now time.Time, rate, burst float64) {
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
}

// maxThrottleEntries bounds each map; refilled entries are pruned first.
const maxThrottleEntries = 100_000

func newAuthThrottle(perMinute int) *authThrottle {
	return &authThrottle{perMinute: float64(perMinute), ips: map[string]*ipState{}, keys: map[ipKey]*keyState{}, now: time.Now}
}

func (t *authThrottle) failRate() float64 { return t.perMinute / 60 }

// allowed reports whether an attempt from ip claiming key may have its
// signature checked now. It spends a verification token of a suspect IP.
func (t *authThrottle) allowed(ip, key string) bool {
	key = throttleKey(key)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	k := t.keys[ipKey{ip, key}]
	if k != nil {
		k.failures.refill(now, t.failRate(), t.perMinute)
		if k.failures.tokens < 1 {
			return false
		}
		if k.good {
			return true
		}
	}
	s := t.ips[ip]
	if s == nil {
		return true
	}
	s.failures.refill(now, t.failRate(), t.perMinute)
	if s.failures.tokens > t.perMinute/2 {
		return true // not suspect
	}
	return s.verify.take(now, ipVerifyPerSecond, ipVerifyBurst)
}

// failed records a failed attempt from ip claiming key.
func (t *authThrottle) failed(ip, key string) {
	key = throttleKey(key)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.prune(now)
	s := t.ips[ip]
	if s == nil {
		s = &ipState{failures: bucket{tokens: t.perMinute, last: now}, verify: bucket{tokens: ipVerifyBurst, last: now}}
		t.ips[ip] = s
	}
	s.failures.take(now, t.failRate(), t.perMinute)
	k := t.keys[ipKey{ip, key}]
	if k == nil {
		k = &keyState{failures: bucket{tokens: t.perMinute, last: now}}
		t.keys[ipKey{ip, key}] = k
	}
	k.failures.take(now, t.failRate(), t.perMinute)
}

// succeeded remembers key as good at ip.
func (t *authThrottle) succeeded(ip, key string) {
	key = throttleKey(key)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	k := t.keys[ipKey{ip, key}]
	if k == nil {
		t.prune(now)
		k = &keyState{failures: bucket{tokens: t.perMinute, last: now}}
		t.keys[ipKey{ip, key}] = k
	}
	k.good = true
}

// prune drops refilled entries every so often, and everything if a map is
// still too large (a flood of distinct addresses or keys). Good keys are
// kept while there is room: forgetting one only costs its user the
// verification budget again.
func (t *authThrottle) prune(now time.Time) {
	t.ops++
	if t.ops%1024 != 0 && len(t.ips) < maxThrottleEntries && len(t.keys) < maxThrottleEntries {
		return
	}
	for ip, s := range t.ips {
		s.failures.refill(now, t.failRate(), t.perMinute)
		if s.failures.tokens >= t.perMinute {
			delete(t.ips, ip)
		}
	}
	for k, s := range t.keys {
		s.failures.refill(now, t.failRate(), t.perMinute)
		if s.failures.tokens >= t.perMinute && (!s.good || len(t.keys) >= maxThrottleEntries) {
			delete(t.keys, k)
		}
	}
	if len(t.ips) >= maxThrottleEntries {
		clear(t.ips)
	}
	if len(t.keys) >= maxThrottleEntries {
		clear(t.keys)
	}
}

// throttleKey is the claimed key as the throttle counts it: spelled
// without 0x, in lower case and bounded in length, so trivially different
// spellings share a bucket (other spellings are fresh keys, which the
// per-IP verification budget covers).
func throttleKey(key string) string {
	if len(key) >= 2 && key[0] == '0' && (key[1] == 'x' || key[1] == 'X') {
		key = key[2:]
	}
	if len(key) > 130 {
		key = key[:130]
	}
	return strings.ToLower(key)
}

// clientIP is the throttling key of a remote address: the IP without port.
func clientIP(remoteAddr string) string {
	if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return host
	}
	return remoteAddr
}
