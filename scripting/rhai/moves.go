package rhai

import (
	"reflect"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// Passing a variable to a script function copies it (Rhai's arguments are
// values), which for an array or a map means cloning it. When the call is
// the variable's last use, nobody can tell the callee got the original:
// recursive functions over arrays (`qsort(lo)`) then pass their arrays
// without copying. The analysis is deliberately blunt:
//
//   - the function is not a closure and contains no eval() and no `f!()`
//     call (both reach variables by name), and the call is not inside a
//     loop (the next iteration would read the variable again);
//   - the variable is a plain local of this function, not a constant (a
//     top-level constant is also global::NAME) and not shared with a
//     closure;
//   - its name appears, as any identifier or string anywhere, exactly once
//     in the function-level statement holding the call (this argument)
//     and nowhere in any statement after it, in this block or the blocks
//     around it.

// returnValue compiles the value of `return x`. In a script function,
// returning one of its plain locals hands over the local's own value, as
// the implicit result of its body (`fn f(a) { a }`) already does: the
// frame ends with the return, so no copy is needed. Elsewhere the value
// is copied.
func (fc *fnComp) returnValue(e syntax.Expr) evalFn {
	if id, ok := e.(*syntax.Ident); ok && id.Namespace == "" && id.Name != "this" && fc.parent == nil && !fc.isTop &&
		fc.evalLimit == 0 && len(fc.inlining) == 0 && fc.lookup(id.Name).kind == refLocal {
		return fc.expr(e)
	}
	return fc.valueExpr(e)
}

// A script function's result is owned, and its callers use it without
// copying, when it cannot share storage with anything that outlives the
// call. Its `return` values always are (returnValue hands over a plain
// local, whose value the frame owns, and copies anything else); its body's
// last statement is when it gives () or a loop's break value (copied), or
// is a literal, an operator's new value, or a plain local. Anything else
// (a constant, global::X, a call, a block) is copied by the caller as
// before.
func (fc *fnComp) ownedTail(s syntax.Stmt) bool {
	es, ok := s.(*syntax.ExprStmt)
	if !ok {
		switch s.(type) {
		case *syntax.LetStmt, *syntax.AssignStmt, *syntax.WhileStmt, *syntax.LoopStmt, *syntax.DoStmt,
			*syntax.ForStmt, *syntax.ReturnStmt, *syntax.ThrowStmt, *syntax.ImportStmt, *syntax.ExportStmt:
			return true
		}
		return false
	}
	switch x := es.X.(type) {
	case *syntax.IntLit, *syntax.FloatLit, *syntax.BoolLit, *syntax.CharLit, *syntax.StringLit,
		*syntax.UnitLit, *syntax.InterpString, *syntax.ArrayLit, *syntax.MapLit, *syntax.ClosureExpr,
		*syntax.UnaryExpr:
		return true
	case *syntax.BinaryExpr:
		return x.Op != "??"
	case *syntax.Ident:
		return x.Namespace == "" && x.Name != "this" && fc.parent == nil && !fc.isTop && fc.evalLimit == 0 &&
			len(fc.inlining) == 0 && fc.lookup(x.Name).kind == refLocal
	}
	return false
}

// directCallee returns the script function `name(args)` calls directly
// (call's directCall case), or nil.
func (fc *fnComp) directCallee(e *syntax.CallExpr) *fnProto {
	if e.Namespace != "" && e.Namespace != "global" || e.Bang || e.Name == "is_def_var" && len(e.Args) == 1 {
		return nil
	}
	return fc.c.fns[fnKey{e.Name, len(e.Args)}]
}

// blockCursor is a block being compiled and the statement compiling now.
type blockCursor struct {
	stmts []syntax.Stmt
	idx   int
}

// moveScanLimit bounds the AST nodes one move check visits, so compiling
// a huge function stays linear-ish; past it, arguments are copied.
const moveScanLimit = 4096

// moveArgs compiles the arguments of a call to a script function: moved
// when it is their last use, copied otherwise.
func (fc *fnComp) moveArgs(args []syntax.Expr) []evalFn {
	out := make([]evalFn, len(args))
	for i, a := range args {
		if fc.movable(a) {
			out[i] = fc.expr(a)
		} else {
			out[i] = fc.valueExpr(a)
		}
	}
	return out
}

func (fc *fnComp) movable(a syntax.Expr) bool {
	id, ok := a.(*syntax.Ident)
	if !ok || id.Namespace != "" || id.Name == "this" || fc.loops > 0 || fc.parent != nil ||
		fc.evalLimit > 0 || len(fc.inlining) > 0 || len(fc.blocks) == 0 || fc.byName() {
		return false
	}
	var v *scopeVar
	for i := len(fc.vars) - 1; i >= 0; i-- {
		if fc.vars[i].name == id.Name {
			v = fc.vars[i]
			break
		}
	}
	if v == nil || v.boxed || v.isConst || v.inherited {
		return false
	}
	budget := moveScanLimit
	outer := fc.blocks[0]
	if countName(outer.stmts[outer.idx], id.Name, &budget) != 1 {
		return false
	}
	for _, b := range fc.blocks {
		for _, s := range b.stmts[b.idx+1:] {
			if countName(s, id.Name, &budget) != 0 {
				return false
			}
		}
	}
	return budget > 0
}

// byName reports (once per function) whether its body calls eval() or
// uses `f!()`, which reach the caller's variables by name.
func (fc *fnComp) byName() bool {
	if fc.byNameKnown {
		return fc.byNameFound
	}
	fc.byNameKnown = true
	budget := 1 << 30
	var found bool
	walk(reflect.ValueOf(fc.node), &budget, func(v reflect.Value) {
		if c, ok := v.Interface().(*syntax.CallExpr); ok && (c.Bang || c.Name == "eval") {
			found = true
		}
	})
	fc.byNameFound = found
	return found
}

// countName counts the string fields of n and everything below it equal
// to name (identifiers, declarations, parameters, properties, literals).
func countName(n syntax.Node, name string, budget *int) int {
	count := 0
	walkStrings(reflect.ValueOf(n), budget, func(s string) {
		if s == name {
			count++
		}
	})
	return count
}

// walk calls fn on every pointer to a struct under v.
func walk(v reflect.Value, budget *int, fn func(reflect.Value)) {
	if *budget <= 0 {
		return
	}
	*budget--
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.CanInterface() {
			fn(v)
		}
		walk(v.Elem(), budget, fn)
	case reflect.Interface:
		if !v.IsNil() {
			walk(v.Elem(), budget, fn)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			walk(v.Field(i), budget, fn)
		}
	case reflect.Slice:
		for i := range v.Len() {
			walk(v.Index(i), budget, fn)
		}
	}
}

// walkStrings calls fn on every string under v.
func walkStrings(v reflect.Value, budget *int, fn func(string)) {
	if *budget <= 0 {
		return
	}
	*budget--
	switch v.Kind() {
	case reflect.String:
		fn(v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStrings(v.Elem(), budget, fn)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			walkStrings(v.Field(i), budget, fn)
		}
	case reflect.Slice:
		for i := range v.Len() {
			walkStrings(v.Index(i), budget, fn)
		}
	}
}
