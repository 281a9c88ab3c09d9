package scripting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/scripting/state"
)

// Engine runs tasks in the sandbox: it wraps one *rhai.Engine (shared, safe
// for concurrent runs once registration is done) with the server's limits,
// its default wall-clock timeout and a cache of compiled programs. Every task
// gets a fresh scope holding the task constants (CONTEXT_ID, CALLER_ID,
// CIRCLE_PUBLIC_KEY, CALLER_PUBLIC_KEY, TASK_ID) and Task.Vars.
//
// Register host functions before the first Execute; after that an Engine is
// safe for concurrent use.
type Engine struct {
	rhai    *rhai.Engine
	limits  rhai.Limits
	timeout time.Duration
	log     *slog.Logger
	cache   *programCache
	maxOut  int

	modules    *rhai.FileResolver // nil: imports find only static modules
	modulesDir string

	state      state.Store // nil: runs have no `state`
	stateLim   state.Limits
	stateHooks StateHooks
}

// StateHooks observe the state transactions of runs (metrics). Each field
// may be nil; they are called on the run's goroutine.
type StateHooks struct {
	// Committed: a run's writes were committed (and made durable) in d. Not
	// called for a store that relays commits (state.Relayer: Redis, whose
	// consumer applies them with the answer and reports the outcome).
	Committed func(circle string, writes int, d time.Duration)
	// Conflict: a commit met another and the run is run again.
	Conflict func(circle string)
}

// maxStateReruns bounds how often a run is run again after a commit
// conflict (optimistic stores) before it fails.
const maxStateReruns = 16

// WithState gives every run a constant `state`: the circle's key-value
// state in a transaction the Engine owns. It opens it before the run,
// commits it after a successful run and only then returns, so an answer is
// never sent before its writes are durable; a failed run commits nothing.
func WithState(s state.Store, lim state.Limits) EngineOption {
	return func(e *Engine) { e.state, e.stateLim = s, lim }
}

// WithStateHooks sets the observers of state commits.
func WithStateHooks(h StateHooks) EngineOption {
	return func(e *Engine) { e.stateHooks = h }
}

// EngineOption configures NewEngine.
type EngineOption func(*Engine)

// WithEngineLogger sends print/debug lines and run summaries to l (default:
// slog.Default()).
func WithEngineLogger(l *slog.Logger) EngineOption {
	return func(e *Engine) {
		if l != nil {
			e.log = l
		}
	}
}

// WithProgramCache sets how many compiled scripts are kept (default 256; 0 or
// less disables the cache). Clients resend the same scripts, so the cache
// turns most plays into a run without a parse.
func WithProgramCache(entries int) EngineOption {
	return func(e *Engine) { e.cache = newProgramCache(entries, maxCachedBytes) }
}

// WithMaxPrintBytes bounds the print() output kept in Result.Prints (default
// 64 KiB); further lines are still logged but not returned.
func WithMaxPrintBytes(n int) EngineOption {
	return func(e *Engine) { e.maxOut = n }
}

const (
	defaultCacheEntries = 256
	maxCachedBytes      = 16 << 20
	defaultPrintBytes   = 64 << 10
	// DefaultTimeout is the wall-clock budget when neither the task nor
	// NewEngine names one.
	DefaultTimeout = 5 * time.Second
)

// NewEngine returns an engine with Rhai's standard library and the given
// sandbox. defaultTimeout applies to tasks whose Timeout is 0 (0 here means
// DefaultTimeout).
func NewEngine(limits rhai.Limits, defaultTimeout time.Duration, opts ...EngineOption) *Engine {
	if defaultTimeout <= 0 {
		defaultTimeout = DefaultTimeout
	}
	e := &Engine{
		rhai:    rhai.NewEngine(),
		limits:  limits,
		timeout: defaultTimeout,
		log:     slog.Default(),
		cache:   newProgramCache(defaultCacheEntries, maxCachedBytes),
		maxOut:  defaultPrintBytes,
	}
	for _, o := range opts {
		o(e)
	}
	if e.state != nil {
		state.Register(e.rhai)
	}
	if e.modulesDir != "" {
		e.modules = rhai.NewFileResolver(e.modulesDir, &e.limits)
	}
	return e
}

