package scripting_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/rhai"
)

func newEngine(t *testing.T, timeout time.Duration) *scripting.Engine {
	t.Helper()
	lim := rhai.DefaultLimits()
	lim.MaxOperations = 0 // no op budget: let the wall clock decide
	return scripting.NewEngine(lim, timeout)
}

func TestExecuteValueAndType(t *testing.T) {
	t.Parallel()
	e := newEngine(t, time.Second)
	cases := []struct{ script, out, typ string }{
		{"let x = 10; x * 2", "20", "i64"},
		{"40 + 2", "42", "i64"},
		{`"a" + "b"`, "ab", "string"},
		{"1.5 * 2.0", "3.0", "f64"},
		{"true", "true", "bool"},
		{"let a = 1;", "", "()"},
	}
	for _, c := range cases {
		res := e.Execute(context.Background(), scripting.Task{ID: "t", Script: c.script})
		if res.Err != nil {
			t.Errorf("%q: unexpected error %v", c.script, res.Err)
			continue
		}
		if res.Output != c.out || res.Type != c.typ {
			t.Errorf("%q: got (%q, %q), want (%q, %q)", c.script, res.Output, res.Type, c.out, c.typ)
		}
	}
}

func TestExecuteScopeConstants(t *testing.T) {
	t.Parallel()
	e := newEngine(t, time.Second)
	task := scripting.Task{
		ID: "task-1", CircleID: "02aa", CallerID: "03bb",
		Script: `CONTEXT_ID + "|" + CALLER_ID + "|" + CIRCLE_PUBLIC_KEY + "|" + CALLER_PUBLIC_KEY + "|" + TASK_ID + "|" + EVENT.kind`,
		// A variable cannot pose as one of the task's ids.
		Vars: map[string]any{"EVENT": map[string]any{"kind": "paid"}, "TASK_ID": "forged", "CALLER_ID": "forged"},
	}
	res := e.Execute(context.Background(), task)
	if res.Err != nil {
		t.Fatalf("unexpected error %v", res.Err)
	}
	if want := "02aa|03bb|02aa|03bb|task-1|paid"; res.Output != want {
		t.Fatalf("got %q, want %q", res.Output, want)
	}
}

func TestExecutePrints(t *testing.T) {
	t.Parallel()
	e := newEngine(t, time.Second)
	res := e.Execute(context.Background(), scripting.Task{Script: `print("one"); print(2); debug("x"); 3`})
	if res.Err != nil {
		t.Fatalf("unexpected error %v", res.Err)
	}
	if strings.Join(res.Prints, ",") != "one,2" || res.Output != "3" {
		t.Fatalf("prints %q output %q", res.Prints, res.Output)
	}
}

func TestExecuteErrors(t *testing.T) {
	t.Parallel()
	e := newEngine(t, time.Second)
	cases := []struct{ script, kind string }{
		{"let x = ;", "parse"},
		{"undefined_var + 1", "variable_not_found"},
		{`throw "boom"`, "runtime"},
		{"1 / 0", "arithmetic"},
	}
	for _, c := range cases {
		res := e.Execute(context.Background(), scripting.Task{Script: c.script})
		if res.Err == nil {
			t.Errorf("%q: no error", c.script)
			continue
		}
		if res.Err.Kind != c.kind || res.Err.Line == 0 {
			t.Errorf("%q: got %+v, want kind %s with a line", c.script, res.Err, c.kind)
		}
	}
}

