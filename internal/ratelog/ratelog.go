// Package ratelog logs a failure that repeats on every request once per
// interval with a count, instead of once per request: during an outage a
// busy server would otherwise write a warning per failed play (a 3 s Redis
// outage wrote 944 lines).
package ratelog

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Limiter lets the first line of each key through at once; the same key
// again within Interval is only counted, and when the interval ends one
// line says how many were held back ("repeated"). Keys should be few (a
// message, an error class), since each is remembered. Safe for concurrent
// use. The zero value is unusable: use New.
type Limiter struct {
	interval time.Duration
	now      func() time.Time
	after    func(time.Duration, func())

	mu   sync.Mutex
	keys map[string]*window
}

// window is one key's current interval.
type window struct {
	start     time.Time
	held      int  // lines counted, not written, since start
	scheduled bool // a summary is due at start+interval
	log       *slog.Logger
	level     slog.Level
	msg       string
	args      []any
}

// New returns a limiter with the given interval (at least 1ms).
func New(interval time.Duration) *Limiter {
	return NewWithClock(interval, time.Now, func(d time.Duration, f func()) { time.AfterFunc(d, f) })
}

// NewWithClock is New with the clock and timer injected (tests).
func NewWithClock(interval time.Duration, now func() time.Time, after func(time.Duration, func())) *Limiter {
	return &Limiter{interval: max(interval, time.Millisecond), now: now, after: after, keys: map[string]*window{}}
}

// Log writes msg with args to log at level, unless a line of key was
// written less than an interval ago; then it is counted, and written once,
// with "repeated" set to the count, when that interval ends.
func (l *Limiter) Log(ctx context.Context, log *slog.Logger, level slog.Level, key, msg string, args ...any) {
	if !log.Enabled(ctx, level) {
		return
	}
	now := l.now()
	l.mu.Lock()
	w := l.keys[key]
	if w != nil && now.Sub(w.start) < l.interval {
		w.held++
		w.log, w.level, w.msg, w.args = log, level, msg, args // the latest says most
		if !w.scheduled {
			w.scheduled = true
			l.after(l.interval-now.Sub(w.start), func() { l.flush(key) })
		}
		l.mu.Unlock()
		return
	}
	if w == nil {
		w = &window{}
		l.keys[key] = w
	}
	w.start, w.held = now, 0
	l.mu.Unlock()
	log.Log(ctx, level, msg, args...)
}

// flush writes the summary of key's interval and starts a new interval.
func (l *Limiter) flush(key string) {
	l.mu.Lock()
	w := l.keys[key]
	if w == nil || w.held == 0 {
		if w != nil {
			w.scheduled = false
		}
		l.mu.Unlock()
		return
	}
	log, level, msg, args, n := w.log, w.level, w.msg, w.args, w.held
	w.held, w.scheduled = 0, false
	w.start = l.now() // the summary counts as the interval's line
	l.mu.Unlock()
	log.Log(context.Background(), level, msg, append(append([]any(nil), args...), "repeated", n, "within", l.interval)...)
}