// State returns the store runs see as `state` (nil when none).
func (e *Engine) State() state.Store { return e.state }

// Rhai returns the underlying interpreter, for host-function registration
// beyond RegisterFn.
func (e *Engine) Rhai() *rhai.Engine { return e.rhai }

// Limits returns the sandbox applied to every task.
func (e *Engine) Limits() rhai.Limits { return e.limits }

// Timeout returns the default wall-clock budget of a task.
func (e *Engine) Timeout() time.Duration { return e.timeout }

// RegisterFn registers a typed Go function callable from scripts as name,
// e.g. func(name string, times int64) (string, error); see
// rhai.Engine.RegisterFn for the accepted signatures. Register before the
// first Execute.
func (e *Engine) RegisterFn(name string, fn any) error {
	return e.rhai.RegisterFn(name, fn)
}

// RegisterNative registers hand-written native functions (the low-level
// form of RegisterFn, for overloads on argument kinds).
func (e *Engine) RegisterNative(defs ...rhai.NativeDef) {
	e.rhai.RegisterNative(defs...)
}

// Execute runs t to completion on the calling goroutine and never returns a
// Go error: every failure is in Result.Err. Cancelling ctx stops the script
// (kind "cancelled"); running out of the task's timeout stops it with kind
// "timeout".
func (e *Engine) Execute(ctx context.Context, t Task) Result {
	return e.ExecuteDeferred(ctx, t).Settle()
}

// ExecuteDeferred is Execute without waiting for the durability of the
// run's state writes: when Result.Durable is set, the writes are committed
// and visible to the circle's next run, and the caller must call Settle
// (on any goroutine) before it answers. A worker uses it to start its next
// run while the last one's writes sync.
func (e *Engine) ExecuteDeferred(ctx context.Context, t Task) Result {
	w := &settleWaiter{ch: make(chan struct{})}
	res, pending := e.execute(ctx, t, w.finish)
	if pending {
		res.Durable = w.wait
	}
	return res
}

// ExecuteAsync is ExecuteDeferred with the wait turned into a callback:
// when pending is false, res is the settled result and done is never
// called; when true, the run's writes are committed and visible to the
// circle's next run, and done is called once with the settled result when
// they are durable (or failed to be), possibly on the state store's
// goroutine before ExecuteAsync returns: done must not block.
func (e *Engine) ExecuteAsync(ctx context.Context, t Task, done func(Result)) (Result, bool) {
	return e.execute(ctx, t, func(r Result, err error) { done(r.settled(err)) })
}

// settleWaiter is a Result.Durable over execute's callback.
type settleWaiter struct {
	ch  chan struct{}
	err error
}

func (w *settleWaiter) finish(_ Result, err error) { w.err = err; close(w.ch) }
func (w *settleWaiter) wait() error                { <-w.ch; return w.err }

