package rhai

import "github.com/circles-actor/circles-actor/scripting/rhai/syntax"

// The arithmetic and comparison operators of loops get a closure of their
// own per operator, with the int/int and float/float cases (and int/float
// mixes of arithmetic, which Rhai computes in floats) written out: no
// switch on the operator at run time, and branches the processor predicts
// per operator. Every other case goes to binExprSlow, as before, which
// computes the same results for these.

// numMix reports an int and a float, in either order.
func numMix(a, b Value) bool {
	return a.k == KindInt && b.k == KindFloat || a.k == KindFloat && b.k == KindInt
}

// specBinary returns the closure of `x op y`, or nil for other operators.
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
	}
	return nil
}

// specBinarySlots is specBinary for two plain locals.
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
	}
	return nil
}
