package redisq_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
)

// TestNoGoroutineLeak: a dispatcher and a consumer leave no goroutines
// behind once closed, stopped and their client closed.
func TestNoGoroutineLeak(t *testing.T) {
	r := startRedis(t)
	before := runtime.NumGoroutine()
	func() {
		c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{r.Addr}, DisableCache: true})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		d := redisq.NewDispatcher(c, &redisq.Options{Logger: quietLog()})
		defer d.Close()
		w, err := redisq.NewConsumer(c, func(string) scripting.Executor { return newFakeExec() },
			&redisq.ConsumerOptions{Circles: []string{circleA}, Concurrency: 2, Logger: quietLog()})
		if err != nil {
			t.Fatal(err)
		}
		w.Start()
		defer w.Stop(context.Background())
		if _, err := d.Dispatch(ctxT(t, 10*time.Second), scripting.Task{CircleID: circleA, Script: "echo x"}); err != nil {
			t.Fatal(err)
		}
	}()
	eventually(t, 10*time.Second, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}
