package rhai

import "github.com/circles-actor/circles-actor/scripting/rhai/syntax"

// fastFloat computes the float operations that cannot fail, as binValues
// would (arithmetic through floatOp's formulas, comparisons of finite floats
// through cmpFloat); ok=false leaves the rest to binSlow, including every
// comparison with an infinity or NaN, whose Rhai results (false, but true
// for 0 <= NaN) compareOp owns.
func fastFloat(op opcode, x, y float64) (Value, bool) {
	switch op {
	case opAdd:
		return Float(x + y), true
	case opSub:
		return Float(x - y), true
	case opMul:
		return Float(x * y), true
	case opDiv:
		return Float(x / y), true
	case opLt, opLe, opGt, opGe:
		if !finite(x) || !finite(y) {
			return Unit, false
		}
		c, _ := cmpFloat(x, y)
		switch op {
		case opLt:
			return Bool(c < 0), true
		case opLe:
			return Bool(c <= 0), true
		case opGt:
			return Bool(c > 0), true
		}
		return Bool(c >= 0), true
	}
	return Unit, false
}

// floatLitOp specialises `expr op 1.5`, the float twin of the integer
// literal case of binary.
func floatLitOp(x evalFn, op opcode, k float64, pos syntax.Pos) evalFn {
	kv := Float(k)
	return func(f *frame) (Value, error) {
		a, err := x(f)
		if err != nil {
			return Unit, err
		}
		if a.k == KindFloat {
			if v, ok := fastFloat(op, a.AsFloat(), k); ok {
				return v, nil
			}
		}
		return binSlow(f.rt, op, a, kv, pos)
	}
}

// specShape picks the specialised closure of ops_spec.go for the shape of
// e's operands, or returns nil when op has none.
func (fc *fnComp) specShape(op opcode, e *syntax.BinaryExpr, x, y evalFn, xr int, pos syntax.Pos) evalFn {
	yr := fc.localSlot(e.Y)
	if k, ok := numLit(e.Y); ok {
		if xr >= 0 {
			return specBinaryLK(op, xr, k, pos)
		}
		return specBinaryXK(op, x, k, pos)
	}
	if k, ok := numLit(e.X); ok {
		return specBinaryKX(op, k, y, pos)
	}
	switch {
	case xr >= 0 && yr >= 0:
		return specBinarySlots(op, xr, yr, pos)
	case yr >= 0:
		return specBinaryXL(op, x, yr, pos)
	case xr >= 0:
		return specBinaryLX(op, xr, y, pos)
	}
	return specBinary(op, x, y, pos)
}

// numLit reads an integer or float literal, possibly negated.
func numLit(e syntax.Expr) (Value, bool) {
	if k, ok := intLit(e); ok {
		return Int(k), true
	}
	if k, ok := floatLit(e); ok {
		return Float(k), true
	}
	return Unit, false
}

// floatLit reads a float literal, possibly negated.
func floatLit(e syntax.Expr) (float64, bool) {
	switch e := e.(type) {
	case *syntax.FloatLit:
		return e.Value, true
	case *syntax.UnaryExpr:
		if e.Op == "-" {
			if n, ok := e.X.(*syntax.FloatLit); ok {
				return -n.Value, true
			}
		}
	}
	return 0, false
}

// finite reports a float that is neither infinite nor NaN.
func finite(x float64) bool {
	return x-x == 0 // inf-inf and NaN-NaN are NaN
}
