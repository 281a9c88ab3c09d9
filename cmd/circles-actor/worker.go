package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/circles-actor/circles-actor/actors"
	"log/slog"
	"time"

	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/state"
)

// WorkerCmd is the `worker` command: Redis-fed workers only, for machines
// other than the server's. It runs tasks of the given circles with a local
// sandboxed engine and drains on SIGINT/SIGTERM.
type WorkerCmd struct {
	PublicKeys    []string      `short:"k" name:"public-key" sep:"," required:"" help:"Circle public keys to work for (repeatable or comma-separated)." env:"CIRCLES_PUBLIC_KEYS"`
	RedisURL      string        `name:"redis-url" required:"" help:"Redis URL (redis://, rediss:// or unix://)." env:"CIRCLES_REDIS_URL"`
	Concurrency   int           `default:"1" help:"Tasks run at once per circle (1 keeps a circle's scripts in order within this process)." env:"CIRCLES_CONCURRENCY"`
	HeartbeatTTL  time.Duration `name:"heartbeat-ttl" default:"10s" help:"Lease of this worker's heartbeat; a worker silent this long is dead and its tasks are requeued." env:"CIRCLES_HEARTBEAT_TTL"`
	DrainTimeout  time.Duration `name:"drain-timeout" default:"15s" help:"On SIGTERM, how long running tasks may finish before they are requeued." env:"CIRCLES_DRAIN_TIMEOUT"`
	TaskRetention time.Duration `name:"task-retention" default:"24h" help:"How long answered task hashes are kept when their server preserves tasks (otherwise they are deleted with the answer)." env:"CIRCLES_TASK_RETENTION"`

	SandboxFlags `embed:""`
}

// Run runs the workers until ctx ends (SIGINT/SIGTERM), then drains.
func (c *WorkerCmd) Run(ctx context.Context, g *Globals) error {
	log := newCLILogger(g, slog.LevelInfo)
	cfg, err := c.config()
	if err != nil {
		return err
	}
	if err := probeRedis(ctx, cfg, log); err != nil {
		return err
	}
	st, closeState, err := newRedisState(cfg)
	if err != nil {
		return err
	}
	defer closeState()
	engine := scripting.NewEngine(actors.SandboxLimits(cfg), cfg.ScriptTimeout, scripting.WithEngineLogger(log),
		scripting.WithState(st, state.DefaultLimits()))
	stop, err := startConsumers(ctx, cfg, cfg.PublicKeys, c.Concurrency, c.HeartbeatTTL, log, st,
		func(string) scripting.Executor { return engine })
	if err != nil {
		return err
	}
	log.Info("worker running", "circles", len(cfg.PublicKeys), "concurrency", c.Concurrency, "redis", redactURL(cfg.RedisURL))
	<-ctx.Done()
	log.Info("draining", "timeout", c.DrainTimeout)
	dctx, cancel := context.WithTimeout(context.Background(), c.DrainTimeout)
	defer cancel()
	if err := stop(dctx); err != nil {
		return fmt.Errorf("failed to drain workers: %w", err)
	}
	return nil
}

// config builds and validates the configuration the flags describe.
func (c *WorkerCmd) config() (config.Config, error) {
	if c.Concurrency < 1 {
		return config.Config{}, errors.New("--concurrency must be at least 1")
	}
	if c.HeartbeatTTL < 100*time.Millisecond {
		return config.Config{}, errors.New("--heartbeat-ttl must be at least 100ms")
	}
	cfg := config.Default()
	cfg.PublicKeys = c.PublicKeys
	cfg.RedisURL = c.RedisURL
	cfg.TaskRetention = c.TaskRetention
	c.SandboxFlags.apply(&cfg)
	if int64(cfg.MaxScriptBytes) > cfg.MaxFrameBytes {
		cfg.MaxFrameBytes = int64(cfg.MaxScriptBytes)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("invalid worker configuration: %w", err)
	}
	if len(cfg.PublicKeys) == 0 {
		return cfg, errors.New("give at least one circle with -k")
	}
	return cfg, nil
}
