package rhai

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// closure is the evaluator's side of a closure FnPtr: its compiled body and
// the cells of the variables it shares with the scope that created it.
type closure struct {
	proto *fnProto
	cells []*Value
}

// maxCallDepthHard bounds recursion even when Limits.MaxCallDepth is 0 (or
// huge), so a script can never exhaust the Go stack.
const maxCallDepthHard = 10_000

// invoke runs a script function whose arguments are already in slots (taken
// from allocSlots, released here).
func (r *runState) invoke(p *fnProto, slots []Value, this *Value, cells []*Value, pos syntax.Pos) (Value, error) {
	if r.depth+r.evalDepth >= r.lim.MaxCallDepth {
		r.freeSlots(slots)
		return Unit, errAt(ErrStackOverflow, pos, "Stack overflow")
	}
	if err := r.tick(); err != nil {
		r.freeSlots(slots)
		return Unit, withPos(err, pos)
	}
	for _, b := range p.boxed {
		c := new(Value)
		*c = slots[b]
		slots[b] = Value{k: kindCell, p: c}
	}
	r.depth++
	f := r.getFrame()
	f.slots, f.cells, f.this = slots, cells, this
	v, err := p.body(f)
	if err == errReturn {
		v, err = f.ret, nil
	}
	f.ret, f.slots, f.cells, f.this = Unit, nil, nil, nil
	r.depth--
	r.freeSlots(slots)
	if err != nil {
		if e, ok := err.(*Error); ok && e.Kind == ErrStackOverflow && pos.Line > 0 {
			// As in Rhai, a stack overflow is reported at the outermost
			// call of the recursion, without the calls it passed through.
			c := *e
			c.Line, c.Column = int(pos.Line), int(pos.Col)
			return Unit, &c
		}
		return Unit, inFunction(err, p.name, strings.HasPrefix(p.name, "anon$"), int(pos.Line), int(pos.Col))
	}
	return v, nil
}

// callScriptArgs calls p with evaluated arguments.
func (r *runState) callScriptArgs(p *fnProto, args []Value, this *Value, cells []*Value, pos syntax.Pos) (Value, error) {
	slots := r.allocSlots(p.nslots)
	copy(slots, args)
	return r.invoke(p, slots, this, cells, pos)
}

// lookupFn finds a script function by name and arity.
// Inside a module, the module's functions come first, then the script's.
func (r *runState) lookupFn(name string, arity int) *fnProto {
	if p := r.prog.fns[fnKey{name, arity}]; p != nil || r.prog == r.main {
		return p
	}
	return r.main.fns[fnKey{name, arity}]
}

// hasFnNamed reports whether a script function called name exists, in any
// arity, where lookupFn looks.
func (r *runState) hasFnNamed(name string) bool {
	return r.prog.fnNames[name] || r.prog != r.main && r.main.fnNames[name]
}

// callNative calls the native registered as name that accepts args.
// found=false (with a nil error) means no registration matched.
func (r *runState) callNative(name string, args []Value, pos syntax.Pos) (Value, bool, error) {
	v, def, err := r.callNativeDef(name, args, pos)
	return v, def != nil, err
}

func (r *runState) callNativeDef(name string, args []Value, pos syntax.Pos) (Value, *NativeDef, error) {
	return r.callNativeIn(r.eng.natives[name], name, args, pos)
}

// callNativeIn calls the first of defs that accepts args.
func (r *runState) callNativeIn(defs []NativeDef, name string, args []Value, pos syntax.Pos) (Value, *NativeDef, error) {
	for i := range defs {
		d := &defs[i]
		if d.Arity >= 0 && d.Arity != len(args) {
			continue
		}
		v, err := r.runNative(d, name, args, pos)
		if errors.Is(err, ErrNoMatch) {
			continue
		}
		if err != nil {
			if e, ok := err.(*Error); ok && (e.atCaller || e.Kind == ErrStackOverflow && pos.Line > 0) {
				// A stack overflow in a callback is reported at the native's
				// call, as the recursion's outermost call (see invoke).
				c := *e
				c.Line, c.Column, c.atCaller = int(pos.Line), int(pos.Col), false
				err = &c
			}
			return Unit, d, withPos(err, pos)
		}
		if v.k >= KindString && v.k <= KindBlob {
			if err := r.checkSize(v, pos); err != nil {
				return Unit, d, err
			}
		}
		if d.Flags&Mutating != 0 && len(args) > 0 {
			if err := r.checkSize(args[0], pos); err != nil {
				return Unit, d, err
			}
		}
		return v, d, nil
	}
	return Unit, nil, nil
}

