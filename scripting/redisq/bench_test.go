package redisq_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
)

// BenchmarkDispatchRoundTrip measures the queueing overhead alone: 16
// callers dispatch through Redis to workers whose executor answers at once,
// against the in-process scripting.Local with the same executor.
//
//	go test -run '^$' -bench DispatchRoundTrip ./scripting/redisq/
func BenchmarkDispatchRoundTrip(b *testing.B) {
	exec := scripting.ExecutorFunc(func(_ context.Context, t scripting.Task) scripting.Result {
		return scripting.Result{TaskID: t.ID, Output: "42", Type: "i64"}
	})
	run := func(b *testing.B, d scripting.Dispatcher) {
		var next, failed atomic.Int64
		var wg sync.WaitGroup
		b.ResetTimer()
		start := time.Now()
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(b.N) {
					res, err := d.Dispatch(context.Background(), scripting.Task{CircleID: circleA, Script: "40 + 2"})
					if err != nil || res.Output != "42" {
						failed.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		b.StopTimer()
		if n := failed.Load(); n > 0 {
			b.Fatalf("%d failed", n)
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "tasks/s")
	}
	b.Run("local", func(b *testing.B) {
		l := scripting.NewLocal(exec, 1)
		defer l.Close()
		run(b, l)
	})
	for _, workers := range []int{1, 2} {
		b.Run("redis-"+string(rune('0'+workers))+"-consumers", func(b *testing.B) {
			r := startRedis(b)
			c := r.Client()
			d := redisq.NewDispatcher(c, &redisq.Options{Logger: quietLog()})
			defer d.Close()
			for range workers {
				w, err := redisq.NewConsumer(c, func(string) scripting.Executor { return exec },
					&redisq.ConsumerOptions{Circles: []string{circleA}, Logger: quietLog()})
				if err != nil {
					b.Fatal(err)
				}
				w.Start()
				defer w.Stop(context.Background())
			}
			run(b, d)
		})
	}
}
