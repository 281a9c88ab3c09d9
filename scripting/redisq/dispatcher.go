package redisq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/internal/ratelog"
	"github.com/circles-actor/circles-actor/scripting"
)

// Options configure a Dispatcher. The zero value is the default for every
// field.
type Options struct {
	// ProcessID names this process's reply list, rhai_reply:{ProcessID}.
	// Default: "host-pid-random", unique per process.
	ProcessID string
	// QueueMaxLen bounds the pending tasks of one circle queue; Dispatch
	// beyond it fails with scripting.ErrQueueFull. Default 0: unbounded.
	QueueMaxLen int
	// DefaultTimeout is the budget of a task whose Timeout is 0. Default 30s.
	DefaultTimeout time.Duration
	// Grace is added to a task's timeout before Dispatch gives up waiting,
	// to cover queueing and the round trips. Default 2s.
	Grace time.Duration
	// Retention is how long a task hash lives: unanswered hashes always
	// expire after it, answered ones are kept that long only with
	// PreserveTasks. Default 24h.
	Retention time.Duration
	// PreserveTasks keeps answered task hashes (for inspection) until
	// Retention instead of deleting them when the reply arrives.
	PreserveTasks bool
	// CommandTimeout bounds each Redis command of Dispatch and Ready, so a
	// dead Redis gives ErrQueueUnreachable quickly. Default 2s.
	CommandTimeout time.Duration
	// RecoveryInterval is how often this process tries to requeue the tasks
	// of dead workers. Default 5s; negative disables recovery here.
	RecoveryInterval time.Duration
	// StatsInterval is how often queue statistics of StatsCircles (or of
	// every discovered circle) are logged at debug level. Default 30s;
	// negative disables. Nothing is queried unless debug logging is on.
	StatsInterval time.Duration
	// StatsCircles are the circles whose statistics are logged.
	StatsCircles []string
	// Logger receives errors and statistics. Default slog.Default().
	Logger *slog.Logger
	// MinReplicas, when positive, makes every reply wait until that many
	// replicas have everything written before it (WAIT after the read of
	// a batch of replies: replication is in order, so the tasks' answers
	// and their state commits are on the replicas too). A batch not
	// confirmed within ReplicaTimeout fails its plays instead of
	// answering what a failover could take back.
	MinReplicas int
	// ReplicaTimeout bounds that wait. Default 1s.
	ReplicaTimeout time.Duration
}

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.ProcessID == "" {
		c.ProcessID = processName()
	}
	if c.DefaultTimeout <= 0 {
		c.DefaultTimeout = 30 * time.Second
	}
	if c.Grace <= 0 {
		c.Grace = 2 * time.Second
	}
	if c.Retention <= 0 {
		c.Retention = 24 * time.Hour
	}
	if c.CommandTimeout <= 0 {
		c.CommandTimeout = 2 * time.Second
	}
	if c.ReplicaTimeout <= 0 {
		c.ReplicaTimeout = time.Second
	}
	if c.RecoveryInterval == 0 {
		c.RecoveryInterval = 5 * time.Second
	}
	if c.StatsInterval == 0 {
		c.StatsInterval = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Dispatcher is the Redis scripting.Dispatcher: Dispatch enqueues a task on
// rhai_tasks:{circle} and waits for its reply on this process's reply list,
// which one background loop reads and routes by task id. All methods are safe
// for concurrent use.
type Dispatcher struct {
	client     rueidis.Client
	ownsClient bool
	opts       Options
	replyKey   string
	waiters    *waiters
	log        *slog.Logger
	beat       *serverBeat // rhai_server:{ProcessID}
	keys       Keyspace    // single-node or Cluster key names

	noBLMPOP atomic.Bool                // the server has no BLMPOP (Redis < 7)
	fault    atomic.Pointer[FaultError] // the last permanent fault seen, until a command succeeds
	answered chan string                // task ids whose hashes the janitor deletes
	pending  chan enqueueReq            // tasks for the enqueuer

	replicaLog *ratelog.Limiter // unconfirmed answers: one line per interval
	// nodes are the Sentinel masters the reply reader read from: a task
	// queued on one it left is answered where nobody reads (failedOver).
	enqNode string // the Sentinel master of the enqueuer's last batch (enqueuer only)
	nodes   struct {
		sync.Mutex
		cur  string          // read now ("" not known, or no Sentinel)
		left map[string]bool // read before, not now
	}

	stop   context.CancelFunc
	done   chan struct{} // closed by Close
	wg     sync.WaitGroup
	closed sync.Once
}

var _ scripting.Dispatcher = (*Dispatcher)(nil)

// NewDispatcher starts a dispatcher on client (which the caller keeps
// owning) and its background loops: the reply reader, recovery and
// statistics. Stop it with Close.
func NewDispatcher(client rueidis.Client, opts *Options) *Dispatcher {
	o := opts.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	d := &Dispatcher{
		client:   client,
		opts:     o,
		replyKey: ReplyKey(o.ProcessID),
		waiters:  newWaiters(),
		beat:     newServerBeat(o.ProcessID, ReplyKey(o.ProcessID)),
		keys:     KeysFor(client),
		log:      o.Logger.With("component", "redisq.dispatcher"),
		stop:     cancel,
		done:     make(chan struct{}),
		answered: make(chan string, 4096),
		pending:  make(chan enqueueReq, enqueueBatch),

		replicaLog: ratelog.New(5 * time.Second),
	}
	d.goLoop(func() { d.replyLoop(ctx) })
	d.goLoop(func() { d.enqueuer(ctx) })
	d.goLoop(func() { d.serverBeatLoop(ctx) })
	if !o.PreserveTasks {
		d.goLoop(func() { d.janitor(ctx) })
	}
	if o.RecoveryInterval > 0 {
		r := &Recoverer{Client: client, Owner: o.ProcessID, Logger: o.Logger}
		d.goLoop(func() { r.Run(ctx, o.RecoveryInterval) })
	}
	if o.StatsInterval > 0 {
		d.goLoop(func() { logStatsLoop(ctx, client, o.StatsCircles, o.StatsInterval, d.log) })
	}
	return d
}

// Dial connects to redisURL (see NewClient) and starts a dispatcher that
// owns the client and closes it on Close.
func Dial(redisURL string, opts *Options) (*Dispatcher, error) {
	c, err := NewClient(redisURL)
	if err != nil {
		return nil, err
	}
	d := NewDispatcher(c, opts)
	d.ownsClient = true
	return d, nil
}

func (d *Dispatcher) goLoop(f func()) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		f()
	}()
}

