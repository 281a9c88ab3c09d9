package redisq

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/internal/lograte"
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
}

// Run recovers every interval until ctx is done, surviving Redis errors.
// The lock of a pass lives for lockFor(interval), shorter than the
// interval, so that the next tick (of this process or another with the
// same interval) finds it free: passes happen at their interval, not
// every other one. A failing pass is logged once per interval, with the
// number of failures since the last line.
func (r *Recoverer) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	fails := lograte.New(interval)
	for {
		if _, err := r.TryOnce(ctx, lockFor(interval)); err != nil && ctx.Err() == nil {
			if ok, held := fails.Allow(); ok {
				r.logger().Warn("failed to recover dead workers", "err", err, "similar_since_last", held)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// lockFor is the recovery lock's lifetime for a pass every interval: three
// quarters of it, long enough that processes on the same interval do not
// pass twice, short enough that the next tick is never skipped.
func lockFor(interval time.Duration) time.Duration { return interval * 3 / 4 }

// TryOnce recovers if it gets the lock, which it holds for lease (it is not
// released: at most one recovery pass per lease across all processes). It
// returns the number of tasks requeued.
func (r *Recoverer) TryOnce(ctx context.Context, lease time.Duration) (int, error) {
	cctx, cancel := context.WithTimeout(ctx, blockCallTimeout)
	defer cancel()
	err := r.Client.Do(cctx, r.Client.B().Set().Key(KeyRecoveryLock).Value(r.Owner).Nx().Px(lease).Build()).Error()
	if rueidis.IsRedisNil(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("failed to take the recovery lock: %w", err)
	}
	return r.RecoverAll(ctx)
}

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