func TestExecuteTimeout(t *testing.T) {
	t.Parallel()
	e := newEngine(t, 100*time.Millisecond)
	start := time.Now()
	res := e.Execute(context.Background(), scripting.Task{Script: "loop {}"})
	if !res.Err.Timeout() {
		t.Fatalf("got %+v, want a timeout", res.Err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("timeout took %s", took)
	}
	// The task's own timeout wins over the engine's.
	res = e.Execute(context.Background(), scripting.Task{Script: "loop {}", Timeout: 20 * time.Millisecond})
	if !res.Err.Timeout() {
		t.Fatalf("got %+v, want a timeout", res.Err)
	}
}

func TestExecuteCancelledIsNotTimeout(t *testing.T) {
	t.Parallel()
	e := newEngine(t, 10*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := e.Execute(ctx, scripting.Task{Script: "loop {}"})
	if res.Err == nil || res.Err.Timeout() {
		t.Fatalf("got %+v, want cancelled", res.Err)
	}
}

func TestExecuteOperationLimit(t *testing.T) {
	t.Parallel()
	lim := rhai.DefaultLimits()
	lim.MaxOperations = 10_000
	e := scripting.NewEngine(lim, 10*time.Second)
	res := e.Execute(context.Background(), scripting.Task{Script: "loop {}"})
	if res.Err == nil || res.Err.Kind != string(rhai.ErrTooManyOps) {
		t.Fatalf("got %+v, want too_many_operations", res.Err)
	}
}

func TestExecuteScriptTooLarge(t *testing.T) {
	t.Parallel()
	lim := rhai.DefaultLimits()
	lim.MaxScriptBytes = 10
	e := scripting.NewEngine(lim, time.Second)
	res := e.Execute(context.Background(), scripting.Task{Script: "1 + 1 + 1 + 1 + 1"})
	if res.Err == nil || res.Err.Kind != string(rhai.ErrDataTooLarge) {
		t.Fatalf("got %+v, want data_too_large", res.Err)
	}
}

func TestRegisterFn(t *testing.T) {
	t.Parallel()
	e := newEngine(t, time.Second)
	if err := e.RegisterFn("double", func(n int64) int64 { return 2 * n }); err != nil {
		t.Fatal(err)
	}
	e.RegisterNative(rhai.NativeDef{Name: "shout", Arity: 1, Fn: func(c *rhai.Call, args []rhai.Value) (rhai.Value, error) {
		if args[0].Kind() != rhai.KindString {
			return rhai.Unit, rhai.ErrNoMatch
		}
		return rhai.String(strings.ToUpper(args[0].AsStr())), nil
	}})
	res := e.Execute(context.Background(), scripting.Task{Script: `shout("x") + double(21)`})
	if res.Err != nil || res.Output != "X42" {
		t.Fatalf("got %+v / %q", res.Err, res.Output)
	}
}

func TestLocalDispatcher(t *testing.T) {
	t.Parallel()
	d := scripting.NewLocal(newEngine(t, time.Second), 1)
	res, err := d.Dispatch(context.Background(), scripting.Task{Script: "40 + 2"})
	if err != nil || res.Output != "42" {
		t.Fatalf("got %v / %+v", err, res)
	}
	if err := d.Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = d.Close()
	if _, err := d.Dispatch(context.Background(), scripting.Task{Script: "1"}); !errors.Is(err, scripting.ErrUnavailable) {
		t.Fatalf("after Close got %v, want ErrUnavailable", err)
	}
}

func TestLocalDispatcherWaitCancelled(t *testing.T) {
	t.Parallel()
	block := make(chan struct{})
	started := make(chan struct{})
	exec := scripting.ExecutorFunc(func(ctx context.Context, t scripting.Task) scripting.Result {
		close(started)
		<-block
		return scripting.Result{}
	})
	d := scripting.NewLocal(exec, 1)
	go func() { _, _ = d.Dispatch(context.Background(), scripting.Task{}) }()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Dispatch(ctx, scripting.Task{}); !errors.Is(err, scripting.ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
	close(block)
}

// BenchmarkExecute measures one play-sized task: `40 + 2` from a cached
// program.
func BenchmarkExecute(b *testing.B) {
	e := scripting.NewEngine(rhai.DefaultLimits(), time.Second)
	task := scripting.Task{ID: "t", CircleID: "c", Script: "40 + 2"}
	b.ReportAllocs()
	for range b.N {
		if res := e.Execute(context.Background(), task); res.Err != nil {
			b.Fatal(res.Err)
		}
	}
}

func TestUnavailableReason(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("enqueue: %w", scripting.ErrQueueUnreachable), "the task queue is unreachable"},
		{fmt.Errorf("refused: %w", scripting.ErrQueueFull), "the circle's task queue is full"},
		{fmt.Errorf("closed: %w", scripting.ErrUnavailable), "no worker available"},
	} {
		if !errors.Is(c.err, scripting.ErrUnavailable) {
			t.Errorf("%v is not an ErrUnavailable", c.err)
		}
		if got := scripting.UnavailableReason(c.err); got != c.want {
			t.Errorf("UnavailableReason(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
