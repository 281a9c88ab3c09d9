package redisq

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/internal/ratelog"
)

// Recoverer requeues the tasks of dead workers: a worker whose heartbeat key
// rhai_worker:{id} expired while its id is still in rhai_workers gets every
// task of its processing list pushed back to the front of the task's queue,
// and is forgotten. Any number of processes may run one; a lock key makes
// them take turns.
type Recoverer struct {
	Client rueidis.Client
	// Owner is written into the lock key (for operators); any string.
	Owner string
	// Logger receives what was recovered. Default slog.Default().
	Logger *slog.Logger

	sleep func(context.Context, time.Duration) bool // Run's wait; tests replace it
}

// Run recovers once per interval across all the processes that run it,
// until ctx is done, surviving Redis errors. A pass holds the lock for
// interval; a process that finds the lock taken sleeps until it expires
// (its PTTL) and tries again, and the winner sleeps out its own lock, so
// the next pass starts when the lock ends: passes are interval apart, never
// skipped for a lock that outlived a ticker by a few milliseconds.
func (r *Recoverer) Run(ctx context.Context, interval time.Duration) {
	sleep := r.sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	// While Redis is down every pass fails alike: one line per interval, with a count.
	fails := ratelog.New(interval)
	failed := func(err error) {
		if ctx.Err() == nil {
			fails.Log(ctx, r.logger(), slog.LevelWarn, "recover", "failed to recover dead workers", "err", err)
		}
	}
	for {
		wait := interval
		got, left, err := r.take(ctx, interval)
		switch {
		case err != nil:
			failed(err)
		case got:
			start := time.Now()
			if _, err := r.RecoverAll(ctx); err != nil {
				failed(err)
			}
			wait = interval - time.Since(start)
		default:
			wait = left
		}
		// 1ms past the lock's end, so the retry finds it gone.
		if !sleep(ctx, min(max(wait, 0)+time.Millisecond, interval)) {
			return
		}
	}
}

// sleepCtx sleeps for d or until ctx is done; it reports whether ctx is
// still live.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// TryOnce recovers if it gets the lock, which it holds for lease (it is not
// released: at most one recovery pass per lease across all processes). It
// returns the number of tasks requeued.
func (r *Recoverer) TryOnce(ctx context.Context, lease time.Duration) (int, error) {
	got, _, err := r.take(ctx, lease)
	if err != nil || !got {
		return 0, err
	}
	return r.RecoverAll(ctx)
}

// take tries the lock for lease; when another process holds it, left is
// how long it still lives.
func (r *Recoverer) take(ctx context.Context, lease time.Duration) (got bool, left time.Duration, err error) {
	cctx, cancel := context.WithTimeout(ctx, blockCallTimeout)
	defer cancel()
	n, err := lockScript.exec(cctx, r.Client, []string{KeyRecoveryLock}, []string{r.Owner, ms(lease)}).AsInt64()
	if err != nil {
		return false, 0, fmt.Errorf("failed to take the recovery lock: %w", err)
	}
	switch {
	case n == -1:
		return true, 0, nil
	case n < 0: // -2: expired meanwhile; -3: no TTL (not ours): wait a lease
		if n == -2 {
			return false, 0, nil
		}
		return false, lease, nil
	}
	return false, time.Duration(n) * time.Millisecond, nil
}

