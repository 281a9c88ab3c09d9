package redisq_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
)

const circleA = "02aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

// fakeExec stands in for the Rhai engine: these tests are about queueing,
// so scripts are tiny commands. "echo X" answers X; "error M" fails with M;
// "block" waits until its context ends; "panic" panics.
type fakeExec struct {
	runs    atomic.Int64
	mu      sync.Mutex
	byTask  map[string]int
	started chan string // receives task ids of "block" runs, if not nil
}

func newFakeExec() *fakeExec { return &fakeExec{byTask: map[string]int{}} }

func (f *fakeExec) Execute(ctx context.Context, t scripting.Task) scripting.Result {
	f.runs.Add(1)
	f.mu.Lock()
	f.byTask[t.ID]++
	f.mu.Unlock()
	cmd, arg, _ := strings.Cut(t.Script, " ")
	switch cmd {
	case "echo":
		return scripting.Result{TaskID: t.ID, Output: arg + "|" + t.CircleID[:4] + "|" + t.CallerID, Type: "string", Prints: []string{"ran"}}
	case "error":
		return scripting.Result{TaskID: t.ID, Err: &scripting.ScriptError{Kind: "runtime", Message: arg, Line: 1, Column: 5}}
	case "block":
		if f.started != nil {
			f.started <- t.ID
		}
		<-ctx.Done()
		return scripting.Result{TaskID: t.ID, Err: &scripting.ScriptError{Kind: "timeout", Message: "cancelled"}}
	case "panic":
		panic("boom")
	}
	return scripting.Result{TaskID: t.ID, Output: "()", Type: "()"}
}

func (f *fakeExec) runsOf(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byTask[id]
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newDispatcher(t *testing.T, c rueidis.Client, o redisq.Options) *redisq.Dispatcher {
	t.Helper()
	if o.Logger == nil {
		o.Logger = quietLog()
	}
	if o.CommandTimeout == 0 {
		// Generous: a starved CI host must not turn slowness into
		// ErrUnavailable; the Redis-down tests fail fast on refused
		// connections, not on this bound.
		o.CommandTimeout = 10 * time.Second
	}
	d := redisq.NewDispatcher(c, &o)
	t.Cleanup(func() { _ = d.Close() })
	return d
}

func newConsumer(t *testing.T, c rueidis.Client, exec scripting.Executor, o redisq.ConsumerOptions) *redisq.Consumer {
	t.Helper()
	if o.Logger == nil {
		o.Logger = quietLog()
	}
	if len(o.Circles) == 0 {
		o.Circles = []string{circleA}
	}
	w, err := redisq.NewConsumer(c, func(string) scripting.Executor { return exec }, &o)
	if err != nil {
		t.Fatal(err)
	}
	w.Start()
	t.Cleanup(func() {
		// Short drain: tests that leave a blocking task running get it requeued.
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		_ = w.Stop(ctx)
	})
	return w
}

func llen(t testing.TB, c rueidis.Client, key string) int64 {
	t.Helper()
	n, err := c.Do(context.Background(), c.B().Llen().Key(key).Build()).AsInt64()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func hgetall(t testing.TB, c rueidis.Client, key string) map[string]string {
	t.Helper()
	m, err := c.Do(context.Background(), c.B().Hgetall().Key(key).Build()).AsStrMap()
	if err != nil {
		t.Fatal(err)
	}
	return m
}
