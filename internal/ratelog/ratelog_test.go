package ratelog_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/internal/ratelog"
)

// capture is a slog.Handler that keeps every record.
type capture struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (c *capture) Enabled(context.Context, slog.Level) bool { return true }
func (c *capture) Handle(_ context.Context, r slog.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recs = append(c.recs, r)
	return nil
}
func (c *capture) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *capture) WithGroup(string) slog.Handler      { return c }

func repeated(r slog.Record) int64 {
	var n int64 = -1
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "repeated" {
			n = a.Value.Int64()
		}
		return true
	})
	return n
}

// TestLimiterOncePerIntervalWithCount: 1,000 failures in one interval are
// one line at once and one summary with the count when the interval ends;
// another key is not held back by the first; after a quiet interval the
// next failure is written at once again.
func TestLimiterOncePerIntervalWithCount(t *testing.T) {
	now := time.Unix(1000, 0)
	var timers []func()
	var delays []time.Duration
	l := ratelog.NewWithClock(time.Second, func() time.Time { return now },
		func(d time.Duration, f func()) { delays = append(delays, d); timers = append(timers, f) })
	h := &capture{}
	log := slog.New(h)
	ctx := context.Background()
	for i := range 1000 {
		now = now.Add(time.Millisecond / 2)
		l.Log(ctx, log, slog.LevelWarn, "unreachable", "play could not run", "i", i)
	}
	l.Log(ctx, log, slog.LevelWarn, "full", "play could not run", "why", "full")
	if len(h.recs) != 2 {
		t.Fatalf("%d lines for 1,000 failures of one kind and 1 of another, want 2", len(h.recs))
	}
	if len(timers) != 1 || delays[0] <= 0 || delays[0] > time.Second {
		t.Fatalf("summaries scheduled: %d with delays %v, want 1 within the interval", len(timers), delays)
	}
	now = now.Add(time.Second)
	timers[0]()
	if len(h.recs) != 3 || repeated(h.recs[2]) != 999 {
		t.Fatalf("after the interval: %d lines, last repeated=%d, want 3 and 999", len(h.recs), repeated(h.recs[len(h.recs)-1]))
	}
	now = now.Add(2 * time.Second)
	l.Log(ctx, log, slog.LevelWarn, "unreachable", "play could not run")
	if len(h.recs) != 4 || repeated(h.recs[3]) != -1 {
		t.Fatalf("after a quiet interval: %d lines, want the failure written at once", len(h.recs))
	}
}

// TestLimiterSkipsDisabledLevels: a level the logger drops costs no state.
func TestLimiterSkipsDisabledLevels(t *testing.T) {
	l := ratelog.New(time.Hour)
	log := slog.New(slog.NewTextHandler(nil, &slog.HandlerOptions{Level: slog.LevelError}))
	l.Log(context.Background(), log, slog.LevelWarn, "k", "m") // would panic writing to a nil writer
}
