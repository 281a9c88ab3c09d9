package actors_test

import (
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/actors/auth"
	"github.com/circles-actor/circles-actor/transport/jsonrpc"
)

// fakeClock is the throttle's clock in these tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) read() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// badAttempt fetches a nonce for pub and authenticates with a signature
// that is not pub's; it returns the error code.
func badAttempt(t *testing.T, c *conn, pub string) int {
	t.Helper()
	c.call("fetch_nonce", map[string]string{"pubkey": pub}, nil)
	code, _ := c.callErr("authenticate", map[string]string{"pubkey": pub, "signature": strings.Repeat("11", 65)})
	return code
}

// TestNATNeighbourCannotLockUserOut is issue 15's case: while one bad
// authentication every 100 ms comes from an address (each with a key of
// its own, the attacker's cheapest way around per-key budgets), rightful
// users behind the same address, each logging in for the first time, get
// in at least 19 times in 20; and the attacker's verifications stay within
// the address's budget, however fast it floods. The clock is the
// throttle's fake one, so minutes of attack take a second.
func TestNATNeighbourCannotLockUserOut(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil)
	clock := &fakeClock{now: time.Unix(1_000_000, 0)}
	sys.SetThrottleClock(clock.read)
	attacker := openFrom(t, sys, circle, "10.9.9.9:1000")
	users := openFrom(t, sys, circle, "10.9.9.9:2000")

	// Phase 1: a bad attempt every 100 ms for 60 s, a new user every 3 s.
	verified, refused, ok := 0, 0, 0
	for step := 1; step <= 600; step++ {
		_, pub := newKey(t)
		switch code := badAttempt(t, attacker, pub); code {
		case jsonrpc.InvalidCredentials:
			verified++
		case jsonrpc.RateLimited:
			refused++
		default:
			t.Fatalf("attacker attempt answered %d", code)
		}
		clock.add(100 * time.Millisecond)
		if step%30 == 0 {
			priv, pub := newKey(t)
			if loginCode(t, users, priv, pub) == 0 {
				ok++
			}
		}
	}
	t.Logf("one bad attempt per 100 ms: rightful users got in %d/20; attacker verified %d, refused %d", ok, verified, refused)
	if ok < 19 {
		t.Errorf("rightful users got in %d times in 20, want at least 19", ok)
	}

	// Phase 2: a flood of 50 bad attempts per 100 ms for 10 s. The
	// attacker's verifications are capped by the address's budget; a user
	// who got in from this address before still gets in.
	priv, pub := newKey(t)
	if code := loginCode(t, users, priv, pub); code != 0 {
		t.Fatalf("returning user's first login: %d", code)
	}
	verified, refused = 0, 0
	back := 0
	for step := 1; step <= 100; step++ {
		for i := 0; i < 50; i++ {
			_, bad := newKey(t)
			if badAttempt(t, attacker, bad) == jsonrpc.InvalidCredentials {
				verified++
			} else {
				refused++
			}
		}
		clock.add(100 * time.Millisecond)
		if step%10 == 0 && loginCode(t, users, priv, pub) == 0 {
			back++
		}
	}
	bound := actors.IPVerifyPerSecond*10 + actors.IPVerifyBurst
	t.Logf("flood of 500 bad attempts/s for 10 s: attacker verified %d (bound %d), refused %d; returning user got in %d/10", verified, bound, refused, back)
	if verified > bound {
		t.Errorf("attacker verified %d times in 10 s, want at most %d", verified, bound)
	}
	if back != 10 {
		t.Errorf("returning user got in %d times in 10 during the flood", back)
	}
}

// TestKeyThatKeepsFailingIsRefusedOnlyForItself: failures for one key use
// up that key's budget at the address; another user there is unaffected.
func TestKeyThatKeepsFailingIsRefusedOnlyForItself(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil)
	clock := &fakeClock{now: time.Unix(1_000_000, 0)}
	sys.SetThrottleClock(clock.read)
	attacker := openFrom(t, sys, circle, "10.8.8.8:1000")
	_, target := newKey(t)
	for i := 0; i < 30; i++ {
		if code := badAttempt(t, attacker, target); code != jsonrpc.InvalidCredentials {
			t.Fatalf("failure %d answered %d", i, code)
		}
	}
	if code := badAttempt(t, attacker, target); code != jsonrpc.RateLimited {
		t.Fatalf("31st failure within the minute answered %d, want -32007", code)
	}
	priv, pub := newKey(t)
	if code := loginCode(t, openFrom(t, sys, circle, "10.8.8.8:2000"), priv, pub); code != 0 {
		t.Fatalf("another user at the address refused: %d", code)
	}
	clock.add(2 * time.Second) // one failure's worth of budget refills
	if code := badAttempt(t, attacker, target); code != jsonrpc.InvalidCredentials {
		t.Fatalf("after the refill: %d, want the attempt checked again", code)
	}
}

// loginCode fetches a nonce and authenticates with a valid signature,
// returning the error code (0: authenticated).
func loginCode(t *testing.T, c *conn, priv *secp256k1.PrivateKey, pub string) int {
	t.Helper()
	var n nonceRes
	c.call("fetch_nonce", map[string]string{"pubkey": pub}, &n)
	sig := hex.EncodeToString(auth.SignEIP191(priv, n.Nonce))
	code, _ := c.callErr("authenticate", map[string]string{"pubkey": pub, "signature": sig})
	return code
}
