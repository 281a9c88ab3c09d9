package redisq

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/state"
)

// StateStore is package state's Store in Redis: every worker process, on
// any machine, sees one state per circle (keys in StateKeys).
//
// Serializability is optimistic. A transaction reads at one version of
// the circle (the meta hash's version, read atomically with every value)
// and a read that finds another version fails with state.ErrConflict, so a
// run only ever sees one committed snapshot. Its writes commit only if the
// version is unchanged, checked by the script that applies them.
//
// A task a Consumer runs commits differently: its writes go in the
// consumer's answer script, which checks that the task is still this
// worker's claim (status processing, worker id, attempt), checks the
// version, applies the writes and answers, all in one atomic step. A run
// whose snapshot went stale is run again by the consumer; a task whose
// claim was lost (recovered after its worker was presumed dead) is neither
// committed nor answered by the old run. Within one process a circle's
// state is one consumer loop's at a time (a lock per circle, held from the
// first state call of a batch of tasks to the step that answers the
// batch), over a cache of the circle's values at the last version this
// process saw: the runs of a batch chain on the cache (each sees the
// writes before it and expects the version they make), their commits ride
// in the batch's answer step, and only processes race each other. A run
// that lost a race takes the circle's lease (PrefixStateLease) when it
// runs again: while the lease lives, other runs' commits are refused, so a
// slow loser cannot be starved by a fast winner.
//
// Cost: a read the cache cannot serve is one EVALSHA; a key a run writes
// without reading is assumed absent (Peek) and checked by the answer step;
// a lost race costs a run.
type StateStore struct {
	client   rueidis.Client
	timeout  time.Duration
	leaseTTL time.Duration

	id  string // names this store's commits (commitID)
	seq atomic.Uint64

	mu      sync.Mutex
	circles map[string]*circleCache

	hooks atomic.Pointer[scripting.StateHooks] // Observe
}

// Observe sets the observers of the commits that consumers over s apply
// with their answers: Committed when a run's commit went through (d: from
// the run's end to the answer step's reply), Conflict when it lost to
// another run's and the task runs again (metrics). The engine cannot
// report these (a Redis commit is relayed: state.Relayer).
func (s *StateStore) Observe(h scripting.StateHooks) { s.hooks.Store(&h) }

// observers are the hooks Observe set (nil: none, or no store).
func (s *StateStore) observers() *scripting.StateHooks {
	if s == nil {
		return nil
	}
	return s.hooks.Load()
}

// StateOptions configure NewStateStore; zero fields take their defaults.
type StateOptions struct {
	// CommandTimeout bounds each Redis call. Default 2s.
	CommandTimeout time.Duration
	// LeaseTTL is how long a run that lost a race keeps the right of way.
	// Default 2s.
	LeaseTTL time.Duration
}

// NewStateStore returns the Redis state store over client, for workers
// (Consumer with ConsumerOptions.State) and for tools that read or write a
// circle's state outside runs (Begin, then Session.Commit, atomically and
// checked against concurrent commits). Closing it does not close client.
func NewStateStore(client rueidis.Client, o *StateOptions) *StateStore {
	s := &StateStore{client: client, timeout: 2 * time.Second, leaseTTL: 2 * time.Second, id: newID(), circles: map[string]*circleCache{}}
	if o != nil && o.CommandTimeout > 0 {
		s.timeout = o.CommandTimeout
	}
	if o != nil && o.LeaseTTL > 0 {
		s.leaseTTL = o.LeaseTTL
	}
	return s
}

// leasePoll is how often a run waiting for another's lease looks again:
// the holder deletes it with its answer, usually within a millisecond or
// two; a holder that died leaves it to expire.
const leasePoll = 2 * time.Millisecond

// pause waits d or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// maxCached bounds the values one circle's cache holds; past it the cache
// starts again empty (at the same version).
const maxCached = 4096

