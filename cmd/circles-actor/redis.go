package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// newRedisDispatcher builds the Redis dispatcher for `serve --redis-url`
// from cfg (RedisURL, QueueMaxLen, ScriptTimeout, TaskRetention,
// PreserveTasks). Redis being down is not an error: the server starts, is
// not ready, answers play with -32006, and recovers when Redis returns. ctx
// bounds the first ping only.
func newRedisDispatcher(ctx context.Context, cfg config.Config, log *slog.Logger) (scripting.Dispatcher, error) {
	minReplicas := cfg.RedisMinReplicas
	if minReplicas < 0 {
		minReplicas = autoMinReplicas(ctx, cfg, log)
	}
	d, err := redisq.Dial(cfg.RedisURL, &redisq.Options{
		MinReplicas:    minReplicas,
		ReplicaTimeout: cfg.RedisReplicaTimeout,
		QueueMaxLen:    cfg.QueueMaxLen,
		DefaultTimeout: cfg.ScriptTimeout,
		Retention:      cfg.TaskRetention,
		PreserveTasks:  cfg.PreserveTasks,
		StatsCircles:   cfg.PublicKeys,
		Logger:         log,
	})
	if err != nil {
		return nil, fmt.Errorf("failed to start the redis dispatcher: %w", err)
	}
	if err := checkRedis(ctx, d.Client()); err != nil {
		_ = d.Close()
		return nil, err
	}
	if redisq.KeysFor(d.Client()).Cluster && cfg.RedisMinReplicas > 0 {
		_ = d.Close()
		return nil, errors.New("--redis-min-replicas is not supported on a Redis Cluster yet (a WAIT on the reply list's node does not cover the circles' nodes); use 0")
	}
	if err := d.Ready(ctx); err != nil {
		log.Warn("redis is not reachable yet; play answers -32006 until it is", "redis", redactURL(cfg.RedisURL), "err", err)
	} else {
		log.Info("dispatching through redis", "redis", redactURL(cfg.RedisURL), "reply_to", d.ReplyKey())
	}
	return d, nil
}

// startRedisWorkers starts queue consumers for circles that execute through
// exec(circle), concurrency tasks at a time per circle. stop drains them:
// stop taking tasks, finish the running ones, or requeue them when stop's
// ctx ends first. ctx is the process's lifetime: once it is done (SIGTERM),
// a run the host cancels (the actor system stopping under a consumer) gives
// its task back to the queue instead of answering it with an error, so a
// server going down never fails the tasks of other servers' callers.
func startRedisWorkers(ctx context.Context, cfg config.Config, circles []string, concurrency int, log *slog.Logger, st *redisq.StateStore, exec func(circle string) scripting.Executor) (stop func(context.Context) error, err error) {
	return startConsumers(ctx, cfg, circles, concurrency, 0, log, st, giveBackOnShutdown(ctx, exec))
}

// newRedisState opens the Redis state store of cfg.RedisURL, so that
// every process on that Redis sees one state per circle. close closes its
// client; call it after the last run.
func newRedisState(cfg config.Config) (st *redisq.StateStore, close func(), err error) {
	client, err := redisq.NewClient(cfg.RedisURL)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to open the redis state store: %w", err)
	}
	st = redisq.NewStateStore(client, nil)
	return st, func() { _ = st.Close(); client.Close() }, nil
}

// autoMinReplicas is --redis-min-replicas -1: 1 when the master has a
// replica now, else 0 (also when Redis cannot be asked).
func autoMinReplicas(ctx context.Context, cfg config.Config, log *slog.Logger) int {
	client, err := redisq.NewClient(cfg.RedisURL)
	if err != nil {
		return 0
	}
	defer client.Close()
	if redisq.KeysFor(client).Cluster { // not supported there: see newRedisDispatcher
		return 0
	}
	n, err := redisq.Replicas(ctx, client)
	if err != nil {
		log.Warn("cannot tell whether redis has replicas; answers will not wait for any", "err", err)
		return 0
	}
	if n > 0 {
		log.Info("redis has replicas: every answer waits for one (--redis-min-replicas 0 to not wait)", "replicas", n)
		return 1
	}
	return 0
}