// Client is the Redis client the dispatcher uses.
func (d *Dispatcher) Client() rueidis.Client { return d.client }

// ReplyKey is the list this process reads replies from.
func (d *Dispatcher) ReplyKey() string { return d.replyKey }

// Dispatch enqueues t and waits for its result. It returns
// scripting.ErrUnavailable (wrapped) when the task could not run: as
// scripting.ErrQueueUnreachable when Redis cannot be reached or is lost
// while waiting, as scripting.ErrQueueFull when the circle's queue is at
// QueueMaxLen, as itself when the dispatcher is closed;
// scripting.ErrTimeout when no answer came within t's timeout plus Grace (a
// task no worker took by then is taken back out of the queue, best effort);
// ctx's error when ctx ends first.
func (d *Dispatcher) Dispatch(ctx context.Context, t scripting.Task) (scripting.Result, error) {
	ch := make(chan outcome, 1)
	d.DispatchAsync(ctx, t, func(res scripting.Result, err error) { ch <- outcome{res: res, err: err} })
	o := <-ch
	return o.res, o.err
}

var _ scripting.AsyncDispatcher = (*Dispatcher)(nil)

// DispatchAsync is Dispatch with the result handed to done, so that a
// waiting task holds no goroutine: the reply loop calls done, or a timer or
// the context's end does. done runs once, on any goroutine (before
// DispatchAsync returns when the task is refused at once), and must not
// block.
func (d *Dispatcher) DispatchAsync(ctx context.Context, t scripting.Task, done func(scripting.Result, error)) {
	select {
	case <-d.done:
		done(scripting.Result{}, fmt.Errorf("failed to dispatch task: dispatcher closed: %w", scripting.ErrUnavailable))
		return
	default:
	}
	if t.CircleID == "" {
		done(scripting.Result{}, errors.New("failed to dispatch task: no circle"))
		return
	}
	if t.ID == "" {
		t.ID = newID() + newID()
	}
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = d.opts.DefaultTimeout
	}
	now := time.Now()
	fields, err := taskFields(t, d.replyKey, timeout, now, now.Add(timeout+d.opts.Grace), d.opts.PreserveTasks)
	if err != nil {
		done(scripting.Result{}, err)
		return
	}
	fields = append(fields, FieldServer, d.opts.ProcessID)
	wait := timeout + d.opts.Grace
	w := &waiter{task: scripting.Task{ID: t.ID, CircleID: t.CircleID}, done: done}
	onTimeout := func(w *waiter) {
		d.finish(w, outcome{err: fmt.Errorf("failed to get a result for task %s within %s: %w", w.task.ID, wait, scripting.ErrTimeout)})
	}
	onCtx := func(w *waiter) { d.finish(w, outcome{err: ctx.Err()}) }
	if !d.waiters.add(ctx, w, wait, onTimeout, onCtx) {
		done(scripting.Result{}, fmt.Errorf("failed to dispatch task %s: id already in flight", t.ID))
		return
	}
	select {
	case <-d.done: // Close may have failed the waiters before this one was added
		d.deliver(t.ID, outcome{notQueued: true, err: fmt.Errorf("failed to dispatch task: dispatcher closed: %w", scripting.ErrUnavailable)})
		return
	default:
	}
	r := enqueueReq{id: t.ID, circle: t.CircleID, fields: fields}
	select {
	case d.pending <- r:
	default: // the enqueuer is behind: wait for it off the caller's goroutine
		go d.submit(ctx, r)
	}
}

