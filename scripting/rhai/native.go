package rhai

import "github.com/circles-actor/circles-actor/scripting/rhai/syntax"

// NativeFunc is a function implemented in Go and callable from scripts.
//
// args holds the evaluated arguments. For a method call `x.f(a)` or a call
// `f(x, a)` whose first argument is a variable, property or index target, the
// evaluator writes args[0] back to that target after the call when the
// function was registered as Mutating; that is how `s.append("x")`,
// `a.push(1)` or `pad(y, 5, 0)` change their receiver. Arrays, maps and blobs
// are shared by pointer, so in-place changes to them need no write-back.
//
// To say "no overload matches these argument types", return ErrNoMatch: the
// evaluator then tries other registrations and finally reports
// "Function not found: name (types...)".
type NativeFunc func(c *Call, args []Value) (Value, error)

// FnFlags describe a native registration.
type FnFlags uint8

const (
	// Mutating: args[0] is written back to its source after the call.
	Mutating FnFlags = 1 << iota
	// Pure marks functions without side effects (may be constant-folded).
	Pure
)

// NativeDef is one registration: a name, a fixed arity (-1 for variadic),
// the implementation and its flags.
type NativeDef struct {
	Name  string
	Arity int
	Fn    NativeFunc
	Flags FnFlags
}

// Call is what a native function sees of the running script: it can call
// back into the script (function pointers and closures), check sandbox
// limits, and print. A Call is only valid during the native call.
type Call struct {
	// Name is the name the script used to call the function.
	Name string
	// Pos is the call site (for errors).
	Line, Col int
	rt        Runtime
}

// Runtime is implemented by the evaluator; natives reach it through Call.
type Runtime interface {
	// CallFn calls a function pointer (named function or closure) with args.
	CallFn(fn Value, args []Value) (Value, error)
	// CallFnName calls a script-defined or native function by name.
	CallFnName(name string, args []Value) (Value, error)
	// Limits returns the sandbox limits of this run.
	Limits() *Limits
	// Print and Debug deliver print()/debug() output to the host.
	Print(s string)
	Debug(s string)
	// IsDefFn reports whether a script function name/arity is defined (arity -1: any).
	IsDefFn(name string, arity int) bool
	// Tick charges n operations against the operation budget (for natives that loop).
	Tick(n int) error
}

// NewCall is used by the evaluator to build the context for a native call.
func NewCall(rt Runtime, name string, line, col int) *Call {
	return &Call{Name: name, Line: line, Col: col, rt: rt}
}

// CallFn calls a function pointer with args. A named function's failure is
// wrapped as Rhai wraps it, in the native's own call ("in call to function
// 'map'"); a closure's is already its own call's.
func (c *Call) CallFn(fn Value, args ...Value) (Value, error) {
	v, err := c.rt.CallFn(fn, args)
	if err != nil && fn.k == KindFnPtr && fn.AsFnPtr().Closure == nil && c.Name != "" {
		// The inner error is at this call too, when it has no place of its own.
		err = withPos(err, syntax.Pos{Line: int32(c.Line), Col: int32(c.Col)})
		err = inFunction(err, c.Name, false, c.Line, c.Col)
	}
	return v, err
}
func (c *Call) CallFnName(name string, args ...Value) (Value, error) {
	return c.rt.CallFnName(name, args)
}
func (c *Call) Limits() *Limits                     { return c.rt.Limits() }
func (c *Call) Print(s string)                      { c.rt.Print(s) }
func (c *Call) Debug(s string)                      { c.rt.Debug(s) }
func (c *Call) IsDefFn(name string, arity int) bool { return c.rt.IsDefFn(name, arity) }
func (c *Call) Tick(n int) error                    { return c.rt.Tick(n) }

// Limits is the sandbox of one run. The zero value of a field means "no limit"
// except where the field says otherwise; DefaultLimits gives the server's defaults.
type Limits struct {
	MaxOperations  uint64 // operations (statements, calls, loop iterations) per run
	MaxCallDepth   int    // nested function calls
	MaxExprDepth   int    // parser nesting depth
	MaxStringLen   int    // bytes in one string
	MaxArrayLen    int    // elements in one array
	MaxMapLen      int    // properties in one map
	MaxBlobLen     int    // bytes in one blob
	MaxScriptBytes int    // source size accepted by Compile
	MaxRunBytes    int64  // bytes of values one run may create, freed or not (budget.go)
}

// DefaultLimits are generous for real scripts and small enough that a
// hostile script ends quickly.
func DefaultLimits() Limits {
	return Limits{
		MaxOperations:  50_000_000,
		MaxCallDepth:   64,
		MaxExprDepth:   128,
		MaxStringLen:   4 << 20,
		MaxArrayLen:    1 << 20,
		MaxMapLen:      1 << 20,
		MaxBlobLen:     4 << 20,
		MaxScriptBytes: 256 << 10,
		MaxRunBytes:    256 << 20,
	}
}
