package redisq_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/internal/testredis"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
)

// TestMinReplicasHoldsAnswers: with MinReplicas 1 a play is answered once
// a replica has its outcome; with the replica stopped (SIGSTOP) the play
// fails cleanly within the timeout, saying why, instead of answering; and
// answers flow again when the replica returns.
func TestMinReplicasHoldsAnswers(t *testing.T) {
	master := startRedis(t)
	host, port, _ := strings.Cut(master.Addr, ":")
	replica := testredis.StartWith(t, testredis.Options{Args: []string{"--replicaof", host, port}})
	c := master.Client()
	eventually(t, 20*time.Second, "the replica to sync", func() bool {
		info, err := c.Do(ctxT(t, time.Second), c.B().Info().Section("replication").Build()).ToString()
		return err == nil && strings.Contains(info, "connected_slaves:1") && strings.Contains(info, "state=online")
	})
	d := newDispatcher(t, c, redisq.Options{MinReplicas: 1, ReplicaTimeout: 2 * time.Second})
	newConsumer(t, master.Client(), newFakeExec(), redisq.ConsumerOptions{})
	play := func(n int) (scripting.Result, error) {
		return d.Dispatch(ctxT(t, 10*time.Second), scripting.Task{CircleID: circleA, Script: fmt.Sprint("echo ", n)})
	}
	if res, err := play(1); err != nil || !strings.HasPrefix(res.Output, "1|") {
		t.Fatalf("with the replica up: %v %v", res.Output, err)
	}
	replica.Pause()
	_, err := play(2)
	if !errors.Is(err, scripting.ErrUnavailable) || !strings.Contains(err.Error(), "replicas") {
		t.Fatalf("with the replica stopped: %v, want an unavailable error about replicas", err)
	}
	replica.Resume()
	eventually(t, 20*time.Second, "answers confirmed again", func() bool {
		res, err := play(3)
		return err == nil && strings.HasPrefix(res.Output, "3|")
	})
}

// BenchmarkMinReplicasWait measures what waiting for a replica costs: 64
// callers dispatch to one consumer through a master with one replica, with
// MinReplicas 0 and 1, rounds interleaved in one run; reported: tasks/s of
// each and their ratio.
//
//	go test -run '^$' -bench MinReplicasWait -benchtime 5x ./scripting/redisq/
func BenchmarkMinReplicasWait(b *testing.B) {
	master := startRedis(b)
	host, port, _ := strings.Cut(master.Addr, ":")
	testredis.StartWith(b, testredis.Options{Args: []string{"--replicaof", host, port}})
	c := master.Client()
	eventually(b, 20*time.Second, "the replica to sync", func() bool {
		info, err := c.Do(ctxT(b, time.Second), c.B().Info().Section("replication").Build()).ToString()
		return err == nil && strings.Contains(info, "state=online")
	})
	exec := scripting.ExecutorFunc(func(_ context.Context, t scripting.Task) scripting.Result {
		return scripting.Result{TaskID: t.ID, Output: "42", Type: "i64"}
	})
	w, err := redisq.NewConsumer(c, func(string) scripting.Executor { return exec },
		&redisq.ConsumerOptions{Circles: []string{circleA}, Logger: quietLog()})
	if err != nil {
		b.Fatal(err)
	}
	w.Start()
	defer w.Stop(context.Background())
	ds := []*redisq.Dispatcher{
		redisq.NewDispatcher(c, &redisq.Options{Logger: quietLog()}),
		redisq.NewDispatcher(c, &redisq.Options{Logger: quietLog(), MinReplicas: 1}),
	}
	const perRound, callers = 2000, 64
	took := make([]time.Duration, 2)
	for round := -1; round < b.N; round++ { // round -1 warms both up
		if round == 0 {
			b.ResetTimer()
			took[0], took[1] = 0, 0
		}
		for i, d := range ds {
			var next, failed atomic.Int64
			var wg sync.WaitGroup
			start := time.Now()
			for range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for next.Add(1) <= perRound {
						if _, err := d.Dispatch(context.Background(), scripting.Task{CircleID: circleA, Script: "x"}); err != nil {
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
	for _, d := range ds {
		_ = d.Close()
	}
	n := float64(perRound * b.N)
	b.ReportMetric(n/took[0].Seconds(), "nowait-tasks/s")
	b.ReportMetric(n/took[1].Seconds(), "wait1-tasks/s")
	b.ReportMetric(took[0].Seconds()/took[1].Seconds(), "wait1/nowait")
}
