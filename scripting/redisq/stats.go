package redisq

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/redis/rueidis"
)

// CircleStats is the load of one circle's queue.
type CircleStats struct {
	Circle      string
	Queued      int // task ids waiting in rhai_tasks:{circle}
	Active      int // tasks of the circle in live workers' processing lists
	LiveWorkers int // live worker processes consuming the circle
}

// WorkerInfo is the value of a worker's heartbeat key.
type WorkerInfo struct {
	ID          string    `json:"id"`
	Host        string    `json:"host"`
	PID         int       `json:"pid"`
	Circles     []string  `json:"circles"`
	Concurrency int       `json:"concurrency"`
	StartedAt   time.Time `json:"started_at"`
}

// LiveWorkers lists registered workers whose heartbeat is alive.
func LiveWorkers(ctx context.Context, c rueidis.Client) ([]WorkerInfo, error) {
	ids, err := c.Do(ctx, c.B().Smembers().Key(KeyWorkers).Build()).AsStrSlice()
	if err != nil {
		return nil, fmt.Errorf("failed to list workers: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	slices.Sort(ids)
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = WorkerKey(id)
	}
	vals, err := getAll(ctx, c, keys)
	if err != nil {
		return nil, fmt.Errorf("failed to read heartbeats: %w", err)
	}
	var out []WorkerInfo
	for i, v := range vals {
		s, err := v.ToString()
		if err != nil {
			continue // expired: dead
		}
		w := WorkerInfo{ID: ids[i]}
		_ = json.Unmarshal([]byte(s), &w)
		w.ID = ids[i]
		out = append(out, w)
	}
	return out, nil
}

// getAll reads string keys: one MGET on a single node, one GET each (in
// one pipeline) on a Cluster, whose keys are in different slots.
func getAll(ctx context.Context, c rueidis.Client, keys []string) ([]rueidis.RedisMessage, error) {
	if !KeysFor(c).Cluster {
		return c.Do(ctx, c.B().Mget().Key(keys...).Build()).ToArray()
	}
	cmds := make(rueidis.Commands, len(keys))
	for i, k := range keys {
		cmds[i] = c.B().Get().Key(k).Build()
	}
	out := make([]rueidis.RedisMessage, len(keys))
	for i, r := range c.DoMulti(ctx, cmds...) {
		if err := r.Error(); err != nil && !rueidis.IsRedisNil(err) {
			return nil, err
		}
		out[i], _ = r.ToMessage()
	}
	return out, nil
}

// QueueStats reports each circle's queue depth, active tasks and live
// workers. With no circles it discovers them: every non-empty queue (SCAN
// rhai_tasks:*) and every circle a live worker consumes. Results are sorted
// by circle.
func QueueStats(ctx context.Context, c rueidis.Client, circles []string) ([]CircleStats, error) {
	workers, err := LiveWorkers(ctx, c)
	if err != nil {
		return nil, err
	}
	if len(circles) == 0 {
		if circles, err = discoverCircles(ctx, c, workers); err != nil {
			return nil, err
		}
	}
	stats := make([]CircleStats, len(circles))
	index := make(map[string]int, len(circles))
	cmds := make(rueidis.Commands, len(circles))
	for i, circle := range circles {
		stats[i].Circle = circle
		index[circle] = i
		cmds[i] = c.B().Llen().Key(KeysFor(c).Tasks(circle)).Build()
	}
	for i, r := range c.DoMulti(ctx, cmds...) {
		n, err := r.AsInt64()
		if err != nil {
			return nil, fmt.Errorf("failed to read queue length: %w", err)
		}
		stats[i].Queued = int(n)
	}
	for _, w := range workers {
		for _, circle := range w.Circles {
			if i, ok := index[circle]; ok {
				stats[i].LiveWorkers++
			}
		}
	}
	if err := countActive(ctx, c, workers, index, stats); err != nil {
		return nil, err
	}
	return stats, nil
}

// countActive counts the tasks in live workers' processing lists per circle.
func countActive(ctx context.Context, c rueidis.Client, workers []WorkerInfo, index map[string]int, stats []CircleStats) error {
	if ks := KeysFor(c); ks.Cluster { // one processing list per circle and worker
		for _, w := range workers {
			for _, circle := range w.Circles {
				i, ok := index[circle]
				if !ok {
					continue
				}
				n, err := c.Do(ctx, c.B().Llen().Key(ks.Processing(circle, w.ID)).Build()).AsInt64()
				if err != nil {
					return fmt.Errorf("failed to read processing list: %w", err)
				}
				stats[i].Active += int(n)
			}
		}
		return nil
	}
	for _, w := range workers {
		ids, err := c.Do(ctx, c.B().Lrange().Key(ProcessingKey(w.ID)).Start(0).Stop(-1).Build()).AsStrSlice()
		if err != nil {
			return fmt.Errorf("failed to read processing list: %w", err)
		}
		if len(ids) == 0 {
			continue
		}
		cmds := make(rueidis.Commands, len(ids))
		for i, id := range ids {
			cmds[i] = c.B().Hget().Key(DetailsKey(id)).Field(FieldContextID).Build()
		}
		for _, r := range c.DoMulti(ctx, cmds...) {
			circle, err := r.ToString()
			if err != nil {
				continue
			}
			if i, ok := index[circle]; ok {
				stats[i].Active++
			}
		}
	}
	return nil
}

// discoverCircles finds circles with a non-empty queue or a live worker.
func discoverCircles(ctx context.Context, c rueidis.Client, workers []WorkerInfo) ([]string, error) {
	seen := map[string]bool{}
	for _, w := range workers {
		for _, circle := range w.Circles {
			seen[circle] = true
		}
	}
	nodes := map[string]rueidis.Client{"": c}
	if KeysFor(c).Cluster { // SCAN sees one node's keys: ask each
		nodes = c.Nodes()
	}
	for _, n := range nodes {
		var cursor uint64
		for {
			e, err := n.Do(ctx, n.B().Scan().Cursor(cursor).Match(PrefixTasks+"*").Count(500).Build()).AsScanEntry()
			if err != nil {
				return nil, fmt.Errorf("failed to scan queues: %w", err)
			}
			for _, k := range e.Elements {
				pk := strings.TrimPrefix(k, PrefixTasks)
				if t, ok := strings.CutPrefix(pk, "{"); ok { // a Cluster's hash tag
					pk = strings.TrimSuffix(t, "}")
				}
				seen[pk] = true
			}
			if cursor = e.Cursor; cursor == 0 {
				break
			}
		}
	}
	out := make([]string, 0, len(seen))
	for circle := range seen {
		out = append(out, circle)
	}
	slices.Sort(out)
	return out, nil
}

// logStatsLoop logs queue statistics at debug level every interval, only
// while debug logging is enabled.
func logStatsLoop(ctx context.Context, c rueidis.Client, circles []string, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !log.Enabled(ctx, slog.LevelDebug) {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, blockCallTimeout)
		stats, err := QueueStats(cctx, c, circles)
		cancel()
		if err != nil {
			log.Debug("failed to read queue statistics", "err", err)
			continue
		}
		for _, s := range stats {
			log.Debug("queue", "circle", s.Circle, "queued", s.Queued, "active", s.Active, "live_workers", s.LiveWorkers)
		}
	}
}
