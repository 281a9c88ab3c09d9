package redisq_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
)

// TestDeadWorkerTaskRequeuedAndAnsweredOnce leaves a task in the processing
// list of a worker that registered and died (no heartbeat key), the state a
// SIGKILL leaves behind; a live worker's recovery must requeue it and the
// caller must get exactly one answer.
func TestDeadWorkerTaskRequeuedAndAnsweredOnce(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{RecoveryInterval: -1})
	ctx := ctxT(t, 20*time.Second)

	type answer struct {
		res scripting.Result
		err error
	}
	answers := make(chan answer, 2)
	go func() {
		res, err := d.Dispatch(ctx, scripting.Task{ID: "orphan", CircleID: circleA, Script: "echo survived"})
		answers <- answer{res, err}
	}()
	eventually(t, 5*time.Second, "task queued", func() bool { return llen(t, c, redisq.TasksKey(circleA)) == 1 })
	// The dead worker took it: registered, moved it, then vanished.
	dead := "dead-worker"
	if err := c.Do(ctx, c.B().Sadd().Key(redisq.KeyWorkers).Member(dead).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, c.B().Lmove().Source(redisq.TasksKey(circleA)).Destination(redisq.ProcessingKey(dead)).Right().Left().Build()).Error(); err != nil {
		t.Fatal(err)
	}

	exec := newFakeExec()
	newConsumer(t, c, exec, redisq.ConsumerOptions{HeartbeatTTL: 600 * time.Millisecond})
	a := <-answers
	if a.err != nil || a.res.Output != "survived|02aa|" {
		t.Fatalf("got %+v, %v", a.res, a.err)
	}
	if n := exec.runsOf("orphan"); n != 1 {
		t.Errorf("runs = %d, want 1", n)
	}
	if n := llen(t, c, redisq.ProcessingKey(dead)); n != 0 {
		t.Errorf("dead processing list still has %d", n)
	}
	select {
	case extra := <-answers:
		t.Fatalf("second answer: %+v", extra)
	default:
	}
}

// TestRecoverySkipsLiveWorkers checks that a worker with a heartbeat keeps
// its tasks.
func TestRecoverySkipsLiveWorkers(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	exec := newFakeExec()
	exec.started = make(chan string, 1)
	d := newDispatcher(t, c, redisq.Options{RecoveryInterval: -1})
	w := newConsumer(t, c, exec, redisq.ConsumerOptions{HeartbeatTTL: 3 * time.Second, RecoveryInterval: -1})
	go func() {
		_, _ = d.Dispatch(ctxT(t, 10*time.Second), scripting.Task{ID: "busy", CircleID: circleA, Script: "block"})
	}()
	<-exec.started
	rec := &redisq.Recoverer{Client: c, Logger: quietLog()}
	n, err := rec.RecoverAll(ctxT(t, 5*time.Second))
	if err != nil || n != 0 {
		t.Fatalf("RecoverAll = %d, %v; want 0", n, err)
	}
	if got := llen(t, c, redisq.ProcessingKey(w.ID())); got != 1 {
		t.Fatalf("processing = %d, want 1", got)
	}
}

