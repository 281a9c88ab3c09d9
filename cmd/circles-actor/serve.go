package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
	"github.com/circles-actor/circles-actor/transport"
)

// ServeCmd is the `serve` command: the whole server on one port. Every flag
// maps to one config.Config field and has a CIRCLES_* environment variable;
// the defaults are config.Default()'s (TestServeDefaultsMatchConfig keeps
// them equal).
type ServeCmd struct {
	Host       string   `default:"127.0.0.1" help:"Interface to listen on (0.0.0.0: all)." env:"CIRCLES_HOST"`
	Port       int      `short:"p" default:"8080" help:"TCP port (0 picks a free one)." env:"CIRCLES_PORT"`
	PublicKeys []string `short:"k" name:"public-key" aliases:"public-keys" sep:"," placeholder:"PK" help:"Circle public key to serve (hex, compressed or uncompressed); repeat -k, separate with commas, or use --public-keys a,b. PK:init.rhai also runs that file in the circle at start-up." env:"CIRCLES_PUBLIC_KEYS"`
	EnableAuth bool     `name:"enable-auth" help:"play needs an authenticated session (fetch_nonce + authenticate)." env:"CIRCLES_ENABLE_AUTH"`
	TLS        bool     `name:"tls" help:"Serve https/wss with --cert and --key." env:"CIRCLES_TLS"`
	Cert       string   `help:"PEM certificate chain for --tls." type:"path" env:"CIRCLES_CERT"`
	Key        string   `help:"PEM private key for --tls." type:"path" env:"CIRCLES_KEY_FILE"`

	DataDir    string `name:"data-dir" help:"Keep durable data in DIR: circles' state in DIR/state/ (synced before each answer) and circles added at runtime in DIR/circles.json; empty: in memory only, lost on exit." type:"path" placeholder:"DIR" env:"CIRCLES_DATA_DIR"`
	StateFlags `embed:""`

	WorkersPerCircle int `name:"workers-per-circle" default:"1" help:"Worker actors per circle (1 runs a circle's scripts in order)." env:"CIRCLES_WORKERS_PER_CIRCLE"`
	SandboxFlags     `embed:""`

	NonceTTL              time.Duration `name:"nonce-ttl" default:"5m" help:"How long a fetched nonce can be used." env:"CIRCLES_NONCE_TTL"`
	MaxPendingNonces      int           `name:"max-pending-nonces" default:"4" help:"Unused nonces per session; more evict the oldest." env:"CIRCLES_MAX_PENDING_NONCES"`
	AuthFailuresPerMinute int           `name:"auth-failures-per-minute" default:"30" help:"Failed authentications per minute per client IP and key before that key gets -32007 there; an IP with failures also gets a bounded rate of signature checks (docs/hardening.md)." env:"CIRCLES_AUTH_FAILURES_PER_MINUTE"`

	MaxFrameBytes   int64         `name:"max-frame-bytes" default:"1048576" help:"WebSocket read limit; larger frames close with 1009." env:"CIRCLES_MAX_FRAME_BYTES"`
	MaxInFlight     int           `name:"max-in-flight" default:"16" help:"Unanswered plays per session; more get -32006." env:"CIRCLES_MAX_IN_FLIGHT"`
	MaxBatch        int           `name:"max-batch" default:"100" help:"Requests in one JSON-RPC batch." env:"CIRCLES_MAX_BATCH"`
	MaxConnsPerIP   int           `name:"max-conns-per-ip" default:"256" help:"Concurrent WebSocket connections per client IP." env:"CIRCLES_MAX_CONNS_PER_IP"`
	IdleTimeout     time.Duration `name:"idle-timeout" default:"60s" help:"Close a connection silent (no frame, no pong) this long." env:"CIRCLES_IDLE_TIMEOUT"`
	PingInterval    time.Duration `name:"ping-interval" default:"20s" help:"Server ping period (shorter than --idle-timeout)." env:"CIRCLES_PING_INTERVAL"`
	WriteQueue      int           `name:"write-queue" default:"64" help:"Outbound frames queued per connection; when full, the connection's requests wait unread until there is room (a client that does not read is dropped after --write-timeout)." env:"CIRCLES_WRITE_QUEUE"`
	WriteTimeout    time.Duration `name:"write-timeout" default:"10s" help:"Limit of one frame write." env:"CIRCLES_WRITE_TIMEOUT"`
	ShutdownTimeout time.Duration `name:"shutdown-timeout" default:"15s" help:"Graceful drain bound on SIGINT/SIGTERM." env:"CIRCLES_SHUTDOWN_TIMEOUT"`

	RedisURL       string        `name:"redis-url" help:"Dispatch tasks through Redis (redis://, rediss://, unix://); empty: in-process." env:"CIRCLES_REDIS_URL"`
	NoLocalWorkers bool          `name:"no-local-workers" help:"With --redis-url, run no workers here (separate 'worker' processes do)." env:"CIRCLES_NO_LOCAL_WORKERS"`
	PreserveTasks  bool          `name:"preserve-tasks" help:"Keep answered task hashes in Redis for --task-retention." env:"CIRCLES_PRESERVE_TASKS"`
	TaskRetention  time.Duration `name:"task-retention" default:"24h" help:"How long preserved task hashes live." env:"CIRCLES_TASK_RETENTION"`
	QueueMaxLen    int           `name:"queue-max-len" default:"10000" help:"Pending tasks per circle queue; more get -32006." env:"CIRCLES_QUEUE_MAX_LEN"`

	RedisMinReplicas    int           `name:"redis-min-replicas" default:"-1" help:"Redis replicas that must have a play's answer and state before it is answered (WAIT); -1: 1 if the master has replicas at start-up, else 0." env:"CIRCLES_REDIS_MIN_REPLICAS"`
	RedisReplicaTimeout time.Duration `name:"redis-replica-timeout" default:"1s" help:"How long a play's answer waits for --redis-min-replicas; past it the play fails (-32006) rather than answer what a failover could lose." env:"CIRCLES_REDIS_REPLICA_TIMEOUT"`

	StripeWebhookSecret string            `name:"stripe-webhook-secret" help:"Stripe signing secret for every circle without its own." env:"CIRCLES_STRIPE_WEBHOOK_SECRET,STRIPE_WEBHOOK_SECRET"`
	IdenfyWebhookSecret string            `name:"idenfy-webhook-secret" help:"iDenfy signing secret for every circle without its own." env:"CIRCLES_IDENFY_WEBHOOK_SECRET,IDENFY_WEBHOOK_SECRET"`
	StripeCircleSecrets map[string]string `name:"stripe-circle-secret" placeholder:"PK=SECRET" help:"Per-circle Stripe secret (repeatable)." env:"CIRCLES_STRIPE_CIRCLE_SECRETS"`
	IdenfyCircleSecrets map[string]string `name:"idenfy-circle-secret" placeholder:"PK=SECRET" help:"Per-circle iDenfy secret (repeatable)." env:"CIRCLES_IDENFY_CIRCLE_SECRETS"`
	WebhookScripts      string            `name:"webhook-scripts" help:"Directory of webhook handler scripts." type:"path" env:"CIRCLES_WEBHOOK_SCRIPTS"`
	WebhookMaxBody      int64             `name:"webhook-max-body" default:"1048576" help:"Largest webhook body; larger gets 413." env:"CIRCLES_WEBHOOK_MAX_BODY"`
	StripeTolerance     time.Duration     `name:"stripe-tolerance" default:"300s" help:"Accepted age of a Stripe signature timestamp." env:"CIRCLES_STRIPE_TOLERANCE"`
	IdenfyReplayWindow  time.Duration     `name:"idenfy-replay-window" default:"10m" help:"How long a seen iDenfy event is remembered to refuse replays." env:"CIRCLES_IDENFY_REPLAY_WINDOW"`

	NoPlayground bool `name:"no-playground" help:"Serve no playground page at / (the client module /circles-client.js stays)." env:"CIRCLES_NO_PLAYGROUND"`
	AdminFlags   `embed:""`
}

