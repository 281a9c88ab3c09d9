package redisq_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
)

// TestTasksOfAGoneServerAreDropped: a dispatcher queues tasks while no
// worker runs, then goes away (its heartbeat key with it); a worker that
// starts afterwards takes them and runs none: no run, no reply pushed,
// hashes deleted. A live dispatcher's tasks, queued behind them, run.
func TestTasksOfAGoneServerAreDropped(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	ctx := ctxT(t, 30*time.Second)
	gone := newDispatcher(t, c, redisq.Options{ProcessID: "gone-server"})
	eventually(t, 10*time.Second, "the dispatcher's heartbeat", func() bool {
		n, err := c.Do(ctx, c.B().Exists().Key(redisq.ServerKey("gone-server")).Build()).AsInt64()
		return err == nil && n == 1
	})
	const queued = 20
	results := make(chan error, queued)
	for range queued {
		gone.DispatchAsync(context.Background(), scripting.Task{CircleID: circleA, Script: "echo x"},
			func(_ scripting.Result, err error) { results <- err })
	}
	eventually(t, 10*time.Second, "the tasks to be queued", func() bool { return llen(t, c, redisq.TasksKey(circleA)) == queued })
	_ = gone.Close() // its callers are told; its tasks stay queued, its heartbeat is deleted
	for range queued {
		if err := <-results; err == nil {
			t.Fatal("a task of a closed dispatcher answered")
		}
	}
	if n, _ := c.Do(ctx, c.B().Exists().Key(redisq.ServerKey("gone-server")).Build()).AsInt64(); n != 0 {
		t.Fatal("heartbeat of a closed dispatcher still there")
	}

	live := newDispatcher(t, c, redisq.Options{ProcessID: "live-server"})
	exec := newFakeExec()
	newConsumer(t, c, exec, redisq.ConsumerOptions{})
	res, err := live.Dispatch(ctx, scripting.Task{CircleID: circleA, Script: "echo y"})
	if err != nil || !strings.HasPrefix(res.Output, "y|") {
		t.Fatalf("live server's task: %+v, %v", res, err)
	}
	if got := exec.runs.Load(); got != 1 {
		t.Fatalf("%d runs, want 1: the gone server's %d tasks must not run", got, queued)
	}
	if n := llen(t, c, redisq.ReplyKey("gone-server")); n != 0 {
		t.Fatalf("%d replies pushed to the gone server", n)
	}
	keys, err := c.Do(ctx, c.B().Keys().Pattern(redisq.PrefixDetails+"*").Build()).AsStrSlice()
	if err != nil || len(keys) != 0 {
		t.Fatalf("task hashes left: %v, %v", keys, err)
	}
}
