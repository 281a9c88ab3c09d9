package actors

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/scripting/state"
)

// Option configures NewSystem.
type Option func(*options)

type options struct {
	logger     *slog.Logger
	dispatcher scripting.Dispatcher
	hostFns    []func(*rhai.Engine) error
	registry   *prometheus.Registry
	exec       scripting.Executor // tests only: replaces the engine in workers
	state      state.Store
	stateLim   *state.Limits
}

// WithStateStore keeps circles' state in st (default: a new in-memory
// store, lost on exit). The System closes st on Shutdown, after its last
// run, or when NewSystem fails.
func WithStateStore(st state.Store) Option {
	return func(o *options) { o.state = st }
}

// WithStateLimits bounds each circle's state (default: the config's
// State* limits, see StateLimits).
func WithStateLimits(l state.Limits) Option {
	return func(o *options) { o.stateLim = &l }
}

// WithLogger sets the logger of the system, its actors and protoactor's own
// logs (default: slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}

// WithDispatcher sends play tasks to d instead of the circle's worker actors
// (Redis mode). The System closes d on Shutdown. If d also implements
// scripting.AsyncDispatcher, sessions use DispatchAsync and hold no
// goroutine per play in flight; otherwise each play waits in a goroutine.
func WithDispatcher(d scripting.Dispatcher) Option {
	return func(o *options) { o.dispatcher = d }
}

// WithHostFunctions lets an embedding program register its own functions on
// the interpreter shared by all workers; it runs once, before any task.
func WithHostFunctions(register func(*rhai.Engine) error) Option {
	return func(o *options) { o.hostFns = append(o.hostFns, register) }
}

// WithRegistry puts the system's metrics on r (default: a new registry,
// returned by System.Registry).
func WithRegistry(r *prometheus.Registry) Option {
	return func(o *options) { o.registry = r }
}
