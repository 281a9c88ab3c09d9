package rhai

// intBits is the width of Rhai's INT.
const intBits = 64

// bitLib is Rhai's BitFieldPackage: single bits and bit ranges of an
// integer, with negative bit positions counting from the most significant
// end.
func bitLib() []NativeDef {
	return []NativeDef{
		pureDef("get_bit", 2, func(_ *Call, a []Value) (Value, error) {
			if a[0].k != KindInt || a[1].k != KindInt {
				return Unit, ErrNoMatch
			}
			bit, err := bitIndex(a[1].AsInt())
			if err != nil {
				return Unit, err
			}
			return Bool(a[0].AsInt()&(1<<bit) != 0), nil
		}),
		mutDef("set_bit", 3, func(_ *Call, a []Value) (Value, error) {
			if a[0].k != KindInt || a[1].k != KindInt || a[2].k != KindBool {
				return Unit, ErrNoMatch
			}
			bit, err := bitIndex(a[1].AsInt())
			if err != nil {
				return Unit, err
			}
			x := a[0].AsInt()
			if a[2].AsBool() {
				x |= 1 << bit
			} else {
				x &^= 1 << bit
			}
			a[0] = Int(x)
			return Unit, nil
		}),
		pureDef("get_bits", 2, func(_ *Call, a []Value) (Value, error) {
			if a[0].k != KindInt {
				return Unit, ErrNoMatch
			}
			start, n, ok, err := fieldRangeArg(a[1])
			if !ok || err != nil {
				return Unit, noMatchOr(ok, err)
			}
			return getBits(a[0].AsInt(), start, n)
		}),
		pureDef("get_bits", 3, func(_ *Call, a []Value) (Value, error) {
			if a[0].k != KindInt || a[1].k != KindInt || a[2].k != KindInt {
				return Unit, ErrNoMatch
			}
			return getBits(a[0].AsInt(), a[1].AsInt(), a[2].AsInt())
		}),
		mutDef("set_bits", 3, func(_ *Call, a []Value) (Value, error) {
			if a[0].k != KindInt || a[2].k != KindInt {
				return Unit, ErrNoMatch
			}
			start, n, ok, err := fieldRangeArg(a[1])
			if !ok || err != nil {
				return Unit, noMatchOr(ok, err)
			}
			return setBits(a, start, n, a[2].AsInt())
		}),
		mutDef("set_bits", 4, func(_ *Call, a []Value) (Value, error) {
			if a[0].k != KindInt || a[1].k != KindInt || a[2].k != KindInt || a[3].k != KindInt {
				return Unit, ErrNoMatch
			}
			return setBits(a, a[1].AsInt(), a[2].AsInt(), a[3].AsInt())
		}),
		pureDef("bits", 1, func(c *Call, a []Value) (Value, error) {
			if a[0].k != KindInt {
				return Unit, ErrNoMatch
			}
			return asIterator(bitRangeType)(bitsOf(a[0].AsInt(), 0, intBits))
		}),
		pureDef("bits", 2, func(c *Call, a []Value) (Value, error) {
			if a[0].k != KindInt {
				return Unit, ErrNoMatch
			}
			if start, n, ok := emptyRangeArg(a[1]); ok {
				return asIterator(bitRangeType)(bitsOf(a[0].AsInt(), start, n))
			}
			if a[1].k != KindInt {
				return Unit, ErrNoMatch
			}
			return asIterator(bitRangeType)(bitsOf(a[0].AsInt(), a[1].AsInt(), intBits))
		}),
		pureDef("bits", 3, func(c *Call, a []Value) (Value, error) {
			if a[0].k != KindInt || a[1].k != KindInt || a[2].k != KindInt {
				return Unit, ErrNoMatch
			}
			return asIterator(bitRangeType)(bitsOf(a[0].AsInt(), a[1].AsInt(), a[2].AsInt()))
		}),
	}
}

// fieldRangeArg is emptyRangeArg for get_bits and set_bits, which also
// refuse an inclusive range whose last bit, max(end, start-1), is past the
// top, even when the range is empty.
func fieldRangeArg(v Value) (start, n int64, ok bool, err error) {
	start, n, ok = emptyRangeArg(v)
	if ok && v.AsRange().Inclusive {
		if last := max(v.AsRange().End, start-1); last >= intBits {
			return 0, 0, true, Errorf(ErrIndexOutOfBounds, "Bit-field index %d out of bounds: only %d bits in bit-field", last, intBits)
		}
	}
	return start, n, ok, nil
}

// noMatchOr is err, or ErrNoMatch when the argument did not match.
func noMatchOr(ok bool, err error) error {
	if !ok {
		return ErrNoMatch
	}
	return err
}

// bitIndex resolves a bit position; negative positions count from the top.
func bitIndex(pos int64) (uint, error) {
	i, ok := calcIndex(intBits, pos)
	if !ok {
		return 0, Errorf(ErrIndexOutOfBounds, "Bit-field index %d out of bounds: only %d bits in bit-field", pos, intBits)
	}
	return uint(i), nil
}

// bitWindow resolves a (start, count) bit range, clamping count to the
// bits that remain; a count <= 0 is an empty window.
func bitWindow(start, n int64) (uint, uint, error) {
	bit, err := bitIndex(start)
	if err != nil {
		if n <= 0 {
			return 0, 0, nil
		}
		return 0, 0, err
	}
	if n <= 0 {
		return bit, 0, nil
	}
	if n > int64(intBits-bit) {
		n = int64(intBits - bit)
	}
	return bit, uint(n), nil
}

func getBits(x, start, n int64) (Value, error) {
	bit, cnt, err := bitWindow(start, n)
	if err != nil || cnt == 0 {
		return Int(0), err
	}
	if cnt == intBits {
		return Int(x), nil
	}
	mask := int64(1)<<cnt - 1
	return Int((x >> bit) & mask), nil
}

func setBits(a []Value, start, n, v int64) (Value, error) {
	bit, cnt, err := bitWindow(start, n)
	if err != nil || cnt == 0 {
		return Unit, err
	}
	if cnt == intBits {
		a[0] = Int(v)
		return Unit, nil
	}
	mask := int64(1)<<cnt - 1
	x := a[0].AsInt()&^(mask<<bit) | (v&mask)<<bit
	a[0] = Int(x)
	return Unit, nil
}

// bitsOf returns the bits of a window as an array of bools, lowest first
// (Rhai returns an iterator; `for b in bits(x)` iterates either the same).
const bitRangeType = "rhai::packages::iter_basic::BitRange"

func bitsOf(x, start, n int64) (Value, error) {
	// Unlike get_bits, bits checks its start even for an empty window.
	if _, err := bitIndex(start); err != nil {
		return Unit, err
	}
	bit, cnt, err := bitWindow(start, n)
	if err != nil {
		return Unit, err
	}
	elems := make([]Value, cnt)
	for i := range elems {
		elems[i] = Bool(x&(1<<(bit+uint(i))) != 0)
	}
	return NewArray(elems), nil
}
