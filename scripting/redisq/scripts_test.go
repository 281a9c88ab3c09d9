package redisq

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/internal/testredis"
	"github.com/circles-actor/circles-actor/scripting"
)

// TestStepAnswersAndTakesInOneRoundTrip drives stepScript the way a busy
// worker loop does: one call answers the batch just run and takes the next;
// answering the same task again (a retry after a lost connection) pushes
// nothing more; a task whose hash is gone is skipped; attempts count takes.
func TestStepAnswersAndTakesInOneRoundTrip(t *testing.T) {
	srv := testredis.Start(t)
	client, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{srv.Addr}, DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const circle, reply = "circle", "rhai_reply:test"
	enqueue := func(id string) {
		t.Helper()
		now := time.Now()
		fields, err := taskFields(scripting.Task{ID: id, CircleID: circle, Script: "1"}, reply, time.Second, now, now.Add(time.Minute), false)
		if err != nil {
			t.Fatal(err)
		}
		hset := client.B().Hset().Key(DetailsKey(id)).FieldValue()
		for i := 0; i+1 < len(fields); i += 2 {
			hset = hset.FieldValue(fields[i], fields[i+1])
		}
		for _, r := range client.DoMulti(ctx, hset.Build(), client.B().Lpush().Key(TasksKey(circle)).Element(id).Build()) {
			if err := r.Error(); err != nil {
				t.Fatal(err)
			}
		}
	}
	c, err := NewConsumer(client, nil, &ConsumerOptions{Circles: []string{circle}, WorkerID: "w1", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	conn := &syncConn{client: client, stop: ctx}
	defer conn.release()

	enqueue("a")
	enqueue("b")
	got, err := c.step(conn, nil, circle, nil, "", 8)
	if err != nil || len(got) != 2 || got[0].id != "a" || got[1].id != "b" || got[0].h[FieldScript] != "1" {
		t.Fatalf("first take: %+v, %v", got, err)
	}
	if n := client.Do(ctx, client.B().Hget().Key(DetailsKey("a")).Field("attempts").Build()); n.Error() != nil {
		t.Fatalf("attempts: %v", n.Error())
	} else if s, _ := n.ToString(); s != "1" {
		t.Fatalf("attempts = %q, want 1", s)
	}
	// Answer both and take c in the same call; b's caller gave up (hash gone).
	enqueue("c")
	if err := client.Do(ctx, client.B().Del().Key(DetailsKey("b")).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	acks := []ack{
		{id: "a", replyTo: reply, rep: Reply{TaskID: "a", Status: "completed", Output: "1"}, del: true},
		{id: "b", replyTo: reply, rep: Reply{TaskID: "b", Status: "completed", Output: "1"}, del: true},
	}
	got, err = c.step(conn, nil, circle, acks, "", 8)
	if err != nil || len(got) != 1 || got[0].id != "c" {
		t.Fatalf("answer-and-take: %+v, %v", got, err)
	}
	if n, _ := client.Do(ctx, client.B().Llen().Key(reply).Build()).AsInt64(); n != 1 {
		t.Fatalf("%d replies, want 1 (b's caller is gone)", n)
	}
	if n, _ := client.Do(ctx, client.B().Exists().Key(DetailsKey("a")).Build()).AsInt64(); n != 0 {
		t.Fatal("answered hash a not deleted")
	}
	// The same answers again: nothing more is pushed; c is answered now.
	acks = append(acks, ack{id: "c", replyTo: reply, rep: Reply{TaskID: "c", Status: "completed", Output: "1"}, del: true})
	if got, err = c.step(conn, nil, circle, acks, "", 8); err != nil || len(got) != 0 {
		t.Fatalf("answer again: %+v, %v", got, err)
	}
	if n, _ := client.Do(ctx, client.B().Llen().Key(reply).Build()).AsInt64(); n != 2 {
		t.Fatalf("%d replies, want 2", n)
	}
	if n, _ := client.Do(ctx, client.B().Llen().Key(ProcessingKey("w1")).Build()).AsInt64(); n != 0 {
		t.Fatalf("processing list holds %d ids, want 0", n)
	}
	payloads, _ := client.Do(ctx, client.B().Lrange().Key(reply).Start(0).Stop(-1).Build()).AsStrSlice()
	for i, want := range []string{"a", "c"} {
		if rep, err := DecodeReply(payloads[i]); err != nil || rep.TaskID != want || !rep.Deleted {
			t.Fatalf("reply %d: %+v, %v", i, rep, err)
		}
	}

	// Ids whose hashes are gone are dropped on the way to live ones, in
	// queue order, one take round after another.
	for _, id := range []string{"d", "e", "f", "g"} {
		enqueue(id)
	}
	for _, id := range []string{"d", "e"} {
		if err := client.Do(ctx, client.B().Del().Key(DetailsKey(id)).Build()).Error(); err != nil {
			t.Fatal(err)
		}
	}
	if got, err = c.step(conn, nil, circle, nil, "", 1); err != nil || len(got) != 1 || got[0].id != "f" {
		t.Fatalf("take past gone tasks: %+v, %v", got, err)
	}
	if got, err = c.step(conn, nil, circle, nil, "", 8); err != nil || len(got) != 1 || got[0].id != "g" {
		t.Fatalf("take the rest: %+v, %v", got, err)
	}
	held, _ := client.Do(ctx, client.B().Lrange().Key(ProcessingKey("w1")).Start(0).Stop(-1).Build()).AsStrSlice()
	if len(held) != 2 || held[0] != "g" || held[1] != "f" {
		t.Fatalf("processing list = %v, want [g f] (oldest at the tail)", held)
	}
}
