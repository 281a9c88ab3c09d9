package actors

import (
	"testing"
	"time"
)

func TestAuthThrottleBucket(t *testing.T) {
	now := time.Unix(1000, 0)
	th := newAuthThrottle(3)
	th.now = func() time.Time { return now }
	for i := range 3 {
		if !th.allowed("1.2.3.4") {
			t.Fatalf("attempt %d refused", i)
		}
		th.failed("1.2.3.4")
	}
	if th.allowed("1.2.3.4") {
		t.Fatal("fourth failure within the minute allowed")
	}
	if !th.allowed("5.6.7.8") {
		t.Fatal("another IP refused")
	}
	now = now.Add(20 * time.Second) // a third of a minute refills one token
	if !th.allowed("1.2.3.4") {
		t.Fatal("token not refilled after 20s")
	}
	th.failed("1.2.3.4")
	if th.allowed("1.2.3.4") {
		t.Fatal("refilled token not spent")
	}
}

func TestAuthThrottlePrunesFullBuckets(t *testing.T) {
	now := time.Unix(1000, 0)
	th := newAuthThrottle(1)
	th.now = func() time.Time { return now }
	for i := range 2048 {
		th.failed(string(rune('a'+i%26)) + string(rune(i)))
		now = now.Add(time.Minute)
	}
	if len(th.buckets) > 1100 {
		t.Fatalf("%d buckets kept; refilled ones should be pruned", len(th.buckets))
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
