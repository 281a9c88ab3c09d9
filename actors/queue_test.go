package actors_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/transport/jsonrpc"
)

// queueDepth returns circles_queue_depth for circle, failing the test if
// the series is missing.
func queueDepth(t *testing.T, sys *actors.System, circle string) float64 {
	t.Helper()
	families, err := sys.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	fp := config.Fingerprint(circle)
	for _, f := range families {
		if f.GetName() != "circles_queue_depth" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "circle" && l.GetValue() == fp {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no circles_queue_depth{circle=%q} series", fp)
	return 0
}

// awaitDepth polls the queue depth until it is want, within the test bound.
func awaitDepth(t *testing.T, sys *actors.System, circle string, want float64) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		got := queueDepth(t, sys, circle)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue depth %v, want %v", got, want)
		}
		time.Sleep(time.Millisecond) // polling a metric with a bounded deadline
	}
}

func TestQueueDepthCountsTasksNotStarted(t *testing.T) {
	t.Parallel()
	g := newGate()
	sys, circle := startSystem(t, nil, actors.WithExecutorForTest(g))
	if d := queueDepth(t, sys, circle); d != 0 {
		t.Fatalf("depth at start %v", d)
	}
	c := open(t, sys, circle)
	c.request("play", []string{"block"})
	g.awaitStart(t, "block")
	awaitDepth(t, sys, circle, 0) // running, not waiting
	c.request("play", []string{"a"})
	c.request("play", []string{"b"})
	awaitDepth(t, sys, circle, 2)

	// System.Dispatch (webhooks, Redis consumers) queues on the same workers;
	// giving up on the wait counts the task out at once.
	ctx, cancel := context.WithCancel(context.Background())
	dispatched := make(chan error, 1)
	go func() {
		_, err := sys.Dispatch(ctx, scripting.Task{CircleID: circle, Script: "abandoned"})
		dispatched <- err
	}()
	awaitDepth(t, sys, circle, 3)
	cancel()
	select {
	case err := <-dispatched:
		if err == nil {
			t.Fatal("cancelled Dispatch succeeded")
		}
	case <-time.After(wait):
		t.Fatal("cancelled Dispatch did not return")
	}
	if d := queueDepth(t, sys, circle); d != 2 {
		t.Fatalf("depth after an abandoned Dispatch %v, want 2", d)
	}

	close(g.release)
	for range 3 {
		if r := c.next(); r.Error != nil {
			t.Fatalf("queued play failed: %+v", r.Error)
		}
	}
	// The worker has now also dequeued the abandoned task (it runs in order,
	// before "after"); it must not be counted out twice.
	c.call("play", []string{"after"}, nil)
	if d := queueDepth(t, sys, circle); d != 0 {
		t.Fatalf("depth when idle %v, want 0", d)
	}
}

func TestQueueDepthForgetsTasksOfClosedSession(t *testing.T) {
	t.Parallel()
	g := newGate()
	sys, circle := startSystem(t, nil, actors.WithExecutorForTest(g))
	c := open(t, sys, circle)
	c.request("play", []string{"block"})
	g.awaitStart(t, "block")
	c.request("play", []string{"a"})
	c.request("play", []string{"b"})
	awaitDepth(t, sys, circle, 2)
	c.sess.Closed()
	awaitDepth(t, sys, circle, 0)

	// The worker drops the abandoned tasks without running them or counting
	// them out again.
	close(g.release)
	d := open(t, sys, circle)
	var p playRes
	d.call("play", []string{"next"}, &p)
	if p.Output != "next" {
		t.Fatalf("next play %+v", p)
	}
	if depth := queueDepth(t, sys, circle); depth != 0 {
		t.Fatalf("depth %v, want 0", depth)
	}
	g.awaitStart(t, "next") // "a" and "b" never reached the executor
}

func TestPlayNotStartedInTimeSaysSo(t *testing.T) {
	t.Parallel()
	g := newGate()
	const timeout = 100 * time.Millisecond
	sys, circle := startSystem(t, func(c *config.Config) { c.ScriptTimeout = timeout }, actors.WithExecutorForTest(g))
	c := open(t, sys, circle)
	blockID := c.request("play", []string{"block"})
	g.awaitStart(t, "block")
	lateID := c.request("play", []string{"late"})
	awaitDepth(t, sys, circle, 1)
	<-time.After(2 * timeout) // the queued play's start deadline passes
	close(g.release)

	for range 2 {
		r := c.next()
		switch string(r.ID) {
		case strconv.Itoa(blockID):
			if r.Error != nil {
				t.Fatalf("running play failed: %+v", r.Error)
			}
		case strconv.Itoa(lateID):
			expectCode(t, r, jsonrpc.Busy)
			want := "Server busy: the circle's worker did not start the task within 100ms"
			if r.Error.Message != want {
				t.Fatalf("message %q, want %q", r.Error.Message, want)
			}
		default:
			t.Fatalf("unexpected response id %s", r.ID)
		}
	}
	if d := queueDepth(t, sys, circle); d != 0 {
		t.Fatalf("depth %v, want 0", d)
	}
	select {
	case s := <-g.started: // the executor records a start before it answers
		t.Fatalf("%q ran after its start deadline", s)
	default:
	}
}

// TestDispatchDuringShutdown: a run that System.Dispatch (webhooks, local
// Redis consumers) waits on is cancelled by Shutdown, and its caller gets
// the worker's answer at once, not after the task's budget. A task queued
// behind it ends just as soon: it runs if its worker takes it before
// stopping, else it is refused as unavailable.
func TestDispatchDuringShutdown(t *testing.T) {
	t.Parallel()
	g := newGate()
	sys, circle := startSystem(t, func(c *config.Config) { c.ScriptTimeout = time.Minute }, actors.WithExecutorForTest(g))
	type out struct {
		res scripting.Result
		err error
	}
	running, queued := make(chan out, 1), make(chan out, 1)
	go func() {
		res, err := sys.Dispatch(context.Background(), scripting.Task{CircleID: circle, Script: "block"})
		running <- out{res, err}
	}()
	g.awaitStart(t, "block")
	go func() {
		res, err := sys.Dispatch(context.Background(), scripting.Task{CircleID: circle, Script: "queued"})
		queued <- out{res, err}
	}()
	awaitDepth(t, sys, circle, 1)
	shutdown(t, sys)
	for name, ch := range map[string]chan out{"running": running, "queued": queued} {
		select {
		case o := <-ch:
			switch {
			case o.err != nil:
				if !errors.Is(o.err, scripting.ErrUnavailable) {
					t.Errorf("%s task: %v, want ErrUnavailable", name, o.err)
				}
			case name == "running" && (o.res.Err == nil || o.res.Err.Kind != "cancelled"):
				t.Errorf("running task: %+v, want cancelled", o.res)
			}
		case <-time.After(wait):
			t.Fatalf("%s task still waiting after Shutdown", name)
		}
	}
}
