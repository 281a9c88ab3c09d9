package redisq_test

import (
	"context"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/redisq"
)

// BenchmarkRecoveryPassesPerInterval runs two recovery loops (two
// processes) with a 200 ms interval for b.N intervals of real time and
// reports how many passes ran per interval (1 is the goal; a lock as long
// as a ticker's interval gave about 0.6). Passes are seen as the lock's
// PTTL jumping back up, polled every 5 ms.
func BenchmarkRecoveryPassesPerInterval(b *testing.B) {
	r := startRedis(b)
	c := r.Client()
	const interval = 200 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ResetTimer()
	for _, o := range []string{"a", "b"} {
		rec := &redisq.Recoverer{Client: c, Owner: o, Logger: quietLog()}
		go rec.Run(ctx, interval)
	}
	end := time.Now().Add(time.Duration(b.N) * interval)
	passes, last := 0, int64(-2)
	for time.Now().Before(end) {
		p, err := c.Do(ctx, c.B().Pttl().Key(redisq.KeyRecoveryLock).Build()).AsInt64()
		if err != nil {
			b.Fatal(err)
		}
		if p > last+50 {
			passes++
		}
		last = p
		time.Sleep(5 * time.Millisecond) // sampling the lock, bounded by end
	}
	b.ReportMetric(float64(passes)/float64(b.N), "passes/interval")
}
