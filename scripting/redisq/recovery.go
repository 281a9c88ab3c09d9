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
