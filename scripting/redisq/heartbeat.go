package redisq

// The lease of a Consumer: its heartbeat key, its registration in
// rhai_workers, and its unregistration at Stop.

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/redis/rueidis"
)

// unregister deletes the heartbeat and requeues what is left in the
// processing list (tasks taken while stopping).
func (c *Consumer) unregister() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*c.opts.CommandTimeout)
	defer cancel()
	if err := c.client.Do(ctx, c.client.B().Del().Key(WorkerKey(c.opts.WorkerID)).Build()).Error(); err != nil {
		return fmt.Errorf("failed to unregister worker: %w", err)
	}
	n, err := recoverWorker(ctx, c.client, c.opts.WorkerID)
	if err != nil {
		return fmt.Errorf("failed to unregister worker: %w", err)
	}
	if n > 0 {
		c.log.Info("requeued tasks left at stop", "tasks", n)
	}
	return nil
}

// heartbeatLoop refreshes the lease every third of its TTL.
func (c *Consumer) heartbeatLoop() {
	t := time.NewTicker(c.opts.HeartbeatTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-c.bgCtx.Done():
			return
		case <-t.C:
			c.beat(c.bgCtx)
		}
	}
}

// beat writes the heartbeat key with its TTL and then (re)registers the id,
// so a Redis that lost its data learns about the worker again. The
// heartbeat is written first, and the registration only once it was: on a
// Cluster the two are on different nodes, and a recovery pass that found
// the id registered before its heartbeat landed would take the worker for
// dead and requeue the tasks it is running (they would run twice).
func (c *Consumer) beat(ctx context.Context) {
	info, _ := json.Marshal(WorkerInfo{ID: c.opts.WorkerID, Host: hostname(), PID: os.Getpid(),
		Circles: c.opts.Circles, Concurrency: c.opts.Concurrency, StartedAt: c.started})
	ctx, cancel := context.WithTimeout(ctx, c.opts.CommandTimeout)
	defer cancel()
	fail := func(err error) {
		c.downLog.Log(context.Background(), c.log, slog.LevelWarn, "heartbeat", "failed to refresh heartbeat", "err", err)
	}
	set := c.client.B().Set().Key(WorkerKey(c.opts.WorkerID)).Value(string(info)).Px(c.opts.HeartbeatTTL).Build()
	if err := c.client.Do(ctx, set).Error(); err != nil {
		fail(err)
		return
	}
	cmds := rueidis.Commands{c.client.B().Sadd().Key(KeyWorkers).Member(c.opts.WorkerID).Build()}
	if c.keys.Cluster { // where recovery finds this worker's lists
		cmds = append(cmds, c.client.B().Sadd().Key(WorkerCirclesKey(c.opts.WorkerID)).Member(c.opts.Circles...).Build())
	}
	for _, r := range c.client.DoMulti(ctx, cmds...) {
		if err := r.Error(); err != nil {
			fail(err)
			return
		}
	}
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	return h
}
