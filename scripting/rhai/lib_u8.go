package rhai

import (
	"strconv"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// A BLOB is Vec<u8> in Rhai: iterating one (`for b in blob`) yields u8
// values, not the INT its indexing gives. A u8 is not one of Rhai's standard
// types: type_of says "u8", it prints as its number, and the standard
// library has only what Rhai registers for every integer type — +, -, *, /,
// %, &, |, ^ and comparisons with another u8 (no mixing with i64), min/max,
// to_int, to_float, is_odd/is_even/is_zero, to_hex/to_octal/to_binary.
// It is held as a host-style value (KindCustom) named "u8".

const u8Name = "u8"

func u8Value(b byte) Value { return Custom(u8Name, b) }

// asU8 returns the byte of a u8 value.
func asU8(v Value) (byte, bool) {
	if v.k != KindCustom {
		return 0, false
	}
	c := v.p.(*custom)
	b, ok := c.v.(byte)
	return b, ok && c.name == u8Name
}

// u8Binary is a binary operator with a u8 operand; ok is false when the
// generic rules apply (strings joined to it, `in`).
func u8Binary(op opcode, a, b Value, pos syntax.Pos) (v Value, err error, ok bool) {
	x, xok := asU8(a)
	y, yok := asU8(b)
	if !xok && !yok || op == opIn {
		return Unit, nil, false
	}
	if xok && yok {
		v, err := u8Op(op, x, y, a, b, pos)
		return v, err, true
	}
	numeric := func(v Value) bool {
		_, u := asU8(v)
		return u || v.k == KindInt || v.k == KindFloat
	}
	if numeric(a) && numeric(b) {
		// Rhai has no operators mixing integer types.
		return Unit, noOp(op, a, b, pos), true
	}
	switch op {
	case opEq, opLt, opLe, opGt, opGe:
		return Bool(false), nil, true // values of different types
	case opNe:
		return Bool(true), nil, true
	}
	return Unit, nil, false
}

func u8Op(op opcode, x, y byte, a, b Value, pos syntax.Pos) (Value, error) {
	overflow := func(name string) error {
		return errAt(ErrArithmetic, pos, "%s overflow: %d %s %d", name, x, opNames[op], y)
	}
	switch op {
	case opAdd:
		if int(x)+int(y) > 255 {
			return Unit, overflow("Addition")
		}
		return u8Value(x + y), nil
	case opSub:
		if x < y {
			return Unit, overflow("Subtraction")
		}
		return u8Value(x - y), nil
	case opMul:
		if int(x)*int(y) > 255 {
			return Unit, overflow("Multiplication")
		}
		return u8Value(x * y), nil
	case opDiv:
		if y == 0 {
			return Unit, errAt(ErrArithmetic, pos, "Division by zero: %d / %d", x, y)
		}
		return u8Value(x / y), nil
	case opMod:
		if y == 0 {
			return Unit, errAt(ErrArithmetic, pos, "Modulo division by zero or overflow: %d %% %d", x, y)
		}
		return u8Value(x % y), nil
	case opAnd:
		return u8Value(x & y), nil
	case opOr:
		return u8Value(x | y), nil
	case opXor:
		return u8Value(x ^ y), nil
	case opEq:
		return Bool(x == y), nil
	case opNe:
		return Bool(x != y), nil
	case opLt:
		return Bool(x < y), nil
	case opLe:
		return Bool(x <= y), nil
	case opGt:
		return Bool(x > y), nil
	case opGe:
		return Bool(x >= y), nil
	}
	return Unit, noOp(op, a, b, pos)
}

// u8Fn is a native defined only for u8 arguments.
func u8Fn(name string, arity int, fn func(xs []byte) Value) NativeDef {
	return pureDef(name, arity, func(_ *Call, args []Value) (Value, error) {
		var xs [2]byte
		for i, a := range args {
			x, ok := asU8(a)
			if !ok {
				return Unit, ErrNoMatch
			}
			xs[i] = x
		}
		return fn(xs[:len(args)]), nil
	})
}

func u8Lib() []NativeDef {
	radix := func(base int) func(xs []byte) Value {
		return func(xs []byte) Value { return String(strconv.FormatUint(uint64(xs[0]), base)) }
	}
	defs := []NativeDef{
		u8Fn("to_int", 1, func(xs []byte) Value { return Int(int64(xs[0])) }),
		u8Fn("to_float", 1, func(xs []byte) Value { return Float(float64(xs[0])) }),
		u8Fn("to_hex", 1, radix(16)),
		u8Fn("to_octal", 1, radix(8)),
		u8Fn("to_binary", 1, radix(2)),
		u8Fn("max", 2, func(xs []byte) Value { return u8Value(max(xs[0], xs[1])) }),
		u8Fn("min", 2, func(xs []byte) Value { return u8Value(min(xs[0], xs[1])) }),
	}
	for _, t := range []struct {
		name string
		test func(byte) bool
	}{
		{"is_odd", func(x byte) bool { return x%2 == 1 }},
		{"is_even", func(x byte) bool { return x%2 == 0 }},
		{"is_zero", func(x byte) bool { return x == 0 }},
	} {
		test := t.test
		fn := u8Fn(t.name, 1, func(xs []byte) Value { return Bool(test(xs[0])) })
		defs = append(defs, fn, NativeDef{Name: "get$" + t.name, Arity: 1, Fn: fn.Fn, Flags: Pure})
	}
	return defs
}