// runNative calls one native, turning a panic into an ErrHost error.
func (r *runState) runNative(d *NativeDef, name string, args []Value, pos syntax.Pos) (v Value, err error) {
	// Calls are reused by nesting level: a Call is only valid during the
	// native call, and natives calling back into the script nest strictly.
	if r.nativeDepth == len(r.calls) {
		r.calls = append(r.calls, &Call{rt: r})
	}
	c := r.calls[r.nativeDepth]
	c.Name, c.Line, c.Col = name, int(pos.Line), int(pos.Col)
	r.nativeDepth++
	defer func() {
		r.nativeDepth--
		if p := recover(); p != nil {
			err = &Error{Kind: ErrHost, Message: fmt.Sprintf("Function %s panicked: %v", name, p),
				Line: int(pos.Line), Column: int(pos.Col), Cause: fmt.Errorf("panic: %v\n%s", p, debug.Stack())}
		}
	}()
	return d.Fn(c, args)
}

// fnNotFound is Rhai's "Function not found: name (types)".
func fnNotFound(name string, args []Value, pos syntax.Pos) error {
	types := make([]string, len(args))
	for i, a := range args {
		types[i] = argTypeName(a)
	}
	return errAt(ErrFunctionNotFound, pos, "Function not found: %s (%s)", name, strings.Join(types, ", "))
}

// callByName calls a script function, else a native, by name.
func (r *runState) callByName(name string, args []Value, pos syntax.Pos) (Value, error) {
	if p := r.lookupFn(name, len(args)); p != nil {
		for i := range args {
			if isContainer(args[i].k) {
				c, err := r.cloneValue(args[i], 0)
				if err != nil {
					return Unit, withPos(err, pos)
				}
				args[i] = c
			}
		}
		return r.callScriptArgs(p, args, nil, nil, pos)
	}
	v, found, err := r.callNative(name, args, pos)
	if !found && err == nil {
		return Unit, fnNotFound(name, args, pos)
	}
	return v, err
}

// withCurry is fp's curried values (copies: a call must not change them)
// followed by args.
func (r *runState) withCurry(fp *FnPtr, args []Value) ([]Value, error) {
	if len(fp.Curry) == 0 {
		return args, nil
	}
	all := make([]Value, 0, len(fp.Curry)+len(args))
	for _, c := range fp.Curry {
		c, err := r.cloneValue(c, 0)
		if err != nil {
			return nil, err
		}
		all = append(all, c)
	}
	return append(all, args...), nil
}

// callFnPtr calls a function pointer; this is bound for method-style calls.
func (r *runState) callFnPtr(fn Value, args []Value, this *Value, pos syntax.Pos) (Value, error) {
	if fn.k != KindFnPtr {
		return Unit, errAt(ErrMismatchedType, pos, "Function pointer expected but %s found", fn.TypeName())
	}
	fp := fn.AsFnPtr()
	args, err := r.withCurry(fp, args)
	if err != nil {
		return Unit, withPos(err, pos)
	}
	if cl, ok := fp.Closure.(*closure); ok {
		if len(cl.proto.params) != len(args) {
			// Rhai curries a closure's captured values before its
			// arguments, so its message lists their types first.
			return Unit, fnNotFound(fp.Name, append(cl.captured(), args...), pos)
		}

		return r.callScriptArgs(cl.proto, args, this, cl.cells, pos)
	}
	if p := r.lookupFn(fp.Name, len(args)); p != nil {
		return r.callScriptArgs(p, args, this, nil, pos)
	}
	if this != nil {
		all := append([]Value{*this}, args...)
		v, def, err := r.callNativeDef(fp.Name, all, pos)
		if def == nil && err == nil {
			return Unit, fnNotFound(fp.Name, all, pos)
		}
		if err == nil && def.Flags&Mutating != 0 {
			*this = all[0]
		}
		return v, err
	}
	v, found, err := r.callNative(fp.Name, args, pos)
	if !found && err == nil {
		return Unit, fnNotFound(fp.Name, args, pos)
	}
	return v, err
}

