package actors_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/actors/actorstest"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/transport/jsonrpc"
)

// gate is a test executor: script "block" waits until released (or its ctx
// ends), "panic" panics, anything else answers at once with the script as
// output. It tests the actors' mechanics independently of the interpreter.
type gate struct {
	started chan string
	release chan struct{}
}

func newGate() *gate { return &gate{started: make(chan string, 64), release: make(chan struct{})} }

func (g *gate) Execute(ctx context.Context, t scripting.Task) scripting.Result {
	g.started <- t.Script
	switch t.Script {
	case "block":
		select {
		case <-g.release:
		case <-ctx.Done():
			return scripting.Result{TaskID: t.ID, Err: &scripting.ScriptError{Kind: "cancelled", Message: ctx.Err().Error()}}
		}
	case "panic":
		panic("worker bug")
	}
	return scripting.Result{TaskID: t.ID, Output: t.Script, Type: "string"}
}

// awaitStart waits until the executor has started script.
func (g *gate) awaitStart(t *testing.T, script string) {
	t.Helper()
	select {
	case s := <-g.started:
		if s != script {
			t.Fatalf("started %q, want %q", s, script)
		}
	case <-time.After(wait):
		t.Fatalf("%q never started", script)
	}
}

func TestInFlightCap(t *testing.T) {
	t.Parallel()
	g := newGate()
	sys, circle := startSystem(t, func(c *config.Config) { c.MaxInFlight = 2 }, actors.WithExecutorForTest(g))
	c := open(t, sys, circle)
	c.request("play", []string{"block"})
	c.request("play", []string{"second"})
	g.awaitStart(t, "block")
	code, _ := c.callErr("play", []string{"third"})
	if code != jsonrpc.Busy {
		t.Fatalf("third play: code %d, want %d", code, jsonrpc.Busy)
	}
	// Other methods are not capped.
	c.call("whoami", nil, nil)
	close(g.release)
	for range 2 {
		if r := c.next(); r.Error != nil {
			t.Fatalf("capped plays failed: %+v", r.Error)
		}
	}
	c.call("play", []string{"after"}, nil)
}

func TestWorkerPanicIsAnsweredAndWorkerRestarted(t *testing.T) {
	t.Parallel()
	g := newGate()
	close(g.release)
	sys, circle := startSystem(t, nil, actors.WithExecutorForTest(g))
	c := open(t, sys, circle)
	before := sys.WorkerPIDs(circle)
	code, _ := c.callErr("play", []string{"panic"})
	if code != jsonrpc.Internal {
		t.Fatalf("panicking play: code %d, want %d", code, jsonrpc.Internal)
	}
	var p playRes
	c.call("play", []string{"next"}, &p)
	if p.Output != "next" {
		t.Fatalf("after restart: %+v", p)
	}
	after := sys.WorkerPIDs(circle)
	if len(after) != 1 || after[0].Id != before[0].Id {
		t.Fatalf("worker PID changed: %v -> %v", before, after)
	}
	got := metricValue(t, sys, "circles_worker_restarts_total")
	if got != 1 {
		t.Fatalf("restarts metric %v, want 1", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := sys.Ready(ctx); err != nil {
		t.Fatalf("Ready after restart: %v", err)
	}
}

// panicSink panics on Send, so the session actor fails while answering.
type panicSink struct{ *actorstest.ChanSink }

func (panicSink) Send([]byte) bool { panic("sink bug") }

func TestSessionPanicClosesWith1011(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil)
	sink := panicSink{actorstest.NewChanSink(4)}
	sess, err := sys.OpenSession(circle, "127.0.0.1:1", sink)
	if err != nil {
		t.Fatal(err)
	}
	sess.Receive([]byte(`{"jsonrpc":"2.0","method":"whoami","id":1}`))
	code, _, err := sink.WaitClosed(wait)
	if err != nil || code != actors.CloseInternalError {
		t.Fatalf("close code %d (%v), want 1011", code, err)
	}
	// The session is stopped: other sessions still work.
	c := open(t, sys, circle)
	c.call("whoami", nil, nil)
}

func TestSlowConsumerIsDisconnected(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil)
	sink := actorstest.NewChanSink(1)
	sess, err := sys.OpenSession(circle, "127.0.0.1:1", sink)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		sess.Receive(fmt.Appendf(nil, `{"jsonrpc":"2.0","method":"whoami","id":%d}`, i))
	}
	code, reason, err := sink.WaitClosed(wait)
	if err != nil || code != actors.ClosePolicy || reason != "slow consumer" {
		t.Fatalf("close %d %q (%v), want 1008 slow consumer", code, reason, err)
	}
}

