package actors

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/internal/lograte"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/scripting/state"
)

// poolGoroutines is the size of the mailbox goroutine pool (workers,
// circles, the guardian): about the number of workers busy at the same
// moment. Idle ones are parked and cost their stacks only; past it,
// mailboxes get fresh goroutines.
const poolGoroutines = 64

// startTimeout bounds each start-up round trip to the guardian and circles.
const startTimeout = 10 * time.Second

// playFailLogInterval is how often a play that could not run (the task
// queue unreachable or full) is logged while it keeps happening.
const playFailLogInterval = 5 * time.Second

// System is the whole actor system: guardian, one circle supervisor per key,
// sessions and workers. Build it with NewSystem, attach connections with
// OpenSession, stop it with Shutdown. All methods are safe for concurrent
// use.
type System struct {
	cfg        config.Config
	log        *slog.Logger
	as         *actor.ActorSystem
	root       *actor.PID
	circles    map[string]*circleRef // immutable after NewSystem
	keys       []string              // sorted canonical pks
	engine     *scripting.Engine
	state      state.Store          // every circle's state; closed by Shutdown
	exec       scripting.Executor   // what workers run tasks with: the engine
	dispatcher scripting.Dispatcher // nil: in-process, on the worker actors
	registry   *prometheus.Registry
	metrics    *metrics
	throttle   *authThrottle

	base       context.Context // cancelled at the end of Shutdown: stops running scripts
	cancelBase context.CancelFunc
	pool       *pooledDispatcher // runs session and worker mailboxes
	sessionSeq atomic.Uint64
	taskSeq    atomic.Uint64
	idPrefix   string
	sessions   sync.Map // id -> *sessionEntry, live sessions
	live       liveSet
	shutting   atomic.Bool
	stopOnce   sync.Once
	stopErr    error

	playFailLog *lograte.Limiter // "play could not run": once per interval
}

// circleRef is what the System and sessions know of a circle.
type circleRef struct {
	pk       string
	fp       string // fingerprint for logs and metrics
	pid      *actor.PID
	pool     *workerPool
	sessions prometheus.Gauge // open sessions of this circle
	queue    prometheus.Gauge // tasks sent to its workers and not started
}

// sessionEntry lets Shutdown force-close sessions that did not drain in time.
type sessionEntry struct {
	pid  *actor.PID
	sink FrameSink
}

// NewSystem validates cfg (on a copy) and starts the actor system: the
// guardian, one circle supervisor per key, and the circles' workers. It
// returns once all of them are running.
func NewSystem(cfg config.Config, opts ...Option) (*System, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	s, err := newSystem(cfg, &o)
	if err != nil {
		return nil, err
	}
	if err := s.start(); err != nil {
		s.cancelBase()
		s.as.Shutdown()
		s.pool.close()
		return nil, err
	}
	return s, nil
}

func newSystem(cfg config.Config, o *options) (*System, error) {
	s := &System{cfg: cfg, log: o.logger, dispatcher: o.dispatcher, registry: o.registry, idPrefix: newIDPrefix(),
		playFailLog: lograte.New(playFailLogInterval)}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
	}
	m, err := newMetrics(s.registry)
	if err != nil {
		return nil, fmt.Errorf("failed to register metrics: %w", err)
	}
	s.metrics = m
	s.throttle = newAuthThrottle(cfg.AuthFailuresPerMinute)
	s.state = o.state
	if s.state == nil {
		s.state = state.NewMemory()
	}
	stateLim := state.DefaultLimits()
	if o.stateLim != nil {
		stateLim = *o.stateLim
	}
	s.engine = scripting.NewEngine(SandboxLimits(cfg), cfg.ScriptTimeout, scripting.WithEngineLogger(s.log),
		scripting.WithState(s.state, stateLim))
	for _, register := range o.hostFns {
		if err := register(s.engine.Rhai()); err != nil {
			return nil, fmt.Errorf("failed to register host functions: %w", err)
		}
	}
	s.exec = s.engine
	if o.exec != nil {
		s.exec = o.exec
	}
	s.base, s.cancelBase = context.WithCancel(context.Background())
	s.circles = make(map[string]*circleRef, len(cfg.PublicKeys))
	for _, pk := range cfg.PublicKeys {
		fp := config.Fingerprint(pk)
		s.circles[pk] = &circleRef{pk: pk, fp: fp, pool: &workerPool{},
			sessions: m.sessions.WithLabelValues(fp), queue: m.queueDepth.WithLabelValues(fp)}
		s.keys = append(s.keys, pk)
	}
	slices.Sort(s.keys)
	s.pool = newPooledDispatcher(poolGoroutines)
	logger := s.log
	s.as = actor.NewActorSystem(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return protoLogger(logger) }),
		actor.WithDeadLetterRequestLogging(false),
	)
	return s, nil
}

// SandboxLimits maps the config's sandbox onto the interpreter's limits; the
// server's workers and `circles-actor worker` processes run under the same.
func SandboxLimits(cfg config.Config) rhai.Limits {
	return rhai.Limits{
		MaxOperations:  cfg.MaxOperations,
		MaxCallDepth:   cfg.MaxCallDepth,
		MaxExprDepth:   cfg.MaxExprDepth,
		MaxStringLen:   cfg.MaxStringLen,
		MaxArrayLen:    cfg.MaxArrayLen,
		MaxMapLen:      cfg.MaxMapLen,
		MaxBlobLen:     cfg.MaxBlobLen,
		MaxScriptBytes: cfg.MaxScriptBytes,
	}
}

