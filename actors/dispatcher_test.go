package actors

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestPooledDispatcherRunsEverythingEvenWhenBusy(t *testing.T) {
	d := newPooledDispatcher(2)
	defer d.close()
	block := make(chan struct{})
	var wg sync.WaitGroup
	// More blocked jobs than pool goroutines: the rest must still run.
	for range 5 {
		wg.Add(1)
		d.Schedule(func() { defer wg.Done(); <-block })
	}
	ran := make(chan struct{})
	d.Schedule(func() { close(ran) })
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("a job waited for busy pool goroutines")
	}
	close(block)
	wg.Wait()
}

func TestLiveSetWait(t *testing.T) {
	var l liveSet
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	l.Add(2)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Wait(ctx); err == nil {
		t.Fatal("Wait returned nil with live sessions and a done ctx")
	}
	done := make(chan error, 1)
	go func() { done <- l.Wait(context.Background()) }()
	l.Done()
	l.Add(1) // an add while waiting is allowed
	l.Done()
	l.Done()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return at zero")
	}
	if l.Count() != 0 {
		t.Fatalf("count %d", l.Count())
	}
}
