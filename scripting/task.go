// Package scripting runs circle scripts: the task model shared by the server
// and its workers, the sandboxed engine that executes a task with the Rhai
// interpreter (package scripting/rhai), and the Dispatcher seam through which
// the server hands tasks to workers, in-process or through Redis
// (package scripting/redisq).
package scripting

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Task is one unit of work for a circle's worker: a script plus who asked.
type Task struct {
	ID        string        // unique; TASK_ID in the script
	CircleID  string        // canonical circle pk; CONTEXT_ID and CIRCLE_PUBLIC_KEY
	CallerID  string        // authenticated caller pk or ""; CALLER_ID and CALLER_PUBLIC_KEY
	Script    string        // Rhai source
	Timeout   time.Duration // wall-clock budget for the run; 0 means the engine default
	CreatedAt time.Time
	// Vars are extra constants for the script's scope (e.g. EVENT, EVENT_TYPE,
	// PROVIDER for webhooks). Values are plain JSON-like Go values: nil, bool,
	// float64/int64/json.Number, string, []any, map[string]any.
	Vars map[string]any
}

// Result is the outcome of a task. Exactly one of Err == nil (success: Output
// and Type are set) or Err != nil holds.
type Result struct {
	TaskID string
	Output string       // the final value, to_string form
	Type   string       // the final value's Rhai type name
	Prints []string     // print() lines, in order
	Err    *ScriptError // script failure (parse, runtime, limits, timeout)
	Took   time.Duration
	// Durable, when set, waits for the run's committed state writes to be
	// on stable storage (see Engine.ExecuteDeferred). Settle calls it.
	Durable func() error
}

// Settle waits for r's state writes to be durable and returns the result
// to answer with: r itself, or a failure when the writes could not be made
// durable (the run's answer must then not claim success).
func (r Result) Settle() Result {
	if r.Durable == nil {
		return r
	}
	err := r.Durable()
	r.Durable = nil
	return r.settled(err)
}

// settled is r once its writes' durability is known: err is nil, or why
// they could not be made durable.
func (r Result) settled(err error) Result {
	if err != nil {
		r.Output, r.Type = "", ""
		r.Err = &ScriptError{Kind: "host", Message: "state: " + err.Error()}
	}
	return r
}

// ScriptError is a script failure as callers see it.
type ScriptError struct {
	Kind    string `json:"kind"` // see rhai.ErrorKind; "timeout" for a wall-clock timeout
	Message string `json:"message"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
}

func (e *ScriptError) Error() string { return e.Kind + ": " + e.Message }

// Timeout reports whether the script was stopped by its wall-clock budget.
func (e *ScriptError) Timeout() bool { return e != nil && e.Kind == KindTimeout }

// KindTimeout is ScriptError.Kind for a run stopped by its wall-clock budget.
const KindTimeout = "timeout"

// KindStateConflict is ScriptError.Kind for a run whose state commit lost
// to other runs more often than the Engine re-runs it.
const KindStateConflict = "state_conflict"

// Errors a Dispatcher returns when a task could not be run at all (as
// opposed to a script that ran and failed, which is Result.Err).
var (
	// ErrUnavailable: no worker can take the task now (queue down, full, shutting down).
	ErrUnavailable = errors.New("scripting: no worker available")
	// ErrTimeout: no result arrived within the task's timeout (plus grace).
	ErrTimeout = errors.New("scripting: timed out waiting for a worker")
	// ErrQueueUnreachable: the task queue (Redis) cannot be reached. It is
	// an ErrUnavailable.
	ErrQueueUnreachable = fmt.Errorf("%w: task queue unreachable", ErrUnavailable)
	// ErrQueueFull: the circle's task queue is at its bound. It is an
	// ErrUnavailable.
	ErrQueueFull = fmt.Errorf("%w: task queue full", ErrUnavailable)
)

// UnavailableReason says, in words fit for a caller, why a task that
// failed with an ErrUnavailable could not run: the queue is unreachable or
// full, or no worker is available, or the reason a Reasoner in err's chain
// gives (e.g. "Redis rejected the password"). It names no addresses or keys.
func UnavailableReason(err error) string {
	var r Reasoner
	switch {
	case errors.As(err, &r):
		return r.Reason()
	case errors.Is(err, ErrQueueFull):
		return "the circle's task queue is full"
	case errors.Is(err, ErrQueueUnreachable):
		return "the task queue is unreachable"
	}
	return "no worker available"
}

// Reasoner is an error that says in one sentence, fit for callers, why no
// task can run until an operator fixes something (a permanent fault, as
// opposed to a busy or briefly unreachable queue).
type Reasoner interface {
	error
	Reason() string
}

// Dispatcher hands tasks to workers and waits for their results. The server
// owns one per process (or per circle); actors do not know which kind is in
// use. Implementations are safe for concurrent use.
type Dispatcher interface {
	// Dispatch runs t and returns its result. It blocks until the result
	// arrives, ctx is done, or t's timeout (plus a grace period) passes; it
	// returns ErrUnavailable or ErrTimeout (possibly wrapped) when no result
	// could be had. Cancelling ctx abandons the wait.
	Dispatch(ctx context.Context, t Task) (Result, error)
	// Ready reports whether tasks can be dispatched now (for /readyz).
	Ready(ctx context.Context) error
	// Close releases the dispatcher's resources; pending Dispatch calls
	// return ErrUnavailable.
	Close() error
}

// AsyncDispatcher is a Dispatcher that can also hand the result to a
// callback instead of blocking a goroutine per task, for callers that would
// otherwise start one just to wait (an actor must not block).
type AsyncDispatcher interface {
	Dispatcher
	// DispatchAsync runs t like Dispatch and calls done exactly once with
	// what Dispatch would have returned. done may run before DispatchAsync
	// returns, on any goroutine, and must not block.
	DispatchAsync(ctx context.Context, t Task, done func(Result, error))
}

// Executor runs a task to completion on the calling goroutine. The worker
// actor implements it on top of Engine; the Redis consumer calls it for each
// task it takes from a queue. Execute returns once t.Timeout has passed (the
// Engine stops the script), or when ctx ends, whichever is first.
type Executor interface {
	Execute(ctx context.Context, t Task) Result
}

// DeferredExecutor is an Executor that can also return before a run's
// state writes are durable (Engine.ExecuteDeferred): the caller starts its
// next run and answers this one after Result.Settle.
type DeferredExecutor interface {
	Executor
	ExecuteDeferred(ctx context.Context, t Task) Result
}

// AsyncExecutor is a DeferredExecutor that can also report the settled
// result through a callback (Engine.ExecuteAsync), so that a worker answers
// a whole commit group from the state store's goroutine instead of waiting
// for each run on a goroutine of its own.
type AsyncExecutor interface {
	DeferredExecutor
	ExecuteAsync(ctx context.Context, t Task, done func(Result)) (res Result, pending bool)
}

// ExecutorFunc adapts a function to Executor.
type ExecutorFunc func(ctx context.Context, t Task) Result

func (f ExecutorFunc) Execute(ctx context.Context, t Task) Result { return f(ctx, t) }
