package rhai

import "github.com/circles-actor/circles-actor/scripting/rhai/syntax"

// Rhai's default optimiser (OptimizationLevel::Simple) changes what a script
// observably does in one way the evaluator must copy: a statement without
// effect is dropped before the script runs, so `x; 1` is 1 even when there
// is no x. This file decides which statements those are, following what the
// reference does: literals and constant operator expressions that fold
// without error, variables, `&&`/`||` of such, blocks, `if`, `for` over a
// constant and `try` bodies made only of them.

// pureStmt reports a statement the optimiser removes when its value is not
// needed.
func pureStmt(s syntax.Stmt) bool {
	switch s := s.(type) {
	case *syntax.ExprStmt:
		return pureExpr(s.X)
	case *syntax.LetStmt:
		// Only inside a block that is dropped whole: the variable dies with it.
		return s.Value == nil || pureExpr(s.Value)
	case *syntax.ForStmt:
		return constExpr(s.Iter) && pureBlock(s.Body)
	case *syntax.WhileStmt:
		b, ok := s.Cond.(*syntax.BoolLit)
		return ok && !b.Value
	case *syntax.DoStmt:
		b, ok := s.Cond.(*syntax.BoolLit)
		return ok && b.Value == s.Until && pureBlock(s.Body)
	case *syntax.TryStmt:
		return pureBlock(s.Body)
	}
	return false
}

func pureBlock(b *syntax.BlockExpr) bool {
	for _, s := range b.Stmts {
		if !pureStmt(s) {
			return false
		}
	}
	return true
}

// pureExpr reports an expression whose evaluation has no effect and cannot
// fail (once constants are folded).
func pureExpr(e syntax.Expr) bool {
	switch e := e.(type) {
	case *syntax.Ident:
		return e.Namespace == "" && e.Name != "this"
	case *syntax.BinaryExpr:
		if e.Op == "&&" || e.Op == "||" {
			return pureExpr(e.X) && pureExpr(e.Y)
		}
	case *syntax.BlockExpr:
		return pureBlock(e)
	case *syntax.IfExpr:
		if !pureExpr(e.Cond) || !pureBlock(e.Then) {
			return false
		}
		return e.Else == nil || pureExpr(e.Else)
	case *syntax.StmtExpr:
		return pureStmt(e.Stmt)
	}
	return constExpr(e)
}

// constExpr reports an expression the optimiser folds into a constant:
// literals, and operators on constants that evaluate without error.
func constExpr(e syntax.Expr) bool {
	_, ok := foldConst(e, 0)
	return ok
}

