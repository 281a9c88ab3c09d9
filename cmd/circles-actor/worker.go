package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
)

// WorkerCmd is the `worker` command: Redis-fed workers only, for machines
// other than the server's. It runs tasks of the given circles with a local
// sandboxed engine and drains on SIGINT/SIGTERM.
type WorkerCmd struct {
	PublicKeys    []string      `short:"k" name:"public-key" sep:"," help:"Circle public keys to work for (repeatable or comma-separated)." env:"CIRCLES_PUBLIC_KEYS"`
	AllCircles    bool          `name:"all-circles" help:"Also work for every circle of the shared set in Redis (added through the admin API), following additions and removals." env:"CIRCLES_ALL_CIRCLES"`
	RedisURL      string        `name:"redis-url" required:"" help:"Redis URL (redis://, rediss:// or unix://)." env:"CIRCLES_REDIS_URL"`
	Concurrency   int           `default:"1" help:"Tasks run at once per circle (1 keeps a circle's scripts in order within this process)." env:"CIRCLES_CONCURRENCY"`
	HeartbeatTTL  time.Duration `name:"heartbeat-ttl" default:"10s" help:"Lease of this worker's heartbeat; a worker silent this long is dead and its tasks are requeued." env:"CIRCLES_HEARTBEAT_TTL"`
	DrainTimeout  time.Duration `name:"drain-timeout" default:"15s" help:"On SIGTERM, how long running tasks may finish before they are requeued." env:"CIRCLES_DRAIN_TIMEOUT"`
	TaskRetention time.Duration `name:"task-retention" default:"24h" help:"How long answered task hashes are kept when their server preserves tasks (otherwise they are deleted with the answer)." env:"CIRCLES_TASK_RETENTION"`
	MetricsAddr   string        `name:"metrics-addr" placeholder:"HOST:PORT" help:"Serve Prometheus metrics of this worker (state commits, conflicts and commit latency per circle; Go runtime) at http://HOST:PORT/metrics. Off when empty; the queues' metrics are serve's." env:"CIRCLES_METRICS_ADDR"`

	SandboxFlags `embed:""`
	StateFlags   `embed:""`
}

// Run runs the workers until ctx ends (SIGINT/SIGTERM), then drains.
func (c *WorkerCmd) Run(ctx context.Context, g *Globals) error {
	log := newCLILogger(g, slog.LevelInfo)
	cfg, err := c.config()
	if err != nil {
		return err
	}
	st, closeState, err := newRedisState(cfg)
	if err != nil {
		return err
	}
	defer closeState() // after the drain: the last answers commit state
	if c.MetricsAddr != "" {
		stopMetrics, err := serveWorkerMetrics(c.MetricsAddr, st, log)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	engine := scripting.NewEngine(actors.SandboxLimits(cfg), cfg.ScriptTimeout, scripting.WithEngineLogger(log),
		scripting.WithModules(cfg.Modules), scripting.WithState(st, actors.StateLimits(cfg)))
	exec := func(string) scripting.Executor { return engine }
	stop := func(context.Context) error { return nil }
	if len(cfg.PublicKeys) > 0 {
		if stop, err = startConsumers(ctx, cfg, cfg.PublicKeys, c.Concurrency, c.HeartbeatTTL, log, st, exec); err != nil {
			return err
		}
	}
	if c.AllCircles {
		stopFixed := stop
		stopAll, err := followAllCircles(cfg, c.Concurrency, c.HeartbeatTTL, c.DrainTimeout, log, st, exec)
		if err != nil {
			_ = stopFixed(context.Background())
			return err
		}
		stop = func(ctx context.Context) error { return errors.Join(stopAll(ctx), stopFixed(ctx)) }
	}
	log.Info("worker running", "circles", len(cfg.PublicKeys), "all_circles", c.AllCircles, "concurrency", c.Concurrency, "redis", redactURL(cfg.RedisURL))
	<-ctx.Done()
	log.Info("draining", "timeout", c.DrainTimeout)
	dctx, cancel := context.WithTimeout(context.Background(), c.DrainTimeout)
	defer cancel()
	if err := stop(dctx); err != nil {
		return fmt.Errorf("failed to drain workers: %w", err)
	}
	return nil
}

// maxConcurrency bounds --concurrency: a typo must not start millions of
// loops and connections.
const maxConcurrency = 1024

// config builds and validates the configuration the flags describe.
func (c *WorkerCmd) config() (config.Config, error) {
	if c.Concurrency < 1 || c.Concurrency > maxConcurrency {
		return config.Config{}, fmt.Errorf("--concurrency must be between 1 and %d (each is a goroutine and a Redis connection per circle)", maxConcurrency)
	}
	if c.HeartbeatTTL < 100*time.Millisecond {
		return config.Config{}, errors.New("--heartbeat-ttl must be at least 100ms")
	}
	cfg := config.Default()
	cfg.PublicKeys = c.PublicKeys
	cfg.RedisURL = c.RedisURL
	cfg.TaskRetention = c.TaskRetention
	c.SandboxFlags.apply(&cfg)
	c.StateFlags.apply(&cfg)
	if int64(cfg.MaxScriptBytes) > cfg.MaxFrameBytes {
		cfg.MaxFrameBytes = int64(cfg.MaxScriptBytes)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("invalid worker configuration: %w", err)
	}
	if len(cfg.PublicKeys) == 0 && !c.AllCircles {
		return cfg, errors.New("give at least one circle with -k, or --all-circles")
	}
	return cfg, nil
}

// serveWorkerMetrics serves /metrics on addr: the state commits that st's
// consumers report, and the Go runtime's. It fails when addr cannot be
// bound, so a typo stops start-up rather than leaving no metrics.
func serveWorkerMetrics(addr string, st *redisq.StateStore, log *slog.Logger) (stop func(), err error) {
	reg := prometheus.NewRegistry()
	hooks, err := actors.RegisterStateMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("failed to register worker metrics: %w", err)
	}
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, fmt.Errorf("failed to register worker metrics: %w", err)
	}
	st.Observe(hooks)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	log.Info("serving metrics", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