// submit hands r to the enqueuer when it is behind (Redis slow or gone),
// waiting one CommandTimeout at most, so that a hung Redis gives
// ErrQueueUnreachable as quickly as a refused connection does.
func (d *Dispatcher) submit(ctx context.Context, r enqueueReq) {
	wait := time.NewTimer(d.opts.CommandTimeout)
	defer wait.Stop()
	var err error
	select {
	case d.pending <- r:
		return
	case <-wait.C:
		err = fmt.Errorf("failed to enqueue task %s: redis did not take tasks for %s: %w", r.id, d.opts.CommandTimeout, scripting.ErrQueueUnreachable)
	case <-ctx.Done():
		err = ctx.Err()
	case <-d.done:
		err = fmt.Errorf("failed to dispatch task: dispatcher closed: %w", scripting.ErrUnavailable)
	}
	d.deliver(r.id, outcome{notQueued: true, err: err})
}

// deliver ends the wait for id with o (a result, or a failure before the
// task was queued) and reports whether anybody waited.
func (d *Dispatcher) deliver(id string, o outcome) bool {
	w := d.waiters.take(id)
	if w == nil {
		return false
	}
	d.finish(w, o)
	return true
}

// finish hands o to a waiter already taken out of the waiters. A task that
// failed after it was queued is first withdrawn, best effort, so that no
// worker spends a run on it: that is a round trip, so only the timer, the
// context hook and failAll, on goroutines of their own, pass such an o.
func (d *Dispatcher) finish(w *waiter, o outcome) {
	if o.err != nil && !o.notQueued {
		d.cancel(w.task)
	}
	w.done(o.res, o.err)
}

// failAll ends every wait with o, off the caller's goroutine when the
// tasks must be withdrawn.
func (d *Dispatcher) failAll(o outcome) {
	for _, w := range d.waiters.takeAll() {
		if o.notQueued {
			d.finish(w, o)
		} else {
			go d.finish(w, o)
		}
	}
}

// enqueueReq is a task waiting for the enqueuer: its id, circle and hash
// fields.
type enqueueReq struct {
	id, circle string
	fields     []string
}

// enqueueBatch bounds the tasks written in one round trip.
const enqueueBatch = 256

// enqueuer writes waiting tasks to Redis until ctx ends: one goroutine on
// one dedicated connection, taking every task that arrived while the last
// batch was in flight (group commit), so that a burst of plays costs one
// round trip instead of one each, and a caller is woken once, by its
// answer or by the enqueue's failure, not also by the enqueue's success.
func (d *Dispatcher) enqueuer(ctx context.Context) {
	conn := &syncConn{client: d.client, stop: ctx}
	defer conn.release()
	batch := make([]enqueueReq, 0, enqueueBatch)
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-d.pending:
			batch = append(batch[:0], r)
		}
	more:
		for len(batch) < cap(batch) {
			select {
			case r := <-d.pending:
				batch = append(batch, r)
			default:
				break more
			}
		}
		d.enqueue(ctx, conn, batch)
	}
}

