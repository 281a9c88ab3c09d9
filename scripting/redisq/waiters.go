package redisq

import (
	"sync"

	"github.com/circles-actor/circles-actor/scripting"
)

// outcome is what a waiting Dispatch receives: a result or a reason there is
// none.
type outcome struct {
	res scripting.Result
	err error
	// notQueued: the task never reached its queue (the enqueue failed or
	// was refused), so there is nothing to withdraw.
	notQueued bool
}

// waiters routes replies to the Dispatch calls waiting for them. A task id
// is delivered at most once: the entry is removed on delivery, so a second
// reply for the same task (a task run twice after a worker died) finds no
// waiter and is dropped. Safe for concurrent use.
type waiters struct {
	mu sync.Mutex
	m  map[string]chan outcome
}

func newWaiters() *waiters { return &waiters{m: map[string]chan outcome{}} }

// add registers id and returns the channel its outcome arrives on.
func (w *waiters) add(id string) (chan outcome, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, dup := w.m[id]; dup {
		return nil, false
	}
	ch := make(chan outcome, 1)
	w.m[id] = ch
	return ch, true
}

// remove forgets id (the caller stopped waiting).
func (w *waiters) remove(id string) {
	w.mu.Lock()
	delete(w.m, id)
	w.mu.Unlock()
}

// has reports whether somebody still waits for id.
func (w *waiters) has(id string) bool {
	w.mu.Lock()
	_, ok := w.m[id]
	w.mu.Unlock()
	return ok
}

// deliver hands o to the waiter of id and reports whether there was one.
func (w *waiters) deliver(id string, o outcome) bool {
	w.mu.Lock()
	ch, ok := w.m[id]
	delete(w.m, id)
	w.mu.Unlock()
	if ok {
		ch <- o
	}
	return ok
}

// failAll ends every wait with err.
func (w *waiters) failAll(err error) int {
	w.mu.Lock()
	m := w.m
	w.m = map[string]chan outcome{}
	w.mu.Unlock()
	for _, ch := range m {
		ch <- outcome{err: err}
	}
	return len(m)
}

// len is the number of waiting calls.
func (w *waiters) len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.m)
}