// FnArity implements FnCaller: the number of arguments a function pointer
// still takes, or -1 when unknown (a named, possibly overloaded function).
func (r *runState) FnArity(fn Value) int {
	if fn.k != KindFnPtr {
		return -1
	}
	fp := fn.AsFnPtr()
	if cl, ok := fp.Closure.(*closure); ok {
		return len(cl.proto.params) - len(fp.Curry)
	}
	return -1
}

// CallFnThis implements FnCaller.
func (r *runState) CallFnThis(fn Value, this *Value, args []Value) (Value, error) {
	return r.callFnPtr(fn, args, this, syntax.Pos{})
}

// CallFn implements Runtime. When the function takes one argument fewer
// than given, the first argument is bound to `this` (by reference: changes
// are written back into args[0]), which is how array methods give closures
// like `|| this += 1` their element.
//
// A named function pointer finds the natives first, as in Rhai, where a
// native function's call of a function pointer looks the name up among
// the registered functions before the script's: [3].map(Fn("is_odd")) is
// the built-in is_odd even when the script defines one (a script's own
// call, f.call(x), finds the script's first).
func (r *runState) CallFn(fn Value, args []Value) (Value, error) {
	pos := syntax.Pos{}
	if fn.k == KindFnPtr {
		fp := fn.AsFnPtr()
		if fp.Closure == nil {
			all, err := r.withCurry(fp, args)
			if err != nil {
				return Unit, err
			}
			if v, def, err := r.callNativeDef(fp.Name, all, pos); def != nil || err != nil {
				return v, err
			}
		}
		n := r.FnArity(fn)
		if n < 0 && fp.Closure == nil && len(args) > 0 && r.lookupFn(fp.Name, len(fp.Curry)+len(args)) == nil &&
			r.lookupFn(fp.Name, len(fp.Curry)+len(args)-1) != nil {
			n = len(args) - 1
		}
		if n >= 0 && n == len(args)-1 {
			return r.callFnPtr(fn, args[1:], &args[0], pos)
		}
	}
	return r.callFnPtr(fn, args, nil, pos)
}

// CallFnName implements Runtime.
func (r *runState) CallFnName(name string, args []Value) (Value, error) {
	return r.callByName(name, args, syntax.Pos{})
}

// IsDefFn implements Runtime.
func (r *runState) IsDefFn(name string, arity int) bool {
	if arity < 0 {
		return r.hasFnNamed(name)
	}
	return r.lookupFn(name, arity) != nil
}

// argList compiles call arguments; the first is by reference when byRef.
func (fc *fnComp) argList(args []syntax.Expr, byRef bool) []evalFn {
	out := make([]evalFn, len(args))
	for i, a := range args {
		if i == 0 && byRef {
			out[i] = fc.expr(a)
		} else {
			out[i] = fc.valueExpr(a)
		}
	}
	return out
}