// enqueue writes a batch in one MULTI/EXEC transaction (atomic, one round
// trip, no script): per task, the hash, its TTL, and the id pushed on its
// circle's queue. Tasks whose caller stopped waiting meanwhile are left
// out. A task that took its queue past QueueMaxLen is withdrawn again and
// refused, unless a worker took it meanwhile, in which case it runs as
// usual. Failures reach the callers through their waiters.
func (d *Dispatcher) enqueue(ctx context.Context, conn *syncConn, batch []enqueueReq) {
	live := batch[:0]
	for _, r := range batch {
		if d.waiters.has(r.id) {
			live = append(live, r)
		}
	}
	if len(live) == 0 {
		return
	}
	if d.keys.Cluster { // one transaction per circle's slot (cluster.go)
		d.enqueueCluster(ctx, live)
		return
	}
	c := conn.get()
	if conn.node != d.enqNode { // a new master (Sentinel) has no heartbeat of this server
		d.enqNode = conn.node
		d.beat.invalidate(false)
	}
	ttl := max(d.opts.Retention.Milliseconds(), 1)
	cmds := make(rueidis.Commands, 0, 3+3*len(live))
	cmds = append(cmds, c.B().Multi().Build())
	beatAt := time.Now()
	beat := d.beat.stale(beatAt) // no task is queued without a live heartbeat behind it
	off := 0
	if beat {
		cmds = append(cmds, d.beat.cmd(c))
		off = 1
	}
	for _, r := range live {
		dk := DetailsKey(r.id)
		hset := c.B().Hset().Key(dk).FieldValue()
		for i := 0; i+1 < len(r.fields); i += 2 {
			hset = hset.FieldValue(r.fields[i], r.fields[i+1])
		}
		cmds = append(cmds, hset.Build(), c.B().Pexpire().Key(dk).Milliseconds(ttl).Build(),
			c.B().Lpush().Key(TasksKey(r.circle)).Element(r.id).Build())
	}
	cmds = append(cmds, c.B().Exec().Build())
	cctx, cancel := context.WithTimeout(ctx, d.opts.CommandTimeout)
	defer cancel()
	res := c.DoMulti(cctx, cmds...)
	var err error
	for _, r := range res {
		if err = r.Error(); err != nil {
			break
		}
	}
	var replies []rueidis.RedisMessage
	if err == nil {
		if replies, err = res[len(res)-1].ToArray(); err == nil && len(replies) != off+3*len(live) {
			err = fmt.Errorf("EXEC returned %d replies for %d tasks", len(replies), len(live))
		}
	}
	if err != nil {
		conn.failed(err)
		d.enqueueFailed(ctx, err, live, true)
		return
	}
	d.fault.Store(nil)
	if beat {
		d.beat.refreshed(beatAt)
	}
	if conn.node != "" {
		d.queuedOn(live, conn.node)
	}
	for i, r := range live {
		depth, err := replies[off+3*i+2].AsInt64()
		if err != nil {
			d.deliver(r.id, outcome{notQueued: true,
				err: fmt.Errorf("failed to enqueue task %s: %w: %w", r.id, err, scripting.ErrQueueUnreachable)})
			continue
		}
		if d.opts.QueueMaxLen > 0 && depth > int64(d.opts.QueueMaxLen) {
			// Off the enqueuer: under a flood at the cap, one round trip per
			// refused task must not hold up the other circles' tasks.
			d.goLoop(func() { d.refuse(r) })
		}
	}
}