// circleCache is what this process knows of one circle's state: its
// values at version ver (valid), guarded by lock, the turn of the runs
// that touch the circle's state.
type circleCache struct {
	lock chan struct{}
	// valid: vals hold the circle at ver, which is base (the version in
	// Redis when the cache was last confirmed) plus the writes in pend,
	// commits of the holder's batch that are not answered yet.
	valid bool
	ver   string
	base  string
	stats state.Stats
	vals  map[string]cached
	pend  map[string]cached
}

type cached struct {
	val []byte
	ok  bool
}

// reset makes the cache the circle at sn, empty.
func (c *circleCache) reset(sn snapshot) {
	c.valid, c.ver, c.base, c.stats = true, sn.ver, sn.ver, sn.stats
	clear(c.vals)
	clear(c.pend)
}

func (c *circleCache) invalidate() {
	c.valid = false
	clear(c.vals)
	clear(c.pend)
}

// put caches a value read at base.
func (c *circleCache) put(k string, v []byte, ok bool) {
	if len(c.vals) >= maxCached && len(c.pend) == 0 {
		clear(c.vals)
	}
	c.vals[k] = cached{val: v, ok: ok}
}

// apply adds a commit of the batch, pending, as version id. It needs the
// old value of every key written (a Tx reads each key it writes, so they
// are cached); false when one is missing.
func (c *circleCache) apply(id string, ws []state.Write) bool {
	var d state.Stats
	for _, w := range ws {
		old, ok := c.vals[w.Key]
		if !ok {
			return false
		}
		if old.ok {
			d.Keys--
			d.Bytes -= int64(len(w.Key) + len(old.val))
		}
		if !w.Delete {
			d.Keys++
			d.Bytes += int64(len(w.Key) + len(w.Val))
		}
	}
	for _, w := range ws {
		e := cached{val: w.Val, ok: !w.Delete}
		c.vals[w.Key], c.pend[w.Key] = e, e
	}
	c.ver = id
	c.stats.Keys += d.Keys
	c.stats.Bytes += d.Bytes
	return true
}

// confirm: the pending commits are in Redis, which is now at meta.
func (c *circleCache) confirm(meta snapshot) {
	if meta.ver != c.ver {
		c.invalidate()
		return
	}
	c.base, c.stats = meta.ver, meta.stats
	clear(c.pend)
}

func (s *StateStore) circle(id string) (*circleCache, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.circles[id]
	if c == nil {
		c = &circleCache{lock: make(chan struct{}, 1), vals: map[string]cached{}, pend: map[string]cached{}}
		s.circles[id] = c
	}
	return c, nil
}

// Begin implements state.Store. Inside a Consumer's run of a task of
// circle (ctx carries the task's binding), the session commits with the
// task's answer; otherwise Commit writes at once.
func (s *StateStore) Begin(ctx context.Context, circle string) (state.Session, error) {
	c, err := s.circle(circle)
	if err != nil {
		return nil, err
	}
	if b, ok := ctx.Value(bindingKey{}).(*taskBinding); ok && b.store == s && b.circle == circle {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.done {
			return nil, fmt.Errorf("%w: the task was already answered", state.ErrClosed)
		}
		b.begin() // a new attempt of the run: forget the last one's writes
		return &taskSession{s: s, c: c, b: b, ctx: ctx}, nil
	}
	return &directSession{s: s, c: c, keys: StateKeys(circle), ctx: ctx}, nil
}

// Close implements state.Store. It releases nothing: the client is the
// caller's, and a server that stops its actor system (which closes its
// store) before its Redis consumers must not fail their last runs; those
// are answered or given back as usual.
func (s *StateStore) Close() error { return nil }

func (s *StateStore) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// snapshot is a read's view of the circle's meta.
type snapshot struct {
	ver   string
	stats state.Stats
}

// readMeta decodes the version, keys and bytes the state scripts return
// first.
func readMeta(vals []rueidis.RedisMessage) (snapshot, error) {
	if len(vals) < 3 {
		return snapshot{}, fmt.Errorf("state: short reply from redis (%d values)", len(vals))
	}
	var sn snapshot
	var err error
	if sn.ver, err = vals[0].ToString(); err != nil {
		return sn, fmt.Errorf("state: bad version from redis: %w", err)
	}
	k, err1 := vals[1].AsInt64()
	b, err2 := vals[2].AsInt64()
	if err := errors.Join(err1, err2); err != nil {
		return sn, fmt.Errorf("state: bad totals from redis: %w", err)
	}
	sn.stats = state.Stats{Keys: k, Bytes: b}
	return sn, nil
}

