package state

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Backend is the storage under Local: every circle's committed keys in
// byte order, and an atomic, durable Apply of a group of commits.
type Backend interface {
	Get(circle, key string) ([]byte, bool, error)
	// Scan calls fn for the circle's keys with the prefix after `after`
	// ("" = from the start), ascending, until fn returns false.
	Scan(circle, prefix, after string, fn func(key string, val []byte) bool) error
	// Stats are the circle's totals; called once per circle per process.
	Stats(circle string) (Stats, error)
	// Apply makes the batches durable, all of them or none, in order.
	Apply(batches []Batch) error
	Close() error
}

// Batch is one committed transaction of one circle. Delta is its change to
// the circle's Stats, for backends that keep totals.
type Batch struct {
	Circle string
	Writes []Write
	Delta  Stats
}

// InlineBackend is a Backend whose Apply is cheap and needs no sync (the
// memory backend): Local applies a commit on the committing goroutine.
type InlineBackend interface {
	Backend
	Inline()
}

// Local is the state of one process: transactions on a circle are
// serialised by a per-circle lock that a run takes at its first state call
// and holds until its commit is visible (strict two-phase locking on one
// lock per circle, so every outcome is that of some serial order, and runs
// that never touch state never wait). Commits of all circles are grouped
// into one Backend.Apply (one sync) by a committer goroutine; a commit is
// visible to the circle's next run at once, from memory, and its
// completion (Durable, or CommitThen's callback, called by the committer
// for the whole group in one pass) waits for the group's sync. Durability
// is in commit order: a commit that survived a crash means every commit
// before it did.
type Local struct {
	b      Backend
	inline bool

	mu      sync.Mutex
	circles map[string]*circleState
	queue   []*queued
	wake    chan struct{} // a commit is queued
	failed  error         // a failed Apply: state is not trustworthy any more
	closed  bool
	stopped chan struct{} // committer has exited

	// active counts open sessions (runs in progress); idle is signalled
	// when it drops to zero. The committer uses them to wait, briefly, for
	// runs about to commit so that they share its next sync.
	active atomic.Int64
	idle   chan struct{}

	// groups and commits count the Applies and the commits they held
	// (commits per sync under load).
	groups, commits atomic.Uint64
}

type circleState struct {
	lock chan struct{} // the run lock

	mu      sync.Mutex
	pending map[string]pendingWrite // committed, not yet durable
	stats   Stats
	loaded  bool
	seq     uint64
}

type pendingWrite struct {
	val []byte
	del bool
	seq uint64
}

// queued is a commit waiting for its group's sync; done learns the
// outcome.
type queued struct {
	c     *circleState
	batch Batch
	seq   uint64
	done  func(error)
}

// NewLocal returns a store over b. Close it to stop its committer.
func NewLocal(b Backend) *Local {
	l := &Local{b: b, circles: map[string]*circleState{}, wake: make(chan struct{}, 1), stopped: make(chan struct{}),
		idle: make(chan struct{}, 1)}
	_, l.inline = b.(InlineBackend)
	if l.inline {
		close(l.stopped)
	} else {
		go l.commitLoop()
	}
	return l
}

// NewMemory returns a Local store that keeps state in memory only: it is
// lost when the process ends.
func NewMemory() *Local { return NewLocal(NewMemoryBackend()) }

func (l *Local) circle(id string) (*circleState, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	if l.failed != nil {
		return nil, l.failed
	}
	c := l.circles[id]
	if c == nil {
		c = &circleState{lock: make(chan struct{}, 1), pending: map[string]pendingWrite{}}
		l.circles[id] = c
	}
	return c, nil
}

// Begin implements Store. The session takes the circle's lock lazily.
func (l *Local) Begin(ctx context.Context, circle string) (Session, error) {
	c, err := l.circle(circle)
	if err != nil {
		return nil, err
	}
	l.active.Add(1)
	s := &localSession{l: l, c: c, id: circle, ctx: ctx}
	s.seen = s.seenBuf[:0]
	return s, nil
}

// Close waits for queued commits to be applied, then closes the backend.
func (l *Local) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	<-l.stopped
	return l.b.Close()
}

// Backend returns the storage under l (for tools that read it directly).
func (l *Local) Backend() Backend { return l.b }

// Syncs reports how many group writes (one Backend.Apply, one sync each)
// l has made and how many commits they held: commits/syncs is the group
// size. Both stay 0 over a backend applied inline (memory).
func (l *Local) Syncs() (syncs, commits uint64) { return l.groups.Load(), l.commits.Load() }

// enqueue hands q to the committer. After Close (whose committer may have
// exited already) it refuses q with ErrClosed.
func (l *Local) enqueue(q *queued) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return fmt.Errorf("%w: the state store closed before the commit was written", ErrClosed)
	}
	l.queue = append(l.queue, q)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return nil
}

