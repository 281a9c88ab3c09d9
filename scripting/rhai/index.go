package rhai

import (
	"strings"
	"unicode/utf8"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// indexExpr compiles `x[i]` and `x?[i]`.
func (fc *fnComp) indexExpr(e *syntax.IndexExpr) evalFn {
	x, idx := fc.expr(e.X), fc.expr(e.Index)
	safe, pos, ipos := inSafeChain(e), e.P, e.Index.Position()
	if xr := fc.localSlot(e.X); xr >= 0 && !safe {
		// arr[i] on a local array: the sieve's inner loop.
		return func(f *frame) (Value, error) {
			i, err := idx(f)
			if err != nil {
				return Unit, err
			}
			b := f.slots[xr]
			if b.k == KindArray && i.k == KindInt {
				el := b.AsArray().Elems
				if n := i.AsInt(); n >= 0 && n < int64(len(el)) {
					return el[n], nil
				}
			}
			v, err := indexGet(f.rt, b, i, pos)
			if err != nil {
				err = atIndex(err, ipos)
			}
			return v, err
		}
	}
	return func(f *frame) (Value, error) {
		b, err := x(f)
		if err != nil {
			return Unit, err
		}
		if safe && b.k == KindUnit {
			return Unit, nil
		}
		i, err := idx(f)
		if err != nil {
			return Unit, err
		}
		v, err := indexGet(f.rt, b, i, pos)
		if err != nil {
			err = atIndex(err, ipos)
		}
		return v, err
	}
}

// atIndex moves an error about the index value (out of bounds, wrong type)
// to the index expression, where Rhai reports it; "Indexer unavailable"
// stays at the bracket.
func atIndex(err error, ipos syntax.Pos) error {
	e, ok := err.(*Error)
	if !ok || (e.Kind != ErrIndexOutOfBounds && e.Kind != ErrMismatchedType) || strings.HasPrefix(e.Message, "Indexer unavailable") {
		return err
	}
	c := *e
	c.Line, c.Column = int(ipos.Line), int(ipos.Col)
	return &c
}

// normIndex turns a possibly negative index into a position in [0, n).
func normIndex(i int64, n int) (int, bool) {
	if i < 0 {
		i += int64(n)
	}
	if i < 0 || i >= int64(n) {
		return 0, false
	}
	return int(i), true
}

// indexGet reads b[i] for every indexable type.
func indexGet(r *runState, b, i Value, pos syntax.Pos) (Value, error) {
	switch b.k {
	case KindArray:
		if i.k != KindInt {
			return Unit, errAt(ErrMismatchedType, pos, "Data type incorrect: %s (expecting i64)", rustIndexType(i))
		}
		el := b.AsArray().Elems
		n, ok := normIndex(i.AsInt(), len(el))
		if !ok {
			return Unit, errAt(ErrIndexOutOfBounds, pos, "Array index %d out of bounds: %s", i.AsInt(), arrayHas(len(el)))
		}
		return el[n], nil
	case KindMap:
		if i.k == KindString {
			// Looked up without allocating the key.
			return b.AsMap().atBytes(i.StrBytes()), nil
		}
		key, ok := mapKey(i)
		if !ok {
			return Unit, errAt(ErrMismatchedType, pos, "Data type incorrect: %s (expecting string)", i.TypeName())
		}
		return b.AsMap().At(key), nil
	case KindString:
		if i.k == KindRange {
			rs := []rune(b.AsStr())
			if err := strRangeStart(i.AsRange(), len(rs), pos); err != nil {
				return Unit, err
			}
			lo, hi := rangeWindow(i.AsRange(), len(rs))
			return String(string(rs[lo:hi])), nil
		}
		if i.k != KindInt {
			return Unit, errAt(ErrMismatchedType, pos, "Data type incorrect: %s (expecting i64)", rustIndexType(i))
		}
		r, ok := charAt(b.AsStr(), i.AsInt())
		if !ok {
			return Unit, strIndexErr(i.AsInt(), utf8.RuneCount(b.StrBytes()), pos)
		}
		return Char(r), nil
	case KindBlob:
		if i.k != KindInt {
			return Unit, errAt(ErrMismatchedType, pos, "Data type incorrect: %s (expecting i64)", rustIndexType(i))
		}
		bb := b.AsBlob().B
		n, ok := normIndex(i.AsInt(), len(bb))
		if !ok {
			return Unit, errAt(ErrIndexOutOfBounds, pos, "Array index %d out of bounds: %s", i.AsInt(), arrayHas(len(bb)))
		}
		return Int(int64(bb[n])), nil
	case KindInt:
		return bitGet(b.AsInt(), i, pos)
	case KindCustom:
		if v, found, err := r.callNative(IndexGetter, []Value{b, i}, pos); found || err != nil {
			return v, err
		}
	}
	return Unit, errAt(ErrIndexOutOfBounds, pos, "Indexer unavailable: %s [%s]", b.TypeName(), i.TypeName())
}

// IndexGetter and IndexSetter are the native names a host type registers
// (arity 2 and 3) to be indexed: `x[i]` calls IndexGetter(x, i), and
// `x[i] = v` (or `x[i] += v`) calls IndexSetter(x, i, v). They are Rhai's own
// names for indexers.
const (
	IndexGetter = "index$get$"
	IndexSetter = "index$set$"
)

func mapKey(i Value) (string, bool) {
	switch i.k {
	case KindString:
		return i.AsStr(), true
	case KindChar:
		return string(i.AsChar()), true
	}
	return "", false
}

// rangeWindow clamps a range index over a sequence of n items to [lo, hi):
// negative bounds count from the end, out-of-range parts are dropped.
// strRangeStart is Rhai's check of a string indexed by a range: a negative
// start further back than the first character is out of bounds (on a
// non-empty string; the end is clamped).
func strRangeStart(rg *Range, n int, pos syntax.Pos) error {
	if n > 0 && rg.Start < 0 && rg.Start < -int64(n) {
		return strIndexErr(rg.Start, n, pos)
	}
	return nil
}

// strIndexErr is Rhai's message for string index i out of n characters.
func strIndexErr(i int64, n int, pos syntax.Pos) error {
	if n == 0 {
		return errAt(ErrIndexOutOfBounds, pos, "String index %d out of bounds: string is empty", i)
	}
	return errAt(ErrIndexOutOfBounds, pos, "String index %d out of bounds: only %s in string", i, plural(n, "character"))
}

// rustIndexType names an index of the wrong type as Rhai's "Data type
// incorrect" does: ranges by their Rust type.
func rustIndexType(i Value) string {
	if i.k == KindRange {
		if i.AsRange().Inclusive {
			return "core::ops::range::RangeInclusive<i64>"
		}
		return "core::ops::range::Range<i64>"
	}
	return i.TypeName()
}

func rangeWindow(rg *Range, n int) (int, int) {
	start, end := rg.Start, rg.End
	if start < 0 {
		start += int64(n)
		if start < 0 {
			start = 0
		}
	}
	if start > int64(n) {
		start = int64(n)
	}
	neg := end < 0
	if neg {
		end += int64(n)
	}
	if rg.Inclusive {
		if neg && end <= start {
			end = start - 1
		}
		if end < maxInt {
			end++
		}
	}
	if end > int64(n) {
		end = int64(n)
	}
	if end < start {
		end = start
	}
	return int(start), int(end)
}

// charAt returns the character at index i (negative from the end).
func charAt(s string, i int64) (rune, bool) {
	if i < 0 {
		i += int64(utf8.RuneCountInString(s))
		if i < 0 {
			return 0, false
		}
	}
	var n int64
	for _, r := range s {
		if n == i {
			return r, true
		}
		n++
	}
	return 0, false
}

// bitRange resolves an int index or range into (shift, width) over 64 bits.
func bitRange(i Value, pos syntax.Pos) (uint, uint, error) {
	switch i.k {
	case KindInt:
		n := i.AsInt()
		if n < 0 {
			n += 64
		}
		if n < 0 || n >= 64 {
			return 0, 0, errAt(ErrIndexOutOfBounds, pos, "Bit-field index %d out of bounds: only 64 bits in bit-field", i.AsInt())
		}
		return uint(n), 1, nil
	case KindRange:
		// As Rhai: a range over bits does not count from the end.
		rg := i.AsRange()
		start, end := rg.Start, rg.End
		if rg.Inclusive {
			end++
		}
		if start < 0 || start >= 64 {
			return 0, 0, errAt(ErrIndexOutOfBounds, pos, "Bit-field index %d out of bounds: only 64 bits in bit-field", rg.Start)
		}
		if rg.End == maxInt {
			end = 64
		}
		if rg.End < 0 || end > 64 {
			return 0, 0, errAt(ErrIndexOutOfBounds, pos, "Bit-field index %d out of bounds: only 64 bits in bit-field", rg.End)
		}
		if end <= start {
			return uint(start), 0, nil
		}
		return uint(start), uint(end - start), nil
	}
	return 0, 0, errAt(ErrMismatchedType, pos, "Data type incorrect: %s (expecting i64)", rustIndexType(i))
}

func bitGet(x int64, i Value, pos syntax.Pos) (Value, error) {
	shift, width, err := bitRange(i, pos)
	if err != nil {
		return Unit, err
	}
	if i.k == KindInt {
		return Bool(x>>shift&1 == 1), nil
	}
	if width == 0 {
		return Int(0), nil
	}
	mask := uint64(1)<<width - 1
	if width == 64 {
		mask = ^uint64(0)
	}
	return Int(int64(uint64(x) >> shift & mask)), nil
}

func bitSet(x int64, i, v Value, pos syntax.Pos) (Value, error) {
	shift, width, err := bitRange(i, pos)
	if err != nil {
		return Unit, err
	}
	if i.k == KindInt {
		if v.k != KindBool {
			return Unit, &storedTypeErr{v.TypeName(), "bool"}
		}
		if v.AsBool() {
			return Int(x | 1<<shift), nil
		}
		return Int(x &^ (1 << shift)), nil
	}
	if v.k != KindInt {
		return Unit, &storedTypeErr{v.TypeName(), "integer"}
	}
	if width == 0 {
		return Int(x), nil
	}
	mask := uint64(1)<<width - 1
	if width == 64 {
		mask = ^uint64(0)
	}
	u := uint64(x)&^(mask<<shift) | (uint64(v.AsInt())&mask)<<shift
	return Int(int64(u)), nil
}

// storedTypeErr is a value of the wrong type stored at an index: other
// than an INT into a blob, other than a char into a string, other than a
// bool (or, for a range, an integer) into an integer's bits. Rhai reports
// it at the assignment, not the index (place.updateIndex).
type storedTypeErr struct{ got, want string }

func (e *storedTypeErr) Error() string {
	return "Data type incorrect: " + e.got + " (expecting " + e.want + ")"
}

// indexSet stores v at b[i]. Containers change in place; for strings and
// integers the new whole value is returned (replaced=true) for the caller to
// store back.
func indexSet(r *runState, b, i, v Value, pos syntax.Pos) (nb Value, replaced bool, err error) {
	switch b.k {
	case KindArray:
		if i.k != KindInt {
			return Unit, false, errAt(ErrMismatchedType, pos, "Data type incorrect: %s (expecting i64)", rustIndexType(i))
		}
		el := b.AsArray().Elems
		n, ok := normIndex(i.AsInt(), len(el))
		if !ok {
			return Unit, false, errAt(ErrIndexOutOfBounds, pos, "Array index %d out of bounds: %s", i.AsInt(), arrayHas(len(el)))
		}
		el[n] = v
		return b, false, nil
	case KindMap:
		key, ok := mapKey(i)
		if !ok {
			return Unit, false, errAt(ErrMismatchedType, pos, "Data type incorrect: %s (expecting string)", i.TypeName())
		}
		m := b.AsMap()
		had := m.Len()
		m.Set(key, v)
		if r.lim.MaxMapLen > 0 && m.Len() > r.lim.MaxMapLen {
			m.Delete(key)
			return Unit, false, errAt(ErrDataTooLarge, pos, "Size of object map too large")
		}
		if m.Len() > had {
			// A new entry: its slot (with the map's growth) and its key.
			if err := r.alloc(2*mapEntryBytes + len(key)); err != nil {
				return Unit, false, withPos(err, pos)
			}
		}
		return b, false, nil
	case KindBlob:
		if i.k != KindInt {
			return Unit, false, errAt(ErrMismatchedType, pos, "Data type incorrect: %s (expecting i64)", i.TypeName())
		}
		if v.k != KindInt {
			return Unit, false, &storedTypeErr{v.TypeName(), "INT"}
		}
		bb := b.AsBlob().B
		n, ok := normIndex(i.AsInt(), len(bb))
		if !ok {
			return Unit, false, errAt(ErrIndexOutOfBounds, pos, "Array index %d out of bounds: %s", i.AsInt(), arrayHas(len(bb)))
		}
		bb[n] = byte(v.AsInt())
		return b, false, nil
	case KindString:
		if i.k == KindRange {
			// Any value goes in, as its to_string (Rhai's too).
			rs := []rune(b.AsStr())
			if err := strRangeStart(i.AsRange(), len(rs), pos); err != nil {
				return Unit, false, err
			}
			lo, hi := rangeWindow(i.AsRange(), len(rs))
			head, ins, tail := string(rs[:lo]), ToString(v), string(rs[hi:])
			// The new string counts against the string limit and the run's
			// memory like any other (s[0..0] = s doubles s).
			n := len(head) + len(ins) + len(tail)
			if m := r.lim.MaxStringLen; m > 0 && n > m {
				return Unit, false, errAt(ErrDataTooLarge, pos, "Length of string too large")
			}
			if err := r.alloc(n + strBytes); err != nil {
				return Unit, false, withPos(err, pos)
			}
			return String(head + ins + tail), true, nil
		}
		if i.k != KindInt {
			return Unit, false, errAt(ErrMismatchedType, pos, "Data type incorrect: %s (expecting i64)", rustIndexType(i))
		}
		if v.k != KindChar {
			return Unit, false, &storedTypeErr{v.TypeName(), "char"}
		}
		rs := []rune(b.AsStr())
		n, ok := normIndex(i.AsInt(), len(rs))
		if !ok {
			return Unit, false, strIndexErr(i.AsInt(), len(rs), pos)
		}
		if k := i.AsInt(); k < 0 {
			// Stock Rhai 1.26 stores s[-k] = c at offset k, not len-k (and
			// nowhere when k == len): what its users get, so we do too.
			if n = int(-k); n >= len(rs) {
				return b, false, nil
			}
		}
		rs[n] = v.AsChar()
		return String(string(rs)), true, nil
	case KindInt:
		nv, err := bitSet(b.AsInt(), i, v, pos)
		return nv, err == nil, err
	case KindCustom:
		if _, found, err := r.callNative(IndexSetter, []Value{b, i, v}, pos); found || err != nil {
			return b, false, err
		}
	}
	return Unit, false, errAt(ErrIndexOutOfBounds, pos, "Indexer unavailable: %s [%s]", b.TypeName(), i.TypeName())
}

// propExpr compiles `x.name` and `x?.name`.
func (fc *fnComp) propExpr(e *syntax.PropExpr) evalFn {
	x := fc.expr(e.X)
	name, safe, pos := e.Name, inSafeChain(e), e.P
	getter := "get$" + name
	if x := fc.elemPropGet(e, getter); x != nil {
		return x
	}
	generic := func(f *frame) (Value, error) {
		b, err := x(f)
		if err != nil {
			return Unit, err
		}
		if safe && b.k == KindUnit {
			return Unit, nil
		}
		return f.rt.propGet(b, name, getter, pos)
	}
	return fc.varPropGet(e, generic)
}

func (r *runState) propGet(b Value, name, getter string, pos syntax.Pos) (Value, error) {
	if b.k == KindMap {
		return b.AsMap().At(name), nil
	}
	args := []Value{b}
	v, found, err := r.callNative(getter, args, pos)
	if !found && err == nil {
		return Unit, errAt(ErrPropertyNotFound, pos, "Unknown property '%s' - a getter is not registered for type '%s'", name, b.TypeName())
	}
	return v, err
}

// arrayHas ends Rhai's "Array index out of bounds" message.
func arrayHas(n int) string {
	if n == 0 {
		return "array is empty"
	}
	return "only " + plural(n, "element") + " in array"
}