// giveBackOnShutdown wraps exec so that, after ctx is done, a cancelled run
// returns redisq.KindRequeue.
func giveBackOnShutdown(ctx context.Context, exec func(circle string) scripting.Executor) func(circle string) scripting.Executor {
	return func(circle string) scripting.Executor {
		inner := exec(circle)
		return scripting.ExecutorFunc(func(runCtx context.Context, t scripting.Task) scripting.Result {
			res := inner.Execute(runCtx, t)
			if ctx.Err() != nil && res.Err != nil && res.Err.Kind == string(rhai.ErrCancelled) {
				return scripting.Result{TaskID: t.ID, Err: &scripting.ScriptError{Kind: redisq.KindRequeue, Message: "host shutting down"}}
			}
			return res
		})
	}
}

// startConsumers is startRedisWorkers with a heartbeat TTL (0: default).
func startConsumers(ctx context.Context, cfg config.Config, circles []string, concurrency int, heartbeatTTL time.Duration, log *slog.Logger, st *redisq.StateStore, exec func(circle string) scripting.Executor) (func(context.Context) error, error) {
	client, err := redisq.NewClient(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("failed to start redis workers: %w", err)
	}
	if err := checkRedis(ctx, client); err != nil {
		client.Close()
		return nil, err
	}
	w, err := redisq.NewConsumer(client, exec, &redisq.ConsumerOptions{
		Circles:        circles,
		Concurrency:    concurrency,
		HeartbeatTTL:   heartbeatTTL,
		Retention:      cfg.TaskRetention,
		DefaultTimeout: cfg.ScriptTimeout,
		Logger:         log,
		State:          st,
	})
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("failed to start redis workers: %w", err)
	}
	w.Start()
	return func(ctx context.Context) error {
		defer client.Close()
		return w.Stop(ctx)
	}, nil
}

// registerRedisMetrics exports the Redis queues' depth, active tasks and
// live workers of the served circles on reg (circles and the statistics
// read at each scrape, so circles added at runtime are included) when d is
// the Redis dispatcher; otherwise it does nothing.
func registerRedisMetrics(reg prometheus.Registerer, d scripting.Dispatcher, circles func() []string) error {
	rd, ok := d.(*redisq.Dispatcher)
	if !ok || reg == nil {
		return nil
	}
	if err := reg.Register(redisq.NewCircleCollector(rd.Client(), circles, 0)); err != nil {
		return fmt.Errorf("failed to register redis metrics: %w", err)
	}
	return nil
}

// redactURL hides the password of a redis URL for logs.
func redactURL(u string) string { return redisq.RedactURL(u) }

// checkRedis fails start-up on a permanent fault (a wrong or missing
// password, a Cluster that is not ready, a server too old), in one sentence; Redis being
// unreachable is not an error here (the loops retry until it returns).
func checkRedis(ctx context.Context, client rueidis.Client) error {
	ctx, cancel := context.WithTimeout(ctx, startCheckTimeout)
	defer cancel()
	err := redisq.Check(ctx, client)
	if fe := redisq.Fault(err); fe != nil {
		return fe
	}
	return nil
}

// startCheckTimeout bounds checkRedis.
const startCheckTimeout = 3 * time.Second

// newCLILogger builds the slog logger of the worker and status commands from
// the global flags: -d or -vv is debug, -v info, default warn for status and
// info for long-running commands.
func newCLILogger(g *Globals, base slog.Level) *slog.Logger {
	level := base
	switch {
	case g.Debug || g.Verbose >= 2:
		level = slog.LevelDebug
	case g.Verbose == 1:
		level = min(base, slog.LevelInfo)
	}
	opts := &slog.HandlerOptions{Level: level}
	if g.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