// noKeyHelp is printed when serve has no circle to serve.
const noKeyHelp = `circles-actor serve: no circle to serve.
Make a key pair and serve its public key:

  circles-actor keygen
  circles-actor serve -k <public key hex>

(-k repeats; --public-keys a,b and CIRCLES_PUBLIC_KEYS=a,b work too.)
Or start without -k and add circles at runtime: give --admin-token (then
'circles-actor circles add PK'), or --redis-url to follow a shared set.
`

// Run serves until ctx ends (SIGINT/SIGTERM), then shuts down gracefully
// and returns nil.
func (c *ServeCmd) Run(ctx context.Context, g *Globals) error {
	cfg, err := c.config()
	if err != nil {
		return err
	}
	// Without -k there is nothing to serve unless circles can arrive at
	// runtime: through the admin API, or from a shared set in Redis.
	if len(cfg.PublicKeys) == 0 && len(cfg.AdminTokens) == 0 && cfg.RedisURL == "" {
		fmt.Fprint(os.Stderr, noKeyHelp)
		return exitCode(2)
	}
	log := newCLILogger(g, slog.LevelInfo)
	return serve(ctx, cfg, log, nil)
}

// config builds the validated configuration the flags describe.
func (c *ServeCmd) config() (config.Config, error) {
	cfg := config.Default()
	cfg.Host, cfg.Port = c.Host, c.Port
	cfg.PublicKeys, cfg.InitScripts = config.SplitInitScripts(c.PublicKeys)
	cfg.DataDir = c.DataDir
	c.StateFlags.apply(&cfg)
	cfg.EnableAuth, cfg.TLS, cfg.CertFile, cfg.KeyFile = c.EnableAuth, c.TLS, c.Cert, c.Key
	cfg.WorkersPerCircle = c.WorkersPerCircle
	c.SandboxFlags.apply(&cfg)
	cfg.NonceTTL, cfg.MaxPendingNonces, cfg.AuthFailuresPerMinute = c.NonceTTL, c.MaxPendingNonces, c.AuthFailuresPerMinute
	cfg.MaxFrameBytes, cfg.MaxInFlight, cfg.MaxBatch, cfg.MaxConnsPerIP = c.MaxFrameBytes, c.MaxInFlight, c.MaxBatch, c.MaxConnsPerIP
	cfg.IdleTimeout, cfg.PingInterval, cfg.WriteQueue, cfg.WriteTimeout = c.IdleTimeout, c.PingInterval, c.WriteQueue, c.WriteTimeout
	cfg.ShutdownTimeout = c.ShutdownTimeout
	cfg.RedisURL, cfg.NoLocalWorkers, cfg.PreserveTasks = c.RedisURL, c.NoLocalWorkers, c.PreserveTasks
	cfg.TaskRetention, cfg.QueueMaxLen = c.TaskRetention, c.QueueMaxLen
	cfg.RedisMinReplicas, cfg.RedisReplicaTimeout = c.RedisMinReplicas, c.RedisReplicaTimeout
	cfg.StripeWebhookSecret, cfg.IdenfyWebhookSecret = c.StripeWebhookSecret, c.IdenfyWebhookSecret
	cfg.WebhookScripts, cfg.WebhookMaxBody = c.WebhookScripts, c.WebhookMaxBody
	cfg.StripeTolerance, cfg.IdenfyReplayWindow = c.StripeTolerance, c.IdenfyReplayWindow
	cfg.CircleWebhookSecrets = circleSecrets(c.StripeCircleSecrets, c.IdenfyCircleSecrets)
	cfg.NoPlayground = c.NoPlayground
	tokens, err := c.AdminFlags.tokens()
	if err != nil {
		return config.Config{}, err
	}
	cfg.AdminTokens = tokens
	if err := cfg.Validate(); err != nil {
		return config.Config{}, err
	}
	return cfg, nil
}