// execute runs t. When it returns pending, the run's writes are committed,
// not yet durable, and then is called once, later, with the run's result
// and the durability's outcome; else res is final and then is not called.
func (e *Engine) execute(ctx context.Context, t Task, then func(Result, error)) (res Result, pending bool) {
	start := time.Now()
	res.TaskID = t.ID
	defer func() {
		if !pending {
			res.Took = time.Since(start)
		}
	}()

	prog, serr := e.compile(t.Script)
	if serr != nil {
		res.Err = serr
		return res, false
	}
	consts, serr := taskConstants(t)
	if serr != nil {
		res.Err = serr
		return res, false
	}
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = e.timeout
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	opts := rhai.RunOptions{Constants: consts, Strings: taskStrings(t)}
	if e.modules != nil {
		opts.Modules = e.modules.Within(t.CircleID)
	}
	if e.state == nil {
		e.run(ctx, runCtx, t, prog, &opts, &res)
		return res, false
	}
	// A run that panics (an interpreter or host-function bug; the worker
	// re-raises it) must still release the circle's lock: the Tx is aborted
	// on every way out (a no-op after its commit).
	var tx *state.Tx
	defer func() {
		if tx != nil {
			tx.Abort()
		}
	}()
	for attempt := 0; ; attempt++ {
		sess, err := e.state.Begin(runCtx, t.CircleID)
		if err != nil {
			res.Err = stateError(ctx, runCtx, err)
			return res, false
		}
		tx = state.NewTx(sess, e.stateLim)
		opts.Values = []rhai.NamedValue{{Name: "state", Value: state.Object(tx)}}
		res = Result{TaskID: t.ID}
		if !e.run(ctx, runCtx, t, prog, &opts, &res) {
			tx.Abort()
			if tx.Conflicted() && attempt < maxStateReruns && runCtx.Err() == nil {
				// An optimistic store's read found the circle moved on: the
				// failure may be an artefact of that view; run it again.
				if h := e.stateHooks.Conflict; h != nil {
					h(t.CircleID)
				}
				continue
			}
			return res, false
		}
		if tx.Conflicted() && attempt < maxStateReruns && runCtx.Err() == nil {
			// The run caught the conflict's error and went on: run it again.
			tx.Abort()
			if h := e.stateHooks.Conflict; h != nil {
				h(t.CircleID)
			}
			continue
		}
		began := time.Now()
		writes := tx.Writes()
		// The answer to give once the writes are durable: the run's result
		// as it is now (Took without the wait for the sync, as before).
		res.Took = began.Sub(start)
		final, hook, circle := res, e.stateHooks.Committed, t.CircleID
		pending, err := tx.CommitThen(runCtx, func(err error) {
			if err == nil && hook != nil {
				hook(circle, writes, time.Since(began))
			}
			then(final, err)
		})
		if errors.Is(err, state.ErrConflict) && attempt < maxStateReruns && runCtx.Err() == nil {
			if h := e.stateHooks.Conflict; h != nil {
				h(t.CircleID)
			}
			continue
		}
		if err != nil {
			res.Output, res.Type = "", ""
			res.Err = stateError(ctx, runCtx, err)
			return res, false
		}
		if !pending {
			if hook != nil && writes > 0 && !tx.Relayed() {
				hook(t.CircleID, writes, time.Since(began))
			}
			return res, false
		}
		return res, true
	}
}

// run executes one attempt of t into res and reports whether it succeeded.
func (e *Engine) run(ctx, runCtx context.Context, t Task, prog *rhai.Program, opts *rhai.RunOptions, res *Result) bool {
	out := &printSink{max: e.maxOut, log: e.log, task: t.ID}
	limits := e.limits
	opts.Limits = &limits
	opts.Print, opts.Debug = out.print, out.debug
	v, err := e.rhai.Run(runCtx, prog, opts)
	res.Prints = out.lines
	if err != nil {
		res.Err = toScriptError(ctx, runCtx, err)
		return false
	}
	res.Output = rhai.ToString(v)
	res.Type = v.TypeName()
	return true
}

// stateError is a failure to open or commit a run's state transaction.
func stateError(parent, run context.Context, err error) *ScriptError {
	if errors.Is(run.Err(), context.DeadlineExceeded) && parent.Err() == nil {
		return &ScriptError{Kind: KindTimeout, Message: "script timed out"}
	}
	if errors.Is(err, state.ErrConflict) {
		return &ScriptError{Kind: KindStateConflict, Message: fmt.Sprintf("state transaction kept conflicting with other runs (%d attempts)", maxStateReruns+1)}
	}
	return &ScriptError{Kind: string(rhai.ErrHost), Message: "state: " + err.Error()}
}

