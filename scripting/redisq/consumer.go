package redisq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/internal/ratelog"
	"github.com/circles-actor/circles-actor/scripting"
)

// ConsumerOptions configure a Consumer. The zero value of each field is its
// default; Circles is required.
type ConsumerOptions struct {
	// Circles are the circle pks (canonical) whose queues are consumed.
	Circles []string
	// Concurrency is the number of tasks run at once per circle. Default 1,
	// so one worker process runs a circle's scripts one at a time, in order.
	Concurrency int
	// WorkerID names the processing list and heartbeat key. Default
	// "host-pid-random", unique per consumer.
	WorkerID string
	// HeartbeatTTL is the lease of the heartbeat key, refreshed every third
	// of it. A worker silent for this long is dead and its tasks are
	// requeued. Default 10s.
	HeartbeatTTL time.Duration
	// RecoveryInterval is how often this consumer tries to requeue the tasks
	// of dead workers. Default HeartbeatTTL/2; negative disables.
	RecoveryInterval time.Duration
	// Retention is how long an answered task hash is kept when its
	// dispatcher preserves tasks (preserve "1"); otherwise the answer
	// deletes it. Default 24h.
	Retention time.Duration
	// DefaultTimeout is the run budget of a task without timeout_ms.
	// Default 30s.
	DefaultTimeout time.Duration
	// CommandTimeout bounds each non-blocking Redis command. Default 2s.
	CommandTimeout time.Duration
	// StatsInterval is how often the queue statistics of Circles are
	// logged at debug level. Default 30s; negative disables. Nothing is
	// queried unless debug logging is on.
	StatsInterval time.Duration
	// MaxPrefetch bounds the tasks one loop takes per round trip when
	// scripts are quick (see prefetchBudget). Default 64; 1 disables.
	MaxPrefetch int
	// Logger receives errors and task events. Default slog.Default().
	Logger *slog.Logger
	// State, when set, is the state store the executor's engine uses
	// (scripting.WithState): a run that touches state then commits with its
	// task's answer, in one step (see StateStore).
	State *StateStore
}