// TestDrainRequeuesRunningTask stops a worker whose task outlives the drain
// deadline: the task goes back to the queue and a new worker answers it.
func TestDrainRequeuesRunningTask(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{RecoveryInterval: -1})
	blocking := newFakeExec()
	blocking.started = make(chan string, 1)
	w, err := redisq.NewConsumer(c, func(string) scripting.Executor { return blocking },
		&redisq.ConsumerOptions{Circles: []string{circleA}, Logger: quietLog(), RecoveryInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	w.Start()
	done := make(chan scripting.Result, 1)
	go func() {
		res, _ := d.Dispatch(ctxT(t, 20*time.Second), scripting.Task{ID: "long", CircleID: circleA, Script: "block"})
		done <- res
	}()
	<-blocking.started
	stopCtx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := w.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	if q := llen(t, c, redisq.TasksKey(circleA)); q != 1 {
		t.Fatalf("queue = %d after drain, want the task back", q)
	}
	if h := hgetall(t, c, redisq.DetailsKey("long")); h[redisq.FieldStatus] != redisq.StatusPending {
		t.Fatalf("status = %q, want pending", h[redisq.FieldStatus])
	}
	// A fresh worker that answers instead of blocking finishes it.
	finisher := scripting.ExecutorFunc(func(_ context.Context, task scripting.Task) scripting.Result {
		return scripting.Result{TaskID: task.ID, Output: "finished", Type: "string"}
	})
	newConsumer(t, c, finisher, redisq.ConsumerOptions{})
	if res := <-done; res.Output != "finished" {
		t.Fatalf("got %+v", res)
	}
}

// TestDrainFinishesRunningTask: with time to spare, Stop lets the running
// task finish and answer.
func TestDrainFinishesRunningTask(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{})
	release := make(chan struct{})
	started := make(chan struct{})
	exec := scripting.ExecutorFunc(func(_ context.Context, task scripting.Task) scripting.Result {
		close(started)
		<-release
		return scripting.Result{TaskID: task.ID, Output: "done", Type: "string"}
	})
	w, err := redisq.NewConsumer(c, func(string) scripting.Executor { return exec },
		&redisq.ConsumerOptions{Circles: []string{circleA}, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	w.Start()
	done := make(chan scripting.Result, 1)
	go func() {
		res, _ := d.Dispatch(ctxT(t, 20*time.Second), scripting.Task{ID: "fin", CircleID: circleA, Script: "x"})
		done <- res
	}()
	<-started
	stopped := make(chan error, 1)
	go func() { stopped <- w.Stop(ctxT(t, 10*time.Second)) }()
	close(release)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if res := <-done; res.Output != "done" {
		t.Fatalf("got %+v", res)
	}
	live, err := redisq.LiveWorkers(ctxT(t, time.Second), c)
	if err != nil || len(live) != 0 {
		t.Fatalf("live workers after stop = %v, %v", live, err)
	}
}

// TestRedisDownThenBack: with Redis gone Dispatch fails fast with
// ErrUnavailable and Ready fails; once it returns, both work again without
// restarting the dispatcher or the worker.
func TestRedisDownThenBack(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{})
	newConsumer(t, c, newFakeExec(), redisq.ConsumerOptions{HeartbeatTTL: time.Second})
	if res, err := d.Dispatch(ctxT(t, 5*time.Second), scripting.Task{CircleID: circleA, Script: "echo up"}); err != nil || res.Output != "up|02aa|" {
		t.Fatalf("before: %+v, %v", res, err)
	}

	r.Stop()
	start := time.Now()
	_, err := d.Dispatch(ctxT(t, 10*time.Second), scripting.Task{CircleID: circleA, Script: "echo down"})
	if !errors.Is(err, scripting.ErrQueueUnreachable) {
		t.Fatalf("err = %v, want ErrQueueUnreachable", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("ErrUnavailable after %s, want fast", took)
	}
	if err := d.Ready(ctxT(t, 5*time.Second)); err == nil {
		t.Error("Ready succeeded with redis down")
	}

	r.Start()
	back := time.Now()
	eventually(t, 10*time.Second, "dispatch to succeed after redis returns", func() bool {
		res, err := d.Dispatch(ctxT(t, 5*time.Second), scripting.Task{CircleID: circleA, Script: "echo back", Timeout: time.Second})
		return err == nil && res.Output == "back|02aa|"
	})
	t.Logf("recovered %s after redis returned", time.Since(back).Round(time.Millisecond))
	if err := d.Ready(ctxT(t, 5*time.Second)); err != nil {
		t.Errorf("Ready after return: %v", err)
	}
}

// TestRedisHungFailsFast: with Redis hung (SIGSTOP: connections stay open,
// nothing answers) 400 concurrent callers, more than the enqueuer holds, all
// get ErrUnavailable within a few command timeouts instead of waiting for
// their 30 s task timeouts; once Redis resumes, dispatch works again.
func TestRedisHungFailsFast(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{CommandTimeout: 300 * time.Millisecond})
	newConsumer(t, c, newFakeExec(), redisq.ConsumerOptions{HeartbeatTTL: time.Second})
	if _, err := d.Dispatch(ctxT(t, 5*time.Second), scripting.Task{CircleID: circleA, Script: "echo up"}); err != nil {
		t.Fatalf("before: %v", err)
	}
	r.Pause()
	defer r.Resume()
	start := time.Now()
	errs := make(chan error, 400)
	for range cap(errs) {
		go func() {
			_, err := d.Dispatch(ctxT(t, 60*time.Second), scripting.Task{CircleID: circleA, Script: "echo hung", Timeout: 30 * time.Second})
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; !errors.Is(err, scripting.ErrQueueUnreachable) {
			t.Fatalf("err = %v, want ErrQueueUnreachable", err)
		}
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("all callers failed after %s, want a few command timeouts", took)
	}
	t.Logf("400 callers failed within %s", time.Since(start).Round(time.Millisecond))
	r.Resume()
	eventually(t, 15*time.Second, "dispatch to succeed after redis resumes", func() bool {
		res, err := d.Dispatch(ctxT(t, 5*time.Second), scripting.Task{CircleID: circleA, Script: "echo back", Timeout: time.Second})
		return err == nil && res.Output == "back|02aa|"
	})
}

// TestWaitersFailWhenRedisDies: callers waiting when Redis dies get
// ErrUnavailable rather than waiting for their timeout.
func TestWaitersFailWhenRedisDies(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{})
	errc := make(chan error, 1)
	go func() {
		_, err := d.Dispatch(ctxT(t, 30*time.Second), scripting.Task{ID: "w", CircleID: circleA, Script: "echo", Timeout: 20 * time.Second})
		errc <- err
	}()
	eventually(t, 5*time.Second, "task queued", func() bool { return llen(t, c, redisq.TasksKey(circleA)) == 1 })
	start := time.Now()
	r.Stop()
	if err := <-errc; !errors.Is(err, scripting.ErrQueueUnreachable) {
		t.Fatalf("err = %v, want ErrQueueUnreachable", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("waiter failed after %s", took)
	}
}

func TestQueueStats(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	const circleB = "03bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	d := newDispatcher(t, c, redisq.Options{})
	exec := newFakeExec()
	exec.started = make(chan string, 1)
	newConsumer(t, c, exec, redisq.ConsumerOptions{Circles: []string{circleA}})
	ctx := ctxT(t, 20*time.Second)
	go func() { _, _ = d.Dispatch(ctx, scripting.Task{ID: "a1", CircleID: circleA, Script: "block"}) }()
	<-exec.started
	go func() { _, _ = d.Dispatch(ctx, scripting.Task{ID: "a2", CircleID: circleA, Script: "echo"}) }()
	for i := range 3 {
		go func() {
			_, _ = d.Dispatch(ctx, scripting.Task{ID: "b" + string(rune('0'+i)), CircleID: circleB, Script: "echo"})
		}()
	}
	eventually(t, 5*time.Second, "queues filled", func() bool {
		return llen(t, c, redisq.TasksKey(circleA)) == 1 && llen(t, c, redisq.TasksKey(circleB)) == 3
	})
	stats, err := d.QueueStats(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []redisq.CircleStats{
		{Circle: circleA, Queued: 1, Active: 1, LiveWorkers: 1},
		{Circle: circleB, Queued: 3, Active: 0, LiveWorkers: 0},
	}
	if len(stats) != 2 || stats[0] != want[0] || stats[1] != want[1] {
		t.Fatalf("stats = %+v, want %+v", stats, want)
	}
	one, err := redisq.QueueStats(ctx, c, []string{circleB})
	if err != nil || len(one) != 1 || one[0] != want[1] {
		t.Fatalf("stats(B) = %+v, %v", one, err)
	}
}

// TestExecutorRefusalRequeues: an executor that answers KindRequeue gives
// the task back; another worker answers it and the caller gets one answer.
func TestExecutorRefusalRequeues(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{})
	refused := make(chan struct{}, 1)
	refuser := scripting.ExecutorFunc(func(_ context.Context, task scripting.Task) scripting.Result {
		select {
		case refused <- struct{}{}:
		default:
		}
		return scripting.Result{TaskID: task.ID, Err: &scripting.ScriptError{Kind: redisq.KindRequeue, Message: "shutting down"}}
	})
	newConsumer(t, c, refuser, redisq.ConsumerOptions{})
	done := make(chan scripting.Result, 1)
	go func() {
		res, _ := d.Dispatch(ctxT(t, 20*time.Second), scripting.Task{ID: "given-back", CircleID: circleA, Script: "echo ok"})
		done <- res
	}()
	<-refused
	newConsumer(t, c, newFakeExec(), redisq.ConsumerOptions{})
	if res := <-done; res.Err != nil || res.Output != "ok|02aa|" {
		t.Fatalf("got %+v", res)
	}
}

// TestExpiredTaskNotRun: a task whose caller stopped waiting long ago (left
// in the queue by a crashed server) is answered as timed out without a run.
func TestExpiredTaskNotRun(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	ctx := ctxT(t, 10*time.Second)
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339Nano)
	if err := c.Do(ctx, c.B().Hset().Key(redisq.DetailsKey("stale")).FieldValue().
		FieldValue(redisq.FieldScript, "echo x").FieldValue(redisq.FieldStatus, redisq.StatusPending).
		FieldValue(redisq.FieldContextID, circleA).FieldValue(redisq.FieldTimeoutMS, "1000").
		FieldValue(redisq.FieldExpiresAt, past).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, c.B().Lpush().Key(redisq.TasksKey(circleA)).Element("stale").Build()).Error(); err != nil {
		t.Fatal(err)
	}
	exec := newFakeExec()
	newConsumer(t, c, exec, redisq.ConsumerOptions{})
	eventually(t, 5*time.Second, "stale task answered", func() bool {
		return hgetall(t, c, redisq.DetailsKey("stale"))[redisq.FieldStatus] == redisq.StatusError
	})
	if h := hgetall(t, c, redisq.DetailsKey("stale")); h[redisq.FieldErrorKind] != scripting.KindTimeout || exec.runs.Load() != 0 {
		t.Fatalf("hash %v, runs %d", h, exec.runs.Load())
	}
}

// TestAnswerDeletesUnpreservedHash: a task whose dispatcher does not
// preserve tasks (preserve "0") is answered by deleting its hash in the same
// step, with "deleted" in the reply; replies reach each task's own list.
func TestAnswerDeletesUnpreservedHash(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	ctx := ctxT(t, 10*time.Second)
	for _, id := range []string{"u1", "u2"} {
		if err := c.Do(ctx, c.B().Hset().Key(redisq.DetailsKey(id)).FieldValue().
			FieldValue(redisq.FieldScript, "echo "+id).FieldValue(redisq.FieldStatus, redisq.StatusPending).
			FieldValue(redisq.FieldContextID, circleA).FieldValue(redisq.FieldReplyTo, redisq.ReplyKey("p-"+id)).
			FieldValue(redisq.FieldPreserve, "0").Build()).Error(); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Do(ctx, c.B().Lpush().Key(redisq.TasksKey(circleA)).Element("u1", "u2").Build()).Error(); err != nil {
		t.Fatal(err)
	}
	w := newConsumer(t, c, newFakeExec(), redisq.ConsumerOptions{})
	for _, id := range []string{"u1", "u2"} {
		var payload string
		eventually(t, 5*time.Second, "reply of "+id, func() bool {
			s, err := c.Do(ctx, c.B().Lpop().Key(redisq.ReplyKey("p-"+id)).Build()).ToString()
			payload = s
			return err == nil
		})
		rep, err := redisq.DecodeReply(payload)
		if err != nil || rep.TaskID != id || !rep.Deleted || rep.Output != id+"|"+circleA[:4]+"|" {
			t.Fatalf("reply %q: %+v, %v", payload, rep, err)
		}
		if h := hgetall(t, c, redisq.DetailsKey(id)); len(h) != 0 {
			t.Errorf("hash of %s left: %v", id, h)
		}
	}
	if n := llen(t, c, redisq.ProcessingKey(w.ID())); n != 0 {
		t.Errorf("processing list holds %d", n)
	}
}

// TestManyCircleLoops: a worker for 64 circles runs 64 loops, each holding
// its own dedicated connection; every circle is served and Stop is prompt.
func TestManyCircleLoops(t *testing.T) {
	r := startRedis(t)
	c, err := redisq.NewClient(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	circles := make([]string, 64)
	for i := range circles {
		circles[i] = fmt.Sprintf("circle-%02d", i)
	}
	d := newDispatcher(t, c, redisq.Options{})
	w, err := redisq.NewConsumer(c, func(string) scripting.Executor { return newFakeExec() },
		&redisq.ConsumerOptions{Circles: circles, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	w.Start()
	errs := make(chan error, len(circles))
	for _, circle := range circles {
		go func() {
			res, err := d.Dispatch(ctxT(t, 30*time.Second), scripting.Task{CircleID: circle, Script: "echo " + circle, Timeout: 20 * time.Second})
			if err == nil && !strings.HasPrefix(res.Output, circle+"|") {
				err = fmt.Errorf("circle %s: output %q", circle, res.Output)
			}
			errs <- err
		}()
	}
	for range circles {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := w.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("stop took %s", took)
	}
}

// TestSlowTaskDoesNotHoldBackBatch: quick tasks taken in one batch with a
// slow one behind them are answered while the slow one still runs.
func TestSlowTaskDoesNotHoldBackBatch(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{})
	type answer struct {
		id  string
		err error
	}
	answers := make(chan answer, 5)
	dispatch := func(id, script string, timeout time.Duration) {
		go func() {
			_, err := d.Dispatch(ctxT(t, 30*time.Second), scripting.Task{ID: id, CircleID: circleA, Script: script, Timeout: timeout})
			answers <- answer{id, err}
		}()
	}
	// Queued in this order before any worker runs: the first is taken
	// alone, the next three in one batch (quick, quick, slow).
	for i, id := range []string{"q1", "q2", "q3"} {
		dispatch(id, "echo "+id, 5*time.Second)
		eventually(t, 5*time.Second, id+" queued", func() bool { return llen(t, c, redisq.TasksKey(circleA)) == int64(i+1) })
	}
	exec := newFakeExec()
	exec.started = make(chan string, 1)
	dispatch("slow", "block", 20*time.Second)
	eventually(t, 5*time.Second, "slow queued", func() bool { return llen(t, c, redisq.TasksKey(circleA)) == 4 })
	newConsumer(t, c, exec, redisq.ConsumerOptions{})
	<-exec.started // the slow task runs now, after q2 and q3 in its batch
	for range 3 {
		select {
		case a := <-answers:
			if a.err != nil || a.id == "slow" {
				t.Fatalf("answer %s: %v", a.id, a.err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("quick tasks' answers held back by the slow task")
		}
	}
}
