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

	ScriptTimeout  time.Duration `name:"script-timeout" default:"30s" help:"Wall-clock limit of a script without its own timeout." env:"CIRCLES_SCRIPT_TIMEOUT"`
	MaxOperations  uint64        `name:"max-operations" default:"50000000" help:"Operations per script run." env:"CIRCLES_MAX_OPERATIONS"`
	MaxCallDepth   int           `name:"max-call-depth" default:"64" help:"Nested function calls." env:"CIRCLES_MAX_CALL_DEPTH"`
	MaxExprDepth   int           `name:"max-expr-depth" default:"128" help:"Parser nesting depth." env:"CIRCLES_MAX_EXPR_DEPTH"`
	MaxStringLen   int           `name:"max-string-len" default:"4194304" help:"Bytes in one string." env:"CIRCLES_MAX_STRING_LEN"`
	MaxArrayLen    int           `name:"max-array-len" default:"1048576" help:"Elements in one array." env:"CIRCLES_MAX_ARRAY_LEN"`
	MaxMapLen      int           `name:"max-map-len" default:"1048576" help:"Properties in one object map." env:"CIRCLES_MAX_MAP_LEN"`
	MaxBlobLen     int           `name:"max-blob-len" default:"4194304" help:"Bytes in one blob." env:"CIRCLES_MAX_BLOB_LEN"`
	MaxScriptBytes int           `name:"max-script-bytes" default:"262144" help:"Largest script source accepted." env:"CIRCLES_MAX_SCRIPT_BYTES"`
}

// Run runs the workers until ctx ends (SIGINT/SIGTERM), then drains.
func (c *WorkerCmd) Run(ctx context.Context, g *Globals) error {
	log := newCLILogger(g, slog.LevelInfo)
	cfg, err := c.config()
	if err != nil {
		return err
	}
	engine := scripting.NewEngine(actors.SandboxLimits(cfg), cfg.ScriptTimeout, scripting.WithEngineLogger(log))
	stop, err := startConsumers(ctx, cfg, cfg.PublicKeys, c.Concurrency, c.HeartbeatTTL, log,
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
	cfg.ScriptTimeout = c.ScriptTimeout
	cfg.MaxOperations = c.MaxOperations
	cfg.MaxCallDepth = c.MaxCallDepth
	cfg.MaxExprDepth = c.MaxExprDepth
	cfg.MaxStringLen = c.MaxStringLen
	cfg.MaxArrayLen = c.MaxArrayLen
	cfg.MaxMapLen = c.MaxMapLen
	cfg.MaxBlobLen = c.MaxBlobLen
	cfg.MaxScriptBytes = c.MaxScriptBytes
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
