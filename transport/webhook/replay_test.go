package webhook

import (
	"crypto/sha256"
	"testing"
	"time"
)

func key(i int) [sha256.Size]byte {
	return sha256.Sum256([]byte{byte(i), byte(i >> 8)})
}

func TestReplayCacheRefusesWithinWindow(t *testing.T) {
	t.Parallel()
	c := newReplayCache(time.Minute, 10)
	t0 := time.Unix(1000, 0)
	if !c.claim(key(1), t0) {
		t.Fatal("first claim refused")
	}
	if c.claim(key(1), t0.Add(time.Minute)) {
		t.Fatal("replay at the window's edge accepted")
	}
	if !c.claim(key(2), t0.Add(time.Second)) {
		t.Fatal("a different signature refused")
	}
	if !c.claim(key(1), t0.Add(time.Minute+time.Second)) {
		t.Fatal("claim after the window refused")
	}
}

func TestReplayCacheRelease(t *testing.T) {
	t.Parallel()
	c := newReplayCache(time.Minute, 10)
	t0 := time.Unix(1000, 0)
	c.claim(key(1), t0)
	c.release(key(1))
	if !c.claim(key(1), t0) {
		t.Fatal("released signature refused")
	}
	c.release(key(9)) // unknown: no effect
	if c.len() != 1 {
		t.Fatalf("len = %d, want 1", c.len())
	}
}

// The cache never holds more than its capacity, however many distinct
// signatures arrive within the window; the oldest goes first.
func TestReplayCacheBounded(t *testing.T) {
	t.Parallel()
	c := newReplayCache(time.Hour, 100)
	t0 := time.Unix(1000, 0)
	for i := 0; i < 1000; i++ {
		if !c.claim(key(i), t0) {
			t.Fatalf("claim %d refused", i)
		}
		if c.len() > 100 {
			t.Fatalf("len = %d after %d claims, want <= 100", c.len(), i+1)
		}
	}
	if c.claim(key(999), t0) {
		t.Fatal("newest signature forgotten")
	}
	if !c.claim(key(0), t0) {
		t.Fatal("oldest signature still remembered past capacity")
	}
}

func TestReplayCacheExpiresOldEntries(t *testing.T) {
	t.Parallel()
	c := newReplayCache(time.Minute, 100)
	t0 := time.Unix(1000, 0)
	for i := 0; i < 50; i++ {
		c.claim(key(i), t0)
	}
	c.claim(key(100), t0.Add(2*time.Minute))
	if c.len() != 1 {
		t.Fatalf("len = %d, want 1 after the window passed", c.len())
	}
}
