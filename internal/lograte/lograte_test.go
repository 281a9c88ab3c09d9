package lograte

import (
	"testing"
	"time"
)

func TestLimiterOncePerInterval(t *testing.T) {
	clock := time.Unix(1000, 0)
	l := New(time.Second)
	l.now = func() time.Time { return clock }
	if ok, n := l.Allow(); !ok || n != 0 {
		t.Fatalf("first = %v %d, want logged", ok, n)
	}
	for range 943 {
		clock = clock.Add(time.Millisecond)
		if ok, _ := l.Allow(); ok {
			t.Fatal("logged again within the interval")
		}
	}
	clock = clock.Add(time.Second)
	if ok, n := l.Allow(); !ok || n != 943 {
		t.Fatalf("after the interval = %v %d, want logged with 943 held back", ok, n)
	}
}
