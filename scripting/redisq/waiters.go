package redisq

import (
	"context"
	"sync"
	"time"

	"github.com/circles-actor/circles-actor/scripting"
)

// outcome is what a waiting caller receives: a result or a reason there is
// none.
type outcome struct {
	res scripting.Result
	err error
	// notQueued: the task never reached its queue (the enqueue failed or
	// was refused, or the dispatcher closed), so there is nothing to
	// withdraw.
	notQueued bool
}

// waiter is one task whose caller waits: its callback, and the timer and
// context hook that end the wait early. Whoever takes it out of waiters
// (a reply, a failure, the timer, the context) finishes it; that happens
// once.
type waiter struct {
	task    scripting.Task // id and circle, to withdraw the task
	done    func(scripting.Result, error)
	timer   *time.Timer
	stopCtx func() bool // unhooks from the caller's context; nil if it cannot end
	node    string      // the Sentinel master the task was queued on ("" not known); under waiters.mu
}

// waiters routes replies to the callers waiting for them. A task id is
// delivered at most once: the entry is removed on delivery, so a second
// reply for the same task (a task run twice after a worker died) finds no
// waiter and is dropped. Safe for concurrent use.
type waiters struct {
	mu sync.Mutex
	m  map[string]*waiter
}

func newWaiters() *waiters { return &waiters{m: map[string]*waiter{}} }

// add registers w for w.task.ID and arms its ends: after wait, onTimeout
// gets it; when ctx ends first, onCtx does. Both run on their own
// goroutine. It reports false if the id is already waited for.
func (ws *waiters) add(ctx context.Context, w *waiter, wait time.Duration, onTimeout, onCtx func(*waiter)) bool {
	id := w.task.ID
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if _, dup := ws.m[id]; dup {
		return false
	}
	ws.m[id] = w
	// Armed under the lock so that whoever finishes w sees both set; the
	// callbacks take the lock themselves, on their own goroutines.
	w.timer = time.AfterFunc(wait, func() {
		if w := ws.take(id); w != nil {
			onTimeout(w)
		}
	})
	if ctx.Done() != nil {
		w.stopCtx = context.AfterFunc(ctx, func() {
			if w := ws.take(id); w != nil {
				onCtx(w)
			}
		})
	}
	return true
}

// take removes and returns the waiter of id, or nil if there is none any
// more, and disarms its timer and context hook.
func (ws *waiters) take(id string) *waiter {
	ws.mu.Lock()
	w, ok := ws.m[id]
	delete(ws.m, id)
	ws.mu.Unlock()
	if !ok {
		return nil
	}
	w.timer.Stop()
	if w.stopCtx != nil {
		w.stopCtx()
	}
	return w
}

// has reports whether somebody still waits for id.
func (ws *waiters) has(id string) bool {
	ws.mu.Lock()
	_, ok := ws.m[id]
	ws.mu.Unlock()
	return ok
}

// takeAll removes and returns every waiter, disarmed.
func (ws *waiters) takeAll() []*waiter {
	ws.mu.Lock()
	m := ws.m
	ws.m = map[string]*waiter{}
	ws.mu.Unlock()
	out := make([]*waiter, 0, len(m))
	for _, w := range m {
		w.timer.Stop()
		if w.stopCtx != nil {
			w.stopCtx()
		}
		out = append(out, w)
	}
	return out
}

// queuedOn records that the tasks of ids were queued on node (a Sentinel
// master) and returns those that still have a waiter.
func (ws *waiters) queuedOn(ids []string, node string) []string {
	live := ids[:0]
	ws.mu.Lock()
	for _, id := range ids {
		if w, ok := ws.m[id]; ok {
			w.node = node
			live = append(live, id)
		}
	}
	ws.mu.Unlock()
	return live
}

// takeQueuedOn removes and returns, disarmed, the waiters whose tasks were
// queued on a node in nodes.
func (ws *waiters) takeQueuedOn(nodes map[string]bool) []*waiter {
	ws.mu.Lock()
	var out []*waiter
	for id, w := range ws.m {
		if w.node != "" && nodes[w.node] {
			delete(ws.m, id)
			out = append(out, w)
		}
	}
	ws.mu.Unlock()
	for _, w := range out {
		w.timer.Stop()
		if w.stopCtx != nil {
			w.stopCtx()
		}
	}
	return out
}
