package redisq_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/redisq"
)

// TestCircleSetFollow: two followers of one Redis see an addition and a
// removal made through a third client, through pub/sub (well under the
// periodic re-read, which is set to an hour here), and Add/Remove report
// whether they changed anything.
func TestCircleSetFollow(t *testing.T) {
	r := startRedis(t)
	writer := redisq.NewCircleSet(r.Client(), nil)
	const pk = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	type view struct {
		mu  sync.Mutex
		set []redisq.CircleEntry
		n   int
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	views := []*view{{}, {}}
	for _, v := range views {
		f := redisq.NewCircleSet(r.Client(), nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.Follow(ctx, time.Hour, func(es []redisq.CircleEntry, _ int64) {
				v.mu.Lock()
				v.set, v.n = es, v.n+1
				v.mu.Unlock()
			})
		}()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	has := func(v *view, want bool) func() bool {
		return func() bool {
			v.mu.Lock()
			defer v.mu.Unlock()
			return v.n > 0 && (len(v.set) == 1 && v.set[0].PublicKey == pk) == want
		}
	}
	for _, v := range views {
		eventually(t, 5*time.Second, "the first read", has(v, false))
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	added, v1, err := writer.Add(ctxT(t, 5*time.Second), pk, at)
	if err != nil || !added || v1 != 1 {
		t.Fatalf("Add = %v, %d, %v", added, v1, err)
	}
	if added, v, err := writer.Add(ctxT(t, 5*time.Second), pk, time.Now()); err != nil || added || v != v1 {
		t.Fatalf("Add again = %v, %d, %v; want false, %d", added, v, err, v1)
	}
	for _, v := range views {
		eventually(t, 5*time.Second, "the addition", has(v, true))
		v.mu.Lock()
		if !v.set[0].AddedAt.Equal(at) {
			t.Errorf("added_at %v, want %v", v.set[0].AddedAt, at)
		}
		v.mu.Unlock()
	}
	if removed, v, err := writer.Remove(ctxT(t, 5*time.Second), pk); err != nil || !removed || v != v1+1 {
		t.Fatalf("Remove = %v, %d, %v", removed, v, err)
	}
	if removed, _, err := writer.Remove(ctxT(t, 5*time.Second), pk); err != nil || removed {
		t.Fatalf("Remove again = %v, %v; want false", removed, err)
	}
	for _, v := range views {
		eventually(t, 5*time.Second, "the removal", has(v, false))
	}
}

// TestCircleSetHealsMissedMessages: a change made without a message (a
// hand edit that bumps the version) reaches a follower through the
// periodic version check.
func TestCircleSetHealsMissedMessages(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	f := redisq.NewCircleSet(c, nil)
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var got []redisq.CircleEntry
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Follow(ctx, 50*time.Millisecond, func(es []redisq.CircleEntry, _ int64) {
			mu.Lock()
			got = es
			mu.Unlock()
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	const pk = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	if err := c.Do(ctxT(t, 5*time.Second), c.B().Hset().Key(redisq.KeyCircles).FieldValue().FieldValue(pk, "2026-01-02T03:04:05Z").Build()).Error(); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctxT(t, 5*time.Second), c.B().Incr().Key(redisq.KeyCirclesVersion).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the silent change", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 1 && got[0].PublicKey == pk
	})
}