func (o *ConsumerOptions) withDefaults() ConsumerOptions {
	var c ConsumerOptions
	if o != nil {
		c = *o
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 1
	}
	if c.WorkerID == "" {
		c.WorkerID = processName()
	}
	if c.HeartbeatTTL <= 0 {
		c.HeartbeatTTL = 10 * time.Second
	}
	if c.RecoveryInterval == 0 {
		c.RecoveryInterval = c.HeartbeatTTL / 2
	}
	if c.Retention <= 0 {
		c.Retention = 24 * time.Hour
	}
	if c.DefaultTimeout <= 0 {
		c.DefaultTimeout = 30 * time.Second
	}
	if c.CommandTimeout <= 0 {
		c.CommandTimeout = 2 * time.Second
	}
	if c.StatsInterval == 0 {
		c.StatsInterval = 30 * time.Second
	}
	if c.MaxPrefetch <= 0 {
		c.MaxPrefetch = 64
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// downLogInterval is how often the consumer logs a Redis failure that
// repeats (taking, claiming, answering, requeueing, heartbeats): once per
// interval and kind with a count, not once per task or loop.
const downLogInterval = 10 * time.Second

// replyTTL is the lifetime of a reply list after the last push, so the list
// of a dispatcher process that died does not stay forever.
const replyTTL = 5 * time.Minute

// stuckExecutorWait bounds how long Stop waits for an executor that ignores
// its cancelled context before giving up on it.
const stuckExecutorWait = 5 * time.Second

// Consumer is a Redis worker: for each circle it runs Concurrency loops that
// move task ids from rhai_tasks:{circle} into its processing list (BLMOVE),
// execute them and answer; a heartbeat key proves it alive. Start it once,
// Stop it once; Stop is safe from any goroutine.
type Consumer struct {
	client rueidis.Client
	exec   func(circle string) scripting.Executor
	opts   ConsumerOptions
	log    *slog.Logger

	takeCtx, runCtx, bgCtx    context.Context
	stopTake, stopRun, stopBg context.CancelFunc
	loops, bg                 sync.WaitGroup
	startOnce, stopOnce       sync.Once
	started                   time.Time
	servers                   serverWatch      // which callers' servers are gone (serverbeat.go)
	keys                      Keyspace         // single-node or Cluster key names
	pushLog                   *ratelog.Limiter // failed reply pushes (Cluster)
	downLog                   *ratelog.Limiter // the loops' "Redis lost/back" lines
}

// NewConsumer returns a consumer of opts.Circles that runs each task through
// exec(circle). It does nothing until Start. Each of its loops (circles ×
// Concurrency) holds a dedicated connection of client while it runs, so a
// client not made by NewClient needs a BlockingPoolSize at least that
// large.
func NewConsumer(client rueidis.Client, exec func(circle string) scripting.Executor, opts *ConsumerOptions) (*Consumer, error) {
	o := opts.withDefaults()
	if len(o.Circles) == 0 {
		return nil, errors.New("failed to create consumer: no circles")
	}
	c := &Consumer{client: client, exec: exec, opts: o,
		log:     o.Logger.With("component", "redisq.worker", "worker", o.WorkerID),
		servers: serverWatch{client: client}, downLog: ratelog.New(downLogInterval),
		keys: KeysFor(client), pushLog: ratelog.New(downLogInterval)}
	c.takeCtx, c.stopTake = context.WithCancel(context.Background())
	c.runCtx, c.stopRun = context.WithCancel(context.Background())
	c.bgCtx, c.stopBg = context.WithCancel(context.Background())
	return c, nil
}

// ID is the worker id (rhai_processing:{ID}, rhai_worker:{ID}; see
// Keyspace.Processing on a Cluster).
func (c *Consumer) ID() string { return c.opts.WorkerID }

// Start registers the worker and starts its loops. Redis being down is not
// an error: the loops retry with backoff until it returns.
func (c *Consumer) Start() {
	c.startOnce.Do(func() {
		c.started = time.Now().UTC()
		c.beat(c.bgCtx)
		c.goBg(c.heartbeatLoop)
		if c.opts.RecoveryInterval > 0 {
			r := &Recoverer{Client: c.client, Owner: c.opts.WorkerID, Logger: c.opts.Logger}
			c.goBg(func() { r.Run(c.bgCtx, c.opts.RecoveryInterval) })
		}
		if c.opts.StatsInterval > 0 {
			c.goBg(func() { logStatsLoop(c.bgCtx, c.client, c.opts.Circles, c.opts.StatsInterval, c.log) })
		}
		for _, circle := range c.opts.Circles {
			for range c.opts.Concurrency {
				exec := c.exec(circle)
				c.loops.Add(1)
				go func() {
					defer c.loops.Done()
					c.loop(circle, exec)
				}()
			}
		}
		c.log.Info("worker started", "circles", len(c.opts.Circles), "concurrency", c.opts.Concurrency)
	})
}

func (c *Consumer) goBg(f func()) {
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		f()
	}()
}

// Stop drains: no new tasks are taken, running ones finish. When ctx ends
// first, running tasks are cancelled and put back at the front of their
// queues for another worker. Then the worker unregisters, requeueing
// anything left in its processing list.
func (c *Consumer) Stop(ctx context.Context) error {
	var err error
	c.stopOnce.Do(func() {
		c.stopTake()
		done := make(chan struct{})
		go func() {
			c.loops.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-ctx.Done():
			c.stopRun()
			t := time.NewTimer(stuckExecutorWait)
			select {
			case <-done:
			case <-t.C:
				err = errors.New("failed to drain worker: an executor ignored cancellation")
			}
			t.Stop()
		}
		c.stopRun()
		c.stopBg()
		c.bg.Wait()
		if uerr := c.unregister(); uerr != nil && err == nil {
			err = uerr
		}
		c.log.Info("worker stopped")
	})
	return err
}

// claimed is a task a worker took: its id and hash; reruns counts the
// runs whose state commit lost to another's.
type claimed struct {
	id     string
	h      map[string]string
	reruns int
}

// attempt is the claim's attempts value as the claim wrote it.
func (t claimed) attempt() string {
	n, _ := strconv.Atoi(t.h[FieldAttempts])
	return strconv.Itoa(n + 1)
}

// ack is a finished task waiting to be answered.
type ack struct {
	id, replyTo string
	rep         Reply
	del         bool // the dispatcher wants the hash deleted with the answer
	// The run's state, committed with the answer (nil: none).
	state *stateCommit
	bind  *taskBinding
	task  claimed   // to run it again when its commit loses
	ended time.Time // when the run ended (runs with state only)
}

// maxStateReruns bounds how often a task whose state commit lost to other
// runs is run again before it fails with scripting.KindStateConflict.
const maxStateReruns = 64

// prefetchBudget is how much queueing delay prefetching may add to a task:
// a loop takes up to 1 + prefetchBudget/(last run time) tasks per round trip
// (at most MaxPrefetch), so quick scripts travel in batches while slow ones
// are taken one at a time and stay available to other workers. A batch's
// answers go out with the next take, so the budget also bounds how long an
// answer waits for the rest of its batch.
const prefetchBudget = 2 * time.Millisecond

// loop takes and runs tasks of one circle, in queue order, until Stop. It
// is one goroutine on one dedicated connection: while the queue holds
// tasks, each round trip answers the batch just run and takes the next
// (stepScript); an idle loop waits in BLMOVE. Every call is synchronous on
// the caller's goroutine, so a task costs no hand-offs between goroutines,
// which on a loaded machine cost more than the work itself.
func (c *Consumer) loop(circle string, exec scripting.Executor) {
	conn := &syncConn{client: c.client, stop: c.takeCtx}
	defer conn.release()
	var turn *loopTurn
	if c.opts.State != nil {
		turn = c.opts.State.turn(circle)
	}
	ob := c.newOutbox(circle)
	flush := newFlusher(c, circle, turn, ob)
	var (
		bo       backoff
		down     bool
		busy     = true // the queue may hold more tasks: take without blocking first
		held     []claimed
		done     []ack // run, not yet answered
		lastTook time.Duration
	)
	for c.takeCtx.Err() == nil {
		if len(held) == 0 {
			var err error
			var answered bool
			n := c.prefetch(lastTook)
			held, busy, answered, err = c.next(conn, ob, circle, done, busy, n)
			if answered {
				done = done[:0]
			}
			if err != nil {
				if !down && c.takeCtx.Err() == nil {
					// Every loop fails at once when Redis goes: one line per interval, with a count.
					c.downLog.Log(context.Background(), c.log, slog.LevelWarn, "take", "failed to take a task; retrying", "circle", circle, "err", err)
					down = true
				}
				bo.waitOn(c.takeCtx, c.client)
				continue
			}
			if down {
				c.downLog.Log(context.Background(), c.log, slog.LevelInfo, "again", "taking tasks again", "circle", circle)
				down = false
			}
			bo.reset()
			if len(held) == 0 {
				continue
			}
		}
		task := held[0]
		held = held[1:]
		start := time.Now()
		a, st, flushed := flush.run(task, exec, done)
		lastTook = time.Since(start)
		if flushed {
			done = done[:0]
		}
		switch st {
		case runDrained: // drain deadline: give back what is held, the interrupted task first in line
			c.answer(ob, circle, done)
			c.cleanOutbox(ob)
			c.requeueAll(circle, held)
			c.requeue(circle, task.id)
			return
		case runRefused: // the executor cannot run tasks now: give them back and pause
			c.requeueAll(circle, held)
			c.requeue(circle, task.id)
			held = nil
			bo.wait(c.takeCtx)
			continue
		}
		done = append(done, a)
	}
	c.answer(ob, circle, done)
	c.cleanOutbox(ob)
	c.requeueAll(circle, held) // taken while stopping
}

// flusher sends a loop's waiting answers on the side when a run lasts
// longer than prefetchBudget, so that a slow script in a batch does not hold
// back the answers of the quick ones before it. One timer per loop, re-armed
// for each run that has answers waiting.
type flusher struct {
	c      *Consumer
	ob     *outbox
	circle string
	turn   *loopTurn
	timer  *time.Timer
	done   []ack         // the answers waiting during the current run
	fired  chan struct{} // the timer's function sent done
}

func newFlusher(c *Consumer, circle string, turn *loopTurn, ob *outbox) *flusher {
	f := &flusher{c: c, ob: ob, circle: circle, turn: turn, fired: make(chan struct{}, 1)}
	f.timer = time.AfterFunc(time.Hour, func() {
		f.c.answer(f.ob, f.circle, f.done)
		f.fired <- struct{}{}
	})
	f.timer.Stop()
	return f
}

// run runs task like handle, sending done on the side if the run is slow;
// flushed reports that done was sent. Answers that carry state commits are
// never sent on the side: the loop must see how their commits went (a
// lost one is run again), so they wait for the loop's next step.
func (f *flusher) run(task claimed, exec scripting.Executor, done []ack) (a ack, st runStatus, flushed bool) {
	if len(done) == 0 || slices.ContainsFunc(done, func(a ack) bool { return a.state != nil }) {
		a, st = f.c.handle(f.turn, f.circle, task, exec)
		return a, st, false
	}
	f.done = done
	f.timer.Reset(prefetchBudget)
	a, st = f.c.handle(f.turn, f.circle, task, exec)
	if !f.timer.Stop() {
		<-f.fired
		flushed = true
	}
	f.done = nil
	return a, st, flushed
}

// prefetch is how many tasks to take at once after a run that took last.
func (c *Consumer) prefetch(last time.Duration) int {
	if c.opts.MaxPrefetch <= 1 || last <= 0 {
		return 1
	}
	return min(1+int(prefetchBudget/last), c.opts.MaxPrefetch)
}

// next answers done and returns the next tasks of circle (up to n),
// claimed, whether the queue may hold more, and whether done was answered.
// When busy or with answers to send, it first takes without blocking, in
// the round trip that answers; when that finds the queue empty it waits up
// to blockSeconds in BLMOVE for one (none: nil) and claims it together with
// up to n-1 more queued behind it. Stop interrupts the wait; a move that
// happened anyway leaves the id in the processing list, which Stop
// requeues.
func (c *Consumer) next(conn *syncConn, ob *outbox, circle string, done []ack, busy bool, n int) (got []claimed, more, answered bool, err error) {
	answered = len(done) == 0
	if busy || len(done) > 0 {
		if got, err = c.step(conn, ob, circle, done, "", n); err != nil {
			return nil, busy, false, err
		}
		if len(got) > 0 {
			return got, len(got) >= n, true, nil
		}
		answered = true
	}
	if c.takeCtx.Err() != nil {
		return nil, false, answered, nil
	}
	ctx, cancel := context.WithTimeout(c.takeCtx, blockCallTimeout)
	dc := conn.get()
	blmove := dc.B().Blmove().Source(c.keys.Tasks(circle)).
		Destination(c.keys.Processing(circle, c.opts.WorkerID)).Right().Left().Timeout(blockSeconds).Build()
	var id string
	if sent := ob.pushed(); len(sent) > 0 { // Cluster: drop the pushed replies from the outbox in the same round trip
		cmds := make(rueidis.Commands, 0, len(sent)+1)
		for _, e := range sent {
			cmds = append(cmds, dc.B().Lrem().Key(ob.key).Count(1).Element(e).Build())
		}
		res := dc.DoMulti(ctx, append(cmds, blmove)...)
		if err = res[0].Error(); err == nil {
			ob.clean()
		}
		id, err = res[len(res)-1].ToString()
	} else {
		id, err = dc.Do(ctx, blmove).ToString()
	}
	cancel()
	if rueidis.IsRedisNil(err) {
		return nil, false, answered, nil
	}
	if err != nil {
		conn.failed(err)
		return nil, false, answered, c.quiet(err)
	}
	if got, err = c.claim(conn, ob, circle, id, n-1); err != nil {
		return nil, false, answered, nil // left in the processing list for Stop
	}
	return got, len(got) >= n, answered, nil
}

// step runs stepScript on the loop's connection: answers done, claims
// claimID (if any) and takes up to more queued tasks.
func (c *Consumer) step(conn *syncConn, ob *outbox, circle string, done []ack, claimID string, more int) ([]claimed, error) {
	keys, args := c.stepArgs(ob, circle, done, claimID, more)
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.CommandTimeout)
	defer cancel()
	msgs, err := stepScript.exec(ctx, conn.get(), keys, args).ToArray()
	if err != nil {
		conn.failed(err)
		for _, a := range done {
			if a.bind != nil {
				a.bind.loop.release() // outcome unknown: the retry will tell
			}
		}
		return nil, err
	}
	ob.clean() // the step removed the outbox entries it was given
	if len(msgs) == 0 {
		return nil, fmt.Errorf("failed to decode step reply: empty")
	}
	rerun, outs, err := c.settle(circle, done, msgs[0])
	if err != nil {
		return nil, err
	}
	c.pushReplies(ob, done, outs)
	got, err := claimedList(msgs[1:])
	return append(rerun, got...), err
}