// get reads one value with the circle's meta, atomically; lease names the
// run that takes the circle's lease ("" none).
func (s *StateStore) get(ctx context.Context, keys []string, key, lease string) (snapshot, []byte, bool, error) {
	sn, v, ok, _, err := s.getLease(ctx, keys, key, lease)
	return sn, v, ok, err
}

// getLease is get that also says how long another run keeps the lease
// (0: lease is the holder now, or none was asked for).
func (s *StateStore) getLease(ctx context.Context, keys []string, key, lease string) (snapshot, []byte, bool, time.Duration, error) {
	ctx, cancel := s.callCtx(ctx)
	defer cancel()
	vals, err := stateGetScript.exec(ctx, s.client, []string{keys[0], keys[2], keys[3]},
		[]string{key, lease, ms(s.leaseTTL)}).ToArray()
	if err != nil {
		return snapshot{}, nil, false, 0, fmt.Errorf("state: failed to read from redis: %w", err)
	}
	sn, err := readMeta(vals)
	if err != nil || len(vals) < 5 {
		return sn, nil, false, 0, err
	}
	wait, _ := vals[4].AsInt64()
	if vals[3].IsNil() {
		return sn, nil, false, time.Duration(wait) * time.Millisecond, nil
	}
	v, err := vals[3].AsBytes()
	if err != nil {
		return sn, nil, false, 0, fmt.Errorf("state: bad value from redis: %w", err)
	}
	return sn, v, true, time.Duration(wait) * time.Millisecond, nil
}

// scanPage is how many keys one scan call reads.
const scanPage = 256

// scan reads up to scanPage keys with prefix after `after`, with their
// values and the circle's meta, atomically.
func (s *StateStore) scan(ctx context.Context, keys []string, prefix, after string) (snapshot, []string, [][]byte, error) {
	min := "[" + prefix
	if after != "" && after >= prefix {
		min = "(" + after
	}
	// Keys are UTF-8, which never holds the byte 0xff: every key with the
	// prefix sorts below prefix+"\xff".
	max := "(" + prefix + "\xff"
	if prefix == "" {
		max = "+"
		if after == "" {
			min = "-"
		}
	}
	ctx, cancel := s.callCtx(ctx)
	defer cancel()
	vals, err := stateScanScript.exec(ctx, s.client, []string{keys[0], keys[1], keys[2]},
		[]string{min, max, strconv.Itoa(scanPage)}).ToArray()
	if err != nil {
		return snapshot{}, nil, nil, fmt.Errorf("state: failed to scan in redis: %w", err)
	}
	sn, err := readMeta(vals)
	if err != nil {
		return sn, nil, nil, err
	}
	rest := vals[3:]
	ks := make([]string, 0, len(rest)/2)
	vs := make([][]byte, 0, len(rest)/2)
	for i := 0; i+1 < len(rest); i += 2 {
		k, err1 := rest[i].ToString()
		v, err2 := rest[i+1].AsBytes()
		if err := errors.Join(err1, err2); err != nil {
			return sn, nil, nil, fmt.Errorf("state: bad scan reply from redis: %w", err)
		}
		ks = append(ks, k)
		vs = append(vs, v)
	}
	return sn, ks, vs, nil
}

// conflict is the error of a read that found the circle at another
// version than the transaction's.
func conflict() error {
	return fmt.Errorf("%w: the circle's state changed during the run", state.ErrConflict)
}

// appendWrites appends a commit's writes as the scripts take them: op
// ("S" set, "D" delete), key, value.
func appendWrites(args []string, ws []state.Write) ([]string, error) {
	for _, w := range ws {
		if w.Delete {
			args = append(args, "D", w.Key, "")
			continue
		}
		if len(w.Val) == 0 {
			return nil, fmt.Errorf("state: key %q: an encoded value is never empty", w.Key)
		}
		args = append(args, "S", w.Key, string(w.Val))
	}
	return args, nil
}

