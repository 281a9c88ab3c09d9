package rhai

import "github.com/circles-actor/circles-actor/scripting/rhai/syntax"

// The arithmetic and comparison operators of loops get a closure of their
// own per operator and per shape of operands (plain locals and literals
// read in place), with the int/int and float/float cases (and the int/float
// mixes of arithmetic, which Rhai computes in floats) written out: no
// switch on the operator at run time, fewer closure calls, and branches the
// processor predicts per operator. Every other case goes to binExprSlow,
// which computes the same results for these.

// numMix reports an int and a float, in either order.
func numMix(a, b Value) bool {
	return a.k == KindInt && b.k == KindFloat || a.k == KindFloat && b.k == KindInt
}

// specBinary returns the closure of `x op y` for x op y, or nil for
// the other operators.
func specBinary(op opcode, x, y evalFn, pos syntax.Pos) evalFn {
	switch op {
	case opAdd:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				x, y := a.AsInt(), b.AsInt()
				if s := x + y; (s > x) == (y > 0) {
					return Int(s), nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() + b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) + toF(b)), nil
			}
			return binExprSlow(f.rt, opAdd, a, b, pos)
		}
	case opSub:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				x, y := a.AsInt(), b.AsInt()
				if s := x - y; (s < x) == (y > 0) {
					return Int(s), nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() - b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) - toF(b)), nil
			}
			return binExprSlow(f.rt, opSub, a, b, pos)
		}
	case opMul:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				if v, ok := fastInt(opMul, a.AsInt(), b.AsInt()); ok {
					return v, nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() * b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) * toF(b)), nil
			}
			return binExprSlow(f.rt, opMul, a, b, pos)
		}
	case opDiv:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				if v, ok := fastInt(opDiv, a.AsInt(), b.AsInt()); ok {
					return v, nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() / b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) / toF(b)), nil
			}
			return binExprSlow(f.rt, opDiv, a, b, pos)
		}
	case opMod:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				if x, y := a.AsInt(), b.AsInt(); y != 0 && !(x == minInt && y == -1) {
					return Int(x % y), nil
				}
			}
			return binExprSlow(f.rt, opMod, a, b, pos)
		}
	case opLt:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() < b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c < 0), nil
				}
			}
			return binExprSlow(f.rt, opLt, a, b, pos)
		}
	case opLe:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() <= b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c <= 0), nil
				}
			}
			return binExprSlow(f.rt, opLe, a, b, pos)
		}
	case opGt:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() > b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c > 0), nil
				}
			}
			return binExprSlow(f.rt, opGt, a, b, pos)
		}
	case opGe:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() >= b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c >= 0), nil
				}
			}
			return binExprSlow(f.rt, opGe, a, b, pos)
		}
	case opEq:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() == b.AsInt()), nil
			}
			return binExprSlow(f.rt, opEq, a, b, pos)
		}
	case opNe:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() != b.AsInt()), nil
			}
			return binExprSlow(f.rt, opNe, a, b, pos)
		}
	}
	return nil
}

// specBinarySlots returns the closure of `x op y` for two plain locals, or nil for
// the other operators.
func specBinarySlots(op opcode, xr, yr int, pos syntax.Pos) evalFn {
	switch op {
	case opAdd:
		return func(f *frame) (Value, error) {
			a, b := f.slots[xr], f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				x, y := a.AsInt(), b.AsInt()
				if s := x + y; (s > x) == (y > 0) {
					return Int(s), nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() + b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) + toF(b)), nil
			}
			return binExprSlow(f.rt, opAdd, a, b, pos)
		}
	case opSub:
		return func(f *frame) (Value, error) {
			a, b := f.slots[xr], f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				x, y := a.AsInt(), b.AsInt()
				if s := x - y; (s < x) == (y > 0) {
					return Int(s), nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() - b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) - toF(b)), nil
			}
			return binExprSlow(f.rt, opSub, a, b, pos)
		}
	case opMul:
		return func(f *frame) (Value, error) {
			a, b := f.slots[xr], f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				if v, ok := fastInt(opMul, a.AsInt(), b.AsInt()); ok {
					return v, nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() * b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) * toF(b)), nil
			}
			return binExprSlow(f.rt, opMul, a, b, pos)
		}
	case opDiv:
		return func(f *frame) (Value, error) {
			a, b := f.slots[xr], f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				if v, ok := fastInt(opDiv, a.AsInt(), b.AsInt()); ok {
					return v, nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() / b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) / toF(b)), nil
			}
			return binExprSlow(f.rt, opDiv, a, b, pos)
		}
	case opMod:
		return func(f *frame) (Value, error) {
			a, b := f.slots[xr], f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				if x, y := a.AsInt(), b.AsInt(); y != 0 && !(x == minInt && y == -1) {
					return Int(x % y), nil
				}
			}
			return binExprSlow(f.rt, opMod, a, b, pos)
		}
	case opLt:
		return func(f *frame) (Value, error) {
			a, b := f.slots[xr], f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() < b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c < 0), nil
				}
			}
			return binExprSlow(f.rt, opLt, a, b, pos)
		}
	case opLe:
		return func(f *frame) (Value, error) {
			a, b := f.slots[xr], f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() <= b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c <= 0), nil
				}
			}
			return binExprSlow(f.rt, opLe, a, b, pos)
		}
	case opGt:
		return func(f *frame) (Value, error) {
			a, b := f.slots[xr], f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() > b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c > 0), nil
				}
			}
			return binExprSlow(f.rt, opGt, a, b, pos)
		}
	case opGe:
		return func(f *frame) (Value, error) {
			a, b := f.slots[xr], f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() >= b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c >= 0), nil
				}
			}
			return binExprSlow(f.rt, opGe, a, b, pos)
		}
	case opEq:
		return func(f *frame) (Value, error) {
			a, b := f.slots[xr], f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() == b.AsInt()), nil
			}
			return binExprSlow(f.rt, opEq, a, b, pos)
		}
	case opNe:
		return func(f *frame) (Value, error) {
			a, b := f.slots[xr], f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() != b.AsInt()), nil
			}
			return binExprSlow(f.rt, opNe, a, b, pos)
		}
	}
	return nil
}

