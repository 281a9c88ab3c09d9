package rhai

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ErrNoMatch is returned by a NativeFunc whose overload does not accept the
// given argument types; the evaluator then reports "Function not found".
var ErrNoMatch = errors.New("no matching overload")

// ErrorKind classifies script errors; the strings are stable (they appear in
// JSON-RPC error data, and as the detail of eval --json's errors).
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
	// noPos marks an operator's arithmetic error, which Rhai reports
	// without a position; inFn names the function an ErrorInFunctionCall
	// came out of.
	noPos bool
	inFn  string
	exit  bool // exit(): the run ends successfully with Thrown as its value
	// atCaller marks a syntax error raised at run time that came out of a
	// callback (called without a position): the native that called it
	// gives it its position (inFunction).
	atCaller bool
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s (line %d, position %d)", e.Message, e.Line, e.Column)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// RhaiMessage is the error as stock Rhai displays it: a syntax error with
// "Syntax error: " before it, a thrown value as "Runtime error: value",
// then the position (and the calls it went through).
func (e *Error) RhaiMessage() string {
	switch {
	case e.Kind == ErrParse:
		c := *e
		c.Message = "Syntax error: " + strings.TrimPrefix(e.Message, "Syntax error: ")
		return c.Error()
	case e.thrown && e.inFn == "":
		c := *e
		c.Message = "Runtime error"
		if e.Thrown.k != KindUnit {
			c.Message += ": " + ToString(e.Thrown)
		}
		return c.Error()
	}
	return e.Error()
}

// Errorf builds an *Error of the given kind without a position; the evaluator
// fills in the position of the call site when a native returns it.
func Errorf(kind ErrorKind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// display is the error as Rhai writes it: the message and, when Rhai knows
// it, the position.
func (e *Error) display() string {
	if e.noPos || e.Line <= 0 {
		return e.Message
	}
	return fmt.Sprintf("%s (line %d, position %d)", e.Message, e.Line, e.Column)
}

// inFunction wraps an error raised inside the script function or closure
// name, called at pos, as Rhai's ErrorInFunctionCall does. Thrown values
// and the sandbox's errors pass through unchanged.
//
// A syntax error raised at run time (Fn("print"), parse_json) is Rhai's
// ErrorParsing, a system exception: not wrapped, it takes the position of
// each call it comes out of.
func inFunction(err error, name string, closure bool, line, col int) error {
	e, ok := err.(*Error)
	if ok && e.Kind == ErrParse && !e.Fatal {
		c := *e
		c.atCaller = line == 0
		if line > 0 {
			c.Line, c.Column = line, col
		}
		return &c
	}
	if !ok || !catchable(e) {
		return err
	}
	where := "\nin call to function '" + name + "'"
	if closure {
		where = "\nin closure call"
	}
	if e.thrown {
		// Rhai wraps a thrown value too; catch still binds the value.
		msg := e.display()
		if e.inFn == "" {
			msg = e.RhaiMessage()
		}
		return &Error{Kind: e.Kind, Message: msg + where, Line: line, Column: col, Cause: e.Cause, inFn: name,
			Thrown: e.Thrown, thrown: true}
	}
	return &Error{Kind: e.Kind, Message: e.display() + where, Line: line, Column: col, Cause: e.Cause, inFn: name}
}

var (
	reArrayBounds  = regexp.MustCompile(`^Array index (-?\d+) out of bounds: (?:only (\d+) elements? in array|array is empty)`)
	reStringBounds = regexp.MustCompile(`^String index (-?\d+) out of bounds: (?:only (\d+) characters? in string|string is empty)`)
	reBitBounds    = regexp.MustCompile(`^Bit-field index (-?\d+) out of bounds: only (\d+) bits in bit-field`)
	reMismatch     = regexp.MustCompile(`^Data type incorrect: (.*) \(expecting (.*)\)$`)
	reNonPure      = regexp.MustCompile(`^Non-pure method '(.*)' cannot be called on (?:a )?constant$`)
	reOutputType   = regexp.MustCompile(`^Output type incorrect: (.*) \(expecting (.*)\)$`)
)

// errorValue is what `catch (e)` binds for a system error: an object map
// as Rhai makes it, with the error's variant, message, position and the
// variant's own fields.
func errorValue(e *Error) Value {
	m := map[string]Value{"message": String(e.Message)}
	if !e.noPos && e.Line > 0 {
		m["line"], m["position"] = Int(int64(e.Line)), Int(int64(e.Column))
	}
	msg := e.Message
	variant := "ErrorRuntime"
	after := func(prefix string) (string, bool) {
		if len(msg) >= len(prefix) && msg[:len(prefix)] == prefix {
			return msg[len(prefix):], true
		}
		return "", false
	}
	if e.inFn != "" {
		variant = "ErrorInFunctionCall"
		m["function"], m["source"] = String(e.inFn), String("")
	} else if s, ok := after("Function not found: "); ok {
		variant = "ErrorFunctionNotFound"
		m["function"] = String(s)
	} else if s, ok := after("Variable not found: "); ok {
		variant = "ErrorVariableNotFound"
		m["variable"] = String(s)
	} else if x := reArrayBounds.FindStringSubmatch(msg); x != nil {
		variant = "ErrorArrayBounds"
		m["index"], m["length"] = atoiValue(x[1]), atoiValue(x[2]) // "" (empty) is 0
	} else if x := reStringBounds.FindStringSubmatch(msg); x != nil {
		variant = "ErrorStringBounds"
		m["index"], m["length"] = atoiValue(x[1]), atoiValue(x[2])
	} else if x := reBitBounds.FindStringSubmatch(msg); x != nil {
		variant = "ErrorBitFieldBounds"
		m["index"], m["length"] = atoiValue(x[1]), atoiValue(x[2])
	} else if x := reMismatch.FindStringSubmatch(msg); x != nil {
		variant = "ErrorMismatchDataType"
		m["actual"], m["requested"] = String(x[1]), String(x[2])
	} else if x := reOutputType.FindStringSubmatch(msg); x != nil {
		variant = "ErrorMismatchOutputType"
		m["actual"], m["requested"] = String(x[1]), String(x[2])
	} else if s, ok := after("Indexer unavailable: "); ok {
		variant = "ErrorIndexingType"
		m["type"] = String(s)
	} else if _, ok := after("Unknown property "); ok {
		variant = "ErrorDotExpr"
		m["property"] = String(msg)
	} else if _, ok := after("No writable property "); ok {
		variant = "ErrorDotExpr"
		m["property"] = String(msg)
	} else if x := reNonPure.FindStringSubmatch(msg); x != nil {
		variant = "ErrorNonPureMethodCallOnConstant"
		m["function"] = String(x[1])
	} else if _, ok := after("Data race detected"); ok {
		variant = "ErrorDataRace"
	} else if _, ok := after("For loop expects"); ok {
		variant = "ErrorFor"
	} else if e.Kind == ErrArithmetic {
		variant = "ErrorArithmetic"
	}
	m["error"] = String(variant)
	return NewMap(m)
}

func atoiValue(s string) Value {
	n, _ := strconv.ParseInt(s, 10, 64)
	return Int(n)
}

// argTypeName is how Rhai names an argument's type in "Function not found"
// messages: strings are listed as every Rust type they may be.
func argTypeName(v Value) string {
	if v.k == KindString {
		return "&str | ImmutableString | String"
	}
	return v.TypeName()
}

// plural is Rhai's "1 element" / "2 elements".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