// directSession is a transaction outside a task: reads pinned to the
// version of the first one, Commit checked against it in one script. It
// takes the circle's turn in this process at its first call, like a task,
// so that only other processes can make it conflict.
type directSession struct {
	s      *StateStore
	c      *circleCache
	keys   []string
	ctx    context.Context
	snap   snapshot
	read   bool
	locked bool
	ended  bool
}

func (d *directSession) live() error {
	if d.ended {
		return fmt.Errorf("%w: state was used after its run ended", state.ErrClosed)
	}
	if !d.locked {
		select {
		case d.c.lock <- struct{}{}:
			d.locked = true
		case <-d.ctx.Done():
			return fmt.Errorf("waiting for the circle's state: %w", d.ctx.Err())
		}
	}
	return nil
}

// end releases the circle's turn; the cache may not hold any more.
func (d *directSession) end() {
	d.ended = true
	if d.locked {
		d.locked = false
		d.c.invalidate()
		<-d.c.lock
	}
}

func (d *directSession) pin(sn snapshot) error {
	if !d.read {
		d.snap, d.read = sn, true
		return nil
	}
	if sn.ver != d.snap.ver {
		return conflict()
	}
	return nil
}

func (d *directSession) Get(key string) ([]byte, bool, error) {
	if err := d.live(); err != nil {
		return nil, false, err
	}
	sn, v, ok, err := d.s.get(d.ctx, d.keys, key, "")
	if err != nil {
		return nil, false, err
	}
	if err := d.pin(sn); err != nil {
		return nil, false, err
	}
	return v, ok, nil
}

func (d *directSession) Scan(prefix, after string, fn func(string, []byte) bool) error {
	if err := d.live(); err != nil {
		return err
	}
	for {
		sn, ks, vs, err := d.s.scan(d.ctx, d.keys, prefix, after)
		if err != nil {
			return err
		}
		if err := d.pin(sn); err != nil {
			return err
		}
		for i, k := range ks {
			if !fn(k, vs[i]) {
				return nil
			}
		}
		if len(ks) < scanPage {
			return nil
		}
		after = ks[len(ks)-1]
	}
}

func (d *directSession) Stats() (state.Stats, error) {
	if err := d.live(); err != nil {
		return state.Stats{}, err
	}
	if !d.read {
		// Any read brings the meta; a key no circle holds reads nothing else.
		if _, _, err := d.Get("\xff"); err != nil {
			return state.Stats{}, err
		}
	}
	return d.snap.stats, nil
}

func (d *directSession) Commit(ctx context.Context, writes []state.Write) (state.Durable, error) {
	if err := d.live(); err != nil {
		return nil, err
	}
	defer d.end()
	if len(writes) == 0 {
		return nil, nil
	}
	expect := ""
	if d.read {
		expect = d.snap.ver
	}
	args, err := appendWrites(make([]string, 0, 1+3*len(writes)), writes)
	if err != nil {
		return nil, err
	}
	args = append([]string{expect, d.s.commitID()}, args...)
	cctx, cancel := d.s.callCtx(ctx)
	defer cancel()
	n, err := stateCommitScript.exec(cctx, d.s.client, d.keys, args).AsInt64()
	if rueidis.IsRedisNil(err) {
		return nil, conflict()
	}
	if err != nil {
		return nil, fmt.Errorf("state: failed to commit in redis: %w", err)
	}
	if n != 1 {
		return nil, conflict()
	}
	return nil, nil
}

func (d *directSession) Abort() { d.end() }

// bindingKey is the context key of a task's binding.
type bindingKey struct{}

// loopTurn is one consumer loop's turn on its circle's state: taken at the
// first state call of a batch of runs, given back by the step that
// answers them (or when that fails), so that the runs of a batch chain on
// the cache and commit together. Only the loop's runs and then the loop
// itself use it, one after the other.
type loopTurn struct {
	store   *StateStore
	circle  string
	id      string       // names the loop as the lease's holder
	c       *circleCache // held while the loop has the turn
	pending int          // commits of the batch not answered yet
}

