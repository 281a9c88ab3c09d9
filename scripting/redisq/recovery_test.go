package redisq_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/redisq"
)

// TestRecoveryPassesAtTheirInterval: the recovery loop's waits, played on
// a simulated clock (each wait ages the lock by what was asked, expiring it
// when the wait covers its PTTL), each end at a free lock, so every wakeup
// runs a pass: 12 wakeups, 12 passes, none skipped, and no wait longer than
// the interval. A pass is seen as a dead worker put in before each wakeup
// being forgotten. Two loops (two processes) sharing the lock take turns:
// still one pass per lock lifetime.
func TestRecoveryPassesAtTheirInterval(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	const interval = 5 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bg := ctxT(t, 30*time.Second)
	dead := 0
	addDead := func() {
		dead++
		if err := c.Do(bg, c.B().Sadd().Key(redisq.KeyWorkers).Member(fmt.Sprintf("dead-%d", dead)).Build()).Error(); err != nil {
			t.Error(err)
		}
	}
	registered := func() int64 {
		n, err := c.Do(bg, c.B().Scard().Key(redisq.KeyWorkers).Build()).AsInt64()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	var waits []time.Duration
	wakeups, skipped := 0, 0
	sleep := func(_ context.Context, d time.Duration) bool {
		if registered() != 0 {
			skipped++ // the last wakeup ran no pass
		}
		waits = append(waits, d)
		pttl, err := c.Do(bg, c.B().Pttl().Key(redisq.KeyRecoveryLock).Build()).AsInt64()
		if err != nil {
			t.Fatal(err)
		}
		if left := time.Duration(pttl) * time.Millisecond; pttl > 0 && d < left {
			_ = c.Do(bg, c.B().Pexpire().Key(redisq.KeyRecoveryLock).Milliseconds((left - d).Milliseconds()).Build()).Error()
		} else {
			_ = c.Do(bg, c.B().Del().Key(redisq.KeyRecoveryLock).Build()).Error()
		}
		if wakeups++; wakeups > 12 {
			cancel()
			return false
		}
		addDead()
		return true
	}
	addDead()
	rec := &redisq.Recoverer{Client: c, Owner: "a", Logger: quietLog()}
	rec.SetSleepForTest(sleep)
	rec.Run(ctx, interval)
	if skipped != 0 || dead != 13 {
		t.Fatalf("%d of %d wakeups ran no pass (waits %v)", skipped, dead, waits)
	}
	for _, d := range waits {
		if d <= 0 || d > interval {
			t.Fatalf("waited %s, want within (0, %s]: %v", d, interval, waits)
		}
	}

	// Another process holds the lock: the loop waits out its PTTL, not a
	// whole interval on top of it, and then runs the pass.
	if err := c.Do(bg, c.B().Set().Key(redisq.KeyRecoveryLock).Value("b").Px(3*time.Second).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	waits, wakeups, skipped = nil, 0, 0
	rec2 := &redisq.Recoverer{Client: c, Owner: "a", Logger: quietLog()}
	rec2.SetSleepForTest(sleep)
	rec2.Run(ctx, interval)
	if waits[0] > 3*time.Second+10*time.Millisecond || skipped > 1 {
		t.Fatalf("with the lock held for 3s: first wait %s, %d wakeups without a pass; want ≈3s and at most the first", waits[0], skipped)
	}
}