// settle applies the step's state outcomes to the answered tasks' bindings
// and returns the tasks to run again because their commit lost, and the
// outcomes by task id.
func (c *Consumer) settle(circle string, done []ack, m rueidis.RedisMessage) ([]claimed, map[string]string, error) {
	meta, outs, err := stateOutcomes(m)
	if err != nil {
		return nil, nil, err
	}
	c.observe(circle, done, outs)
	var rerun []claimed
	var turn *loopTurn
	allOK := true
	for _, a := range done {
		if a.state == nil {
			continue
		}
		out := outs[a.id]
		turn = a.bind.loop
		allOK = allOK && out == "ok"
		switch out {
		case "conflict":
			t := a.task
			t.reruns++
			rerun = append(rerun, t)
		case "stale":
			c.log.Info("dropping the answer of a task that is another run's now", "task", a.id)
		}
	}
	turn.end(allOK, meta)
	return rerun, outs, nil
}

// observe reports the answered tasks' state outcomes to the state store's
// hooks (StateStore.Observe).
func (c *Consumer) observe(circle string, done []ack, outs map[string]string) {
	h := c.opts.State.observers()
	if h == nil {
		return
	}
	now := time.Now()
	for _, a := range done {
		if a.state == nil {
			continue
		}
		switch outs[a.id] {
		case "ok":
			if h.Committed != nil && len(a.state.writes) > 0 {
				h.Committed(circle, len(a.state.writes), now.Sub(a.ended))
			}
		case "conflict":
			if h.Conflict != nil {
				h.Conflict(circle)
			}
		}
	}
}