// turn returns a loop's turn on circle.
func (s *StateStore) turn(circle string) *loopTurn {
	return &loopTurn{store: s, circle: circle, id: s.id + "/" + newID()}
}

// end gives the turn back: confirm the batch's commits (ok: they are all
// in, meta is the circle after them) or forget the cache.
func (l *loopTurn) end(ok bool, meta snapshot) {
	if l == nil || l.c == nil {
		return
	}
	if ok && l.c.valid {
		l.c.confirm(meta)
	} else {
		l.c.invalidate()
	}
	l.pending = 0
	<-l.c.lock
	l.c = nil
}

// release gives the turn back without knowing how the batch went.
func (l *loopTurn) release() { l.end(false, snapshot{}) }

// taskBinding joins a consumer's task to the state sessions its run opens:
// the run records what it read and wrote, the consumer commits it with the
// answer. Guarded by mu: the run may happen on another goroutine (serve's
// worker actors), and a run abandoned by its caller must not touch state
// once the consumer has moved on (done).
type taskBinding struct {
	store  *StateStore
	circle string
	lease  string // non-empty: this run takes the circle's lease (it lost a race)
	loop   *loopTurn

	mu       sync.Mutex
	touched  bool // the run read or wrote state: its answer is checked
	ver      string
	writes   []state.Write
	assumed  []string // keys Peek took to be absent, checked by the commit
	conflict bool     // a read found the circle moved on: run it again
	done     bool
}

// begin starts a new attempt.
func (b *taskBinding) begin() {
	b.touched, b.ver, b.writes, b.assumed, b.conflict = false, "", nil, nil, false
}

// taskSession is a run's transaction inside a consumer task.
type taskSession struct {
	s     *StateStore
	c     *circleCache
	b     *taskBinding
	ctx   context.Context
	ended bool
}

// enter takes the loop's turn on the circle (once per batch) and pins the
// run to the cache's version, loading the meta when the cache is not
// valid. Called with b.mu held.
func (t *taskSession) enter() error {
	if t.ended || t.b.done {
		return fmt.Errorf("%w: state was used after its run ended", state.ErrClosed)
	}
	if t.b.conflict {
		return conflict()
	}
	if l := t.b.loop; l.c == nil {
		select {
		case t.c.lock <- struct{}{}:
		case <-t.ctx.Done():
			return fmt.Errorf("waiting for the circle's state: %w", t.ctx.Err())
		}
		l.c = t.c
	}
	if t.b.touched {
		return nil
	}
	if !t.c.valid || t.b.lease != "" {
		// A run that lost a race takes the lease now (waiting while another
		// run has it), and reads fresh.
		for {
			sn, _, _, wait, err := t.s.getLease(t.ctx, StateKeys(t.b.circle), "\xff", t.b.lease)
			if err != nil {
				return err
			}
			if !t.c.valid || sn.ver != t.c.base {
				t.c.reset(sn)
			}
			if wait == 0 {
				break
			}
			if err := pause(t.ctx, min(wait, leasePoll)); err != nil {
				return fmt.Errorf("waiting for another run's turn on the circle's state: %w", err)
			}
		}
	}
	t.b.touched, t.b.ver = true, t.c.ver
	return nil
}

// fail records a read that found the circle moved on.
func (t *taskSession) fail(sn snapshot) error {
	t.c.reset(sn)
	t.b.conflict = true
	return conflict()
}

func (t *taskSession) Get(key string) ([]byte, bool, error) {
	t.b.mu.Lock()
	defer t.b.mu.Unlock()
	if err := t.enter(); err != nil {
		return nil, false, err
	}
	if v, ok := t.c.vals[key]; ok {
		return v.val, v.ok, nil
	}
	sn, v, ok, err := t.s.get(t.ctx, StateKeys(t.b.circle), key, "")
	if err != nil {
		return nil, false, err
	}
	if sn.ver != t.c.base { // Redis holds base, none of the batch's pending writes
		return nil, false, t.fail(sn)
	}
	t.c.put(key, v, ok)
	return v, ok, nil
}