// start spawns the guardian and waits until every circle has its workers.
func (s *System) start() error {
	props := actor.PropsFromProducer(func() actor.Actor { return &guardian{sys: s} },
		actor.WithSupervisor(circleStrategy))
	root, err := s.as.Root.SpawnNamed(props, guardianName)
	if err != nil {
		return fmt.Errorf("failed to spawn the guardian: %w", err)
	}
	s.root = root
	if _, err := s.as.Root.RequestFuture(root, &ListCircles{}, startTimeout).Result(); err != nil {
		return fmt.Errorf("failed to start circles: %w", err)
	}
	for _, ref := range s.circles {
		if ref.pid == nil {
			return fmt.Errorf("failed to start circle %s", ref.fp)
		}
		if _, err := s.as.Root.RequestFuture(ref.pid, &CircleReady{}, startTimeout).Result(); err != nil {
			return fmt.Errorf("failed to start circle %s: %w", ref.fp, err)
		}
	}
	s.log.Info("actor system started", "circles", len(s.circles), "workers_per_circle", s.cfg.WorkersPerCircle,
		"dispatcher", s.dispatcherName())
	return nil
}

func (s *System) dispatcherName() string {
	if s.dispatcher != nil {
		return fmt.Sprintf("%T", s.dispatcher)
	}
	return "in-process"
}

// Config returns the validated configuration the system runs with.
func (s *System) Config() config.Config { return s.cfg }

// Logger returns the system's logger.
func (s *System) Logger() *slog.Logger { return s.log }

// ActorSystem returns the protoactor system, for tests and tooling.
func (s *System) ActorSystem() *actor.ActorSystem { return s.as }

// Root returns the guardian's PID.
func (s *System) Root() *actor.PID { return s.root }

// CirclePID returns the supervisor PID of a circle (canonical pk), or nil.
func (s *System) CirclePID(pk string) *actor.PID {
	if ref, ok := s.circles[pk]; ok {
		return ref.pid
	}
	return nil
}

// WorkerPIDs returns the worker PIDs of a circle (canonical pk).
func (s *System) WorkerPIDs(pk string) []*actor.PID {
	if ref, ok := s.circles[pk]; ok {
		return slices.Clone(ref.pool.all())
	}
	return nil
}

// Circles returns the canonical pks of the served circles, sorted.
func (s *System) Circles() []string { return slices.Clone(s.keys) }

// HasCircle reports whether pk (canonical) is served.
func (s *System) HasCircle(pk string) bool {
	_, ok := s.circles[pk]
	return ok
}

// Registry is the Prometheus registry holding the system's metrics (what
// /metrics serves; the transport adds its own collectors to it).
func (s *System) Registry() *prometheus.Registry { return s.registry }

// Engine returns the script engine shared by the workers.
func (s *System) Engine() *scripting.Engine { return s.engine }

// State returns the store that holds the circles' state.
func (s *System) State() state.Store { return s.state }

// Ready reports whether the system can serve: not shutting down, every
// circle has a live worker, and the dispatcher (if any) is ready. It asks
// each circle, so it also proves the actors are responsive; ctx bounds it.
func (s *System) Ready(ctx context.Context) error {
	if s.shutting.Load() {
		return ErrShuttingDown
	}
	for _, pk := range s.keys {
		ref := s.circles[pk]
		res, err := awaitFuture(ctx, s.as.Root.RequestFuture(ref.pid, &CircleReady{}, timeoutOf(ctx, startTimeout)))
		if err != nil {
			return fmt.Errorf("failed to reach circle %s: %w", ref.fp, err)
		}
		if !s.anyAlive(res.(*CircleWorkers).Workers) {
			return fmt.Errorf("circle %s has no live worker: %w", ref.fp, scripting.ErrUnavailable)
		}
	}
	if s.dispatcher != nil {
		if err := s.dispatcher.Ready(ctx); err != nil {
			return fmt.Errorf("failed to reach the dispatcher: %w", err)
		}
	}
	return nil
}

func (s *System) anyAlive(pids []*actor.PID) bool {
	for _, pid := range pids {
		if s.alive(pid) {
			return true
		}
	}
	return false
}

// alive reports whether pid is a registered local actor.
func (s *System) alive(pid *actor.PID) bool {
	_, ok := s.as.ProcessRegistry.GetLocal(pid.Id)
	return ok
}

// timeoutOf is the time left before ctx's deadline, or def.
func timeoutOf(ctx context.Context, def time.Duration) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		if left := time.Until(d); left > 0 {
			return left
		}
		return time.Millisecond
	}
	return def
}

// awaitFuture waits for f or ctx, whichever ends first. On ctx the waiting
// goroutine is left to the future's own timeout.
func awaitFuture(ctx context.Context, f *actor.Future) (any, error) {
	type out struct {
		v   any
		err error
	}
	ch := make(chan out, 1)
	go func() {
		v, err := f.Result()
		ch <- out{v, err}
	}()
	select {
	case o := <-ch:
		return o.v, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