func TestShutdownDrainsInFlightPlays(t *testing.T) {
	t.Parallel()
	g := newGate()
	sys, circle := startSystem(t, nil, actors.WithExecutorForTest(g))
	c := open(t, sys, circle)
	idle := open(t, sys, circle)
	c.request("play", []string{"block"})
	g.awaitStart(t, "block")

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		done <- sys.Shutdown(ctx)
	}()
	// The idle session closes with 1001 while the busy one waits for its play.
	if code, _, err := idle.sink.WaitClosed(wait); err != nil || code != actors.CloseGoingAway {
		t.Fatalf("idle session: %d %v", code, err)
	}
	select {
	case <-c.sink.Done():
		t.Fatal("busy session closed before its play finished")
	default:
	}
	close(g.release)
	if r := c.next(); r.Error != nil {
		t.Fatalf("drained play failed: %+v", r.Error)
	}
	if code, _, err := c.sink.WaitClosed(wait); err != nil || code != actors.CloseGoingAway {
		t.Fatalf("busy session: %d %v", code, err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := sys.OpenSession(circle, "127.0.0.1:1", actorstest.NewChanSink(1)); !errors.Is(err, actors.ErrShuttingDown) {
		t.Fatalf("OpenSession after Shutdown: %v", err)
	}
	if err := sys.Ready(context.Background()); err == nil {
		t.Fatal("Ready after Shutdown")
	}
}

func TestShutdownDeadlineCancelsStuckPlays(t *testing.T) {
	t.Parallel()
	g := newGate()
	sys, circle := startSystem(t, nil, actors.WithExecutorForTest(g))
	c := open(t, sys, circle)
	c.request("play", []string{"block"})
	g.awaitStart(t, "block")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := sys.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want deadline exceeded", err)
	}
	if code, _, err := c.sink.WaitClosed(wait); err != nil || code != actors.CloseGoingAway {
		t.Fatalf("stuck session: %d %v", code, err)
	}
}

func TestClosedConnectionStopsSession(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil)
	c := open(t, sys, circle)
	c.call("whoami", nil, nil)
	deadline := time.Now().Add(wait)
	c.sess.Closed()
	for metricValue(t, sys, "circles_sessions") != 0 {
		if time.Now().After(deadline) {
			t.Fatal("session gauge never dropped to 0")
		}
		time.Sleep(time.Millisecond) // polling a metric with a bounded deadline
	}
	c.sess.Receive([]byte(`{"jsonrpc":"2.0","method":"whoami","id":9}`)) // ignored, no panic
}

type countingDispatcher struct {
	scripting.Dispatcher
	n atomic.Int32
}

func (d *countingDispatcher) Dispatch(ctx context.Context, t scripting.Task) (scripting.Result, error) {
	d.n.Add(1)
	return d.Dispatcher.Dispatch(ctx, t)
}

func TestWithDispatcherRoutesPlays(t *testing.T) {
	t.Parallel()
	g := newGate()
	close(g.release)
	d := &countingDispatcher{Dispatcher: scripting.NewLocal(g, 1)}
	sys, circle := startSystem(t, nil, actors.WithDispatcher(d))
	c := open(t, sys, circle)
	var p playRes
	c.call("play", []string{"via dispatcher"}, &p)
	if p.Output != "via dispatcher" || d.n.Load() != 1 {
		t.Fatalf("play %+v, dispatches %d", p, d.n.Load())
	}
	_ = d.Close()
	code, _ := c.callErr("play", []string{"closed"})
	if code != jsonrpc.Busy {
		t.Fatalf("closed dispatcher: code %d, want %d", code, jsonrpc.Busy)
	}
}

// asyncDispatcher answers through DispatchAsync, from a goroutine of its
// own as the Redis reply loop does; its Dispatch must not be used.
type asyncDispatcher struct {
	scripting.Dispatcher
	async, sync atomic.Int32
}

func (d *asyncDispatcher) Dispatch(ctx context.Context, t scripting.Task) (scripting.Result, error) {
	d.sync.Add(1)
	return d.Dispatcher.Dispatch(ctx, t)
}

func (d *asyncDispatcher) DispatchAsync(ctx context.Context, t scripting.Task, done func(scripting.Result, error)) {
	d.async.Add(1)
	go func() { done(d.Dispatcher.Dispatch(ctx, t)) }()
}