// specBinaryXL returns the closure of `x op y` for an expression and a plain local, or nil for
// the other operators.
func specBinaryXL(op opcode, x evalFn, yr int, pos syntax.Pos) evalFn {
	switch op {
	case opAdd:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b := f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				x, y := a.AsInt(), b.AsInt()
				if s := x + y; (s > x) == (y > 0) {
					return Int(s), nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() + b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) + toF(b)), nil
			}
			return binExprSlow(f.rt, opAdd, a, b, pos)
		}
	case opSub:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b := f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				x, y := a.AsInt(), b.AsInt()
				if s := x - y; (s < x) == (y > 0) {
					return Int(s), nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() - b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) - toF(b)), nil
			}
			return binExprSlow(f.rt, opSub, a, b, pos)
		}
	case opMul:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b := f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				if v, ok := fastInt(opMul, a.AsInt(), b.AsInt()); ok {
					return v, nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() * b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) * toF(b)), nil
			}
			return binExprSlow(f.rt, opMul, a, b, pos)
		}
	case opDiv:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b := f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				if v, ok := fastInt(opDiv, a.AsInt(), b.AsInt()); ok {
					return v, nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() / b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) / toF(b)), nil
			}
			return binExprSlow(f.rt, opDiv, a, b, pos)
		}
	case opMod:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b := f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				if x, y := a.AsInt(), b.AsInt(); y != 0 && !(x == minInt && y == -1) {
					return Int(x % y), nil
				}
			}
			return binExprSlow(f.rt, opMod, a, b, pos)
		}
	case opLt:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b := f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() < b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c < 0), nil
				}
			}
			return binExprSlow(f.rt, opLt, a, b, pos)
		}
	case opLe:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b := f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() <= b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c <= 0), nil
				}
			}
			return binExprSlow(f.rt, opLe, a, b, pos)
		}
	case opGt:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b := f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() > b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c > 0), nil
				}
			}
			return binExprSlow(f.rt, opGt, a, b, pos)
		}
	case opGe:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b := f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() >= b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c >= 0), nil
				}
			}
			return binExprSlow(f.rt, opGe, a, b, pos)
		}
	case opEq:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b := f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() == b.AsInt()), nil
			}
			return binExprSlow(f.rt, opEq, a, b, pos)
		}
	case opNe:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			b := f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() != b.AsInt()), nil
			}
			return binExprSlow(f.rt, opNe, a, b, pos)
		}
	}
	return nil
}

