package actors_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/transport/jsonrpc"
)

// failingDispatcher refuses every task with err.
type failingDispatcher struct{ err error }

func (d failingDispatcher) Dispatch(context.Context, scripting.Task) (scripting.Result, error) {
	return scripting.Result{}, d.err
}
func (d failingDispatcher) Ready(context.Context) error { return d.err }
func (d failingDispatcher) Close() error                { return nil }

// recordLog keeps the messages of every record.
type recordLog struct {
	mu   sync.Mutex
	msgs []string
}

func (r *recordLog) Enabled(context.Context, slog.Level) bool { return true }
func (r *recordLog) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, rec.Message)
	return nil
}
func (r *recordLog) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recordLog) WithGroup(string) slog.Handler      { return r }

func (r *recordLog) count(msg string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.msgs {
		if m == msg {
			n++
		}
	}
	return n
}

// TestRepeatedPlayFailuresLoggedOncePerInterval: 200 plays that all fail
// the same way (the queue is unreachable) write one warning, not 200.
func TestRepeatedPlayFailuresLoggedOncePerInterval(t *testing.T) {
	t.Parallel()
	h := &recordLog{}
	d := failingDispatcher{err: fmt.Errorf("failed to enqueue: %w", scripting.ErrQueueUnreachable)}
	sys, circle := startSystem(t, nil, actors.WithDispatcher(d), actors.WithLogger(slog.New(h)))
	c := open(t, sys, circle)
	for range 200 {
		if code, _ := c.callErr("play", []string{"1"}); code != jsonrpc.Busy {
			t.Fatalf("play with the queue unreachable: code %d, want %d", code, jsonrpc.Busy)
		}
	}
	if n := h.count("play could not run"); n != 1 {
		t.Fatalf("%d warnings for 200 identical failures within %s, want 1", n, actors.PlayFailureLogInterval)
	}
}

// fault is a permanent fault, as redisq.FaultError is.
type fault struct{}

func (fault) Error() string  { return "Redis rejected the password" }
func (fault) Reason() string { return "Redis rejected the password" }
func (fault) Unwrap() error  { return scripting.ErrQueueUnreachable }

// TestPermanentFaultNamedToCaller: a play refused by a permanent fault
// says what is wrong, not "busy".
func TestPermanentFaultNamedToCaller(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil, actors.WithDispatcher(failingDispatcher{err: fault{}}))
	c := open(t, sys, circle)
	code, r := c.callErr("play", []string{"1"})
	if code != jsonrpc.Busy || !strings.Contains(r.Error.Message, "Redis rejected the password") || strings.Contains(r.Error.Message, "busy") {
		t.Fatalf("play: %d %q, want -32006 naming the password and not busy", code, r.Error.Message)
	}
}
