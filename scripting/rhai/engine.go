package rhai

import (
	"context"
	"errors"
)

// Engine holds what is shared by every run: the registered native functions
// (standard library plus host functions). It is safe for concurrent use once
// registration is done; each Run has its own state.
type Engine struct {
	natives map[string][]NativeDef
}

// NewEngine returns an engine with Rhai's standard library registered.
func NewEngine() *Engine {
	e := &Engine{natives: map[string][]NativeDef{}}
	return e
}

// RegisterNative adds native functions. Later registrations of the same name
// and arity are tried first (so hosts can override the standard library).
func (e *Engine) RegisterNative(defs ...NativeDef) {
	for _, d := range defs {
		e.natives[d.Name] = append([]NativeDef{d}, e.natives[d.Name]...)
	}
}

// Program is a compiled script, reusable across runs and goroutines.
type Program struct{}

// RunOptions configure one run. A nil *RunOptions means defaults.
type RunOptions struct {
	// Limits is the sandbox; nil means DefaultLimits().
	Limits *Limits
	// Constants are visible as constants in the script's top-level scope.
	Constants map[string]Value
	// Print and Debug receive print() and debug() output; nil discards.
	Print, Debug func(string)
}

var errUnbuilt = errors.New("rhai: evaluator not built yet")

// Compile parses and compiles src. Errors are *Error with Kind ErrParse.
func (e *Engine) Compile(src string) (*Program, error) { return nil, errUnbuilt }

// Run executes p. Cancelling ctx stops the script with an ErrCancelled error.
func (e *Engine) Run(ctx context.Context, p *Program, opts *RunOptions) (Value, error) {
	return Unit, errUnbuilt
}

// Eval compiles and runs src.
func (e *Engine) Eval(ctx context.Context, src string, opts *RunOptions) (Value, error) {
	p, err := e.Compile(src)
	if err != nil {
		return Unit, err
	}
	return e.Run(ctx, p, opts)
}