// stepArgs are stepScript's keys and arguments.
func (c *Consumer) stepArgs(ob *outbox, circle string, done []ack, claimID string, more int) (keys, args []string) {
	keys = make([]string, 2, 6+2*len(done))
	keys[0], keys[1] = c.keys.Tasks(circle), c.keys.Processing(circle, c.opts.WorkerID)
	keys = append(keys, StateKeys(circle)...)
	args = make([]string, 9, 9+len(ob.pushed())+len(done)*20)
	args[0], args[1], args[2], args[3], args[4] = c.opts.WorkerID, now(), c.keys.DetailsPrefix(circle), strconv.Itoa(more), claimID
	args[5], args[6] = ms(replyTTL), ms(c.opts.Retention)
	args[7], args[8] = ob.name(), strconv.Itoa(len(ob.pushed()))
	args = append(args, ob.pushed()...)
	at := time.Now()
	for _, a := range done {
		keys = append(keys, c.keys.Details(circle, a.id), ob.replyKey(a.replyTo))
		rep := a.rep
		if a.del {
			rep.Deleted = true
			args = append(args, a.id, ob.payload(a.replyTo, encodeReply(rep)), "1", "0")
		} else {
			fields := resultFields(rep, at)
			args = append(args, a.id, ob.payload(a.replyTo, encodeReply(rep)), "0", strconv.Itoa(len(fields)))
			args = append(args, fields...)
		}
		args = stateArgs(args, a.state)
	}
	return keys, args
}