// specBinaryLX returns the closure of `x op y` for a plain local and an expression, or nil for
// the other operators.
func specBinaryLX(op opcode, xr int, y evalFn, pos syntax.Pos) evalFn {
	switch op {
	case opAdd:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				x, y := a.AsInt(), b.AsInt()
				if s := x + y; (s > x) == (y > 0) {
					return Int(s), nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() + b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) + toF(b)), nil
			}
			return binExprSlow(f.rt, opAdd, a, b, pos)
		}
	case opSub:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				x, y := a.AsInt(), b.AsInt()
				if s := x - y; (s < x) == (y > 0) {
					return Int(s), nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() - b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) - toF(b)), nil
			}
			return binExprSlow(f.rt, opSub, a, b, pos)
		}
	case opMul:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				if v, ok := fastInt(opMul, a.AsInt(), b.AsInt()); ok {
					return v, nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() * b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) * toF(b)), nil
			}
			return binExprSlow(f.rt, opMul, a, b, pos)
		}
	case opDiv:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				if v, ok := fastInt(opDiv, a.AsInt(), b.AsInt()); ok {
					return v, nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() / b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) / toF(b)), nil
			}
			return binExprSlow(f.rt, opDiv, a, b, pos)
		}
	case opMod:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				if x, y := a.AsInt(), b.AsInt(); y != 0 && !(x == minInt && y == -1) {
					return Int(x % y), nil
				}
			}
			return binExprSlow(f.rt, opMod, a, b, pos)
		}
	case opLt:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() < b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c < 0), nil
				}
			}
			return binExprSlow(f.rt, opLt, a, b, pos)
		}
	case opLe:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() <= b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c <= 0), nil
				}
			}
			return binExprSlow(f.rt, opLe, a, b, pos)
		}
	case opGt:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() > b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c > 0), nil
				}
			}
			return binExprSlow(f.rt, opGt, a, b, pos)
		}
	case opGe:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() >= b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c >= 0), nil
				}
			}
			return binExprSlow(f.rt, opGe, a, b, pos)
		}
	case opEq:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() == b.AsInt()), nil
			}
			return binExprSlow(f.rt, opEq, a, b, pos)
		}
	case opNe:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() != b.AsInt()), nil
			}
			return binExprSlow(f.rt, opNe, a, b, pos)
		}
	}
	return nil
}

// specBinaryXK returns the closure of `x op y` for an expression and a literal, or nil for
// the other operators.
func specBinaryXK(op opcode, x evalFn, b Value, pos syntax.Pos) evalFn {
	switch op {
	case opAdd:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				x, y := a.AsInt(), b.AsInt()
				if s := x + y; (s > x) == (y > 0) {
					return Int(s), nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() + b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) + toF(b)), nil
			}
			return binExprSlow(f.rt, opAdd, a, b, pos)
		}
	case opSub:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				x, y := a.AsInt(), b.AsInt()
				if s := x - y; (s < x) == (y > 0) {
					return Int(s), nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() - b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) - toF(b)), nil
			}
			return binExprSlow(f.rt, opSub, a, b, pos)
		}
	case opMul:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				if v, ok := fastInt(opMul, a.AsInt(), b.AsInt()); ok {
					return v, nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() * b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) * toF(b)), nil
			}
			return binExprSlow(f.rt, opMul, a, b, pos)
		}
	case opDiv:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				if v, ok := fastInt(opDiv, a.AsInt(), b.AsInt()); ok {
					return v, nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() / b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) / toF(b)), nil
			}
			return binExprSlow(f.rt, opDiv, a, b, pos)
		}
	case opMod:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				if x, y := a.AsInt(), b.AsInt(); y != 0 && !(x == minInt && y == -1) {
					return Int(x % y), nil
				}
			}
			return binExprSlow(f.rt, opMod, a, b, pos)
		}
	case opLt:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() < b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c < 0), nil
				}
			}
			return binExprSlow(f.rt, opLt, a, b, pos)
		}
	case opLe:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() <= b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c <= 0), nil
				}
			}
			return binExprSlow(f.rt, opLe, a, b, pos)
		}
	case opGt:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() > b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c > 0), nil
				}
			}
			return binExprSlow(f.rt, opGt, a, b, pos)
		}
	case opGe:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() >= b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c >= 0), nil
				}
			}
			return binExprSlow(f.rt, opGe, a, b, pos)
		}
	case opEq:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() == b.AsInt()), nil
			}
			return binExprSlow(f.rt, opEq, a, b, pos)
		}
	case opNe:
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() != b.AsInt()), nil
			}
			return binExprSlow(f.rt, opNe, a, b, pos)
		}
	}
	return nil
}