// queuedOn records the Sentinel master a batch was queued on, and fails
// the batch at once when the reply reader has left that node: its answers
// would go to a list nobody reads. (A node the reader has not reached yet
// is fine: it is the new master, and the reader gets there.) Recorded
// before the reader's nodes are looked at, and the reader notes a node it
// leaves before it sweeps (failedOver), so one of the two always catches
// a task queued on the old master.
func (d *Dispatcher) queuedOn(live []enqueueReq, node string) {
	ids := make([]string, len(live))
	for i, r := range live {
		ids[i] = r.id
	}
	ids = d.waiters.queuedOn(ids, node)
	d.nodes.Lock()
	gone := d.nodes.left[node]
	d.nodes.Unlock()
	if gone {
		for _, id := range ids {
			if w := d.waiters.take(id); w != nil {
				go d.finish(w, outcome{err: failedOverErr()})
			}
		}
	}
}

// failedOver is the reply reader reading from node, with Sentinel: when
// that is a new master (a failover), tasks queued on the old one (before
// it died, or on it back from the dead before this process saw the
// switch) may be gone with it, and their answers would go to a list
// nobody reads, so their callers fail now instead of waiting out their
// timeout.
func (d *Dispatcher) failedOver(node string) {
	d.nodes.Lock()
	if node == "" || node == d.nodes.cur {
		d.nodes.Unlock()
		return
	}
	old := d.nodes.cur
	d.nodes.cur = node
	if d.nodes.left == nil {
		d.nodes.left = map[string]bool{}
	}
	delete(d.nodes.left, node)
	if old != "" {
		d.nodes.left[old] = true
	}
	left := maps.Clone(d.nodes.left)
	d.nodes.Unlock()
	if old == "" {
		return
	}
	ws := d.waiters.takeQueuedOn(left)
	d.log.Warn("redis master changed (Sentinel failover); failing the tasks queued on the old one", "tasks", len(ws))
	for _, w := range ws {
		go d.finish(w, outcome{err: failedOverErr()})
	}
}

func failedOverErr() error {
	return fmt.Errorf("lost redis while waiting: the master failed over before the answer came: %w", scripting.ErrQueueUnreachable)
}

// refuse withdraws a task that overfilled its queue and fails its caller,
// unless a worker took it first, in which case it runs as usual.
func (d *Dispatcher) refuse(r enqueueReq) {
	ctx, cancel := context.WithTimeout(context.Background(), d.opts.CommandTimeout)
	defer cancel()
	if !d.withdraw(ctx, r) {
		return
	}
	d.deliver(r.id, outcome{notQueued: true,
		err: fmt.Errorf("failed to enqueue task %s: queue of circle %.8s is full (%d): %w",
			r.id, r.circle, d.opts.QueueMaxLen, scripting.ErrQueueFull)})
}

// withdraw takes a task that overfilled its queue back out and deletes its
// hash; false means a worker took it first (or Redis failed), so it stays.
func (d *Dispatcher) withdraw(ctx context.Context, r enqueueReq) bool {
	n, err := cancelScript.exec(ctx, d.client, []string{d.keys.Tasks(r.circle), d.keys.Details(r.circle, r.id)},
		[]string{r.id, "1", now(), ""}).AsInt64()
	return err == nil && n == 1
}

// cancel takes a task nobody waits for any more out of its queue if no
// worker took it yet, best effort: with Redis down the task stays queued
// and its eventual reply is dropped.
func (d *Dispatcher) cancel(t scripting.Task) {
	ctx, cancel := context.WithTimeout(context.Background(), d.opts.CommandTimeout)
	defer cancel()
	del := "0"
	if !d.opts.PreserveTasks {
		del = "1"
	}
	err := cancelScript.exec(ctx, d.client, []string{d.keys.Tasks(t.CircleID), d.keys.Details(t.CircleID, t.ID)},
		[]string{t.ID, del, now(), "abandoned by its caller before a worker took it"}).Error()
	if err != nil {
		d.log.Debug("failed to withdraw task", "task", t.ID, "err", err)
	}
}

// Ready pings Redis.
func (d *Dispatcher) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, d.opts.CommandTimeout)
	defer cancel()
	if err := d.client.Do(ctx, d.client.B().Ping().Build()).Error(); err != nil {
		if fe := d.noteFault(err); fe != nil {
			return fe
		}
		return fmt.Errorf("failed to ping redis: %w", err)
	}
	d.fault.Store(nil)
	return nil
}