// circleSecrets merges the per-provider flag maps into config's per-circle
// form (Validate canonicalises the keys).
func circleSecrets(stripe, idenfy map[string]string) map[string]config.ProviderSecrets {
	if len(stripe)+len(idenfy) == 0 {
		return nil
	}
	out := make(map[string]config.ProviderSecrets, len(stripe)+len(idenfy))
	for pk, s := range stripe {
		p := out[pk]
		p.Stripe = s
		out[pk] = p
	}
	for pk, s := range idenfy {
		p := out[pk]
		p.Idenfy = s
		out[pk] = p
	}
	return out
}

// serve runs the server for cfg until ctx ends. ready, when set, receives
// the listening address (tests). Shutdown order: stop accepting, drain the
// sessions (their plays finish within ShutdownTimeout), stop the actors,
// then the local Redis consumers.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, ready func(addr string)) error {
	opts := []actors.Option{actors.WithLogger(log)}
	var redisDispatcher scripting.Dispatcher
	var redisState *redisq.StateStore
	if cfg.RedisURL != "" {
		// Redis mode: the tasks and the circles' state live in Redis, so
		// every server and worker on it sees one state per circle.
		d, err := newRedisDispatcher(ctx, cfg, log)
		if err != nil {
			return err
		}
		opts = append(opts, actors.WithDispatcher(d))
		redisDispatcher = d
		st, closeState, err := newRedisState(cfg)
		if err != nil {
			_ = d.Close()
			return err
		}
		defer closeState() // after the consumers drained: their answers commit state
		redisState = st
		opts = append(opts, actors.WithStateStore(st))
	} else {
		st, err := openState(ctx, cfg, log)
		if err != nil {
			return err
		}
		opts = append(opts, actors.WithStateStore(st))
	}
	sys, err := actors.NewSystem(cfg, opts...)
	if err != nil {
		return fmt.Errorf("failed to start the actor system: %w", err)
	}
	if redisState != nil {
		// Redis commits are applied by the consumers' answer steps, which
		// report them (and their conflicts) to the system's state metrics.
		redisState.Observe(sys.StateHooks())
	}
	if err := registerRedisMetrics(sys.Registry(), redisDispatcher, sys.Circles); err != nil {
		log.Warn("redis queue metrics unavailable", "err", err)
	}
	stopWorkers := func(context.Context) error { return nil }
	if cfg.RedisURL != "" && !cfg.NoLocalWorkers && len(cfg.PublicKeys) > 0 {
		stop, err := startRedisWorkers(ctx, cfg, sys.Circles(), cfg.WorkersPerCircle, log, redisState, sys.Executor)
		if err != nil {
			shutdownQuietly(sys, cfg.ShutdownTimeout)
			return err
		}
		stopWorkers = stop
	}
	srv, err := transport.NewServer(sys, cfg, log)
	if err != nil {
		shutdownQuietly(sys, cfg.ShutdownTimeout)
		return fmt.Errorf("failed to build the server: %w", err)
	}
	circles, err := startCircles(ctx, cfg, sys, srv, redisState, log)
	if err != nil {
		shutdownQuietly(sys, cfg.ShutdownTimeout)
		_ = stopWorkers(context.Background())
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr())
	if err != nil {
		shutdownQuietly(sys, cfg.ShutdownTimeout)
		_ = circles.stop(context.Background())
		return fmt.Errorf("failed to listen: %w", err)
	}
	addr := ln.Addr().String()
	log.Info("listening", "addr", addr, "tls", cfg.TLS, "circles", fingerprints(sys.Circles()),
		"auth", cfg.EnableAuth, "redis", cfg.RedisURL != "")
	if ready != nil {
		ready(addr)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	var serveErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	case err := <-served:
		serveErr = fmt.Errorf("failed to serve: %w", err)
		log.Error("server stopped", "err", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	stopped := make(chan bool, 1)
	go func() {
		clean := true
		if err := srv.Shutdown(sctx); err != nil {
			log.Warn("shutdown did not complete cleanly", "err", err)
			clean = false
		}
		if err := stopWorkers(sctx); err != nil {
			log.Warn("redis workers did not drain cleanly", "err", err)
			clean = false
		}
		if err := circles.stop(sctx); err != nil {
			log.Warn("consumers of added circles did not drain cleanly", "err", err)
			clean = false
		}
		stopped <- clean
	}()
	// The drain is bounded by sctx; whatever still holds the stop up a
	// second later (a stuck dependency) is abandoned with the process.
	hard := time.NewTimer(cfg.ShutdownTimeout + shutdownGrace)
	defer hard.Stop()
	clean := false
	select {
	case clean = <-stopped:
	case <-hard.C:
		log.Error("shutdown still blocked past its timeout, exiting anyway", "timeout", cfg.ShutdownTimeout)
	}
	if serveErr == nil && clean {
		if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("serve returned", "err", err)
		}
	}
	if serveErr == nil && !clean {
		serveErr = errShutdownAbandoned
	}
	log.Info("stopped", "clean", clean)
	return serveErr
}

// shutdownGrace is how long past --shutdown-timeout the process waits for
// its stop before it exits regardless.
const shutdownGrace = time.Second

// errShutdownAbandoned is serve's result (exit status 1) when the drain ran
// out of --shutdown-timeout and work in flight was abandoned.
var errShutdownAbandoned = errors.New("shutdown timed out: work in flight was abandoned")

// shutdownQuietly stops a system that never served.
func shutdownQuietly(sys *actors.System, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_ = sys.Shutdown(ctx)
}

// fingerprints lists circles as 8-hex fingerprints for logs.
func fingerprints(pks []string) []string {
	out := make([]string, len(pks))
	for i, pk := range pks {
		out[i] = config.Fingerprint(pk)
	}
	return out
}