// specBinaryKX returns the closure of `x op y` for a literal and an expression, or nil for
// the other operators.
func specBinaryKX(op opcode, a Value, y evalFn, pos syntax.Pos) evalFn {
	switch op {
	case opAdd:
		return func(f *frame) (Value, error) {
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				x, y := a.AsInt(), b.AsInt()
				if s := x + y; (s > x) == (y > 0) {
					return Int(s), nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() + b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) + toF(b)), nil
			}
			return binExprSlow(f.rt, opAdd, a, b, pos)
		}
	case opSub:
		return func(f *frame) (Value, error) {
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				x, y := a.AsInt(), b.AsInt()
				if s := x - y; (s < x) == (y > 0) {
					return Int(s), nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() - b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) - toF(b)), nil
			}
			return binExprSlow(f.rt, opSub, a, b, pos)
		}
	case opMul:
		return func(f *frame) (Value, error) {
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				if v, ok := fastInt(opMul, a.AsInt(), b.AsInt()); ok {
					return v, nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() * b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) * toF(b)), nil
			}
			return binExprSlow(f.rt, opMul, a, b, pos)
		}
	case opDiv:
		return func(f *frame) (Value, error) {
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				if v, ok := fastInt(opDiv, a.AsInt(), b.AsInt()); ok {
					return v, nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() / b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) / toF(b)), nil
			}
			return binExprSlow(f.rt, opDiv, a, b, pos)
		}
	case opMod:
		return func(f *frame) (Value, error) {
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				if x, y := a.AsInt(), b.AsInt(); y != 0 && !(x == minInt && y == -1) {
					return Int(x % y), nil
				}
			}
			return binExprSlow(f.rt, opMod, a, b, pos)
		}
	case opLt:
		return func(f *frame) (Value, error) {
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() < b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c < 0), nil
				}
			}
			return binExprSlow(f.rt, opLt, a, b, pos)
		}
	case opLe:
		return func(f *frame) (Value, error) {
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() <= b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c <= 0), nil
				}
			}
			return binExprSlow(f.rt, opLe, a, b, pos)
		}
	case opGt:
		return func(f *frame) (Value, error) {
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() > b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c > 0), nil
				}
			}
			return binExprSlow(f.rt, opGt, a, b, pos)
		}
	case opGe:
		return func(f *frame) (Value, error) {
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() >= b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c >= 0), nil
				}
			}
			return binExprSlow(f.rt, opGe, a, b, pos)
		}
	case opEq:
		return func(f *frame) (Value, error) {
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() == b.AsInt()), nil
			}
			return binExprSlow(f.rt, opEq, a, b, pos)
		}
	case opNe:
		return func(f *frame) (Value, error) {
			b, err := y(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() != b.AsInt()), nil
			}
			return binExprSlow(f.rt, opNe, a, b, pos)
		}
	}
	return nil
}

// specBinaryLK returns the closure of `x op y` for a plain local and a literal, or nil for
// the other operators.
func specBinaryLK(op opcode, xr int, b Value, pos syntax.Pos) evalFn {
	switch op {
	case opAdd:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			if a.k == KindInt && b.k == KindInt {
				x, y := a.AsInt(), b.AsInt()
				if s := x + y; (s > x) == (y > 0) {
					return Int(s), nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() + b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) + toF(b)), nil
			}
			return binExprSlow(f.rt, opAdd, a, b, pos)
		}
	case opSub:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			if a.k == KindInt && b.k == KindInt {
				x, y := a.AsInt(), b.AsInt()
				if s := x - y; (s < x) == (y > 0) {
					return Int(s), nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() - b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) - toF(b)), nil
			}
			return binExprSlow(f.rt, opSub, a, b, pos)
		}
	case opMul:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			if a.k == KindInt && b.k == KindInt {
				if v, ok := fastInt(opMul, a.AsInt(), b.AsInt()); ok {
					return v, nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() * b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) * toF(b)), nil
			}
			return binExprSlow(f.rt, opMul, a, b, pos)
		}
	case opDiv:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			if a.k == KindInt && b.k == KindInt {
				if v, ok := fastInt(opDiv, a.AsInt(), b.AsInt()); ok {
					return v, nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				return Float(a.AsFloat() / b.AsFloat()), nil
			} else if numMix(a, b) {
				return Float(toF(a) / toF(b)), nil
			}
			return binExprSlow(f.rt, opDiv, a, b, pos)
		}
	case opMod:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			if a.k == KindInt && b.k == KindInt {
				if x, y := a.AsInt(), b.AsInt(); y != 0 && !(x == minInt && y == -1) {
					return Int(x % y), nil
				}
			}
			return binExprSlow(f.rt, opMod, a, b, pos)
		}
	case opLt:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() < b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c < 0), nil
				}
			}
			return binExprSlow(f.rt, opLt, a, b, pos)
		}
	case opLe:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() <= b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c <= 0), nil
				}
			}
			return binExprSlow(f.rt, opLe, a, b, pos)
		}
	case opGt:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() > b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c > 0), nil
				}
			}
			return binExprSlow(f.rt, opGt, a, b, pos)
		}
	case opGe:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() >= b.AsInt()), nil
			} else if a.k == KindFloat && b.k == KindFloat {
				if x, y := a.AsFloat(), b.AsFloat(); finite(x) && finite(y) {
					c, _ := cmpFloat(x, y)
					return Bool(c >= 0), nil
				}
			}
			return binExprSlow(f.rt, opGe, a, b, pos)
		}
	case opEq:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() == b.AsInt()), nil
			}
			return binExprSlow(f.rt, opEq, a, b, pos)
		}
	case opNe:
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			if a.k == KindInt && b.k == KindInt {
				return Bool(a.AsInt() != b.AsInt()), nil
			}
			return binExprSlow(f.rt, opNe, a, b, pos)
		}
	}
	return nil
}
