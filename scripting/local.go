package scripting

import (
	"context"
	"fmt"
	"sync"
)

// Local is an in-process Dispatcher that runs tasks on an Executor (usually
// an *Engine) on the caller's goroutine, at most Concurrency at a time. It is
// what a program without the actor system (a CLI, a test, a webhook
// receiver on its own) uses; the server's actors have their own in-process
// path through their worker actors.
type Local struct {
	exec Executor
	sem  chan struct{}

	mu     sync.Mutex
	closed bool
}

// NewLocal returns a Local dispatcher running at most concurrency tasks at
// once (concurrency <= 0 means 1, so tasks run in arrival order as a
// circle's single worker would run them).
func NewLocal(exec Executor, concurrency int) *Local {
	if concurrency <= 0 {
		concurrency = 1
	}
	return &Local{exec: exec, sem: make(chan struct{}, concurrency)}
}

// Dispatch waits for a free slot, then runs t. Cancelling ctx while waiting
// returns ErrUnavailable; cancelling it while running stops the script.
func (l *Local) Dispatch(ctx context.Context, t Task) (Result, error) {
	if l.isClosed() {
		return Result{}, ErrUnavailable
	}
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return Result{}, fmt.Errorf("failed to wait for a free worker: %w", ErrUnavailable)
	}
	defer func() { <-l.sem }()
	return l.exec.Execute(ctx, t), nil
}

// Ready reports ErrUnavailable once Close has been called.
func (l *Local) Ready(ctx context.Context) error {
	if l.isClosed() {
		return ErrUnavailable
	}
	return nil
}

// Close makes later Dispatch calls fail with ErrUnavailable; running tasks
// finish.
func (l *Local) Close() error {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	return nil
}

func (l *Local) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}