// compile returns the cached program for src or compiles and caches it.
func (e *Engine) compile(src string) (*rhai.Program, *ScriptError) {
	if e.limits.MaxScriptBytes > 0 && len(src) > e.limits.MaxScriptBytes {
		return nil, &ScriptError{
			Kind:    string(rhai.ErrDataTooLarge),
			Message: fmt.Sprintf("script is %d bytes, the limit is %d", len(src), e.limits.MaxScriptBytes),
		}
	}
	if p, ok := e.cache.get(src); ok {
		return p, nil
	}
	p, err := e.rhai.CompileWithLimits(src, &e.limits)
	if err != nil {
		return nil, toScriptError(context.Background(), context.Background(), err)
	}
	e.cache.put(src, p)
	return p, nil
}

// taskConstants converts the task's extra variables (webhook EVENT and the
// like); nil when there are none, so a plain play builds no map at all. The
// task's ids are authoritative: a variable of the same name is dropped.
func taskConstants(t Task) (map[string]rhai.Value, *ScriptError) {
	if len(t.Vars) == 0 {
		return nil, nil
	}
	consts := make(map[string]rhai.Value, len(t.Vars))
	for name, v := range t.Vars {
		if isTaskID(name) {
			continue
		}
		rv, err := rhai.FromGo(v)
		if err != nil {
			return nil, &ScriptError{Kind: string(rhai.ErrHost), Message: fmt.Sprintf("failed to convert variable %s: %v", name, err)}
		}
		consts[name] = rv
	}
	return consts, nil
}

// taskStrings are the ids every task's scope holds (DESIGN.md §5), passed as
// Go strings: the interpreter makes script values only of those a script reads.
func taskStrings(t Task) []rhai.NamedString {
	return []rhai.NamedString{
		{Name: "CONTEXT_ID", Value: t.CircleID},
		{Name: "CIRCLE_PUBLIC_KEY", Value: t.CircleID},
		{Name: "CALLER_ID", Value: t.CallerID},
		{Name: "CALLER_PUBLIC_KEY", Value: t.CallerID},
		{Name: "TASK_ID", Value: t.ID},
	}
}

func isTaskID(name string) bool {
	switch name {
	case "CONTEXT_ID", "CIRCLE_PUBLIC_KEY", "CALLER_ID", "CALLER_PUBLIC_KEY", "TASK_ID":
		return true
	}
	return false
}

// toScriptError maps an interpreter error to what callers see. A cancelled
// run is a "timeout" when the task's own deadline fired and the caller's ctx
// is still live; otherwise it stays "cancelled" (shutdown, caller gone).
func toScriptError(parent, run context.Context, err error) *ScriptError {
	var re *rhai.Error
	if !errors.As(err, &re) {
		return &ScriptError{Kind: string(rhai.ErrHost), Message: err.Error()}
	}
	se := &ScriptError{Kind: string(re.Kind), Message: re.Message, Line: re.Line, Column: re.Column}
	timedOut := errors.Is(run.Err(), context.DeadlineExceeded) && parent.Err() == nil
	if timedOut && (re.Kind == rhai.ErrCancelled || errors.Is(err, context.DeadlineExceeded)) {
		se.Kind = KindTimeout
		se.Message = "script timed out"
	}
	return se
}

// printSink collects print() lines up to a byte budget and logs every line.
type printSink struct {
	max   int
	used  int
	lines []string
	log   *slog.Logger
	task  string
}

func (p *printSink) print(s string) {
	p.log.Debug("script print", "task", p.task, "line", s)
	if p.used+len(s) > p.max {
		return
	}
	p.used += len(s)
	p.lines = append(p.lines, s)
}

func (p *printSink) debug(s string) {
	p.log.Debug("script debug", "task", p.task, "line", s)
}
