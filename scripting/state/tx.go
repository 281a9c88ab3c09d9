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
	s   Session
	lim Limits
	// w are the keys the run has read or written, in first-use order:
	// buffered writes (dirty), and committed values as first read, which
	// stay valid for the whole run because the store keeps them from
	// changing (Session), so a key costs the store one lookup per run. A
	// run touches few keys: they are searched in order until there are
	// indexFrom of them, then through idx.
	w     []entry
	idx   map[string]int
	dirty int // entries of w that are writes
	base  Stats
	delta Stats
	based bool // base has been read
	ended bool
	// conflicted: a read of an optimistic store found the circle moved on
	// (ErrConflict); the run's outcome is void and it must run again.
	conflicted bool
}

// entry is a key's value as the run sees it: the encoded value, or absent
// (del); dirty when the run wrote it.
type entry struct {
	key   string
	val   []byte
	del   bool
	dirty bool
}

// indexFrom is the number of keys from which w is searched through a map.
const indexFrom = 16

// find returns the index of k in w, or -1.
func (t *Tx) find(k string) int {
	if t.idx != nil {
		if i, ok := t.idx[k]; ok {
			return i
		}
		return -1
	}
	for i := range t.w {
		if t.w[i].key == k {
			return i
		}
	}
	return -1
}

// remember adds e, a key not in w yet, and returns its index.
func (t *Tx) remember(e entry) int {
	t.w = append(t.w, e)
	i := len(t.w) - 1
	switch {
	case t.idx != nil:
		t.idx[e.key] = i
	case len(t.w) > indexFrom:
		t.idx = make(map[string]int, 2*len(t.w))
		for j := range t.w {
			t.idx[t.w[j].key] = j
		}
	}
	return i
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
func (t *Tx) Writes() int { return t.dirty }

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
	_, v, ok, err := t.lookup(k)
	return v, ok, err
}

// lookup is raw that also returns k's index in w.
func (t *Tx) lookup(k string) (int, []byte, bool, error) {
	if i := t.find(k); i >= 0 {
		return i, t.w[i].val, !t.w[i].del, nil
	}
	v, ok, err := t.s.Get(k)
	if err != nil {
		return -1, nil, false, t.seen(err)
	}
	return t.remember(entry{key: k, val: v, del: !ok}), v, ok, nil
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
	return t.put(k, b, false)
}

// Remove deletes k and returns what it held (() when absent).
func (t *Tx) Remove(k string) (rhai.Value, error) {
	old, ok, err := t.Get(k)
	if err != nil || !ok {
		return rhai.Unit, err
	}
	return old, t.put(k, nil, true)
}

// put buffers the write of val (or the deletion) of k after checking the
// circle's key and byte totals.
func (t *Tx) put(k string, val []byte, del bool) error {
	i, old, had, err := t.before(k)
	if err != nil {
		return err
	}
	var d Stats
	if had {
		d.Keys--
		d.Bytes -= int64(len(k) + len(old))
	}
	if !del {
		d.Keys++
		d.Bytes += int64(len(k) + len(val))
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
	if i < 0 {
		i = t.remember(entry{key: k})
	}
	if !t.w[i].dirty {
		t.dirty++
	}
	t.w[i] = entry{key: k, val: val, del: del, dirty: true}
	t.delta.Keys += d.Keys
	t.delta.Bytes += d.Bytes
	return nil
}

// before is what k holds before a write, for the accounting only: the
// run's own view when it has one, else Peek when the session offers it (an
// optimistic store may assume and check at commit; a peeked value is not a
// read, so it is not remembered), else a read. i is k's index in w, or -1.
func (t *Tx) before(k string) (i int, old []byte, had bool, err error) {
	if i := t.find(k); i >= 0 {
		return i, t.w[i].val, !t.w[i].del, nil
	}
	if p, ok := t.s.(Peeker); ok {
		old, had, err = p.Peek(k)
		return -1, old, had, t.seen(err)
	}
	return t.lookup(k)
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
	for _, e := range t.w {
		if e.dirty && strings.HasPrefix(e.key, prefix) {
			mine = append(mine, e.key)
		}
	}
	slices.Sort(mine)
	var out []string
	full := func() bool { return limit > 0 && len(out) >= limit }
	// takeMine emits the run's own key mine[0] (unless it deletes it).
	takeMine := func() {
		if !t.w[t.find(mine[0])].del {
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
	ws, err := t.end()
	if err != nil {
		return nil, err
	}
	return t.s.Commit(ctx, ws)
}

// CommitThen is Commit that reports durability to done (see
// Notifier.CommitThen): when pending, done is called once, later, maybe on
// the store's goroutine, and must not block. Over a Session that is no
// Notifier it waits for the Durable on a goroutine of its own.
func (t *Tx) CommitThen(ctx context.Context, done func(error)) (pending bool, err error) {
	ws, err := t.end()
	if err != nil {
		return false, err
	}
	if n, ok := t.s.(Notifier); ok {
		return n.CommitThen(ctx, ws, done)
	}
	d, err := t.s.Commit(ctx, ws)
	if err != nil || d == nil {
		return false, err
	}
	go func() { done(d()) }()
	return true, nil
}

// Relayed reports whether the Tx's commit is applied later by another part
// (its session is a Relayer), which reports its outcome.
func (t *Tx) Relayed() bool {
	_, ok := t.s.(Relayer)
	return ok
}

// end ends the Tx and returns its writes in key order.
func (t *Tx) end() ([]Write, error) {
	if err := t.live(); err != nil {
		return nil, err
	}
	t.ended = true
	ws := make([]Write, 0, t.dirty)
	for _, e := range t.w {
		if e.dirty {
			ws = append(ws, Write{Key: e.key, Val: e.val, Delete: e.del})
		}
	}
	slices.SortFunc(ws, func(a, b Write) int { return strings.Compare(a.Key, b.Key) })
	return ws, nil
}

// Abort drops the run's writes and ends the Tx. Safe more than once and
// after Commit.
func (t *Tx) Abort() {
	t.ended = true
	t.s.Abort()
}