// claimedList decodes stepScript's answer: per task its id and the values
// of claimFields, nil where the hash has no such field.
func claimedList(msgs []rueidis.RedisMessage) ([]claimed, error) {
	out := make([]claimed, 0, len(msgs))
	for _, m := range msgs {
		vals, err := m.ToArray()
		if err != nil || len(vals) != 1+len(claimFields) {
			return out, fmt.Errorf("failed to decode taken task: %d values, %v", len(vals), err)
		}
		id, err := vals[0].ToString()
		if err != nil {
			return out, fmt.Errorf("failed to decode taken task id: %w", err)
		}
		h := make(map[string]string, len(claimFields))
		for i, f := range claimFields {
			if v, err := vals[1+i].ToString(); err == nil {
				h[f] = v
			}
		}
		out = append(out, claimed{id: id, h: h})
	}
	return out, nil
}

// quiet hides errors caused by Stop interrupting a call.
func (c *Consumer) quiet(err error) error {
	if c.takeCtx.Err() != nil {
		return nil
	}
	return err
}

// runStatus is how a run ended for the loop.
type runStatus int

const (
	runDone    runStatus = iota // answer it
	runDrained                  // the drain deadline cancelled it: requeue
	runRefused                  // the executor returned KindRequeue: requeue
)

// KindRequeue is a ScriptError.Kind an Executor returns to give a task back
// instead of answering it, e.g. because its host is shutting down: the task
// goes back to the front of its queue for another worker.
const KindRequeue = "requeue"

