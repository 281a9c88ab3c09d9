// Package rhai is a Rhai (https://rhai.rs) interpreter: values (value.go),
// the standard library (lib_*.go), and an evaluator that compiles the AST of
// package syntax into a tree of Go closures with variables resolved to frame
// slots, run under a per-run sandbox (Limits, context cancellation).
//
// An Engine holds registered native functions; Compile turns source into an
// immutable Program; Run executes a Program with its own state, so one
// Engine and its Programs may be used by many goroutines at once.
package rhai

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// Engine holds what is shared by every run: the registered native functions
// (standard library plus host functions). It is safe for concurrent use once
// registration is done; each Run has its own state. Register functions
// before compiling or running scripts, never concurrently with runs.
type Engine struct {
	natives map[string][]NativeDef
	// stdReady is set once the standard library is in; rangeReplaced then
	// records a host registration of `range`, which turns off the
	// evaluator's counting loop for `for x in range(a, b, step)`.
	stdReady      bool
	rangeReplaced bool
	// hostNames are the names registered after the standard library
	// (hosts overriding it): the evaluator's shortcuts for library
	// functions (method_fast.go) stand aside for them.
	hostNames map[string]bool
	// static and resolver find imported modules (modules.go).
	static   map[string]*Module
	resolver ModuleResolver
}

// NewEngine returns an engine with Rhai's standard library registered.
func NewEngine() *Engine {
	e := &Engine{natives: map[string][]NativeDef{}}
	e.RegisterNative(Stdlib()...)
	e.RegisterNative(coreNatives()...)
	e.stdReady = true
	return e
}

// RegisterNative adds native functions. Later registrations of the same name
// and arity are tried first (so hosts can override the standard library).
func (e *Engine) RegisterNative(defs ...NativeDef) {
	for _, d := range defs {
		if e.stdReady && d.Name == "range" {
			e.rangeReplaced = true
		}
		if e.stdReady {
			if e.hostNames == nil {
				e.hostNames = map[string]bool{}
			}
			e.hostNames[d.Name] = true
		}
		e.natives[d.Name] = append([]NativeDef{d}, e.natives[d.Name]...)
	}
}

// Program is a compiled script, reusable across runs and goroutines.
type Program struct {
	main    *fnProto
	fns     map[fnKey]*fnProto
	fnNames map[string]bool
	typed   map[typedKey]*fnProto // `fn int.f()`: methods for one receiver type
}

// RunOptions configure one run. A nil *RunOptions means defaults.
type RunOptions struct {
	// Limits is the sandbox; nil means DefaultLimits().
	Limits *Limits
	// Constants are visible as constants in the script's top-level scope.
	// The run copies a constant when the script first reads it, so the map
	// and its values must not change until Run returns.
	Constants map[string]Value
	// Strings are more constants, holding strings given as Go strings (on
	// a name in both, Constants wins). The run makes a Rhai string of one
	// only when the script reads it, so a host passing ids that most
	// scripts never read (CALLER_ID, TASK_ID...) allocates no map and no
	// string values for them. Like Constants, it must not change until Run
	// returns.
	Strings []NamedString
	// Values are more constants, given as values: host objects such as a
	// circle's `state`, handed to the script as they are (not copied). On a
	// name also in Constants or Strings, those win.
	Values []NamedValue
	// Modules resolves this run's imports after the engine's static
	// modules, in place of the engine's resolver (nil: the engine's).
	Modules ModuleResolver
	// Print and Debug receive print() and debug() output; nil discards.
	Print, Debug func(string)
}

// NamedString is one entry of RunOptions.Strings.
type NamedString struct{ Name, Value string }

// NamedValue is one entry of RunOptions.Values.
type NamedValue struct {
	Name  string
	Value Value
}

// Compile parses and compiles src with the default limits. Errors are
// *Error with Kind ErrParse.
func (e *Engine) Compile(src string) (*Program, error) {
	return e.CompileWithLimits(src, nil)
}

// CompileWithLimits is Compile with the script size and expression depth
// taken from lim (nil: DefaultLimits).
func (e *Engine) CompileWithLimits(src string, lim *Limits) (*Program, error) {
	l := DefaultLimits()
	if lim != nil {
		l = *lim
	}
	if l.MaxScriptBytes > 0 && len(src) > l.MaxScriptBytes {
		return nil, &Error{Kind: ErrDataTooLarge, Message: "Script is too large"}
	}
	script, err := syntax.Parse(src, &syntax.Options{MaxExprDepth: l.MaxExprDepth})
	if err != nil {
		var se *syntax.Error
		if errors.As(err, &se) {
			return nil, &Error{Kind: ErrParse, Message: se.Msg, Line: int(se.Pos.Line), Column: int(se.Pos.Col), Cause: err}
		}
		return nil, &Error{Kind: ErrParse, Message: err.Error(), Cause: err}
	}
	return e.compileScript(script)
}

// Run executes p. Cancelling ctx stops the script with an ErrCancelled error.
// Errors are *Error; a panic in a native function is an ErrHost error.
func (e *Engine) Run(ctx context.Context, p *Program, opts *RunOptions) (v Value, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return Unit, &Error{Kind: ErrCancelled, Message: "Script terminated: " + err.Error(), Cause: err}
	}
	defer func() {
		// A bug in the evaluator must fail this run, never the process. The
		// run state did not unwind, so it is not reused.
		if x := recover(); x != nil {
			v, err = Unit, &Error{Kind: ErrRuntime, Message: fmt.Sprintf("internal error: %v", x), Cause: fmt.Errorf("panic: %v\n%s", x, debug.Stack())}
		}
	}()
	r := acquireRunState(ctx, e, p, opts)
	slots := r.allocSlots(p.main.nslots)
	f := r.getFrame()
	f.slots = slots
	v, err = p.main.body(f)
	if err == errReturn {
		v, err = f.ret, nil
	}
	f.slots, f.ret = nil, Unit
	r.freeSlots(slots)
	r.release()
	if err != nil {
		if e, ok := err.(*Error); ok && e.exit {
			return e.Thrown, nil
		}
		return Unit, err
	}
	if v.k == kindCell {
		v = *v.p.(*Value)
	}
	return v, nil
}

// Eval compiles and runs src; the limits of opts apply to parsing too.
func (e *Engine) Eval(ctx context.Context, src string, opts *RunOptions) (Value, error) {
	var lim *Limits
	if opts != nil {
		lim = opts.Limits
	}
	p, err := e.CompileWithLimits(src, lim)
	if err != nil {
		return Unit, err
	}
	return e.Run(ctx, p, opts)
}
