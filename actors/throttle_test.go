package actors

import (
	"fmt"
	"testing"
	"time"
)

// TestAuthThrottleKeyBudget: a key's failures use up its own budget at
// an address, refilled over the minute; other keys and addresses go on.
func TestAuthThrottleKeyBudget(t *testing.T) {
	now := time.Unix(1000, 0)
	th := newAuthThrottle(3)
	th.now = func() time.Time { return now }
	for i := range 3 {
		if !th.allowed("1.2.3.4", "k1") {
			t.Fatalf("attempt %d refused", i)
		}
		th.failed("1.2.3.4", "k1")
	}
	if th.allowed("1.2.3.4", "0xK1") {
		t.Fatal("fourth failure of the key within the minute allowed (any spelling)")
	}
	if !th.allowed("1.2.3.4", "k2") {
		t.Fatal("another key at the same address refused")
	}
	if !th.allowed("5.6.7.8", "k1") {
		t.Fatal("the key from another address refused")
	}
	now = now.Add(20 * time.Second) // a third of a minute refills one token
	if !th.allowed("1.2.3.4", "k1") {
		t.Fatal("token not refilled after 20s")
	}
	th.failed("1.2.3.4", "k1")
	if th.allowed("1.2.3.4", "k1") {
		t.Fatal("refilled token not spent")
	}
}

// TestAuthThrottleSuspectAddressBudget: an address with failures gets a
// bounded rate of verifications for keys that have not succeeded there,
// while a key that did is let through.
func TestAuthThrottleSuspectAddressBudget(t *testing.T) {
	now := time.Unix(1000, 0)
	th := newAuthThrottle(30)
	th.now = func() time.Time { return now }
	th.succeeded("1.2.3.4", "good")
	for i := 0; i < 20; i++ {
		th.failed("1.2.3.4", "bad")
		if i < 14 && !th.allowed("1.2.3.4", fmt.Sprint("typo", i)) {
			t.Fatalf("a fresh key refused after %d failures, under half the budget", i+1)
		}
	}
	allowed := 0
	for i := 0; i < 10*ipVerifyBurst; i++ {
		if th.allowed("1.2.3.4", fmt.Sprint("fresh", i)) {
			allowed++
		}
	}
	if allowed != ipVerifyBurst {
		t.Fatalf("%d fresh keys verified at once, want the burst of %d", allowed, ipVerifyBurst)
	}
	if !th.allowed("1.2.3.4", "good") {
		t.Fatal("a key that succeeded here was refused with the budget spent")
	}
	now = now.Add(time.Second)
	allowed = 0
	for i := 0; i < 10*ipVerifyPerSecond; i++ {
		if th.allowed("1.2.3.4", fmt.Sprint("later", i)) {
			allowed++
		}
	}
	if allowed != ipVerifyPerSecond {
		t.Fatalf("%d verified a second later, want %d", allowed, ipVerifyPerSecond)
	}
	if !th.allowed("9.9.9.9", "fresh") {
		t.Fatal("an address without failures was throttled")
	}
}

func TestAuthThrottlePrunesFullBuckets(t *testing.T) {
	now := time.Unix(1000, 0)
	th := newAuthThrottle(1)
	th.now = func() time.Time { return now }
	for i := range 2048 {
		ip := string(rune('a'+i%26)) + string(rune(i))
		th.failed(ip, ip)
		now = now.Add(time.Minute)
	}
	if len(th.ips) > 1100 || len(th.keys) > 1100 {
		t.Fatalf("%d addresses, %d keys kept; refilled ones should be pruned", len(th.ips), len(th.keys))
	}
}

func TestClientIP(t *testing.T) {
	for in, want := range map[string]string{
		"1.2.3.4:5678":   "1.2.3.4",
		"[::1]:80":       "::1",
		"no-port":        "no-port",
		"":               "",
		"10.0.0.1:40000": "10.0.0.1",
	} {
		if got := clientIP(in); got != want {
			t.Errorf("clientIP(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLooksLikeKey(t *testing.T) {
	const c = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	u := "04" + c[2:] + c[2:]
	for in, want := range map[string]bool{
		c: true, "0x" + c: true, "0X03" + c[2:]: true, u: true,
		"05" + c[2:]: false, c[:64]: false, c + "00": false, "02" + "zz" + c[4:]: false, "": false,
	} {
		if got := keyShapeProblem(in) == ""; got != want {
			t.Errorf("keyShapeProblem(%q) == \"\" is %v, want %v", in, got, want)
		}
	}
}