// foldConst evaluates a constant expression at compile time.
func foldConst(e syntax.Expr, depth int) (Value, bool) {
	if depth > 32 {
		return Unit, false
	}
	switch e := e.(type) {
	case *syntax.IntLit:
		return Int(e.Value), true
	case *syntax.FloatLit:
		return Float(e.Value), true
	case *syntax.BoolLit:
		return Bool(e.Value), true
	case *syntax.CharLit:
		return Char(e.Value), true
	case *syntax.StringLit:
		return String(e.Value), true
	case *syntax.UnitLit:
		return Unit, true
	case *syntax.ArrayLit:
		for _, x := range e.Elems {
			if _, ok := foldConst(x, depth+1); !ok {
				return Unit, false
			}
		}
		return Unit, true
	case *syntax.MapLit:
		for _, x := range e.Values {
			if _, ok := foldConst(x, depth+1); !ok {
				return Unit, false
			}
		}
		return Unit, true
	case *syntax.UnaryExpr:
		x, ok := foldConst(e.X, depth+1)
		if !ok || !isScalar(x.k) || x.k == KindString {
			return Unit, false
		}
		v, err := unaryOp(e.Op, x, e.P)
		return v, err == nil
	case *syntax.BinaryExpr:
		op, known := opcodes[e.Op]
		if !known || e.X == nil || e.Y == nil {
			return Unit, false
		}
		a, ok1 := foldConst(e.X, depth+1)
		b, ok2 := foldConst(e.Y, depth+1)
		if ok1 && ok2 && op == opAdd && (a.k == KindString || b.k == KindString) && isScalar(a.k) && isScalar(b.k) {
			// Joining literal strings (and chars, numbers) folds too.
			v, err := stringOp(op, a, b, e.P)
			return v, err == nil && v.k == KindString && v.StrLen() <= 1<<16
		}
		if !ok1 || !ok2 || !isScalar(a.k) || !isScalar(b.k) {
			return Unit, false
		}
		switch op {
		case opEq, opNe, opLt, opLe, opGt, opGe:
			// The run-time comparison itself (it needs no run state for
			// scalars), so folding can never change a result.
			v, err := binValues(nil, op, a, b, e.P)
			return v, err == nil
		}
		if a.k == KindString || b.k == KindString {
			return Unit, false
		}
		switch {
		case a.k == KindInt && b.k == KindInt:
			if op == opRange || op == opRangeIncl {
				return Unit, true
			}
			v, err := intOp(op, a.AsInt(), b.AsInt(), e.P)
			return v, err == nil
		case (a.k == KindInt || a.k == KindFloat) && (b.k == KindInt || b.k == KindFloat):
			v, err := floatOp(op, toF(a), toF(b), a, b, e.P)
			return v, err == nil
		}
	case *syntax.IfExpr:
		// `if true { a } else { b }` folds to the branch taken.
		c, ok := foldConst(e.Cond, depth+1)
		if !ok || c.k != KindBool {
			return Unit, false
		}
		if c.AsBool() {
			return foldConst(e.Then, depth+1)
		}
		if e.Else == nil {
			return Unit, true
		}
		return foldConst(e.Else, depth+1)
	case *syntax.BlockExpr:
		if len(e.Stmts) != 1 {
			return Unit, len(e.Stmts) == 0
		}
		if es, ok := e.Stmts[0].(*syntax.ExprStmt); ok {
			return foldConst(es.X, depth+1)
		}
	case *syntax.IndexExpr:
		// A literal indexed by a constant: Rhai's optimiser takes the char
		// of a string, the element of an array, the value of a map key.
		if e.Safe {
			return Unit, false
		}
		i, ok := foldConst(e.Index, depth+1)
		if !ok {
			return Unit, false
		}
		switch x := e.X.(type) {
		case *syntax.StringLit:
			if i.k != KindInt {
				return Unit, false
			}
			rs := []rune(x.Value)
			if n, ok := litIndex(i.AsInt(), len(rs)); ok {
				return Char(rs[n]), true
			}
		case *syntax.ArrayLit:
			if i.k != KindInt {
				return Unit, false
			}
			if n, ok := litIndex(i.AsInt(), len(x.Elems)); ok && constExpr(x) {
				return foldConst(x.Elems[n], depth+1)
			}
		case *syntax.MapLit:
			if i.k == KindString {
				return foldMapKey(x, i.AsStr(), depth)
			}
		}
		return Unit, false
	case *syntax.PropExpr:
		if m, ok := e.X.(*syntax.MapLit); ok && !e.Safe {
			return foldMapKey(m, e.Name, depth)
		}
	case *syntax.CallExpr:
		// Fn("name") is folded into the function pointer.
		if e.Name == "Fn" && e.Namespace == "" && !e.Bang && len(e.Args) == 1 {
			if s, ok := e.Args[0].(*syntax.StringLit); ok && fnNameError(s.Value) == nil {
				return Unit, true
			}
		}
	}
	return Unit, false
}

// litIndex is index i of a literal of n elements as Rhai counts (negative
// from the end), and whether it is inside.
func litIndex(i int64, n int) (int, bool) {
	if i < 0 {
		i += int64(n)
	}
	return int(i), i >= 0 && i < int64(n)
}

// foldMapKey folds a constant map literal's value of key (a missing key is
// (), as at run time).
func foldMapKey(m *syntax.MapLit, key string, depth int) (Value, bool) {
	if !constExpr(m) {
		return Unit, false
	}
	for j := len(m.Keys) - 1; j >= 0; j-- { // a repeated key: the last wins
		if m.Keys[j] == key {
			return foldConst(m.Values[j], depth+1)
		}
	}
	return Unit, true
}

// isScalar reports the kinds foldConst computes values for.
func isScalar(k Kind) bool {
	return k == KindInt || k == KindFloat || k == KindBool || k == KindChar || k == KindString
}
