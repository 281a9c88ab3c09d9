package rhai

import (
	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// intrinsic compiles the calls that need the compiler or the run's state
// rather than a native: is_def_var (scopes are resolved at compile time)
// and eval. It returns nil for other names.
func (fc *fnComp) intrinsic(e *syntax.CallExpr) evalFn {
	switch {
	case e.Name == "is_def_var" && len(e.Args) == 1:
		if lit, ok := e.Args[0].(*syntax.StringLit); ok {
			if fc.lookup(lit.Value).kind != refNone {
				return constFn(Bool(true))
			}
			name := lit.Value
			return func(f *frame) (Value, error) {
				ok := f.rt.hasConstant(name)
				_, dyn := f.rt.dynVars[name]
				return Bool(ok || dyn), nil
			}
		}
		arg := fc.expr(e.Args[0])
		return func(f *frame) (Value, error) {
			v, err := arg(f)
			if err != nil {
				return Unit, err
			}
			ok := f.rt.hasConstant(v.AsStr())
			return Bool(ok), nil
		}
	case e.Name == "is_shared" && len(e.Args) == 1 && e.Namespace == "" && fc.c.fns[fnKey{"is_shared", 1}] == nil:
		// A variable is shared once a closure captures it; the compiler
		// knows which ones are.
		if id, ok := e.Args[0].(*syntax.Ident); ok && id.Namespace == "" && fc.sharedVar(id.Name) {
			return fc.sharedTrue(id.Name)
		}
	case e.Name == "eval" && len(e.Args) == 1 && fc.c.fns[fnKey{"eval", 1}] == nil:
		return fc.evalCall(e)
	}
	return nil
}

// sharedTrue is is_shared(x) for a variable shared with closures: true,
// once reading x succeeds (a captured x locked by `this` is a data race).
func (fc *fnComp) sharedTrue(name string) evalFn {
	r := fc.lookup(name)
	if r.kind != refCap {
		return constFn(Bool(true))
	}
	idx := r.idx
	return func(f *frame) (Value, error) {
		if f.cells[idx] == raceCell {
			return Unit, errDataRace()
		}
		return Bool(true), nil
	}
}

// coreNatives are the functions built on the evaluator's runtime; they are
// registered after the standard library so they take precedence.
func coreNatives() []NativeDef {
	return []NativeDef{
		{Name: "Fn", Arity: 1, Fn: fnCtor},
		{Name: "call", Arity: -1, Fn: callNative},
		{Name: "curry", Arity: -1, Fn: curryNative},
		{Name: "is_def_fn", Arity: 2, Fn: isDefFnNative},
		{Name: "is_def_fn", Arity: 1, Fn: isDefFnNative},
		{Name: "exit", Arity: 0, Fn: exitNative},
		{Name: "exit", Arity: 1, Fn: exitNative},
	}
}

// exitNative is exit() and exit(value): the script stops at once, and the
// run succeeds with the value (() without one). try/catch cannot stop it.
func exitNative(_ *Call, args []Value) (Value, error) {
	v := Unit
	if len(args) == 1 {
		v = args[0]
	}
	return Unit, &Error{Kind: ErrRuntime, Message: "exit", Thrown: v, Fatal: true, exit: true}
}

func callPos(c *Call) syntax.Pos { return syntax.Pos{Line: int32(c.Line), Col: int32(c.Col)} }

func fnCtor(c *Call, args []Value) (Value, error) {
	if args[0].k != KindString {
		return Unit, ErrNoMatch
	}
	name := args[0].AsStr()
	if err := fnNameError(name); err != nil {
		return Unit, err
	}
	return NewFnPtr(&FnPtr{Name: name}), nil
}

// fnNameError is Rhai's refusal of a name for Fn(name): a keyword, keyword
// function or symbol is a syntax error (at run time, which try/catch does
// not catch), anything else that is not an ASCII name is not found.
func fnNameError(name string) error {
	if reserved, word := syntax.ReservedName(name); reserved {
		what := "symbol"
		if word {
			what = "keyword"
		}
		return Errorf(ErrParse, "'%s' is a reserved %s", name, what)
	}
	if !validFnName(name) {
		return Errorf(ErrFunctionNotFound, "Function not found: %s", name) // Rhai's words
	}
	return nil
}

// validFnName reports a name Fn() accepts: as in Rhai, an ASCII letter,
// then ASCII letters, digits and underscores (not "_a", not "é").
func validFnName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || c != '_' && (c < '0' || c > '9')) {
			return false
		}
	}
	return true
}

func callNative(c *Call, args []Value) (Value, error) {
	if len(args) == 0 || args[0].k != KindFnPtr {
		return Unit, ErrNoMatch
	}
	r, ok := c.rt.(*runState)
	if !ok {
		return c.CallFn(args[0], args[1:]...)
	}
	return r.callFnPtr(args[0], append([]Value(nil), args[1:]...), nil, callPos(c))
}

func curryNative(c *Call, args []Value) (Value, error) {
	if len(args) == 0 || args[0].k != KindFnPtr {
		return Unit, ErrNoMatch
	}
	fp := *args[0].AsFnPtr()
	curry := make([]Value, 0, len(fp.Curry)+len(args)-1)
	curry = append(curry, fp.Curry...)
	for _, a := range args[1:] {
		a, err := cloneFor(c, a)
		if err != nil {
			return Unit, err
		}
		curry = append(curry, a)
	}
	fp.Curry = curry
	return NewFnPtr(&fp), nil
}

func isDefFnNative(c *Call, args []Value) (Value, error) {
	if args[0].k != KindString {
		return Unit, ErrNoMatch
	}
	arity := -1
	if len(args) == 2 {
		if args[1].k != KindInt {
			return Unit, ErrNoMatch
		}
		arity = int(args[1].AsInt())
	}
	return Bool(c.IsDefFn(args[0].AsStr(), arity)), nil
}
