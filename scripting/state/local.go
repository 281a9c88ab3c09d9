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
// visible to the circle's next run at once, from memory, and its Durable
// waits for the group's sync. Durability is in commit order: a commit that
// survived a crash means every commit before it did.
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

	// active counts open sessions (runs in progress); ended is signalled
	// when one ends. The committer uses them to wait, briefly, for runs
	// about to commit so that they share its next sync.
	active atomic.Int64
	ended  chan struct{}
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

type queued struct {
	c     *circleState
	batch Batch
	seq   uint64
	done  chan struct{}
	err   error
}

// NewLocal returns a store over b. Close it to stop its committer.
func NewLocal(b Backend) *Local {
	l := &Local{b: b, circles: map[string]*circleState{}, wake: make(chan struct{}, 1), stopped: make(chan struct{}),
		ended: make(chan struct{}, 1)}
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

// enqueue hands q to the committer. After Close (whose committer may have
// exited already) q fails with ErrClosed instead of waiting forever.
func (l *Local) enqueue(q *queued) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		q.err = fmt.Errorf("%w: the state store closed before the commit was written", ErrClosed)
		close(q.done)
		return
	}
	l.queue = append(l.queue, q)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// take removes and returns the queued commits and whether l is closed.
func (l *Local) take() ([]*queued, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	group := l.queue
	l.queue = nil
	return group, l.closed
}

// commitLoop applies queued commits, as many at once as have queued while
// the previous Apply was syncing. Before an Apply it waits for the runs in
// progress to end (they are about to commit, and would otherwise miss this
// sync and wait for two), but never longer than the last Apply took, so
// that the wait at most doubles a commit's latency and costs nothing when
// no other run is open.
func (l *Local) commitLoop() {
	defer close(l.stopped)
	var lastApply time.Duration
	for {
		group, closed := l.take()
		if len(group) == 0 {
			if closed {
				return
			}
			<-l.wake
			continue
		}
		if !closed && l.active.Load() > 0 && lastApply > 0 {
			timer := time.NewTimer(lastApply)
		wait:
			for l.active.Load() > 0 {
				select {
				case <-l.ended:
				case <-timer.C:
					break wait
				}
			}
			timer.Stop()
			more, _ := l.take()
			group = append(group, more...)
		}
		began := time.Now()
		batches := make([]Batch, len(group))
		for i, q := range group {
			batches[i] = q.batch
		}
		err := l.b.Apply(batches)
		lastApply = time.Since(began)
		if err != nil {
			err = fmt.Errorf("state store failed to write; restart the server once the cause is fixed: %w", err)
			l.mu.Lock()
			if l.failed == nil {
				l.failed = err
			}
			l.mu.Unlock()
		}
		for _, q := range group {
			q.err = err
			if err == nil {
				q.c.mu.Lock()
				for _, w := range q.batch.Writes {
					if p, ok := q.c.pending[w.Key]; ok && p.seq == q.seq {
						delete(q.c.pending, w.Key)
					}
				}
				q.c.mu.Unlock()
			}
			close(q.done)
		}
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
	select {
	case s.c.lock <- struct{}{}:
	case <-s.ctx.Done():
		return fmt.Errorf("waiting for the circle's state: %w", s.ctx.Err())
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

func (s *localSession) Commit(ctx context.Context, writes []Write) (Durable, error) {
	if len(writes) == 0 {
		s.Abort()
		return nil, nil
	}
	if err := s.acquire(); err != nil {
		return nil, err
	}
	defer s.Abort()
	var d Stats
	for _, w := range writes {
		old, had, err := s.size(w.Key)
		if err != nil {
			return nil, err
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
			return nil, err
		}
		s.c.mu.Lock()
		s.c.stats.Keys += d.Keys
		s.c.stats.Bytes += d.Bytes
		s.c.mu.Unlock()
		return nil, nil
	}
	s.c.mu.Lock()
	s.c.seq++
	q := &queued{c: s.c, batch: batch, seq: s.c.seq, done: make(chan struct{})}
	for _, w := range writes {
		s.c.pending[w.Key] = pendingWrite{val: w.Val, del: w.Delete, seq: q.seq}
	}
	s.c.stats.Keys += d.Keys
	s.c.stats.Bytes += d.Bytes
	s.c.mu.Unlock()
	s.l.enqueue(q)
	return func() error { <-q.done; return q.err }, nil
}

func (s *localSession) Abort() {
	s.release()
	if !s.ended {
		s.ended = true
		s.l.active.Add(-1)
		select {
		case s.l.ended <- struct{}{}:
		default:
		}
	}
}
