package redisq_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
)

func TestDispatchHappyPath(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{})
	exec := newFakeExec()
	newConsumer(t, c, exec, redisq.ConsumerOptions{Concurrency: 2})

	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("task-%d", i)
			res, err := d.Dispatch(ctxT(t, 10*time.Second), scripting.Task{ID: id, CircleID: circleA, CallerID: "me", Script: fmt.Sprintf("echo %d", i)})
			switch {
			case err != nil:
				errs <- err
			case res.Err != nil || res.Output != fmt.Sprintf("%d|02aa|me", i) || res.Type != "string" || res.TaskID != id:
				errs <- fmt.Errorf("task %d: got %+v", i, res)
			case len(res.Prints) != 1 || res.Prints[0] != "ran":
				errs <- fmt.Errorf("task %d: prints %v", i, res.Prints)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := exec.runs.Load(); got != n {
		t.Errorf("runs = %d, want %d", got, n)
	}
	if q := llen(t, c, redisq.TasksKey(circleA)); q != 0 {
		t.Errorf("queue length = %d, want 0", q)
	}
	eventually(t, 5*time.Second, "answered task hashes deleted", func() bool {
		return len(hgetall(t, c, redisq.DetailsKey("task-0"))) == 0
	})
}

func TestScriptErrorIsAnsweredNotRetried(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{PreserveTasks: true})
	exec := newFakeExec()
	newConsumer(t, c, exec, redisq.ConsumerOptions{})

	res, err := d.Dispatch(ctxT(t, 10*time.Second), scripting.Task{ID: "bad", CircleID: circleA, Script: "error nope"})
	if err != nil {
		t.Fatal(err)
	}
	want := scripting.ScriptError{Kind: "runtime", Message: "nope", Line: 1, Column: 5}
	if res.Err == nil || *res.Err != want {
		t.Fatalf("Err = %+v, want %+v", res.Err, want)
	}
	h := hgetall(t, c, redisq.DetailsKey("bad"))
	if h[redisq.FieldStatus] != redisq.StatusError || h[redisq.FieldError] != "nope" || h[redisq.FieldAttempts] != "1" {
		t.Errorf("hash = %v", h)
	}
	if exec.runsOf("bad") != 1 {
		t.Errorf("runs = %d, want 1", exec.runsOf("bad"))
	}
}

func TestPanickingExecutorAnswersAndLives(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{})
	newConsumer(t, c, newFakeExec(), redisq.ConsumerOptions{})

	res, err := d.Dispatch(ctxT(t, 10*time.Second), scripting.Task{CircleID: circleA, Script: "panic"})
	if err != nil || res.Err == nil || res.Err.Kind != "internal" {
		t.Fatalf("got %+v, %v; want an internal error", res, err)
	}
	res, err = d.Dispatch(ctxT(t, 10*time.Second), scripting.Task{CircleID: circleA, Script: "echo ok"})
	if err != nil || res.Err != nil {
		t.Fatalf("worker did not survive the panic: %+v, %v", res, err)
	}
}

func TestTimeoutWithNoWorker(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{Grace: 100 * time.Millisecond})

	start := time.Now()
	_, err := d.Dispatch(ctxT(t, 10*time.Second), scripting.Task{ID: "lonely", CircleID: circleA, Script: "echo x", Timeout: 200 * time.Millisecond})
	if !errors.Is(err, scripting.ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("timeout took %s", took)
	}
	if q := llen(t, c, redisq.TasksKey(circleA)); q != 0 {
		t.Errorf("timed out task still queued (len %d)", q)
	}
	if h := hgetall(t, c, redisq.DetailsKey("lonely")); len(h) != 0 {
		t.Errorf("timed out task hash kept: %v", h)
	}
}

func TestQueueMaxLen(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{QueueMaxLen: 2})

	var wg sync.WaitGroup
	ctx := ctxT(t, 10*time.Second)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = d.Dispatch(ctx, scripting.Task{ID: fmt.Sprint("q", i), CircleID: circleA, Script: "echo", Timeout: 5 * time.Second})
		}()
	}
	eventually(t, 5*time.Second, "two queued tasks", func() bool { return llen(t, c, redisq.TasksKey(circleA)) == 2 })
	start := time.Now()
	_, err := d.Dispatch(ctx, scripting.Task{ID: "q3", CircleID: circleA, Script: "echo"})
	if !errors.Is(err, scripting.ErrQueueFull) || !errors.Is(err, scripting.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrQueueFull, an ErrUnavailable", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("full queue answered after %s", took)
	}
	_ = d.Close() // ends the two waits
	wg.Wait()
}

func TestDuplicateReplyDropped(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{})
	exec := newFakeExec()
	newConsumer(t, c, exec, redisq.ConsumerOptions{})

	res, err := d.Dispatch(ctxT(t, 10*time.Second), scripting.Task{ID: "dup", CircleID: circleA, Script: "echo 1"})
	if err != nil || res.Output != "1|02aa|" {
		t.Fatalf("got %+v, %v", res, err)
	}
	// A second run's reply (at-least-once) arrives later: nobody waits, it is dropped.
	late := `{"task_id":"dup","status":"completed","output":"again","type":"string"}`
	if err := c.Do(ctxT(t, time.Second), c.B().Rpush().Key(d.ReplyKey()).Element(late).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "late reply consumed", func() bool { return llen(t, c, d.ReplyKey()) == 0 })
	res, err = d.Dispatch(ctxT(t, 10*time.Second), scripting.Task{ID: "dup2", CircleID: circleA, Script: "echo 2"})
	if err != nil || res.Output != "2|02aa|" {
		t.Fatalf("after duplicate: got %+v, %v", res, err)
	}
}