func evalArgs(f *frame, xs []evalFn, extra int) ([]Value, error) {
	args := make([]Value, extra, extra+len(xs))
	for _, x := range xs {
		v, err := x(f)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	return args, nil
}

// call compiles `name(args)`.
func (fc *fnComp) call(e *syntax.CallExpr) evalFn {
	if e.Name == "Fn" && e.Namespace == "" && !e.Bang && len(e.Args) == 1 {
		return fc.fnCtorCall(e)
	}
	return fc.callExpr(e)
}

// fnCtorCall is Fn(name): Rhai reports a name that is not a function's (or
// is reserved) at the argument, not at the call.
func (fc *fnComp) fnCtorCall(e *syntax.CallExpr) evalFn {
	f := fc.callExpr(e)
	call, arg := e.P, e.Args[0].Position()
	return func(fr *frame) (Value, error) {
		v, err := f(fr)
		var re *Error
		if err != nil && errors.As(err, &re) && (re.Kind == ErrFunctionNotFound || re.Kind == ErrParse) &&
			re.Line == int(call.Line) && re.Column == int(call.Col) {
			c := *re
			c.Line, c.Column = int(arg.Line), int(arg.Col)
			return v, &c
		}
		return v, err
	}
}

func (fc *fnComp) callExpr(e *syntax.CallExpr) evalFn {
	if e.Namespace != "" && e.Namespace != "global" {
		return fc.moduleCall(e)
	}
	if x := fc.intrinsic(e); x != nil {
		return x
	}
	name, pos := e.Name, e.P
	if e.Bang && e.Name == "call" && len(e.Args) > 0 {
		return fc.callBang(e)
	}
	if e.Bang {
		return fc.bangCall(e)
	}
	if p := fc.c.fns[fnKey{name, len(e.Args)}]; p != nil {
		return fc.directCall(p, e)
	}
	if e.Namespace == "" && fc.lookup(name).kind != refNone {
		return fc.varCall(e)
	}
	// A native: a first argument that is a variable (or `this`) goes by
	// reference and is written back when the native is Mutating (`pad(y,
	// 5, 0)`); as in Rhai, any other (`push(a[0], 1)`) is a temporary.
	var target *place
	byRef := true
	if len(e.Args) > 0 {
		if _, ok := e.Args[0].(*syntax.Ident); ok {
			target = fc.placeOf(e.Args[0])
		} else {
			byRef = !fc.c.eng.mutatingNative(name)
		}
	}
	args := fc.argList(e.Args, byRef)
	// call(fp, args): as in Rhai, the first argument must be a function
	// pointer, and the error is at that argument.
	fnArg := name == "call" && e.Namespace == "" && len(e.Args) > 0
	argPos := pos
	if fnArg {
		argPos = e.Args[0].Position()
	}
	// Rhai reads a first argument that is a variable last (order.go); for
	// call(fp, x, ...) the rule is x's, once fp is known to be plain.
	varLast := !fnArg && name != "curry" && varFirst(e.Args, true)
	varLastFn := fnArg && varFirst(e.Args[1:], true)
	return func(f *frame) (Value, error) {
		var vals []Value
		var err error
		if fnArg {
			vals = make([]Value, len(args))
			if vals[0], err = args[0](f); err != nil {
				return Unit, err
			}
			if vals[0].k != KindFnPtr {
				return Unit, errAt(ErrMismatchedType, argPos, "Data type incorrect: %s (expecting Fn)", vals[0].TypeName())
			}
			if err = evalArgsFrom(f, args, vals, 1, varLastFn && plainFnPtr(vals[0])); err != nil {
				return Unit, err
			}
		} else if vals, err = evalCallArgs(f, args, varLast); err != nil {
			return Unit, err
		}
		r := f.rt
		if r.hasFnNamed(name) && r.lookupFn(name, len(vals)) != nil {
			return r.callByName(name, vals, pos)
		}
		if target != nil && target.isConst && isContainer(vals[0].k) {
			if vals[0], err = r.cloneValue(vals[0], 0); err != nil {
				return Unit, withPos(err, pos)
			}
		}
		orig := Unit
		if len(vals) > 0 {
			orig = vals[0]
		}
		v, def, err := r.callNativeDef(name, vals, pos)
		if err != nil {
			return Unit, err
		}
		if def == nil {
			return Unit, fnNotFound(name, vals, pos)
		}
		if target != nil && target.isConst {
			return v, nil // as in Rhai, the function changed a copy
		}
		if def.Flags&Mutating != 0 && target != nil && !sameValue(orig, vals[0]) {
			if err := target.update(f, opNone, vals[0]); err != nil {
				return Unit, err
			}
		}
		return v, nil
	}
}

// mutatingNative reports whether a native named name may change its first
// argument (Mutating, or in place: anything not Pure).
func (e *Engine) mutatingNative(name string) bool {
	for _, d := range e.natives[name] {
		if d.Flags&(Mutating|Pure) != Pure {
			return true
		}
	}
	return false
}

// bangCall compiles `f!(args)`: the body of script function f runs in the
// caller's scope (it sees and may change the caller's variables; its own
// `let`s vanish when it returns). It is compiled inline at the call site.
func (fc *fnComp) bangCall(e *syntax.CallExpr) evalFn {
	var def *syntax.FnDef
	for _, d := range fc.c.defs {
		if d.Name == e.Name && len(d.Params) == len(e.Args) {
			def = d
		}
	}
	if def == nil {
		// As in Rhai, an unknown function is a run-time error.
		args := fc.argList(e.Args, false)
		name, pos := e.Name, e.P
		return func(f *frame) (Value, error) {
			vals, err := evalArgs(f, args, 0)
			if err != nil {
				return Unit, err
			}
			return Unit, fnNotFound(name, vals, pos)
		}
	}
	if len(fc.inlining) > 0 && (len(fc.inlining) >= bangDepth(def) || fc.inlined >= bangBudget) {
		for _, d := range fc.inlining {
			if d == def {
				// Calls in the caller's scope are compiled inline, so one
				// that recurses is unrolled only so far: deeper, it fails
				// when (and only if) it is reached, as Rhai's stack does.
				pos := e.P
				return func(*frame) (Value, error) {
					return Unit, errAt(ErrStackOverflow, pos, "Stack overflow")
				}
			}
		}
	}
	fc.inlined++
	args := fc.argList(e.Args, false)
	mark, loops := len(fc.vars), fc.loops
	fc.scopes++
	fc.loops = 0
	fc.inlining = append(fc.inlining, def)
	params := make([]*scopeVar, len(def.Params))
	for i, p := range def.Params {
		params[i] = fc.declare(p, false)
	}
	body := fc.blockBody(def.Body.Stmts)
	fc.inlining = fc.inlining[:len(fc.inlining)-1]
	fc.vars, fc.loops = fc.vars[:mark], loops
	fc.scopes--
	pos := e.P
	return func(f *frame) (Value, error) {
		for i, a := range args {
			v, err := a(f)
			if err != nil {
				return Unit, err
			}
			setSlot(f, params[i].slot, params[i].boxed, v)
		}
		if err := f.rt.tick(); err != nil {
			return Unit, withPos(err, pos)
		}
		v, err := body(f)
		if err == errReturn {
			v, err = f.ret, nil
			f.ret = Unit
		}
		return v, err
	}
}

// varCall compiles `f(args)` where f is also a variable. As in Rhai, a
// variable holding a function pointer is not callable this way (that takes
// f.call(args)): only a function named f is called.
func (fc *fnComp) varCall(e *syntax.CallExpr) evalFn {
	args := fc.argList(e.Args, false)
	name, pos, varLast := e.Name, e.P, varFirst(e.Args, true)
	return func(f *frame) (Value, error) {
		vals, err := evalCallArgs(f, args, varLast)
		if err != nil {
			return Unit, err
		}
		return f.rt.callByName(name, vals, pos)
	}
}

// directCall calls a script function known at compile time, evaluating the
// arguments straight into the callee's slots.
func (fc *fnComp) directCall(p *fnProto, e *syntax.CallExpr) evalFn {
	args := fc.moveArgs(e.Args)
	pos := e.P
	if varFirst(e.Args, true) {
		// Rhai reads a first argument that is a variable last (order.go).
		return func(f *frame) (Value, error) {
			r := f.rt
			slots := r.allocSlots(p.nslots)
			if err := evalArgsFrom(f, args, slots, 0, true); err != nil {
				r.freeSlots(slots)
				return Unit, err
			}
			return r.invoke(p, slots, nil, nil, pos)
		}
	}
	return func(f *frame) (Value, error) {
		r := f.rt
		slots := r.allocSlots(p.nslots)
		for i, a := range args {
			v, err := a(f)
			if err != nil {
				r.freeSlots(slots)
				return Unit, err
			}
			slots[i] = v
		}
		return r.invoke(p, slots, nil, nil, pos)
	}
}

// methodCall compiles `recv.name(args)` and `recv?.name(args)`.
func (fc *fnComp) methodCall(e *syntax.MethodCallExpr) evalFn {
	if id, ok := e.Recv.(*syntax.Ident); ok && e.Name == "is_shared" && len(e.Args) == 0 && id.Namespace == "" && fc.sharedVar(id.Name) {
		return fc.sharedTrue(id.Name)
	}
	target := fc.placeOf(e.Recv)
	var recv evalFn
	if target == nil {
		recv = fc.expr(e.Recv)
	} else {
		recv = target.load
	}
	args := fc.argList(e.Args, false)
	name, safe, pos := e.Name, inSafeChain(e), e.P
	// x.call(fp, args) binds `this` to x; as in Rhai, when x is not itself a
	// function pointer the first argument must be one.
	argPos := pos
	if len(e.Args) > 0 {
		argPos = e.Args[0].Position()
	}
	call := func(f *frame, obj Value) (Value, error) {
		constObj := target != nil && target.isConst && isContainer(obj.k)
		orig := obj
		if constObj {
			var err error
			if obj, err = f.rt.cloneValue(obj, 0); err != nil {
				return Unit, withPos(err, pos)
			}
		}
		vals, err := evalArgs(f, args, 1)
		if err != nil {
			return Unit, err
		}
		vals[0] = obj
		if name == "call" && obj.k != KindFnPtr {
			if len(vals) == 1 {
				return Unit, errAt(ErrMismatchedType, pos, "Data type incorrect: %s (expecting Fn)", obj.TypeName())
			}
			if vals[1].k != KindFnPtr {
				return Unit, errAt(ErrMismatchedType, argPos, "Data type incorrect: %s (expecting Fn)", vals[1].TypeName())
			}
		}
		if target != nil && target.kind == placeVar && (target.ref.kind == refBoxed || target.ref.kind == refCap) {
			// The receiver is shared with closures: a closure that captured
			// it cannot also have it as `this` (callFnPtr checks).
			f.rt.thisCell = target.varPtr(f)
		}
		v, err := f.rt.method(name, vals, target != nil && target.isConst, pos)
		f.rt.thisCell = nil
		if err != nil {
			return Unit, err
		}
		if constObj && !Equal(orig, vals[0]) {
			return Unit, errAt(ErrRuntime, pos, "Non-pure method '%s' cannot be called on constant", name)
		}
		if target != nil && !sameValue(obj, vals[0]) {
			if err := target.update(f, opNone, vals[0]); err != nil {
				return Unit, err
			}
		}
		return v, nil
	}
	fast := fc.fastMethod(e, target, args, call)
	return func(f *frame) (Value, error) {
		obj, err := recv(f)
		if err != nil {
			return Unit, err
		}
		if safe && obj.k == KindUnit {
			return Unit, nil
		}
		return fast(f, obj)
	}
}

// method dispatches a method call; vals[0] is the receiver and is updated
// in place when the call changes it.
func (r *runState) method(name string, vals []Value, constRecv bool, pos syntax.Pos) (Value, error) {
	obj, args := vals[0], vals[1:]
	shared := r.thisCell
	r.thisCell = nil
	switch {
	case name == "call" && obj.k == KindFnPtr:
		return r.callFnPtr(obj, args, nil, pos)
	case name == "call" && len(args) > 0 && args[0].k == KindFnPtr:
		if err := dataRace(shared, args[0]); err != nil {
			return Unit, err
		}
		return r.callFnPtr(args[0], args[1:], &vals[0], pos)
	case obj.k == KindMap:
		if fp, ok := obj.AsMap().Get(name); ok && fp.k == KindFnPtr {
			return r.callFnPtr(raceGuarded(shared, fp), args, &vals[0], pos)
		}
	}
	if r.hasFnNamed(name) {
		if r.prog.typed != nil {
			if p := r.prog.typed[typedKey{name, len(args), obj.TypeName()}]; p != nil {
				return r.callScriptArgs(p, args, &vals[0], nil, pos)
			}
		}
		if p := r.lookupFn(name, len(args)); p != nil {
			return r.callScriptArgs(p, args, &vals[0], nil, pos)
		}
	}
	v, def, err := r.callNativeDef(name, vals, pos)
	if err != nil {
		return Unit, err
	}
	if def == nil {
		return Unit, fnNotFound(name, vals, pos)
	}
	if def.Flags&Mutating == 0 {
		vals[0] = obj
	} else if constRecv {
		return Unit, errAt(ErrRuntime, pos, "Non-pure method '%s' cannot be called on constant", name)
	}
	return v, nil
}

// dataRace is Rhai's refusal to call a closure with `this` bound to a
// variable the closure has captured: shared is the receiver's cell, when
// the receiver is a variable shared with closures. Rhai passes captured
// variables as the closure's first arguments: x.call(f) fails binding that
// argument, without a position; obj.f() (a property holding the closure)
// fails in the closure's body when it reads the variable (raceGuarded).
func dataRace(shared *Value, fn Value) error {
	if shared == nil {
		return nil
	}
	cl, ok := fn.AsFnPtr().Closure.(*closure)
	if !ok {
		return nil
	}
	for i, c := range cl.cells {
		if c != shared {
			continue
		}
		arg := i + 1
		for j, n := range cl.proto.externals {
			if n == cl.proto.caps[i].name {
				arg = j + 1
			}
		}
		return &Error{Kind: ErrRuntime, Message: fmt.Sprintf("Data race detected on variable 'argument #%d of function '%s''", arg, cl.proto.name)}
	}
	return nil
}

// raceCell stands for a captured variable locked by `this` (raceGuarded):
// reading or writing it is Rhai's "Data race detected".
var raceCell = new(Value)

// errDataRace is the error of using raceCell, without a position: the
// closure call it comes out of gives it one.
func errDataRace() error { return &Error{Kind: ErrRuntime, Message: "Data race detected"} }

// raceGuarded is the closure fn for obj.f(), `this` bound to the variable
// whose cell is shared: when fn has captured that variable, a copy of fn
// whose cell for it is raceCell, so the body fails only if, and when, it
// uses the variable, as in Rhai (which holds the variable's lock).
func raceGuarded(shared *Value, fn Value) Value {
	if shared == nil {
		return fn
	}
	fp := fn.AsFnPtr()
	cl, ok := fp.Closure.(*closure)
	if !ok {
		return fn
	}
	for i, c := range cl.cells {
		if c == shared {
			cells := append([]*Value(nil), cl.cells...)
			for j := i; j < len(cells); j++ {
				if cells[j] == shared {
					cells[j] = raceCell
				}
			}
			g := *fp
			g.Closure = &closure{proto: cl.proto, cells: cells}
			return NewFnPtr(&g)
		}
	}
	return fn
}

// closure compiles `|params| body` into a function pointer factory.
func (fc *fnComp) closure(e *syntax.ClosureExpr) evalFn {
	proto := &fnProto{name: anonName(e.P), params: e.Params, pos: e.P}
	fc.c.compileFn(proto, e, fc, e.Params, func(inner *fnComp) evalFn {
		if b, ok := e.Body.(*syntax.BlockExpr); ok {
			return inner.blockBody(b.Stmts)
		}
		return inner.expr(e.Body)
	})
	caps := proto.caps
	name := proto.name
	free, externals := fc.freeVars(e)
	proto.externals = externals
	return func(f *frame) (Value, error) {
		for _, v := range free {
			if _, dyn := f.rt.dynVars[v.name]; !dyn && !f.rt.hasConstant(v.name) {
				return Unit, errAt(ErrVariableNotFound, v.pos, "Variable not found: %s", v.name)
			}
		}
		cells := make([]*Value, len(caps))
		for i, c := range caps {
			if c.fromCap {
				if cells[i] = f.cells[c.idx]; cells[i] == raceCell {
					return Unit, errDataRace() // capturing it reads it
				}
			} else {
				cells[i] = f.slots[c.idx].p.(*Value)
			}
		}
		return NewFnPtr(&FnPtr{Name: name, Closure: &closure{proto: proto, cells: cells}}), nil
	}
}

// anonName names a closure as Rhai does, "anon$" and 16 hex digits (Rhai's
// are a hash of the body; scripts see only the form, e.g. in to_string's
// length). Here the digits are a bijective mix of the closure's position,
// so two closures of a script never share a name.
func anonName(p syntax.Pos) string {
	x := uint64(p.Line)<<32 | uint64(uint32(p.Col))
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return fmt.Sprintf("anon$%016x", x)
}

// captured is the closure's captured values in Rhai's order (that of its
// capture), as Rhai curries them before the closure's own arguments.
func (cl *closure) captured() []Value {
	var out []Value
	for _, n := range cl.proto.externals {
		for i, c := range cl.proto.caps {
			if c.name == n && i < len(cl.cells) {
				out = append(out, *cl.cells[i])
			}
		}
	}
	return out
}
