package state

import (
	"context"
	"errors"
	"fmt"
)

// maxReruns bounds how often Update runs fn again after a commit conflict
// (optimistic stores), as the Engine does for scripts.
const maxReruns = 16

// Update runs fn in one transaction on circle's state with the same rules
// as a script's run: fn sees its own writes, they commit together when fn
// returns nil and not at all when it returns an error, and Update returns
// once they are durable. On ErrConflict fn runs again from the start, so it
// must have no effects outside tx. It is how Go code (an embedding program,
// `state import`) changes state outside scripts.
func Update(ctx context.Context, st Store, circle string, lim Limits, fn func(*Tx) error) error {
	for attempt := 0; ; attempt++ {
		sess, err := st.Begin(ctx, circle)
		if err != nil {
			return err
		}
		tx := NewTx(sess, lim)
		if err := fn(tx); err != nil {
			tx.Abort()
			return err
		}
		durable, err := tx.Commit(ctx)
		if errors.Is(err, ErrConflict) && attempt < maxReruns && ctx.Err() == nil {
			continue
		}
		if err != nil {
			return err
		}
		if durable != nil {
			return durable()
		}
		return nil
	}
}

// View runs fn over circle's committed state and drops whatever fn wrote.
// On a Local store it waits for the circle's lock like a run, so it sees
// one serial point of the circle's history.
func View(ctx context.Context, st Store, circle string, fn func(*Tx) error) error {
	sess, err := st.Begin(ctx, circle)
	if err != nil {
		return err
	}
	tx := NewTx(sess, Limits{})
	defer tx.Abort()
	return fn(tx)
}

// SyncCounter is a Store that groups commits into synced writes and counts
// them: syncs is the number of group writes (one sync each) and commits
// the commits they held, so commits/syncs is the group size under load.
type SyncCounter interface {
	Syncs() (syncs, commits uint64)
}

var _ SyncCounter = (*Local)(nil)

// StatsReader is a Store that reports a circle's committed totals without a
// transaction (for metrics; it must be cheap).
type StatsReader interface {
	CircleStats(circle string) (Stats, error)
}

// CircleStats implements StatsReader: the totals Local keeps in memory for
// a circle that has run, else the backend's stored ones.
func (l *Local) CircleStats(circle string) (Stats, error) {
	l.mu.Lock()
	c, closed := l.circles[circle], l.closed
	l.mu.Unlock()
	if closed {
		return Stats{}, fmt.Errorf("%w: state store", ErrClosed)
	}
	if c != nil {
		c.mu.Lock()
		st, ok := c.stats, c.loaded
		c.mu.Unlock()
		if ok {
			return st, nil
		}
	}
	return l.b.Stats(circle)
}