// noteFault returns the permanent fault err shows and remembers it; for an
// error that shows none (a connection the fault's change cut, a timeout) it
// returns the fault remembered since the last success, if any, so that a
// play says what is wrong rather than "unreachable".
func (d *Dispatcher) noteFault(err error) *FaultError {
	if fe := Fault(err); fe != nil {
		d.fault.Store(fe)
		return fe
	}
	return d.fault.Load()
}

// QueueStats reports queue depth, active tasks and live workers of circles
// (all discovered circles when empty).
func (d *Dispatcher) QueueStats(ctx context.Context, circles []string) ([]CircleStats, error) {
	return QueueStats(ctx, d.client, circles)
}

// Close stops the loops, fails pending Dispatch calls with ErrUnavailable
// and closes the client if the dispatcher owns it.
func (d *Dispatcher) Close() error {
	d.closed.Do(func() {
		close(d.done)
		d.stop()
		d.wg.Wait()
		d.failAll(outcome{notQueued: true, err: fmt.Errorf("dispatcher closed: %w", scripting.ErrUnavailable)})
		if d.ownsClient {
			d.client.Close()
		}
	})
	return nil
}

// replyLoop reads the reply list until the dispatcher closes. When Redis
// fails (an error other than a timeout) it ends every pending wait with
// ErrQueueUnreachable (their tasks may be gone with it) and retries with
// backoff.
func (d *Dispatcher) replyLoop(ctx context.Context) {
	conn := &syncConn{client: d.client, stop: ctx}
	defer conn.release()
	var bo backoff
	down := false
	for ctx.Err() == nil {
		err := d.readReplies(ctx, conn)
		if err != nil {
			conn.failed(err)
		}
		if err == nil {
			if down {
				d.log.Info("redis reachable again; replies flowing")
				d.beat.invalidate(true) // a restarted Redis lost the heartbeat
				down = false
			}
			bo.reset()
			continue
		}
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, context.DeadlineExceeded) {
			// Slow, not gone (an overloaded host or Redis): waiters keep their
			// own deadlines rather than failing all at once.
			d.log.Debug("reading replies timed out; retrying", "err", err)
			continue
		}
		if !down {
			d.log.Warn("failed to read replies; failing waiting tasks", "err", err)
			down = true
		}
		d.beat.invalidate(false)
		if fe := d.noteFault(err); fe != nil {
			err = fe
		}
		d.failAll(outcome{err: fmt.Errorf("lost redis while waiting: %w: %w", scripting.ErrQueueUnreachable, err)})
		bo.waitOn(ctx, d.client)
	}
}

// replyBatch is how many replies are drained per LPOP after a BLPOP.
const replyBatch = 128

