package redisq_test

import (
	"context"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/redisq"
)

// TestRecoveryLockShorterThanInterval: the lock a recovery pass takes
// expires before the next pass is due, so no pass is skipped.
func TestRecoveryLockShorterThanInterval(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	rec := &redisq.Recoverer{Client: c, Owner: "test", Logger: quietLog()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { rec.Run(ctx, 4*time.Second); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	var ttl int64
	eventually(t, 5*time.Second, "the first pass's lock", func() bool {
		var err error
		ttl, err = c.Do(context.Background(), c.B().Pttl().Key(redisq.KeyRecoveryLock).Build()).AsInt64()
		return err == nil && ttl > 0
	})
	if ttl > 3000 {
		t.Fatalf("recovery lock lives %d ms, want at most 3000 (3/4 of the 4 s interval)", ttl)
	}
}
