package redisq_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/scripting/state"
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

// TestGoneServerTasksAmongStateCommits: the tasks of a gone server and
// read-modify-write tasks of a live one, interleaved in one queue, are
// taken in the same batches by a worker with the Redis state store: the
// gone server's are dropped (no run, no write, no reply), the live ones'
// commits ride in the same answer steps, and the counter counts exactly
// them.
func TestGoneServerTasksAmongStateCommits(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	ctx := ctxT(t, 30*time.Second)
	gone := newDispatcher(t, c, redisq.Options{ProcessID: "gone-server"})
	live := newDispatcher(t, c, redisq.Options{ProcessID: "live-server"})
	const each = 16
	goneErrs := make(chan error, each)
	type answer struct {
		res scripting.Result
		err error
	}
	answers := make(chan answer, each)
	for i := range each {
		gone.DispatchAsync(context.Background(), scripting.Task{CircleID: circleA, Script: `state.set("gone", 1); 0`},
			func(_ scripting.Result, err error) { goneErrs <- err })
		eventually(t, 10*time.Second, "the gone server's task to be queued", func() bool { return llen(t, c, redisq.TasksKey(circleA)) == int64(2*i+1) })
		live.DispatchAsync(ctx, scripting.Task{CircleID: circleA, Script: `let n = (state.get("n") ?? 0) + 1; state.set("n", n); n`},
			func(res scripting.Result, err error) { answers <- answer{res, err} })
		eventually(t, 10*time.Second, "the live server's task to be queued", func() bool { return llen(t, c, redisq.TasksKey(circleA)) == int64(2*i+2) })
	}
	_ = gone.Close()
	for range each {
		if err := <-goneErrs; err == nil {
			t.Fatal("a task of a closed dispatcher answered")
		}
	}
	st := redisq.NewStateStore(c, nil)
	e := scripting.NewEngine(rhai.DefaultLimits(), 10*time.Second, scripting.WithState(st, state.DefaultLimits()))
	newConsumer(t, c, e, redisq.ConsumerOptions{MaxPrefetch: 8, State: st})
	seen := map[string]bool{}
	for range each {
		a := <-answers
		if a.err != nil || a.res.Err != nil || seen[a.res.Output] {
			t.Fatalf("live task: %+v, %v (seen %v)", a.res, a.err, seen)
		}
		seen[a.res.Output] = true
	}
	for i := 1; i <= each; i++ {
		if !seen[strconv.Itoa(i)] {
			t.Fatalf("answers %v, want 1..%d", seen, each)
		}
	}
	vals := hgetall(t, c, redisq.StateKeys(circleA)[0])
	if _, ok := vals["gone"]; ok || len(vals) != 1 {
		t.Fatalf("state holds %d keys (gone written: %v), want only n", len(vals), ok)
	}
	checkCounter(t, st, each)
	if n := llen(t, c, redisq.ReplyKey("gone-server")); n != 0 {
		t.Fatalf("%d replies pushed to the gone server", n)
	}
	keys, err := c.Do(ctx, c.B().Keys().Pattern(redisq.PrefixDetails+"*").Build()).AsStrSlice()
	if err != nil || len(keys) != 0 {
		t.Fatalf("task hashes left: %v, %v", keys, err)
	}
}
