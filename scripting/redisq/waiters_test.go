package redisq

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting"
)

// TestWaitersTakeQueuedOn: after a Sentinel failover the waiters of tasks
// queued on the old master are taken, those queued on the new one and
// those not queued yet stay.
func TestWaitersTakeQueuedOn(t *testing.T) {
	ws := newWaiters()
	for _, id := range []string{"a", "b", "c", "d"} {
		w := &waiter{task: scripting.Task{ID: id}, done: func(scripting.Result, error) {}}
		if !ws.add(context.Background(), w, time.Hour, func(*waiter) {}, func(*waiter) {}) {
			t.Fatalf("add %s", id)
		}
	}
	if got := ws.queuedOn([]string{"a", "b", "gone"}, "old:1"); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("queuedOn returned %v, want the live ids a, b", got)
	}
	ws.queuedOn([]string{"c"}, "new:2")
	var ids []string
	for _, w := range ws.takeQueuedOn(map[string]bool{"old:1": true}) {
		ids = append(ids, w.task.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"a", "b"}) {
		t.Fatalf("took %v off, want a, b (queued on the old master)", ids)
	}
	if !ws.has("c") || !ws.has("d") || ws.has("a") {
		t.Fatalf("c (new master) and d (not queued yet) must still wait, a not")
	}
	if got := ws.takeQueuedOn(map[string]bool{"old:1": true}); len(got) != 0 {
		t.Fatalf("took %d more waiters off the same node", len(got))
	}
}
