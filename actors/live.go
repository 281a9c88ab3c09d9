package actors

import (
	"context"
	"sync"
)

// liveSet counts live sessions so Shutdown can wait for the drain. Unlike
// sync.WaitGroup it allows adds while someone waits (a session spawned
// just before the drain reached its circle).
type liveSet struct {
	mu   sync.Mutex
	n    int
	zero chan struct{} // closed when n drops to 0 while someone waits
}

func (l *liveSet) Add(delta int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n += delta
	if l.n == 0 && l.zero != nil {
		close(l.zero)
		l.zero = nil
	}
}

func (l *liveSet) Done() { l.Add(-1) }

// Count returns the number of live sessions.
func (l *liveSet) Count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// Wait returns when no session is live or ctx is done.
func (l *liveSet) Wait(ctx context.Context) error {
	l.mu.Lock()
	if l.n == 0 {
		l.mu.Unlock()
		return nil
	}
	if l.zero == nil {
		l.zero = make(chan struct{})
	}
	ch := l.zero
	l.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
