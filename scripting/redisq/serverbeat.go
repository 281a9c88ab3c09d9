package redisq

// Server heartbeats: several serve processes share one Redis, each with its
// own reply list. When one dies, the tasks it queued have no caller left;
// its heartbeat key expiring tells workers so, and they drop those tasks
// instead of running them for nobody.

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"time"

	"github.com/redis/rueidis"
)

const (
	// PrefixServer + process id: heartbeat string (JSON ServerInfo) of a
	// dispatcher process, with a TTL of ServerHeartbeatTTL; its expiry
	// means the server and every caller waiting on it are gone.
	PrefixServer = "rhai_server:"
	// FieldServer is the task hash field naming the dispatcher process
	// (rhai_server:{server}) whose callers wait for the task. Absent (an
	// older dispatcher): the worker cannot tell, and runs the task.
	FieldServer = "server"
)

// ServerHeartbeatTTL is the lease of a dispatcher's heartbeat key; it is
// refreshed every third of it while the dispatcher runs, and in the same
// transaction as an enqueue when it is that old, so no task is ever queued
// without a live heartbeat behind it.
const ServerHeartbeatTTL = 10 * time.Second

// serverCheckEvery is how long a worker trusts what it learnt about a
// server's heartbeat: one EXISTS per server per this, whatever the load.
const serverCheckEvery = time.Second

// ServerKey is the heartbeat key of a dispatcher process.
func ServerKey(processID string) string { return PrefixServer + processID }

// ServerInfo is the value of a dispatcher's heartbeat key.
type ServerInfo struct {
	ID        string    `json:"id"`
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	ReplyTo   string    `json:"reply_to"`
	StartedAt time.Time `json:"started_at"`
}

// serverBeat is what a dispatcher needs to keep its heartbeat.
type serverBeat struct {
	key, info string
	last      sync.Mutex
	at        time.Time     // last successful refresh
	kick      chan struct{} // refresh now (Redis is back)
}

func newServerBeat(processID, replyKey string) *serverBeat {
	info, _ := json.Marshal(ServerInfo{ID: processID, Host: hostname(), PID: os.Getpid(), ReplyTo: replyKey, StartedAt: time.Now().UTC()})
	return &serverBeat{key: ServerKey(processID), info: string(info), kick: make(chan struct{}, 1)}
}

// cmd is the SET … PX that refreshes the heartbeat.
func (b *serverBeat) cmd(c rueidis.CoreClient) rueidis.Completed {
	return c.B().Set().Key(b.key).Value(b.info).Px(ServerHeartbeatTTL).Build()
}

// stale reports whether the heartbeat was last refreshed a third of its
// TTL ago or more (or never), so an enqueue must refresh it too.
func (b *serverBeat) stale(now time.Time) bool {
	b.last.Lock()
	defer b.last.Unlock()
	return now.Sub(b.at) >= ServerHeartbeatTTL/3
}

// invalidate forgets the last refresh after a Redis failure (a Redis that
// restarted has lost the key), so the next enqueue refreshes it in its
// transaction; with kick the loop also refreshes it at once.
func (b *serverBeat) invalidate(kick bool) {
	b.last.Lock()
	b.at = time.Time{}
	b.last.Unlock()
	if kick {
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
}

func (b *serverBeat) refreshed(at time.Time) {
	b.last.Lock()
	b.at = at
	b.last.Unlock()
}

// serverBeatLoop refreshes the dispatcher's heartbeat every third of its
// TTL until ctx ends, then deletes it: a closed dispatcher has no callers.
func (d *Dispatcher) serverBeatLoop(ctx context.Context) {
	t := time.NewTicker(ServerHeartbeatTTL / 3)
	defer t.Stop()
	for {
		if d.beat.stale(time.Now()) {
			cctx, cancel := context.WithTimeout(ctx, d.opts.CommandTimeout)
			at := time.Now()
			if err := d.client.Do(cctx, d.beat.cmd(d.client)).Error(); err == nil {
				d.beat.refreshed(at)
			}
			cancel()
		}
		select {
		case <-ctx.Done():
			cctx, cancel := context.WithTimeout(context.Background(), d.opts.CommandTimeout)
			_ = d.client.Do(cctx, d.client.B().Del().Key(d.beat.key).Build()).Error()
			cancel()
			return
		case <-t.C:
		case <-d.beat.kick:
		}
	}
}

// serverWatch is a worker's cached knowledge of which servers are alive.
type serverWatch struct {
	client rueidis.Client
	mu     sync.Mutex
	seen   map[string]serverSeen
}

type serverSeen struct {
	alive bool
	at    time.Time
}

// gone reports whether the server named by a task's FieldServer is known
// to be dead (its heartbeat key is gone). An empty name (an older
// dispatcher) or a Redis error is never gone: the task runs as before.
func (w *serverWatch) gone(ctx context.Context, server string, timeout time.Duration) bool {
	if server == "" {
		return false
	}
	now := time.Now()
	w.mu.Lock()
	s, ok := w.seen[server]
	w.mu.Unlock()
	if ok && now.Sub(s.at) < serverCheckEvery {
		return !s.alive
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	n, err := w.client.Do(cctx, w.client.B().Exists().Key(ServerKey(server)).Build()).AsInt64()
	if err != nil {
		return false
	}
	w.mu.Lock()
	if w.seen == nil || len(w.seen) > 4096 { // servers come and go: forget the old ones
		w.seen = map[string]serverSeen{}
	}
	w.seen[server] = serverSeen{alive: n == 1, at: now}
	w.mu.Unlock()
	return n != 1
}

// KindAbandoned is the error_kind recorded (with --preserve-tasks) in the
// hash of a task a worker dropped because its server was gone.
const KindAbandoned = "abandoned"