// handle runs a claimed task and returns its answer, unless the run was cut
// short by the drain deadline or refused by the executor.
func (c *Consumer) handle(turn *loopTurn, circle string, task claimed, exec scripting.Executor) (ack, runStatus) {
	t, replyTo, err := decodeTask(task.id, task.h)
	var res scripting.Result
	var sc *stateCommit
	var bind *taskBinding
	switch {
	case err != nil:
		c.log.Warn("answering malformed task with an error", "task", task.id, "err", err)
		res = scripting.Result{TaskID: task.id, Err: &scripting.ScriptError{Kind: "internal", Message: err.Error()}}
	case expired(task.h, time.Now()):
		// Nobody waits any more (e.g. a backlog after an outage): do not spend a run on it.
		c.log.Debug("skipping task whose caller stopped waiting", "task", task.id)
		res = scripting.Result{TaskID: task.id, Err: &scripting.ScriptError{Kind: scripting.KindTimeout, Message: "expired in the queue before a worker took it"}}
	case task.reruns > maxStateReruns:
		res = scripting.Result{TaskID: task.id, Err: &scripting.ScriptError{Kind: scripting.KindStateConflict,
			Message: fmt.Sprintf("state transaction kept conflicting with other runs (%d attempts)", task.reruns)}}
	case c.servers.gone(c.takeCtx, task.h[FieldServer], c.opts.CommandTimeout):
		// Its server died (heartbeat expired): nobody can receive the answer.
		// Dropped without a reply: the hash is deleted, or marked when preserved.
		c.log.Debug("dropping task whose server is gone", "task", task.id, "server", task.h[FieldServer])
		res = scripting.Result{TaskID: task.id, Err: &scripting.ScriptError{Kind: KindAbandoned, Message: "its server was gone before a worker took it"}}
		return ack{id: task.id, rep: replyFromResult(task.id, c.opts.WorkerID, res), del: task.h[FieldPreserve] == "0"}, runDone
	default:
		ctx := c.runCtx
		for {
			if turn != nil {
				lease := ""
				if task.reruns > 0 {
					lease = leaseOwner(c.opts.WorkerID, turn)
				}
				ctx, bind = turn.bind(c.runCtx, lease)
			}
			res = c.run(ctx, exec, t)
			if bind == nil {
				break
			}
			var again bool
			if sc, again = bind.commitOf(task.attempt()); !again || task.reruns >= maxStateReruns {
				break
			}
			// A read found the circle moved on and the engine gave up
			// re-running: run it again, with the lease.
			task.reruns++
		}
		if c.runCtx.Err() != nil || (res.Err != nil && res.Err.Kind == KindRequeue) {
			turn.release() // commits of the batch still go out with its answers
			if c.runCtx.Err() != nil {
				return ack{}, runDrained
			}
			return ack{}, runRefused
		}
		if sc == nil {
			bind = nil
			if turn != nil && turn.pending == 0 {
				turn.release()
			}
		}
	}
	a := ack{id: task.id, replyTo: replyTo, rep: replyFromResult(task.id, c.opts.WorkerID, res),
		del: task.h[FieldPreserve] == "0", state: sc, bind: bind, task: task}
	if sc != nil && c.opts.State.observers() != nil {
		a.ended = time.Now()
	}
	return a, runDone
}