// lockScript takes the recovery lock (SET NX PX) or says how long it still
// lives, in one round trip. KEYS: lock. ARGV: owner, lease ms. Returns -1
// when taken, else the lock's PTTL (-2 gone meanwhile, -3 for no TTL).
var lockScript = newScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return -1 end
local t = redis.call('PTTL', KEYS[1])
if t == -1 then return -3 end
return t
`)

// RecoverAll requeues the tasks of every registered worker whose heartbeat
// is gone, without taking the lock.
func (r *Recoverer) RecoverAll(ctx context.Context) (int, error) {
	cctx, cancel := context.WithTimeout(ctx, blockCallTimeout)
	defer cancel()
	ids, err := r.Client.Do(cctx, r.Client.B().Smembers().Key(KeyWorkers).Build()).AsStrSlice()
	if err != nil {
		return 0, fmt.Errorf("failed to list workers: %w", err)
	}
	total := 0
	for _, id := range ids {
		n, err := recoverWorker(cctx, r.Client, id)
		if err != nil {
			return total, err
		}
		if n > 0 {
			r.logger().Info("requeued tasks of a dead worker", "worker", id, "tasks", n)
		}
		total += max(n, 0)
	}
	return total, nil
}

// recoverWorker requeues the tasks of worker id if its heartbeat is gone;
// -1 means it is alive.
func recoverWorker(ctx context.Context, c rueidis.Client, id string) (int, error) {
	if KeysFor(c).Cluster {
		return recoverCluster(ctx, c, id)
	}
	n, err := recoverScript.exec(ctx, c,
		[]string{ProcessingKey(id), WorkerKey(id), KeyWorkers},
		[]string{id, PrefixTasks, PrefixDetails, now()}).AsInt64()
	if err != nil {
		return 0, fmt.Errorf("failed to recover worker %s: %w", id, err)
	}
	return int(n), nil
}

func (r *Recoverer) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

// recoverCluster is recoverWorker on a Cluster, where a worker's lists are
// one per circle, in the circles' slots (the circles listed in
// rhai_worker_circles:<id>), and its heartbeat is in yet another slot, so
// no one script sees them all. The heartbeat is checked first; then per
// circle one script requeues the processing list and returns the outbox
// (replies answered but maybe not pushed), which is pushed and then
// removed; the worker is forgotten only once every circle went through, so
// a pass that fails half-way is finished by the next. Pushing an outbox
// twice (a pass that died after the push) only makes the dispatcher drop
// a reply it already had.
//
// Unlike the single-node script, a worker that writes its heartbeat again
// between the check and the requeue (one that was stalled longer than its
// TTL, not dead) has its tasks requeued anyway: they run twice, as any
// task of a worker presumed dead may, and the claim check keeps a state
// commit from being applied twice.
func recoverCluster(ctx context.Context, c rueidis.Client, id string) (int, error) {
	alive, err := c.Do(ctx, c.B().Exists().Key(WorkerKey(id)).Build()).AsInt64()
	if err != nil {
		return 0, fmt.Errorf("failed to recover worker %s: %w", id, err)
	}
	if alive == 1 {
		return -1, nil
	}
	circles, err := c.Do(ctx, c.B().Smembers().Key(WorkerCirclesKey(id)).Build()).AsStrSlice()
	if err != nil {
		return 0, fmt.Errorf("failed to recover worker %s: %w", id, err)
	}
	ks := Keyspace{Cluster: true}
	total := 0
	for _, circle := range circles {
		outbox := ks.Outbox(circle, id)
		vals, err := recoverCircleScript.exec(ctx, c,
			[]string{ks.Processing(circle, id), ks.Tasks(circle), outbox},
			[]string{ks.DetailsPrefix(circle), now()}).ToArray()
		if err == nil && len(vals) == 0 {
			err = fmt.Errorf("empty reply")
		}
		var n int64
		if err == nil {
			n, err = vals[0].AsInt64()
		}
		if err != nil {
			return total, fmt.Errorf("failed to recover worker %s: %w", id, err)
		}
		total += int(n)
		entries := make([]string, 0, len(vals)-1)
		for _, v := range vals[1:] {
			if e, err := v.ToString(); err == nil {
				entries = append(entries, e)
			}
		}
		if len(entries) == 0 {
			continue
		}
		if err := pushReplyEntries(ctx, c, entries); err != nil {
			return total, fmt.Errorf("failed to send the replies of worker %s: %w", id, err)
		}
		cmds := make(rueidis.Commands, len(entries))
		for i, e := range entries {
			cmds[i] = c.B().Lrem().Key(outbox).Count(1).Element(e).Build()
		}
		for _, r := range c.DoMulti(ctx, cmds...) {
			if err := r.Error(); err != nil {
				return total, fmt.Errorf("failed to recover worker %s: %w", id, err)
			}
		}
	}
	for _, r := range c.DoMulti(ctx, c.B().Del().Key(WorkerCirclesKey(id)).Build(),
		c.B().Srem().Key(KeyWorkers).Member(id).Build()) {
		if err := r.Error(); err != nil {
			return total, fmt.Errorf("failed to recover worker %s: %w", id, err)
		}
	}
	return total, nil
}
