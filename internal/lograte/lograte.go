// Package lograte keeps a repeated failure from flooding the log: the
// first occurrence is logged at once, the next ones at most once per
// interval, each with the number held back since the last line.
package lograte

import (
	"sync"
	"time"
)

// Limiter decides which occurrences of one kind of event get a log line.
// The zero value is not usable; make one with New. Safe for concurrent use.
type Limiter struct {
	interval time.Duration
	now      func() time.Time

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// New returns a limiter that allows one line per interval.
func New(interval time.Duration) *Limiter { return &Limiter{interval: interval, now: time.Now} }

// Allow reports whether this occurrence should be logged and, if so, how
// many were held back since the last logged one.
func (l *Limiter) Allow() (ok bool, suppressed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.now()
	if !l.last.IsZero() && t.Sub(l.last) < l.interval {
		l.suppressed++
		return false, 0
	}
	n := l.suppressed
	l.last, l.suppressed = t, 0
	return true, n
}
