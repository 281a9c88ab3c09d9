package state

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// Tx is one run's transaction: the run's writes, buffered over its
// Session's committed view, so that the run sees its own writes and nothing
// reaches the store until Commit. A Tx is used by one goroutine (its run).
type Tx struct {
	s     Session
	lim   Limits
	w     map[string]entry // buffered writes by key
	base  Stats
	delta Stats
	based bool // base has been read
	ended bool
	// conflicted: a read of an optimistic store found the circle moved on
	// (ErrConflict); the run's outcome is void and it must run again.
	conflicted bool
}

// entry is a buffered write: the encoded value, or a deletion.
type entry struct {
	val []byte
	del bool
}

// NewTx starts a transaction over s with the circle's limits.
func NewTx(s Session, lim Limits) *Tx {
	return &Tx{s: s, lim: lim}
}

// Conflicted reports that a read met ErrConflict: whatever the run did
// after it (a caught error included) rests on a view that no longer holds,
// so its outcome must not be answered; the Engine runs it again.
func (t *Tx) Conflicted() bool { return t.conflicted }

// seen notes a session error that voids the run.
func (t *Tx) seen(err error) error {
	if err != nil && errors.Is(err, ErrConflict) {
		t.conflicted = true
	}
	return err
}

// Writes reports how many keys the run has changed so far.
func (t *Tx) Writes() int { return len(t.w) }

func (t *Tx) live() error {
	if t.ended {
		return fmt.Errorf("%w: state was used after its run ended", ErrClosed)
	}
	return nil
}

// checkKey refuses keys a circle cannot hold.
func (t *Tx) checkKey(k string) error {
	if k == "" {
		return fmt.Errorf("%w: a key must not be empty", ErrBadKey)
	}
	if !utf8.ValidString(k) {
		return fmt.Errorf("%w: a key must be UTF-8", ErrBadKey)
	}
	if t.lim.MaxKeyBytes > 0 && len(k) > t.lim.MaxKeyBytes {
		return &LimitError{Limit: "key length", Have: int64(len(k)), Max: int64(t.lim.MaxKeyBytes)}
	}
	return nil
}

// raw returns the encoded value of k as this run sees it.
func (t *Tx) raw(k string) ([]byte, bool, error) {
	if e, ok := t.w[k]; ok {
		return e.val, !e.del, nil
	}
	v, ok, err := t.s.Get(k)
	return v, ok, t.seen(err)
}

// Get returns the value of k, or () and false when absent.
func (t *Tx) Get(k string) (rhai.Value, bool, error) {
	if err := t.live(); err != nil {
		return rhai.Unit, false, err
	}
	if err := t.checkKey(k); err != nil {
		return rhai.Unit, false, err
	}
	b, ok, err := t.raw(k)
	if err != nil || !ok {
		return rhai.Unit, false, err
	}
	v, err := Decode(b)
	if err != nil {
		return rhai.Unit, false, fmt.Errorf("state key %q: %w", k, err)
	}
	return v, true, nil
}

// Contains reports whether k has a value.
func (t *Tx) Contains(k string) (bool, error) {
	if err := t.live(); err != nil {
		return false, err
	}
	if err := t.checkKey(k); err != nil {
		return false, err
	}
	_, ok, err := t.raw(k)
	return ok, err
}

// Set stores v under k (in this run; the store sees it at Commit).
func (t *Tx) Set(k string, v rhai.Value) error {
	if err := t.live(); err != nil {
		return err
	}
	if err := t.checkKey(k); err != nil {
		return err
	}
	b, err := Encode(v)
	if err != nil {
		return err
	}
	if t.lim.MaxValueBytes > 0 && len(b) > t.lim.MaxValueBytes {
		return &LimitError{Limit: "value size", Have: int64(len(b)), Max: int64(t.lim.MaxValueBytes)}
	}
	return t.put(k, entry{val: b})
}

// Remove deletes k and returns what it held (() when absent).
func (t *Tx) Remove(k string) (rhai.Value, error) {
	old, ok, err := t.Get(k)
	if err != nil || !ok {
		return rhai.Unit, err
	}
	return old, t.put(k, entry{del: true})
}