// Peek is Get for the accounting of a write: a key the cache does not know
// is taken to be absent, without a round trip, and the answer step checks
// that it was (a key the run creates costs nothing; a wrong guess costs a
// run, and the run again reads for real). The script never sees what Peek
// returns.
func (t *taskSession) Peek(key string) ([]byte, bool, error) {
	if t.b.lease != "" {
		return t.Get(key) // running again after a lost race, maybe a wrong guess
	}
	t.b.mu.Lock()
	defer t.b.mu.Unlock()
	if err := t.enter(); err != nil {
		return nil, false, err
	}
	if v, ok := t.c.vals[key]; ok {
		return v.val, v.ok, nil
	}
	t.b.assumed = append(t.b.assumed, key)
	t.c.put(key, nil, false)
	return nil, false, nil
}

// Scan merges the batch's pending writes (in the cache) with Redis's keys
// at the cache's base version.
func (t *taskSession) Scan(prefix, after string, fn func(string, []byte) bool) error {
	t.b.mu.Lock()
	defer t.b.mu.Unlock()
	if err := t.enter(); err != nil {
		return err
	}
	var mine []string
	for k := range t.c.pend {
		if strings.HasPrefix(k, prefix) && k > after {
			mine = append(mine, k)
		}
	}
	slices.Sort(mine)
	pend := maps.Clone(t.c.pend)
	stop := false
	emit := func(k string) {
		if p := pend[k]; p.ok {
			stop = !fn(k, p.val)
		}
	}
	keys := StateKeys(t.b.circle)
	for !stop {
		sn, ks, vs, err := t.s.scan(t.ctx, keys, prefix, after)
		if err != nil {
			return err
		}
		if sn.ver != t.c.base {
			return t.fail(sn)
		}
		for i, k := range ks {
			for len(mine) > 0 && mine[0] < k && !stop {
				emit(mine[0])
				mine = mine[1:]
			}
			if stop {
				break
			}
			if len(mine) > 0 && mine[0] == k {
				emit(k)
				mine = mine[1:]
			} else {
				stop = !fn(k, vs[i])
			}
			if stop {
				break
			}
		}
		if len(ks) < scanPage {
			break
		}
		after = ks[len(ks)-1]
	}
	for len(mine) > 0 && !stop {
		emit(mine[0])
		mine = mine[1:]
	}
	return nil
}

func (t *taskSession) Stats() (state.Stats, error) {
	t.b.mu.Lock()
	defer t.b.mu.Unlock()
	if err := t.enter(); err != nil {
		return state.Stats{}, err
	}
	return t.c.stats, nil
}

// Commit hands the writes to the consumer, which applies them with the
// task's answer; it never touches Redis itself.
func (t *taskSession) Commit(_ context.Context, writes []state.Write) (state.Durable, error) {
	t.b.mu.Lock()
	defer t.b.mu.Unlock()
	if len(writes) > 0 {
		if err := t.enter(); err != nil {
			return nil, err
		}
		for _, w := range writes {
			if !w.Delete && len(w.Val) == 0 {
				return nil, fmt.Errorf("state: key %q: an encoded value is never empty", w.Key)
			}
		}
		t.b.writes = writes
	}
	t.ended = true
	return nil, nil
}

func (t *taskSession) Abort() { t.ended = true }

// Relays implements state.Relayer: the consumer's answer step applies the
// writes and reports the commit or the conflict (ConsumerOptions.StateHooks).
func (t *taskSession) Relays() {}

// stateCommit is what a task's answer carries for its state: the check
// and the writes.
type stateCommit struct {
	attempt string // the claim's attempts value
	ver     string // the version the run read at
	lease   string
	id      string // the version the writes make (none without writes)
	writes  []state.Write
	assumed []string // keys the run took to be absent
}

// bind returns a context for a run of a task of the loop's circle that
// joins its state sessions to the returned binding.
func (l *loopTurn) bind(ctx context.Context, lease string) (context.Context, *taskBinding) {
	b := &taskBinding{store: l.store, circle: l.circle, lease: lease, loop: l}
	return context.WithValue(ctx, bindingKey{}, b), b
}