// claim marks a task moved by BLMOVE as processing and takes up to more
// queued behind it, retrying Redis errors until Stop. Tasks that are gone or
// already answered are skipped.
func (c *Consumer) claim(conn *syncConn, ob *outbox, circle, id string, more int) ([]claimed, error) {
	var bo backoff
	for {
		got, err := c.step(conn, ob, circle, nil, id, more)
		if err == nil {
			if len(got) == 0 || got[0].id != id {
				c.log.Debug("skipping task that is gone or already answered", "task", id)
			}
			return got, nil
		}
		c.downLog.Log(context.Background(), c.log, slog.LevelWarn, "claim", "failed to claim a task; retrying", "circle", circle, "task", id, "err", err)
		if !bo.waitOn(c.takeCtx, c.client) {
			return nil, err
		}
	}
}

// run executes t under its timeout (DefaultTimeout when it has none); a
// panicking executor becomes an error result so the loop lives on.
func (c *Consumer) run(ctx context.Context, exec scripting.Executor, t scripting.Task) (res scripting.Result) {
	if t.Timeout <= 0 {
		t.Timeout = c.opts.DefaultTimeout
	}
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("executor panicked", "task", t.ID, "panic", p)
			res = scripting.Result{TaskID: t.ID, Took: time.Since(start),
				Err: &scripting.ScriptError{Kind: "internal", Message: fmt.Sprintf("worker panicked: %v", p)}}
		}
	}()
	// The executor enforces t.Timeout (the Engine does, with a deadline of
	// its own); a context timer here too would cost every task for nothing.
	res = exec.Execute(ctx, t)
	if res.Took == 0 {
		res.Took = time.Since(start)
	}
	return res
}

// answer sends the answers a loop still holds when it ends, retrying Redis
// errors until the drain deadline. What is not answered by then stays in
// the processing list and is requeued.
func (c *Consumer) answer(ob *outbox, circle string, done []ack) {
	if len(done) == 0 {
		return
	}
	// A state commit that loses here leaves its task in the processing
	// list: unregister (or recovery) gives it to another run.
	defer func() {
		for _, a := range done {
			if a.bind != nil {
				a.bind.loop.release()
			}
		}
	}()
	keys, args := c.stepArgs(ob, circle, done, "", 0)
	var bo backoff
	for {
		ctx, cancel := context.WithTimeout(context.Background(), c.opts.CommandTimeout)
		msgs, err := stepScript.exec(ctx, c.client, keys, args).ToArray()
		cancel()
		if err == nil && len(msgs) > 0 {
			ob.clean()
			_, outs, _ := stateOutcomes(msgs[0])
			c.observe(circle, done, outs)
			c.pushReplies(ob, done, outs)
			return
		}
		if err == nil {
			err = errors.New("empty step reply")
		}
		c.downLog.Log(context.Background(), c.log, slog.LevelWarn, "answer", "failed to answer tasks; retrying", "circle", circle, "tasks", len(done), "err", err)
		if !bo.wait(c.runCtx) {
			return
		}
	}
}

// requeueAll gives back held tasks so that the first is first in line.
func (c *Consumer) requeueAll(circle string, held []claimed) {
	for i := len(held) - 1; i >= 0; i-- {
		c.requeue(circle, held[i].id)
	}
}

// requeue puts a task the worker will not finish (drain deadline, or taken
// while stopping) back at the front of its queue.
func (c *Consumer) requeue(circle, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.CommandTimeout)
	defer cancel()
	err := requeueScript.exec(ctx, c.client,
		[]string{c.keys.Processing(circle, c.opts.WorkerID), c.keys.Tasks(circle), c.keys.Details(circle, id)},
		[]string{id, now()}).Error()
	if err != nil {
		c.downLog.Log(context.Background(), c.log, slog.LevelWarn, "requeue", "failed to requeue a task at stop; recovery will", "circle", circle, "task", id, "err", err)
		return
	}
	c.log.Info("requeued task at stop", "task", id)
}