// old is what k holds before a write, for the accounting only (Peek when
// the session offers it).
func (t *Tx) old(k string) ([]byte, bool, error) {
	if e, ok := t.w[k]; ok {
		return e.val, !e.del, nil
	}
	if p, ok := t.s.(Peeker); ok {
		v, ok, err := p.Peek(k)
		return v, ok, t.seen(err)
	}
	return t.raw(k)
}

// put buffers e for k after checking the circle's key and byte totals.
func (t *Tx) put(k string, e entry) error {
	old, had, err := t.old(k)
	if err != nil {
		return err
	}
	var d Stats
	if had {
		d.Keys--
		d.Bytes -= int64(len(k) + len(old))
	}
	if !e.del {
		d.Keys++
		d.Bytes += int64(len(k) + len(e.val))
	}
	if d.Keys > 0 || d.Bytes > 0 {
		st, err := t.Stats()
		if err != nil {
			return err
		}
		if max := t.lim.MaxKeys; max > 0 && d.Keys > 0 && st.Keys+d.Keys > max {
			return &LimitError{Limit: "keys", Have: st.Keys + d.Keys, Max: max}
		}
		if max := t.lim.MaxTotalBytes; max > 0 && d.Bytes > 0 && st.Bytes+d.Bytes > max {
			return &LimitError{Limit: "total bytes", Have: st.Bytes + d.Bytes, Max: max}
		}
	}
	if t.w == nil {
		t.w = make(map[string]entry)
	}
	t.w[k] = e
	t.delta.Keys += d.Keys
	t.delta.Bytes += d.Bytes
	return nil
}

// Stats are the circle's totals as this run sees them.
func (t *Tx) Stats() (Stats, error) {
	if err := t.live(); err != nil {
		return Stats{}, err
	}
	if !t.based {
		st, err := t.s.Stats()
		if err != nil {
			return Stats{}, t.seen(err)
		}
		t.base, t.based = st, true
	}
	return Stats{Keys: t.base.Keys + t.delta.Keys, Bytes: t.base.Bytes + t.delta.Bytes}, nil
}

// Len is the number of keys as this run sees them.
func (t *Tx) Len() (int64, error) {
	st, err := t.Stats()
	return st.Keys, err
}

// Keys returns up to limit keys starting with prefix, in byte order, as
// this run sees them (limit <= 0: all).
func (t *Tx) Keys(prefix string, limit int) ([]string, error) {
	if err := t.live(); err != nil {
		return nil, err
	}
	// The run's own writes under the prefix, in order, merged with the
	// store's scan.
	var mine []string
	for k := range t.w {
		if strings.HasPrefix(k, prefix) {
			mine = append(mine, k)
		}
	}
	slices.Sort(mine)
	var out []string
	full := func() bool { return limit > 0 && len(out) >= limit }
	// takeMine emits the run's own key mine[0] (unless it deletes it).
	takeMine := func() {
		if !t.w[mine[0]].del {
			out = append(out, mine[0])
		}
		mine = mine[1:]
	}
	err := t.s.Scan(prefix, "", func(k string, _ []byte) bool {
		for len(mine) > 0 && mine[0] < k && !full() {
			takeMine()
		}
		switch {
		case full():
		case len(mine) > 0 && mine[0] == k:
			takeMine() // the run's write of this key decides
		default:
			out = append(out, k)
		}
		return !full()
	})
	if err != nil {
		return nil, t.seen(err)
	}
	for len(mine) > 0 && !full() {
		takeMine()
	}
	return out, nil
}

// Commit hands the run's writes to the store in one step and ends the Tx.
// See Session.Commit for what the result means.
func (t *Tx) Commit(ctx context.Context) (Durable, error) {
	if err := t.live(); err != nil {
		return nil, err
	}
	t.ended = true
	ws := make([]Write, 0, len(t.w))
	for k, e := range t.w {
		ws = append(ws, Write{Key: k, Val: e.val, Delete: e.del})
	}
	slices.SortFunc(ws, func(a, b Write) int { return strings.Compare(a.Key, b.Key) })
	return t.s.Commit(ctx, ws)
}

// Abort drops the run's writes and ends the Tx. Safe more than once and
// after Commit.
func (t *Tx) Abort() {
	t.ended = true
	t.s.Abort()
}