// commitOf ends the run's part of b and returns what its answer must
// carry (nil: the run did not touch state), or conflicted when a read
// found the circle moved on and the task must be run again. The writes go
// into the cache at once, as pending, for the batch's next runs.
func (b *taskBinding) commitOf(attempt string) (sc *stateCommit, conflicted bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done = true
	if b.conflict {
		return nil, true
	}
	if !b.touched {
		return nil, false
	}
	sc = &stateCommit{attempt: attempt, ver: b.ver, lease: b.lease, writes: b.writes, assumed: b.assumed}
	b.loop.pending++
	if len(b.writes) > 0 {
		sc.id = b.store.commitID()
		if c := b.loop.c; c != nil && c.valid && !c.apply(sc.id, b.writes) {
			c.invalidate()
		}
	}
	return sc, false
}

// commitID is a version no other commit has: this store's id and a count.
func (s *StateStore) commitID() string {
	return s.id + "." + strconv.FormatUint(s.seq.Add(1), 10)
}

// Lua helpers of the state scripts. smeta reads a circle's meta;
// sapply applies nw writes (op, key, value from args[from]) and updates
// the meta: version becomes id (a name no other commit has), and the key
// and byte totals. Encoded values are
// never empty, so HSTRLEN 0 means absent.
const luaState = `
local function smeta(m)
  local r = redis.call('HMGET', m, 'version', 'keys', 'bytes')
  return r[1] or '0', r[2] or '0', r[3] or '0'
end
local function sapply(s, z, m, args, from, nw, id)
  local dk, db = 0, 0
  local a = from
  for _ = 1, nw do
    local op, k, v = args[a], args[a + 1], args[a + 2]
    a = a + 3
    local old = redis.call('HSTRLEN', s, k)
    if op == 'D' then
      if old > 0 then
        redis.call('HDEL', s, k)
        redis.call('ZREM', z, k)
        dk = dk - 1
        db = db - #k - old
      end
    else
      redis.call('HSET', s, k, v)
      if old > 0 then
        db = db + #v - old
      else
        redis.call('ZADD', z, 0, k)
        dk = dk + 1
        db = db + #k + #v
      end
    end
  end
  redis.call('HSET', m, 'version', id)
  if dk ~= 0 then redis.call('HINCRBY', m, 'keys', dk) end
  if db ~= 0 then redis.call('HINCRBY', m, 'bytes', db) end
end
`

// luaStateStep is the state part of stepScript. swrite applies the nw
// writes (op, key, value from args[from]) of one run to the values hash s
// and the key index z, with one HSET, one ZADD and one HDEL/ZREM for the
// lot rather than a few calls per key (a Tx writes each key once, so the
// keys are distinct), and returns the change of the key and byte totals;
// the step keeps the meta in locals and writes it once. A key in absent
// was checked absent by the step just before (HEXISTS), so its old length
// is not read again.
const luaStateStep = `
local function sflush(cmd, key, t)
  for i = 1, #t, 512 do
    redis.call(cmd, key, unpack(t, i, math.min(i + 511, #t)))
  end
end
local function swrite(s, z, args, from, nw, absent)
  local dk, db = 0, 0
  local sets, adds, dels = {}, {}, {}
  local a = from
  for _ = 1, nw do
    local op, k, v = args[a], args[a + 1], args[a + 2]
    a = a + 3
    local old = 0
    if not absent[k] then old = redis.call('HSTRLEN', s, k) end
    if op == 'D' then
      if old > 0 then
        dels[#dels + 1] = k
        dk = dk - 1
        db = db - #k - old
      end
    else
      sets[#sets + 1] = k
      sets[#sets + 1] = v
      if old > 0 then
        db = db + #v - old
      else
        adds[#adds + 1] = 0
        adds[#adds + 1] = k
        dk = dk + 1
        db = db + #k + #v
      end
    end
  end
  if #dels > 0 then
    sflush('HDEL', s, dels)
    sflush('ZREM', z, dels)
  end
  if #sets > 0 then sflush('HSET', s, sets) end
  if #adds > 0 then sflush('ZADD', z, adds) end
  return dk, db
end
`

