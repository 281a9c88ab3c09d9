package redisq_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/scripting/state"
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

// BenchmarkStateRMW is BenchmarkRedisStateRMW (cmd/circles-actor) without
// WebSockets and processes: 64 callers dispatch the read-modify-write play
// (`let n = (state.get("n") ?? 0) + 1; state.set("n", n); state.set("c" +
// TASK_ID, n); n`) and `40 + 2` through one dispatcher to one consumer
// running the Rhai engine with the Redis state store, rounds interleaved
// in one run; reported: tasks/s of each and rmw/stateless. Its profile
// (-cpuprofile) shows what state costs a worker.
//
//	go test -run '^$' -bench StateRMW -benchtime 4x -count 3 ./scripting/redisq/
func BenchmarkStateRMW(b *testing.B) {
	r := startRedis(b)
	c := r.Client()
	st := redisq.NewStateStore(c, nil)
	e := scripting.NewEngine(rhai.DefaultLimits(), 10*time.Second, scripting.WithState(st, state.DefaultLimits()))
	w, err := redisq.NewConsumer(c, func(string) scripting.Executor { return e },
		&redisq.ConsumerOptions{Circles: []string{circleA}, Logger: quietLog(), State: st})
	if err != nil {
		b.Fatal(err)
	}
	w.Start()
	defer w.Stop(context.Background())
	d := redisq.NewDispatcher(c, &redisq.Options{Logger: quietLog()})
	defer d.Close()
	const perRound, callers = 3200, 64
	scripts := []string{"40 + 2", `let n = (state.get("n") ?? 0) + 1; state.set("n", n); state.set("c" + TASK_ID, n); n`}
	took := make([]time.Duration, 2)
	for round := -1; round < b.N; round++ { // round -1 warms both up
		if round == 0 {
			b.ResetTimer()
			took[0], took[1] = 0, 0
		}
		for i, script := range scripts {
			var next, failed atomic.Int64
			var wg sync.WaitGroup
			start := time.Now()
			for range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for next.Add(1) <= perRound {
						res, err := d.Dispatch(context.Background(), scripting.Task{CircleID: circleA, Script: script})
						if err != nil || res.Err != nil {
							failed.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			took[i] += time.Since(start)
			if f := failed.Load(); f > 0 {
				b.Fatalf("%d failed", f)
			}
		}
	}
	b.StopTimer()
	n := float64(perRound * b.N)
	b.ReportMetric(n/took[0].Seconds(), "stateless-tasks/s")
	b.ReportMetric(n/took[1].Seconds(), "rmw-tasks/s")
	b.ReportMetric(took[0].Seconds()/took[1].Seconds(), "rmw/stateless")
}
