package rhai

import (
	"errors"
	"fmt"
)

// ErrNoMatch is returned by a NativeFunc whose overload does not accept the
// given argument types; the evaluator then reports "Function not found".
var ErrNoMatch = errors.New("no matching overload")

// ErrorKind classifies script errors; the strings are stable (they appear in
// the eval --json output and in JSON-RPC error data).
type ErrorKind string

const (
	ErrParse            ErrorKind = "parse"
	ErrVariableNotFound ErrorKind = "variable_not_found"
	ErrFunctionNotFound ErrorKind = "function_not_found"
	ErrMismatchedType   ErrorKind = "mismatched_type"
	ErrArithmetic       ErrorKind = "arithmetic"
	ErrIndexOutOfBounds ErrorKind = "index_out_of_bounds"
	ErrPropertyNotFound ErrorKind = "property_not_found"
	ErrRuntime          ErrorKind = "runtime" // throw, and other runtime failures
	ErrTooManyOps       ErrorKind = "too_many_operations"
	ErrStackOverflow    ErrorKind = "stack_overflow"
	ErrDataTooLarge     ErrorKind = "data_too_large"
	ErrCancelled        ErrorKind = "cancelled" // context cancelled or deadline exceeded
	ErrHost             ErrorKind = "host"      // a host function failed or panicked
	ErrMemoryLimit      ErrorKind = "memory_limit"
)

// Error is a script error: its kind, message and position (1-based; 0 when
// unknown). Thrown carries the value of `throw` (Unit otherwise); try/catch
// binds it.
type Error struct {
	Kind    ErrorKind
	Message string
	Line    int
	Column  int
	Thrown  Value
	Cause   error // the underlying Go error (context errors, host errors)
	// Fatal errors end the run: try/catch does not intercept them. A host
	// sets it for its own limits (the sandbox's kinds are always fatal).
	Fatal bool

	thrown bool // set by `throw`: Thrown is the caught value even when it is ()
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s (line %d, position %d)", e.Message, e.Line, e.Column)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// Errorf builds an *Error of the given kind without a position; the evaluator
// fills in the position of the call site when a native returns it.
func Errorf(kind ErrorKind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}
