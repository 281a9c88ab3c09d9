package redisq

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/internal/testredis"
	"github.com/circles-actor/circles-actor/scripting"
)

// TestClusterReplySurvivesDeathBetweenSteps: on a real 3-master Cluster a
// worker runs the answer step of a task (hash deleted, the reply recorded
// in its outbox) and dies before pushing the reply to the caller's reply
// list, which is in another slot. Recovery pushes it: the waiting caller
// gets its answer, once, and a second pass (or a push repeated by a
// recoverer that died after it) does not answer it again.
func TestClusterReplySurvivesDeathBetweenSteps(t *testing.T) {
	cl := testredis.StartCluster(t, 3)
	client, err := NewClient(cl.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ks := KeysFor(client)
	if !ks.Cluster {
		t.Fatal("not a Cluster client")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	d := NewDispatcher(client, &Options{RecoveryInterval: -1, Logger: quiet, CommandTimeout: 10 * time.Second})
	defer d.Close()
	const circle = "02bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	answers := make(chan scripting.Result, 2)
	errs := make(chan error, 2)
	d.DispatchAsync(ctx, scripting.Task{ID: "t1", CircleID: circle, Script: "1"}, func(r scripting.Result, err error) {
		answers <- r
		errs <- err
	})
	c, err := NewConsumer(client, nil, &ConsumerOptions{Circles: []string{circle}, WorkerID: "doomed", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	c.beat(ctx) // registered, as Start does
	conn := &syncConn{client: client, stop: ctx}
	defer conn.release()
	ob := c.newOutbox(circle)
	var got []claimed
	for deadline := time.Now().Add(10 * time.Second); len(got) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the task was never queued")
		}
		if got, err = c.step(conn, ob, circle, nil, "", 1); err != nil {
			t.Fatal(err)
		}
	}
	_, replyTo, err := decodeTask(got[0].id, got[0].h)
	if err != nil || replyTo != d.ReplyKey() {
		t.Fatalf("taken task: reply_to %q, %v", replyTo, err)
	}
	// The answer step alone, without the push that follows it.
	done := []ack{{id: "t1", replyTo: replyTo, rep: Reply{TaskID: "t1", Status: StatusCompleted, Output: "1", Type: "i64"}, del: true}}
	keys, args := c.stepArgs(ob, circle, done, "", 0)
	if err := stepScript.exec(ctx, client, keys, args).Error(); err != nil {
		t.Fatal(err)
	}
	if n, _ := client.Do(ctx, client.B().Exists().Key(ks.Details(circle, "t1")).Build()).AsInt64(); n != 0 {
		t.Fatal("the answer step kept the hash")
	}
	if n, _ := client.Do(ctx, client.B().Llen().Key(ob.key).Build()).AsInt64(); n != 1 {
		t.Fatalf("outbox holds %d replies, want 1", n)
	}
	select {
	case r := <-answers:
		t.Fatalf("answered before the push: %+v", r)
	default:
	}
	// The worker is dead: its heartbeat is gone.
	if err := client.Do(ctx, client.B().Del().Key(WorkerKey("doomed")).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	if n, err := recoverWorker(ctx, client, "doomed"); err != nil || n != 0 {
		t.Fatalf("recover = %d, %v (nothing to requeue)", n, err)
	}
	select {
	case r := <-answers:
		if err := <-errs; err != nil || r.Output != "1" {
			t.Fatalf("answer: %+v, %v", r, err)
		}
	case <-ctx.Done():
		t.Fatal("no answer after recovery")
	}
	if n, _ := client.Do(ctx, client.B().Exists().Key(ob.key).Build()).AsInt64(); n != 0 {
		t.Fatal("recovery left the outbox")
	}
	// A recoverer that died after its push repeats it: dropped.
	if err := pushReplyEntries(ctx, client, []string{ob.payload(replyTo, encodeReply(done[0].rep))}); err != nil {
		t.Fatal(err)
	}
	if n, err := recoverWorker(ctx, client, "doomed"); err != nil || n != 0 {
		t.Fatalf("second recover = %d, %v", n, err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if n, _ := client.Do(ctx, client.B().Llen().Key(replyTo).Build()).AsInt64(); n == 0 {
			break // the reader took the repeat
		}
		if time.Now().After(deadline) {
			t.Fatal("the repeated reply was not read")
		}
		time.Sleep(10 * time.Millisecond) // bounded polling
	}
	_ = d.Close() // the reply loop has handled the repeat: no second answer
	select {
	case r := <-answers:
		if <-errs == nil {
			t.Fatalf("second answer: %+v", r)
		}
	default:
	}
}