// take removes and returns the queued commits and whether l is closed;
// spent is the caller's last group, whose array becomes the next queue.
func (l *Local) take(spent []*queued) ([]*queued, bool) {
	clear(spent)
	l.mu.Lock()
	defer l.mu.Unlock()
	group := l.queue
	if len(group) == 0 {
		return spent[:0], l.closed
	}
	l.queue = spent[:0]
	return group, l.closed
}

// commitLoop applies queued commits, as many at once as have queued while
// the previous Apply was syncing. Before an Apply it waits for the runs in
// progress to end (they are about to commit, and would otherwise miss this
// sync and wait for two), but never longer than the last Apply took, so
// that the wait at most doubles a commit's latency and costs nothing when
// no other run is open. It is woken when the last open run ends, not at
// every run's end: under load a worker always has a run open and the
// committer sleeps out the window. After the sync it reports to every
// commit of the group in one pass.
func (l *Local) commitLoop() {
	defer close(l.stopped)
	var lastApply time.Duration
	var group, more []*queued
	var batches []Batch
	window := time.NewTimer(time.Hour)
	window.Stop()
	for {
		var closed bool
		group, closed = l.take(group)
		if len(group) == 0 {
			if closed {
				return
			}
			<-l.wake
			continue
		}
		if !closed && l.active.Load() > 0 && lastApply > 0 {
			window.Reset(lastApply)
		wait:
			for l.active.Load() > 0 {
				select {
				case <-l.idle:
				case <-window.C:
					break wait
				}
			}
			window.Stop()
			more, _ = l.take(more)
			group = append(group, more...)
		}
		began := time.Now()
		batches = batches[:0]
		for _, q := range group {
			batches = append(batches, q.batch)
		}
		err := l.b.Apply(batches)
		clear(batches)
		lastApply = time.Since(began)
		if err != nil {
			err = fmt.Errorf("state store failed to write; restart the server once the cause is fixed: %w", err)
			l.mu.Lock()
			if l.failed == nil {
				l.failed = err
			}
			l.mu.Unlock()
		} else {
			l.groups.Add(1)
			l.commits.Add(uint64(len(group)))
			l.settle(group)
		}
		for _, q := range group {
			q.done(err)
		}
	}
}

// settle drops the group's writes from their circles' overlays (unless a
// later commit has replaced them): the backend holds them now. Consecutive
// commits of one circle share a lock.
func (l *Local) settle(group []*queued) {
	var c *circleState
	for _, q := range group {
		if q.c != c {
			if c != nil {
				c.mu.Unlock()
			}
			c = q.c
			c.mu.Lock()
		}
		for _, w := range q.batch.Writes {
			if p, ok := c.pending[w.Key]; ok && p.seq == q.seq {
				delete(c.pending, w.Key)
			}
		}
	}
	if c != nil {
		c.mu.Unlock()
	}
}

type localSession struct {
	l      *Local
	c      *circleState
	id     string
	ctx    context.Context
	locked bool
	ended  bool
	// seen are the sizes of the first keys this session read, so that
	// Commit's totals need no second read (under the run lock they cannot
	// change; a write Tx makes always reads the key first).
	seen    []seenKey
	seenBuf [4]seenKey // seen's first entries, without an allocation
}

type seenKey struct {
	key  string
	size int
	had  bool
}

// maxSeen bounds seen: a run that touches more keys reads them again at
// its commit rather than searching a long list.
const maxSeen = 16

// acquire takes the circle's run lock at the session's first call.
func (s *localSession) acquire() error {
	if s.ended {
		return fmt.Errorf("%w: state was used after its run ended", ErrClosed)
	}
	if s.locked {
		return nil
	}
	// A free lock is taken without asking the context for its Done
	// channel, which a context makes (and its timer feeds) on first use.
	select {
	case s.c.lock <- struct{}{}:
	default:
		select {
		case s.c.lock <- struct{}{}:
		case <-s.ctx.Done():
			return fmt.Errorf("waiting for the circle's state: %w", s.ctx.Err())
		}
	}
	s.locked = true
	s.l.mu.Lock()
	failed := s.l.failed
	s.l.mu.Unlock()
	if failed != nil {
		s.release()
		return failed
	}
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if !s.c.loaded {
		st, err := s.l.b.Stats(s.id)
		if err != nil {
			s.release()
			return err
		}
		s.c.stats, s.c.loaded = st, true
	}
	return nil
}

func (s *localSession) release() {
	if s.locked {
		s.locked = false
		<-s.c.lock
	}
}

func (s *localSession) Get(key string) ([]byte, bool, error) {
	if err := s.acquire(); err != nil {
		return nil, false, err
	}
	var p pendingWrite
	ok := false
	if !s.l.inline { // an inline backend has nothing pending
		s.c.mu.Lock()
		p, ok = s.c.pending[key]
		s.c.mu.Unlock()
	}
	var val []byte
	var had bool
	if ok {
		val, had = p.val, !p.del
	} else {
		var err error
		if val, had, err = s.l.b.Get(s.id, key); err != nil {
			return nil, false, err
		}
	}
	if len(s.seen) < maxSeen {
		s.seen = append(s.seen, seenKey{key: key, size: len(val), had: had})
	}
	return val, had, nil
}

