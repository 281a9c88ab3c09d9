package rhai

import (
	"errors"
	"reflect"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// stmt compiles one statement.
func (fc *fnComp) stmt(s syntax.Stmt) evalFn {
	switch s := s.(type) {
	case *syntax.LetStmt:
		return fc.letStmt(s)
	case *syntax.ExprStmt:
		return fc.expr(s.X)
	case *syntax.AssignStmt:
		return fc.assign(s)
	case *syntax.WhileStmt:
		return fc.whileStmt(s.P, s.Cond, s.Body, false, false)
	case *syntax.LoopStmt:
		return fc.whileStmt(s.P, nil, s.Body, false, false)
	case *syntax.DoStmt:
		return fc.whileStmt(s.P, s.Cond, s.Body, true, s.Until)
	case *syntax.ForStmt:
		return fc.forStmt(s)
	case *syntax.BreakStmt:
		return fc.breakStmt(s)
	case *syntax.ContinueStmt:
		if fc.loops == 0 {
			fc.fail(s.P, "'continue' not inside a loop")
		}
		return func(*frame) (Value, error) { return Unit, errContinue }
	case *syntax.ReturnStmt:
		val := unitFn
		if s.Value != nil {
			val = fc.returnValue(s.Value)
		}
		return func(f *frame) (Value, error) {
			v, err := val(f)
			if err != nil {
				return Unit, err
			}
			f.ret = v
			return Unit, errReturn
		}
	case *syntax.ThrowStmt:
		return fc.throwStmt(s)
	case *syntax.TryStmt:
		return fc.tryStmt(s)
	case *syntax.ImportStmt:
		return fc.importStmt(s)
	case *syntax.ExportStmt:
		return fc.exportStmt(s)
	}
	fc.fail(s.Position(), "unsupported statement %s", describe(s))
	return nil
}

func (fc *fnComp) letStmt(s *syntax.LetStmt) evalFn {
	val := unitFn
	if s.Value != nil {
		val = fc.valueExpr(s.Value)
	}
	v := fc.declare(s.Name, s.Const)
	slot, name := v.slot, s.Name
	global := s.Const && fc.isTop && fc.scopes == 1
	if v.boxed {
		return func(f *frame) (Value, error) {
			x, err := val(f)
			if err != nil {
				return Unit, err
			}
			c := new(Value)
			*c = x
			f.slots[slot] = Value{k: kindCell, p: c}
			if global {
				f.rt.setGlobal(name, x)
			}
			return Unit, nil
		}
	}
	return func(f *frame) (Value, error) {
		x, err := val(f)
		if err != nil {
			return Unit, err
		}
		f.slots[slot] = x
		if global {
			f.rt.setGlobal(name, x)
		}
		return Unit, nil
	}
}

func (r *runState) setGlobal(name string, v Value) {
	if r.globals == nil {
		r.globals = map[string]Value{}
	}
	r.globals[name] = v
}

// loopBody compiles a loop body with break/continue allowed.
func (fc *fnComp) loopBody(b *syntax.BlockExpr) evalFn {
	fc.loops++
	defer func() { fc.loops-- }()
	return fc.blockBody(b.Stmts)
}

// whileStmt compiles while, loop (cond nil) and do-while/until loops.
func (fc *fnComp) whileStmt(pos syntax.Pos, condE syntax.Expr, b *syntax.BlockExpr, post, until bool) evalFn {
	var cond evalFn
	if condE != nil && !post {
		cond = fc.condExpr(condE)
	}
	body := fc.loopBody(b)
	if condE != nil && post {
		cond = fc.condExpr(condE)
	}
	return func(f *frame) (Value, error) {
		for {
			if err := f.rt.tick(); err != nil {
				return Unit, withPos(err, pos)
			}
			if cond != nil && !post {
				c, err := cond(f)
				if err != nil {
					return Unit, err
				}
				if !c.AsBool() {
					return Unit, nil
				}
			}
			if _, err := body(f); err != nil {
				if err == errBreak {
					v := f.ret
					f.ret = Unit
					return v, nil
				}
				if err != errContinue {
					return Unit, err
				}
			}
			if post {
				c, err := cond(f)
				if err != nil {
					return Unit, err
				}
				if c.AsBool() == until {
					return Unit, nil
				}
			}
		}
	}
}

// condExpr compiles a condition that must be a bool.
func (fc *fnComp) condExpr(e syntax.Expr) evalFn {
	x := fc.expr(e)
	if b, ok := e.(*syntax.BinaryExpr); ok && b.X != nil && b.Y != nil {
		switch b.Op {
		case "&&", "||", "<", "<=", ">", ">=", "==", "!=":
			// These give a bool or an error, never anything else.
			return x
		}
	}
	pos := e.Position()
	return func(f *frame) (Value, error) {
		v, err := x(f)
		if err != nil {
			return Unit, err
		}
		if v.k != KindBool {
			return Unit, errAt(ErrMismatchedType, pos, "Data type incorrect: %s (expecting bool)", v.TypeName())
		}
		return v, nil
	}
}

func (fc *fnComp) breakStmt(s *syntax.BreakStmt) evalFn {
	if fc.loops == 0 {
		fc.fail(s.P, "'break' not inside a loop")
	}
	if s.Value == nil {
		return func(*frame) (Value, error) { return Unit, errBreak }
	}
	val := fc.valueExpr(s.Value)
	return func(f *frame) (Value, error) {
		v, err := val(f)
		if err != nil {
			return Unit, err
		}
		f.ret = v
		return Unit, errBreak
	}
}

func (fc *fnComp) throwStmt(s *syntax.ThrowStmt) evalFn {
	if s.Value == nil && len(fc.caught) > 0 {
		return rethrow(fc.caught[len(fc.caught)-1], s.P)
	}
	val := unitFn
	if s.Value != nil {
		val = fc.valueExpr(s.Value)
	}
	return func(f *frame) (Value, error) {
		v, err := val(f)
		if err != nil {
			return Unit, err
		}
		e := errAt(ErrRuntime, s.P, "%s", ToString(v))
		e.Thrown, e.thrown = v, true
		return Unit, e
	}
}

// caughtSlots hold a catch block's error, as caught: the thrown value or
// the error map, and whether it was thrown (Bool).
type caughtSlots struct{ val, thrown int }

// rethrow is a bare `throw;` inside a catch block: as in Rhai, it throws
// the block's error again (a thrown value, or the system error rebuilt from
// its map), at the `throw`.
func rethrow(c caughtSlots, pos syntax.Pos) evalFn {
	return func(f *frame) (Value, error) {
		v := f.slots[c.val]
		if f.slots[c.thrown].AsBool() {
			e := errAt(ErrRuntime, pos, "%s", ToString(v))
			e.Thrown, e.thrown = v, true
			return Unit, e
		}
		kind, msg := ErrRuntime, ""
		if v.k == KindMap {
			m := v.p.(*Map)
			if x, ok := m.Get("message"); ok {
				msg = ToString(x)
			}
			if x, ok := m.Get("error"); ok {
				kind = variantKind(ToString(x))
			}
		}
		return Unit, errAt(kind, pos, "%s", msg)
	}
}

// variantKind is the error kind of a Rhai error variant name (errorValue
// gives the variant from the message, so a rebuilt error maps back).
func variantKind(variant string) ErrorKind {
	switch variant {
	case "ErrorFunctionNotFound":
		return ErrFunctionNotFound
	case "ErrorVariableNotFound":
		return ErrVariableNotFound
	case "ErrorArrayBounds", "ErrorStringBounds", "ErrorBitFieldBounds":
		return ErrIndexOutOfBounds
	case "ErrorMismatchDataType", "ErrorMismatchOutputType":
		return ErrMismatchedType
	case "ErrorArithmetic":
		return ErrArithmetic
	case "ErrorDotExpr":
		return ErrPropertyNotFound
	}
	return ErrRuntime
}

// catchable reports errors that try/catch may intercept: not the sandbox's.
func catchable(e *Error) bool {
	if e.Fatal {
		return false
	}
	switch e.Kind {
	case ErrTooManyOps, ErrStackOverflow, ErrDataTooLarge, ErrMemoryLimit, ErrCancelled:
		return false
	case ErrParse: // parse_json's syntax errors: Rhai's ErrorParsing is not caught
		return false
	}
	return true
}

func (fc *fnComp) tryStmt(s *syntax.TryStmt) evalFn {
	// try/catch is a statement: its value is the body's when the body's
	// last statement has an effect (the optimiser drops it otherwise), and
	// () when the error was caught.
	body := fc.stmtBlock(s.Body.Stmts, false)
	mark := len(fc.vars)
	fc.scopes++
	slot, boxed := -1, false
	if s.ErrVar != "" {
		v := fc.declare(s.ErrVar, false)
		slot, boxed = v.slot, v.boxed
	}
	hidden := caughtSlots{fc.declare("\x00caught", false).slot, fc.declare("\x00thrown", false).slot}
	fc.caught = append(fc.caught, hidden)
	catch := fc.blockBody(s.Catch.Stmts)
	fc.caught = fc.caught[:len(fc.caught)-1]
	fc.vars = fc.vars[:mark]
	fc.scopes--
	return func(f *frame) (Value, error) {
		v, err := body(f)
		if err == nil || err == errBreak || err == errContinue || err == errReturn {
			return v, err
		}
		var e *Error
		if !errors.As(err, &e) || !catchable(e) {
			return Unit, err
		}
		val := e.Thrown
		if !e.thrown {
			val = errorValue(e)
		}
		f.slots[hidden.val], f.slots[hidden.thrown] = val, Bool(e.thrown)
		if slot >= 0 {
			if boxed {
				c := new(Value)
				*c = val
				val = Value{k: kindCell, p: c}
			}
			f.slots[slot] = val
		}
		if _, err := catch(f); err != nil {
			return Unit, err
		}
		return Unit, nil
	}
}

// forStmt compiles `for x in iter` and `for (x, i) in iter`.
func (fc *fnComp) forStmt(s *syntax.ForStmt) evalFn {
	iter := fc.expr(s.Iter)
	mark := len(fc.vars)
	fc.scopes++
	xv := fc.declare(s.Var, false)
	var iv *scopeVar
	if s.Counter != "" {
		iv = fc.declare(s.Counter, false)
	}
	body := fc.loopBody(s.Body)
	fc.vars = fc.vars[:mark]
	fc.scopes--
	xs, xBoxed := xv.slot, xv.boxed
	is, iBoxed := -1, false
	if iv != nil {
		is, iBoxed = iv.slot, iv.boxed
	}
	pos := s.P
	snapshot := mayChangeIterable(s)
	// share: the body only reads the loop variable, so the elements of the
	// local array iterated need no copies (readonly.go) while the natives
	// the body relies on are those seen now.
	share, natives, methods := false, []string(nil), []string(nil)
	if id, ok := s.Iter.(*syntax.Ident); ok && id.Namespace == "" && id.Name != "this" && fc.localSlot(id) >= 0 &&
		!snapshot && !xBoxed && s.Var != s.Counter && !fc.byName() {
		share, natives, methods = fc.readOnlyIn(s.Body, s.Var)
	}
	nativeDefs := make([]int, len(natives))
	for i, n := range natives {
		nativeDefs[i] = len(fc.c.eng.natives[n])
	}
	// step runs one iteration; done reports that the loop ended (break or error).
	step := func(f *frame, x Value, i int64) (bool, Value, error) {
		if err := f.rt.tick(); err != nil {
			return true, Unit, withPos(err, pos)
		}
		storeLoopVar(f, xs, xBoxed, x)
		if is >= 0 {
			storeLoopVar(f, is, iBoxed, Int(i))
		}
		if _, err := body(f); err != nil {
			if err == errBreak {
				v := f.ret
				f.ret = Unit
				return true, v, nil
			}
			if err != errContinue {
				return true, Unit, err
			}
		}
		return false, Unit, nil
	}
	loop := func(f *frame, it Value) (Value, error) {
		switch it.k {
		case KindRange:
			rg := it.AsRange()
			end := rg.End
			if !rg.Inclusive {
				if end == minInt {
					return Unit, nil
				}
				end--
			}
			var n int64
			for i := rg.Start; i <= end; i++ {
				if done, v, err := step(f, Int(i), n); done {
					return v, err
				}
				n++
				if i == maxInt {
					break
				}
			}
		case KindArray:
			// Iterate over the elements present when the loop starts, as
			// Rhai iterates over a copy; when the body may change the array
			// in place, over an actual copy.
			elems := it.AsArray().Elems
			cp := !share
			for i, n := range natives {
				cp = cp || len(f.rt.eng.natives[n]) != nativeDefs[i]
			}
			if snapshot {
				// The body may change the array, or an element in place:
				// iterate over a copy of it all, made now, as Rhai does.
				c, err := f.rt.cloneValue(it, 0)
				if err != nil {
					return Unit, withPos(err, s.Iter.Position())
				}
				elems, cp = c.AsArray().Elems, false
			}
			for n := 0; n < len(elems); n++ {
				e := elems[n]
				if isContainer(e.k) && (cp || len(methods) > 0 && hasMethodProp(e, methods, 0)) {
					var err error
					if e, err = f.rt.cloneValue(e, 0); err != nil {
						return Unit, err
					}
				}
				if done, v, err := step(f, e, int64(n)); done {
					return v, err
				}
			}
		case KindString:
			var n int64
			for _, r := range it.AsStr() {
				if done, v, err := step(f, Char(r), n); done {
					return v, err
				}
				n++
			}
		case KindBlob:
			b := it.AsBlob()
			for n := 0; n < len(b.B); n++ {
				if done, v, err := step(f, u8Value(b.B[n]), int64(n)); done {
					return v, err
				}
			}
		case KindCustom:
			if itr := iteratorOf(it); itr != nil {
				for n, x := range itr.elems {
					if done, v, err := step(f, x, int64(n)); done {
						return v, err
					}
				}
				return Unit, nil
			}
			fallthrough
		default:
			return Unit, errAt(ErrMismatchedType, s.Iter.Position(), "For loop expects iterable type")
		}
		return Unit, nil
	}
	var run evalFn
	if rargs := fc.stepRangeArgs(s.Iter); rargs != nil {
		run = fc.stepRangeLoop(rargs, s.Iter.Position(), step, loop)
	} else {
		run = func(f *frame) (Value, error) {
			it, err := iter(f)
			if err != nil {
				return Unit, err
			}
			return loop(f, it)
		}
	}
	if !xBoxed && !iBoxed {
		return run
	}
	// As in Rhai, the loop has one variable that every iteration updates:
	// closures made in the body share it and see its last value.
	return func(f *frame) (Value, error) {
		setSlot(f, xs, xBoxed, Unit)
		if is >= 0 {
			setSlot(f, is, iBoxed, Unit)
		}
		return run(f)
	}
}

// storeLoopVar sets a loop variable for the next iteration, writing into
// its cell when closures share it.
func storeLoopVar(f *frame, slot int, boxed bool, v Value) {
	if boxed {
		*f.slots[slot].p.(*Value) = v
		return
	}
	f.slots[slot] = v
}

// stepRangeArgs recognises `for x in range(from, to, step)` calling the
// standard library's range, which would build the whole array of steps;
// the loop then counts instead. It returns nil for other iterables.
func (fc *fnComp) stepRangeArgs(e syntax.Expr) []evalFn {
	call, ok := e.(*syntax.CallExpr)
	if !ok || call.Name != "range" || call.Namespace != "" || call.Bang || len(call.Args) != 3 || fc.c.fns[fnKey{"range", 3}] != nil {
		return nil
	}
	return fc.argList(call.Args, false)
}

// stepRangeLoop runs the loop over range(from, to, step) without building
// the array, falling back to the registered range for non-integer
// arguments or when the host has replaced range.
func (fc *fnComp) stepRangeLoop(args []evalFn, pos syntax.Pos,
	step func(*frame, Value, int64) (bool, Value, error), loop func(*frame, Value) (Value, error)) evalFn {
	fromFn, toFn, byFn := args[0], args[1], args[2]
	return func(f *frame) (Value, error) {
		// Three locals rather than evalArgs: a sieve enters this loop once
		// per prime, and the slice would be its only allocation.
		from, err := fromFn(f)
		if err != nil {
			return Unit, err
		}
		to, err := toFn(f)
		if err != nil {
			return Unit, err
		}
		by, err := byFn(f)
		if err != nil {
			return Unit, err
		}
		if from.k != KindInt || to.k != KindInt || by.k != KindInt || f.rt.eng.rangeReplaced {
			it, err := f.rt.callByName("range", []Value{from, to, by}, pos)
			if err != nil {
				return Unit, err
			}
			return loop(f, it)
		}
		x, end, d := from.AsInt(), to.AsInt(), by.AsInt()
		if d == 0 {
			return Unit, errAt(ErrArithmetic, pos, "step value cannot be zero")
		}
		for n := int64(0); d > 0 && x < end || d < 0 && x > end; n++ {
			if done, v, err := step(f, Int(x), n); done {
				return v, err
			}
			nx := x + d
			if (nx > x) != (d > 0) {
				break // the next step would overflow
			}
			x = nx
		}
		return Unit, nil
	}
}

// setSlot stores a fresh binding (a new cell when the variable is captured,
// so each loop iteration's closures see their own variable).
func setSlot(f *frame, slot int, boxed bool, v Value) {
	if boxed {
		c := new(Value)
		*c = v
		f.slots[slot] = Value{k: kindCell, p: c}
		return
	}
	f.slots[slot] = v
}

// mayChangeIterable reports whether the body of `for x in v` might change
// the array in v in place while the loop runs: it names v, or calls a
// closure or eval, which could. Only then does the loop pay for a copy.
func mayChangeIterable(s *syntax.ForStmt) bool {
	id, ok := s.Iter.(*syntax.Ident)
	if !ok {
		return false // a fresh array nothing else holds
	}
	return mentions(reflect.ValueOf(s.Body), id.Name)
}

// mentions walks an AST value looking for the identifier name, a `call`
// method or an eval() call.
func mentions(v reflect.Value, name string) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return false
		}
		switch n := v.Interface().(type) {
		case *syntax.Ident:
			return n.Name == name
		case *syntax.MethodCallExpr:
			if n.Name == "call" {
				return true
			}
		case *syntax.CallExpr:
			if n.Name == "eval" || n.Name == "call" || n.Bang {
				return true
			}
		}
		return mentions(v.Elem(), name)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if mentions(v.Field(i), name) {
				return true
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			if mentions(v.Index(i), name) {
				return true
			}
		}
	}
	return false
}