func TestAsyncDispatcherAnswersWithoutBlocking(t *testing.T) {
	t.Parallel()
	g := newGate()
	close(g.release)
	d := &asyncDispatcher{Dispatcher: scripting.NewLocal(g, 1)}
	sys, circle := startSystem(t, nil, actors.WithDispatcher(d))
	c := open(t, sys, circle)
	for _, want := range []string{"one", "two"} {
		var p playRes
		c.call("play", []string{want}, &p)
		if p.Output != want {
			t.Fatalf("play %q answered %+v", want, p)
		}
	}
	if d.async.Load() != 2 || d.sync.Load() != 0 {
		t.Fatalf("DispatchAsync %d times, Dispatch %d times; want 2 and 0", d.async.Load(), d.sync.Load())
	}
}

func TestOpenSessionUnknownCircle(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil)
	if _, err := sys.OpenSession("02"+strings.Repeat("ab", 32), "x", actorstest.NewChanSink(1)); !errors.Is(err, actors.ErrUnknownCircle) {
		t.Fatalf("got %v", err)
	}
	if !sys.HasCircle(circle) || len(sys.Circles()) != 1 || sys.CirclePID(circle) == nil || sys.Root() == nil {
		t.Fatal("circle accessors")
	}
	sink := actorstest.NewChanSink(4)
	sess, err := sys.OpenSession("0x"+strings.ToUpper(circle), "x", sink) // any spelling of the key
	if err != nil {
		t.Fatalf("OpenSession with another spelling: %v", err)
	}
	sess.Receive([]byte(`{"jsonrpc":"2.0","id":1,"method":"whoami"}`))
	if f, err := sink.Next(wait); err != nil || !strings.Contains(string(f), circle) {
		t.Fatalf("whoami: %s %v", f, err)
	}
	sess.Closed()
}

func TestNewSystemRejectsBadConfig(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.PublicKeys = []string{"not-a-key"}
	if _, err := actors.NewSystem(cfg); err == nil || !strings.Contains(err.Error(), "not-a-key") {
		t.Fatalf("got %v, want an error naming the key", err)
	}
}

func TestMetricsCountRequests(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil)
	c := open(t, sys, circle)
	c.call("whoami", nil, nil)
	c.callErr("nope", nil)
	if n := metricValue(t, sys, "circles_sessions"); n != 1 {
		t.Fatalf("sessions %v", n)
	}
	families, err := sys.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, f := range families {
		if f.GetName() != "circles_rpc_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := ""
			for _, l := range m.GetLabel() {
				labels += l.GetName() + "=" + l.GetValue() + ","
			}
			found[labels] = true
		}
	}
	if !found["code=0,method=whoami,"] || !found["code=-32601,method=other,"] {
		t.Fatalf("request series %v", found)
	}
}

// metricValue sums every series of the named metric family.
func metricValue(t *testing.T, sys *actors.System, name string) float64 {
	t.Helper()
	families, err := sys.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}

func TestOverduePlayIsAnsweredByWatchdog(t *testing.T) {
	t.Parallel()
	g := newGate()
	// The gate ignores the script timeout (only the session's ctx ends it), so
	// the worker never answers in time: the session's watchdog must.
	sys, circle := startSystem(t, func(c *config.Config) { c.ScriptTimeout = 20 * time.Millisecond }, actors.WithExecutorForTest(g))
	c := open(t, sys, circle)
	start := time.Now()
	code, _ := c.callErr("play", []string{"block"})
	if code != jsonrpc.ScriptTimeout {
		t.Fatalf("overdue play: code %d, want %d", code, jsonrpc.ScriptTimeout)
	}
	if took := time.Since(start); took > wait {
		t.Fatalf("answered after %s", took)
	}
	close(g.release)
}

func TestWorkerRestartBudget(t *testing.T) {
	t.Parallel()
	g := newGate()
	close(g.release)
	g.started = make(chan string, 1024)
	sys, circle := startSystem(t, nil, actors.WithExecutorForTest(g))
	c := open(t, sys, circle)
	code := 0
	for i := 0; i < 100 && code != jsonrpc.Busy; i++ {
		code, _ = c.callErr("play", []string{"panic"})
	}
	if code != jsonrpc.Busy {
		t.Fatalf("worker never stopped: last code %d", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := sys.Ready(ctx); err == nil {
		t.Fatal("Ready with a stopped worker")
	}
}

// TestShutdownLeavesNoGoroutines checks that a system that served a session
// and a play stops every goroutine it started (pool, actors, timers). It is
// not parallel, so other tests' goroutines do not blur the count.
func TestShutdownLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	sys, circle := startSystem(t, nil)
	c := open(t, sys, circle)
	c.call("play", []string{"40 + 2"}, nil)
	shutdown(t, sys)
	deadline := time.Now().Add(wait)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond) // polling the count with a bounded deadline
	}
}