// size is the committed size of key as this session first read it.
func (s *localSession) size(key string) (int, bool, error) {
	for _, k := range s.seen {
		if k.key == key {
			return k.size, k.had, nil
		}
	}
	old, had, err := s.Get(key)
	return len(old), had, err
}

func (s *localSession) Scan(prefix, after string, fn func(key string, val []byte) bool) error {
	if err := s.acquire(); err != nil {
		return err
	}
	// Not-yet-durable commits first (taken before the backend is read, so
	// that an entry the committer drops meanwhile is in the backend).
	s.c.mu.Lock()
	var mine []string
	for k := range s.c.pending {
		if strings.HasPrefix(k, prefix) && k > after {
			mine = append(mine, k)
		}
	}
	pend := make(map[string]pendingWrite, len(mine))
	for _, k := range mine {
		pend[k] = s.c.pending[k]
	}
	s.c.mu.Unlock()
	slices.Sort(mine)
	stop := false
	emit := func(k string) {
		if p := pend[k]; !p.del {
			stop = !fn(k, p.val)
		}
	}
	err := s.l.b.Scan(s.id, prefix, after, func(k string, v []byte) bool {
		for len(mine) > 0 && mine[0] < k && !stop {
			emit(mine[0])
			mine = mine[1:]
		}
		if stop {
			return false
		}
		if len(mine) > 0 && mine[0] == k {
			emit(k)
			mine = mine[1:]
		} else {
			stop = !fn(k, v)
		}
		return !stop
	})
	if err != nil {
		return err
	}
	for len(mine) > 0 && !stop {
		emit(mine[0])
		mine = mine[1:]
	}
	return nil
}

func (s *localSession) Stats() (Stats, error) {
	if err := s.acquire(); err != nil {
		return Stats{}, err
	}
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	return s.c.stats, nil
}

// Commit implements Session: CommitThen with a Durable that waits for the
// callback.
func (s *localSession) Commit(ctx context.Context, writes []Write) (Durable, error) {
	w := &waiter{ch: make(chan struct{})}
	pending, err := s.CommitThen(ctx, writes, w.finish)
	if err != nil || !pending {
		return nil, err
	}
	return w.wait, nil
}

// waiter is a Durable over a completion callback.
type waiter struct {
	ch  chan struct{}
	err error
}

func (w *waiter) finish(err error) { w.err = err; close(w.ch) }
func (w *waiter) wait() error      { <-w.ch; return w.err }

// CommitThen implements Notifier. The commit is visible (in the circle's
// overlay) and queued before the run lock is released, so the queue holds
// a circle's commits in lock order: a commit that is durable means every
// commit it could have read is.
func (s *localSession) CommitThen(ctx context.Context, writes []Write, done func(error)) (bool, error) {
	if len(writes) == 0 {
		s.Abort()
		return false, nil
	}
	if err := s.acquire(); err != nil {
		return false, err
	}
	defer s.Abort()
	var d Stats
	for _, w := range writes {
		old, had, err := s.size(w.Key)
		if err != nil {
			return false, err
		}
		if had {
			d.Keys--
			d.Bytes -= int64(len(w.Key) + old)
		}
		if !w.Delete {
			d.Keys++
			d.Bytes += int64(len(w.Key) + len(w.Val))
		}
	}
	batch := Batch{Circle: s.id, Writes: writes, Delta: d}
	if s.l.inline {
		if err := s.l.b.Apply([]Batch{batch}); err != nil {
			return false, err
		}
		s.c.mu.Lock()
		s.c.stats.Keys += d.Keys
		s.c.stats.Bytes += d.Bytes
		s.c.mu.Unlock()
		return false, nil
	}
	s.c.mu.Lock()
	s.c.seq++
	q := &queued{c: s.c, batch: batch, seq: s.c.seq, done: done}
	for _, w := range writes {
		s.c.pending[w.Key] = pendingWrite{val: w.Val, del: w.Delete, seq: q.seq}
	}
	s.c.stats.Keys += d.Keys
	s.c.stats.Bytes += d.Bytes
	s.c.mu.Unlock()
	// The run is over: a committer waiting for open runs need not wait for
	// this one (the lock is released by the deferred Abort, after enqueue).
	s.end()
	if err := s.l.enqueue(q); err != nil {
		return false, err
	}
	return true, nil
}

// Abort implements Session.
func (s *localSession) Abort() {
	s.release()
	s.end()
}

// end counts the session out of the open runs, once.
func (s *localSession) end() {
	if s.ended {
		return
	}
	s.ended = true
	if s.l.active.Add(-1) == 0 {
		select {
		case s.l.idle <- struct{}{}:
		default:
		}
	}
}