// stateGetScript reads one value with the circle's meta. KEYS: values,
// meta, lease. ARGV: key, lease owner ("" none), lease TTL ms. Returns
// {version, keys, bytes, value or nil, wait}. With an owner, it takes the
// lease when it is free, or renews it when it is the owner's; wait is the
// lease's remaining ms when another holds it (0 otherwise).
var stateGetScript = newScript(luaState + `
local wait = 0
if ARGV[2] ~= '' then
  local h = redis.call('GET', KEYS[3])
  if not h then
    redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
  elseif h == ARGV[2] then
    redis.call('PEXPIRE', KEYS[3], ARGV[3])
  else
    wait = math.max(redis.call('PTTL', KEYS[3]), 1)
  end
end
local v, k, b = smeta(KEYS[2])
return {v, k, b, redis.call('HGET', KEYS[1], ARGV[1]), wait}
`)

// stateScanScript reads up to ARGV[3] keys between ARGV[1] and ARGV[2]
// (ZRANGEBYLEX bounds) with their values and the meta. KEYS: values,
// ordered keys, meta. Returns {version, keys, bytes, k1, v1, k2, v2, ...}.
var stateScanScript = newScript(luaState + `
local v, k, b = smeta(KEYS[3])
local out = {v, k, b}
local ks = redis.call('ZRANGEBYLEX', KEYS[2], ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
if #ks > 0 then
  local vs = redis.call('HMGET', KEYS[1], unpack(ks))
  for i = 1, #ks do
    out[#out + 1] = ks[i]
    out[#out + 1] = vs[i]
  end
end
return out
`)

// stateCommitScript commits a transaction outside a task. KEYS: values,
// ordered keys, meta, lease. ARGV: the version read ("" when nothing was
// read), the new version, then the writes (op, key, value). Returns 1, or
// 0 when the version moved on (conflict).
var stateCommitScript = newScript(luaState + `
local v = smeta(KEYS[3])
if ARGV[1] ~= '' and v ~= ARGV[1] then return 0 end
sapply(KEYS[1], KEYS[2], KEYS[3], ARGV, 3, (#ARGV - 2) / 3, ARGV[2])
return 1
`)

// stateArgs appends a task answer's state section to a step's ARGV: "-1"
// without state, else the number of writes, the claim's attempt, the
// version read, the lease owner, the new version, the
// number of keys taken to be absent and those keys, and the writes.
func stateArgs(args []string, sc *stateCommit) []string {
	if sc == nil {
		return append(args, "-1")
	}
	args = append(args, strconv.Itoa(len(sc.writes)), sc.attempt, sc.ver, sc.lease, sc.id, strconv.Itoa(len(sc.assumed)))
	args = append(args, sc.assumed...)
	out, err := appendWrites(args, sc.writes)
	if err != nil { // refused by taskSession.Commit already
		panic(err)
	}
	return out
}

// stateOutcomes decodes the first element of stepScript's reply: the meta
// after the step, then per task with state its id and outcome.
func stateOutcomes(m rueidis.RedisMessage) (snapshot, map[string]string, error) {
	vals, err := m.ToArray()
	if err != nil {
		return snapshot{}, nil, fmt.Errorf("failed to decode step outcomes: %w", err)
	}
	if len(vals) == 0 {
		return snapshot{}, nil, nil
	}
	sn, err := readMeta(vals)
	if err != nil {
		return sn, nil, err
	}
	out := map[string]string{}
	for i := 3; i+1 < len(vals); i += 2 {
		id, err1 := vals[i].ToString()
		code, err2 := vals[i+1].ToString()
		if err := errors.Join(err1, err2); err != nil {
			return sn, nil, fmt.Errorf("failed to decode step outcome: %w", err)
		}
		out[id] = code
	}
	return sn, out, nil
}

// leaseOwner names a loop's claim on the lease: the loop, not the task,
// so that several runs of one batch that lost can share it.
func leaseOwner(worker string, l *loopTurn) string { return worker + "/" + l.id }