func TestVarsReachTheWorker(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{})
	got := make(chan scripting.Task, 1)
	exec := scripting.ExecutorFunc(func(_ context.Context, task scripting.Task) scripting.Result {
		got <- task
		return scripting.Result{TaskID: task.ID, Output: "ok", Type: "string"}
	})
	newConsumer(t, c, exec, redisq.ConsumerOptions{})
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	in := scripting.Task{ID: "v", CircleID: circleA, CallerID: "caller", Script: "x", Timeout: 1500 * time.Millisecond,
		CreatedAt: created, Vars: map[string]any{"EVENT_TYPE": "charge", "N": 42}}
	if _, err := d.Dispatch(ctxT(t, 10*time.Second), in); err != nil {
		t.Fatal(err)
	}
	task := <-got
	if task.CallerID != "caller" || task.Timeout != in.Timeout || !task.CreatedAt.Equal(created) {
		t.Errorf("task = %+v", task)
	}
	if task.Vars["EVENT_TYPE"] != "charge" || fmt.Sprint(task.Vars["N"]) != "42" {
		t.Errorf("vars = %#v", task.Vars)
	}
}

// TestRepliesWithoutBLMPOP covers the BLPOP + LPOP reply path used with
// Redis older than 7.
func TestRepliesWithoutBLMPOP(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{})
	d.UseBLPOPForTest()
	newConsumer(t, c, newFakeExec(), redisq.ConsumerOptions{Concurrency: 4})
	var wg sync.WaitGroup
	for i := range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := d.Dispatch(ctxT(t, 20*time.Second), scripting.Task{CircleID: circleA, Script: fmt.Sprint("echo ", i)})
			if err != nil || res.Output != fmt.Sprintf("%d|02aa|", i) {
				t.Errorf("task %d: %+v, %v", i, res, err)
			}
		}()
	}
	wg.Wait()
}

// TestDispatchAsyncCallsBackOnce drives the callback path the session actor
// uses: every task's callback runs exactly once, with its answer; a
// cancelled context ends the wait with the context's error and withdraws the
// task from the queue; Close fails the waits still open.
func TestDispatchAsyncCallsBackOnce(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := redisq.NewDispatcher(c, &redisq.Options{Logger: quietLog()})
	newConsumer(t, c, newFakeExec(), redisq.ConsumerOptions{})

	type call struct {
		res scripting.Result
		err error
	}
	const n = 200
	calls := make(chan call, 2*n)
	var counts [n]atomic.Int32
	for i := range n {
		d.DispatchAsync(ctxT(t, 10*time.Second), scripting.Task{ID: fmt.Sprintf("t%d", i), CircleID: circleA, Script: fmt.Sprintf("echo %d", i)},
			func(res scripting.Result, err error) {
				counts[i].Add(1)
				if want := fmt.Sprintf("%d|%s|", i, circleA[:4]); err == nil && res.Output != want {
					err = fmt.Errorf("task %d answered %q, want %q", i, res.Output, want)
				}
				calls <- call{res, err}
			})
	}
	for range n {
		select {
		case got := <-calls:
			if got.err != nil {
				t.Fatal(got.err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("callbacks missing")
		}
	}
	for i := range n {
		if k := counts[i].Load(); k != 1 {
			t.Fatalf("task %d called back %d times", i, k)
		}
	}

	// A circle nobody consumes: the wait ends only by the context or Close.
	const idle = "03bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	ctx, cancel := context.WithCancel(context.Background())
	d.DispatchAsync(ctx, scripting.Task{ID: "cancelled", CircleID: idle, Script: "echo x"},
		func(res scripting.Result, err error) { calls <- call{res, err} })
	eventually(t, 5*time.Second, "task queued", func() bool { return llen(t, c, redisq.TasksKey(idle)) == 1 })
	cancel()
	if got := <-calls; !errors.Is(got.err, context.Canceled) {
		t.Fatalf("cancelled: %v, want context.Canceled", got.err)
	}
	if q := llen(t, c, redisq.TasksKey(idle)); q != 0 {
		t.Errorf("cancelled task still queued (len %d)", q)
	}

	d.DispatchAsync(context.Background(), scripting.Task{ID: "open", CircleID: idle, Script: "echo x"},
		func(res scripting.Result, err error) { calls <- call{res, err} })
	eventually(t, 5*time.Second, "task queued", func() bool { return llen(t, c, redisq.TasksKey(idle)) == 1 })
	d.Close()
	if got := <-calls; !errors.Is(got.err, scripting.ErrUnavailable) {
		t.Fatalf("open at Close: %v, want ErrUnavailable", got.err)
	}
	d.DispatchAsync(context.Background(), scripting.Task{ID: "late", CircleID: idle, Script: "echo x"},
		func(res scripting.Result, err error) { calls <- call{res, err} })
	if got := <-calls; !errors.Is(got.err, scripting.ErrUnavailable) {
		t.Fatalf("after Close: %v, want ErrUnavailable", got.err)
	}
}