// readReplies waits for replies and routes them. On Redis 7 one BLMPOP
// returns up to replyBatch of them; older servers get BLPOP and then LPOP
// to drain.
func (d *Dispatcher) readReplies(ctx context.Context, conn *syncConn) error {
	c := conn.get()
	d.failedOver(conn.node)
	if !d.noBLMPOP.Load() {
		bctx, cancel := context.WithTimeout(ctx, blockCallTimeout)
		kv, err := c.Do(bctx, c.B().Blmpop().Timeout(blockSeconds).Numkeys(1).Key(d.replyKey).
			Left().Count(replyBatch).Build()).AsLMPop()
		cancel()
		switch {
		case rueidis.IsRedisNil(err):
			return nil
		case err == nil:
			d.confirmed(ctx, c, kv.Values)
			return nil
		case isUnknownCommand(err):
			d.noBLMPOP.Store(true)
		default:
			return err
		}
	}
	bctx, cancel := context.WithTimeout(ctx, blockCallTimeout)
	kv, err := c.Do(bctx, c.B().Blpop().Key(d.replyKey).Timeout(blockSeconds).Build()).AsStrSlice()
	cancel()
	if rueidis.IsRedisNil(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(kv) != 2 {
		return fmt.Errorf("failed to read reply: BLPOP returned %d items", len(kv))
	}
	d.confirmed(ctx, c, kv[1:])
	for {
		cctx, cancel := context.WithTimeout(ctx, d.opts.CommandTimeout)
		batch, err := c.Do(cctx, c.B().Lpop().Key(d.replyKey).Count(replyBatch).Build()).AsStrSlice()
		cancel()
		if rueidis.IsRedisNil(err) || (err == nil && len(batch) == 0) {
			return nil
		}
		if err != nil {
			return err
		}
		d.confirmed(ctx, c, batch)
		if len(batch) < replyBatch {
			return nil
		}
	}
}

// confirmed delivers payloads once MinReplicas replicas have all that was
// written before this connection's read of them, or fails their plays.
func (d *Dispatcher) confirmed(ctx context.Context, c rueidis.DedicatedClient, payloads []string) {
	if d.opts.MinReplicas <= 0 || len(payloads) == 0 {
		d.handleReplies(ctx, payloads)
		return
	}
	wctx, cancel := context.WithTimeout(ctx, d.opts.ReplicaTimeout+d.opts.CommandTimeout)
	n, err := c.Do(wctx, c.B().Wait().Numreplicas(int64(d.opts.MinReplicas)).
		Timeout(d.opts.ReplicaTimeout.Milliseconds()).Build()).AsInt64()
	cancel()
	if err == nil && n >= int64(d.opts.MinReplicas) {
		d.handleReplies(ctx, payloads)
		return
	}
	why := fmt.Errorf("%w: the answer reached %d of the %d Redis replicas it must be on within %s, so a failover could lose it",
		scripting.ErrUnavailable, n, d.opts.MinReplicas, d.opts.ReplicaTimeout)
	if err != nil {
		why = fmt.Errorf("%w: failed to confirm the answer on a Redis replica: %w", scripting.ErrUnavailable, err)
	}
	d.replicaLog.Log(ctx, d.log, slog.LevelWarn, "unconfirmed", "failing plays whose answers no replica confirmed", "err", why)
	for _, p := range payloads {
		if rep, err := DecodeReply(p); err == nil {
			d.deliver(rep.TaskID, outcome{err: why})
		}
	}
}

// isUnknownCommand reports a server too old for a command.
func isUnknownCommand(err error) bool {
	var re *rueidis.RedisError
	return errors.As(err, &re) && strings.Contains(strings.ToLower(re.Error()), "unknown command")
}

// handleReplies delivers each payload to its waiter and, unless tasks are
// preserved or the worker already deleted the hash with its answer, hands
// the answered task ids to the janitor for deletion.
func (d *Dispatcher) handleReplies(_ context.Context, payloads []string) {
	for _, p := range payloads {
		rep, err := DecodeReply(p)
		if err != nil {
			d.log.Warn("dropping malformed reply", "err", err)
			continue
		}
		if !d.deliver(rep.TaskID, outcome{res: rep.Result()}) {
			d.log.Debug("dropping reply nobody waits for (late or duplicate)", "task", rep.TaskID)
		}
		// A worker that predates preserve "0" left the hash (never on a
		// Cluster, whose workers all know it; there the janitor would not
		// know the hash's circle).
		if !d.opts.PreserveTasks && !rep.Deleted && !d.keys.Cluster {
			select {
			case d.answered <- rep.TaskID:
			default: // janitor behind: the hash expires after Retention anyway
			}
		}
	}
}

// janitorBatch bounds the DELs sent in one pipeline.
const janitorBatch = 256

// janitor deletes answered task hashes that a worker older than the
// preserve field left behind, off the reply path, so that deleting never
// delays the next reply.
func (d *Dispatcher) janitor(ctx context.Context) {
	cmds := make(rueidis.Commands, 0, janitorBatch)
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-d.answered:
			cmds = append(cmds[:0], d.client.B().Del().Key(DetailsKey(id)).Build())
		}
	drain:
		for len(cmds) < janitorBatch {
			select {
			case id := <-d.answered:
				cmds = append(cmds, d.client.B().Del().Key(DetailsKey(id)).Build())
			default:
				break drain
			}
		}
		cctx, cancel := context.WithTimeout(ctx, d.opts.CommandTimeout)
		for _, r := range d.client.DoMulti(cctx, cmds...) {
			if err := r.Error(); err != nil {
				d.log.Debug("failed to delete answered task", "err", err)
				break
			}
		}
		cancel()
	}
}

// ms formats d in whole milliseconds, at least 1.
func ms(d time.Duration) string { return strconv.FormatInt(max(d.Milliseconds(), 1), 10) }

// now is the current time as written in task hashes.
func now() string { return time.Now().UTC().Format(timeLayout) }
