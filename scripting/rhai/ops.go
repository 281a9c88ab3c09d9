package rhai

import (
	"math"
	"math/bits"
	"strconv"
	"strings"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

const (
	minInt = math.MinInt64
	maxInt = math.MaxInt64
)

// opcode is a binary operator, resolved at compile time so the run does a
// switch on a small integer instead of comparing strings.
type opcode uint8

const (
	opNone opcode = iota
	opAdd
	opSub
	opMul
	opDiv
	opMod
	opPow
	opShl
	opShr
	opAnd
	opOr
	opXor
	opEq
	opNe
	opLt
	opLe
	opGt
	opGe
	opIn
	opRange
	opRangeIncl
	opCoalesce
)

var opcodes = map[string]opcode{
	"+": opAdd, "-": opSub, "*": opMul, "/": opDiv, "%": opMod, "**": opPow,
	"<<": opShl, ">>": opShr, "&": opAnd, "|": opOr, "^": opXor,
	"==": opEq, "!=": opNe, "<": opLt, "<=": opLe, ">": opGt, ">=": opGe,
	"in": opIn, "..": opRange, "..=": opRangeIncl, "??": opCoalesce,
}

var opNames = func() map[opcode]string {
	m := map[opcode]string{}
	for k, v := range opcodes {
		m[v] = k
	}
	return m
}()

// fastInt computes the common integer operators; ok=false sends the caller
// to binSlow (overflow, division by zero and the other operators).
func fastInt(op opcode, a, b int64) (Value, bool) {
	switch op {
	case opAdd:
		s := a + b
		if (s > a) == (b > 0) {
			return Int(s), true
		}
	case opSub:
		s := a - b
		if (s < a) == (b > 0) {
			return Int(s), true
		}
	case opMul:
		hi, lo := bits.Mul64(uint64(absI(a)), uint64(absI(b)))
		// |a*b| (absI(minInt) is 2^63 as unsigned) fits, or the product
		// is exactly -2^63 (minInt * 1, -2 ** 63).
		if hi == 0 && (lo <= maxInt || lo == 1<<63 && (a < 0) != (b < 0)) {
			return Int(a * b), true
		}
	case opDiv:
		if b != 0 && !(a == minInt && b == -1) {
			return Int(a / b), true
		}
	case opMod:
		if b != 0 && !(a == minInt && b == -1) {
			return Int(a % b), true
		}
	case opLt:
		return Bool(a < b), true
	case opLe:
		return Bool(a <= b), true
	case opGt:
		return Bool(a > b), true
	case opGe:
		return Bool(a >= b), true
	case opEq:
		return Bool(a == b), true
	case opNe:
		return Bool(a != b), true
	case opAnd:
		return Int(a & b), true
	case opOr:
		return Int(a | b), true
	case opXor:
		return Int(a ^ b), true
	}
	return Unit, false
}

func absI(a int64) int64 {
	if a < 0 {
		return -a
	}
	return a
}

// binary compiles a binary expression.
func (fc *fnComp) binary(e *syntax.BinaryExpr) evalFn {
	switch e.Op {
	case "&&", "||":
		return fc.logical(e)
	case "??":
		x, y := fc.expr(e.X), fc.expr(e.Y)
		return func(f *frame) (Value, error) {
			v, err := x(f)
			if err != nil || v.k != KindUnit {
				return v, err
			}
			return y(f)
		}
	}
	op, ok := opcodes[e.Op]
	if !ok {
		fc.fail(e.P, "unknown operator %s", e.Op)
	}
	if e.X == nil || e.Y == nil {
		return fc.openRange(e, op)
	}
	x, y := fc.expr(e.X), fc.expr(e.Y)
	pos := e.P
	// Specialise the shapes that dominate loops: a local variable or a
	// constant on either side skips one closure call.
	xr := fc.localSlot(e.X)
	if s := fc.specShape(op, e, x, y, xr, pos); s != nil {
		return s
	}
	if k, isK := intLit(e.Y); isK && xr >= 0 {
		return func(f *frame) (Value, error) {
			a := f.slots[xr]
			if a.k == KindInt {
				if v, ok := fastInt(op, a.AsInt(), k); ok {
					return v, nil
				}
			}
			return binExprSlow(f.rt, op, a, Int(k), pos)
		}
	}
	if k, isK := intLit(e.Y); isK {
		return func(f *frame) (Value, error) {
			a, err := x(f)
			if err != nil {
				return Unit, err
			}
			if a.k == KindInt {
				if v, ok := fastInt(op, a.AsInt(), k); ok {
					return v, nil
				}
			}
			return binExprSlow(f.rt, op, a, Int(k), pos)
		}
	}
	if k, isK := floatLit(e.Y); isK {
		return floatLitOp(x, op, k, pos)
	}
	if yr := fc.localSlot(e.Y); yr >= 0 && xr >= 0 {
		if s := specBinarySlots(op, xr, yr, pos); s != nil {
			return s
		}
		return func(f *frame) (Value, error) {
			a, b := f.slots[xr], f.slots[yr]
			if a.k == KindInt && b.k == KindInt {
				if v, ok := fastInt(op, a.AsInt(), b.AsInt()); ok {
					return v, nil
				}
			} else if a.k == KindFloat && b.k == KindFloat {
				if v, ok := fastFloat(op, a.AsFloat(), b.AsFloat()); ok {
					return v, nil
				}
			}
			return binExprSlow(f.rt, op, a, b, pos)
		}
	}
	if s := specBinary(op, x, y, pos); s != nil {
		return s
	}
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
			if v, ok := fastInt(op, a.AsInt(), b.AsInt()); ok {
				return v, nil
			}
		} else if a.k == KindFloat && b.k == KindFloat {
			if v, ok := fastFloat(op, a.AsFloat(), b.AsFloat()); ok {
				return v, nil
			}
		}
		return binExprSlow(f.rt, op, a, b, pos)
	}
}

// openRange compiles `..b`, `a..`, `..` and `..=b`: a missing start is 0, a
// missing end runs to the end of whatever is indexed (i64's maximum).
func (fc *fnComp) openRange(e *syntax.BinaryExpr, op opcode) evalFn {
	lo, hi := constFn(Int(0)), constFn(Int(maxInt))
	incl := op == opRangeIncl
	if e.X != nil {
		lo = fc.expr(e.X)
	}
	if e.Y != nil {
		hi = fc.expr(e.Y)
	} else {
		incl = false
	}
	pos := e.P
	return func(f *frame) (Value, error) {
		a, err := lo(f)
		if err != nil {
			return Unit, err
		}
		b, err := hi(f)
		if err != nil {
			return Unit, err
		}
		if a.k != KindInt || b.k != KindInt {
			return Unit, noOp(op, a, b, pos)
		}
		return NewRange(a.AsInt(), b.AsInt(), incl), nil
	}
}

// localSlot returns the slot of a plain (unboxed) local variable, or -1.
func (fc *fnComp) localSlot(e syntax.Expr) int {
	id, ok := e.(*syntax.Ident)
	if !ok || id.Name == "this" {
		return -1
	}
	if _, ok := fc.hoisted[e]; ok {
		return -1 // read from its hidden slot
	}
	for i := len(fc.vars) - 1; i >= 0; i-- {
		if v := fc.vars[i]; v.name == id.Name {
			if v.boxed {
				return -1
			}
			return v.slot
		}
	}
	return -1
}

func (fc *fnComp) logical(e *syntax.BinaryExpr) evalFn {
	x, y := fc.expr(e.X), fc.expr(e.Y)
	and, pos := e.Op == "&&", e.P
	return func(f *frame) (Value, error) {
		a, err := x(f)
		if err != nil {
			return Unit, err
		}
		if a.k != KindBool {
			return Unit, errAt(ErrMismatchedType, pos, "Data type incorrect: %s (expecting bool)", a.TypeName())
		}
		if a.AsBool() != and {
			return a, nil
		}
		b, err := y(f)
		if err != nil {
			return Unit, err
		}
		if b.k != KindBool {
			return Unit, errAt(ErrMismatchedType, pos, "Data type incorrect: %s (expecting bool)", b.TypeName())
		}
		return b, nil
	}
}

// binExprSlow is binSlow for an operator expression: Rhai reports the
// arithmetic errors of operators without a position.
func binExprSlow(r *runState, op opcode, a, b Value, pos syntax.Pos) (Value, error) {
	v, err := binSlow(r, op, a, b, pos)
	if e, ok := err.(*Error); ok && e.Kind == ErrArithmetic {
		e.noPos = true
	}
	return v, err
}

// binSlow is every binary operator on every type pair.
func binSlow(r *runState, op opcode, a, b Value, pos syntax.Pos) (Value, error) {
	v, err := binValues(r, op, a, b, pos)
	if err != nil {
		return Unit, err
	}
	if v.k >= KindString && v.k <= KindBlob {
		if err := r.checkSize(v, pos); err != nil {
			return Unit, err
		}
	}
	return v, nil
}

func binValues(r *runState, op opcode, a, b Value, pos syntax.Pos) (Value, error) {
	if op == opAdd && a.k == KindString && b.k == KindString && r.lim.MaxStringLen > 0 && int(a.n+b.n) > r.lim.MaxStringLen {
		return Unit, errAt(ErrDataTooLarge, pos, "Length of string too large")
	}
	if a.k == KindCustom || b.k == KindCustom {
		if v, err, ok := u8Binary(op, a, b, pos); ok {
			return v, err
		}
	}
	if isComparison(op) && (a.k == KindBlob && b.k == KindChar || a.k == KindFnPtr && b.k == KindFnPtr) {
		// Rhai's fallback for two values it has no operator for (== false,
		// != true, < false) does not reach these pairs: (blob, char) has a
		// built-in operator (+), and function pointers have no ==.
		return Unit, noOp(op, a, b, pos)
	}
	if (op == opEq || op == opNe) && a.k == KindRange && b.k == KindRange && a.AsRange().Inclusive != b.AsRange().Inclusive {
		// Rhai's exclusive and inclusive ranges are two types: no == between
		// them, and != of two types is true.
		if op == opNe {
			return Bool(true), nil
		}
		return Unit, noOp(op, a, b, pos)
	}
	switch op {
	case opEq:
		if zeroAndNaN(a, b) {
			return Bool(true), nil // Rhai's epsilon test takes NaN for 0
		}
		if nonFinite(a) || nonFinite(b) {
			return Bool(false), nil // Rhai: inf == inf is false
		}
		return Bool(Equal(a, b)), nil
	case opNe:
		if nonFinite(a) || nonFinite(b) {
			return Bool(false), nil // and so is inf != inf
		}
		return Bool(!Equal(a, b)), nil
	case opLt, opLe, opGt, opGe:
		return compareOp(op, a, b, pos)
	case opIn:
		return inOp(a, b, pos)
	case opRange, opRangeIncl:
		if a.k == KindInt && b.k == KindInt {
			return NewRange(a.AsInt(), b.AsInt(), op == opRangeIncl), nil
		}
		return Unit, noOp(op, a, b, pos)
	}
	switch {
	case a.k == KindInt && b.k == KindInt:
		return intOp(op, a.AsInt(), b.AsInt(), pos)
	case (a.k == KindInt || a.k == KindFloat) && (b.k == KindInt || b.k == KindFloat):
		return floatOp(op, toF(a), toF(b), a, b, pos)
	case a.k == KindBool && b.k == KindBool:
		switch op {
		case opAnd:
			return Bool(a.AsBool() && b.AsBool()), nil
		case opOr:
			return Bool(a.AsBool() || b.AsBool()), nil
		case opXor:
			return Bool(a.AsBool() != b.AsBool()), nil
		}
	case a.k == KindString || b.k == KindString || (a.k == KindChar && b.k == KindChar):
		if op == opAdd && (a.k == KindArray || a.k == KindMap || b.k == KindArray || b.k == KindMap) {
			var err error
			if a, b, err = r.formatOperands(a, b); err != nil {
				return Unit, withPos(err, pos)
			}
		}
		v, err := stringOp(op, a, b, pos)
		if err == nil {
			err = r.chargeString(a, v)
		}
		return v, err
	case a.k == KindArray && b.k == KindArray && op == opAdd:
		// Only `+=` appends a single element (assign.go); `+` joins arrays.
		return r.arrayAdd(a, b)
	case a.k == KindMap && b.k == KindMap && op == opAdd:
		c, err := r.cloneValue(a, 0)
		if err != nil {
			return Unit, err
		}
		d, err := r.cloneValue(b, 0)
		if err != nil {
			return Unit, err
		}
		m := c.AsMap()
		d.AsMap().Range(func(k string, v Value) bool {
			m.Set(k, v)
			return true
		})
		return c, nil
	case a.k == KindBlob && op == opAdd:
		switch b.k {
		case KindBlob:
			out := append(append([]byte(nil), a.AsBlob().B...), b.AsBlob().B...)
			return NewBlob(out), nil
		case KindChar:
			// A char is appended as its UTF-8 bytes.
			return NewBlob(append(append([]byte(nil), a.AsBlob().B...), utf8Char(b.AsChar())...)), nil
		}
	}
	// Operators on other type pairs (timestamp arithmetic, host overloads)
	// are natives registered under the operator's name.
	if v, def, err := r.callNativeDef(opNames[op], []Value{a, b}, pos); def != nil || err != nil {
		return v, err
	}
	return Unit, noOp(op, a, b, pos)
}

func isComparison(op opcode) bool {
	switch op {
	case opEq, opNe, opLt, opLe, opGt, opGe:
		return true
	}
	return false
}

func noOp(op opcode, a, b Value, pos syntax.Pos) error {
	if op == opIn {
		// `x in y` is Rhai's contains(y, x).
		return errAt(ErrFunctionNotFound, pos, "Function not found: contains (%s, %s)", argTypeName(b), argTypeName(a))
	}
	return errAt(ErrFunctionNotFound, pos, "Function not found: %s (%s, %s)", opNames[op], argTypeName(a), argTypeName(b))
}

func toF(v Value) float64 {
	if v.k == KindInt {
		return float64(v.AsInt())
	}
	return v.AsFloat()
}

func compareOp(op opcode, a, b Value, pos syntax.Pos) (Value, error) {
	// As in Rhai: values of two different types (other than int/float and
	// char/string) compare false, () is not ordered, and neither is a float
	// that is infinite or NaN.
	if zeroAndNaN(a, b) {
		return Bool(op == opLe || op == opGe), nil
	}
	if a.k == KindUnit || b.k == KindUnit || nonFinite(a) || nonFinite(b) {
		return Bool(false), nil
	}
	c, ok := Compare(a, b)
	if !ok {
		comparable := func(k Kind) bool {
			return k == KindInt || k == KindFloat || k == KindString || k == KindChar || k == KindBool || k == KindUnit || k == KindTimestamp
		}
		if a.k != b.k || comparable(a.k) {
			return Bool(false), nil
		}
		return Unit, noOp(op, a, b, pos)
	}
	switch op {
	case opLt:
		return Bool(c < 0), nil
	case opLe:
		return Bool(c <= 0), nil
	case opGt:
		return Bool(c > 0), nil
	}
	return Bool(c >= 0), nil
}

func intOp(op opcode, a, b int64, pos syntax.Pos) (Value, error) {
	switch op {
	case opAdd, opSub, opMul:
		if v, ok := fastInt(op, a, b); ok {
			return v, nil
		}
		name := map[opcode]string{opAdd: "Addition", opSub: "Subtraction", opMul: "Multiplication"}[op]
		return Unit, errAt(ErrArithmetic, pos, "%s overflow: %d %s %d", name, a, opNames[op], b)
	case opDiv, opMod:
		if op == opMod && (b == 0 || a == minInt && b == -1) {
			return Unit, errAt(ErrArithmetic, pos, "Modulo division by zero or overflow: %d %% %d", a, b)
		}
		if b == 0 {
			return Unit, errAt(ErrArithmetic, pos, "Division by zero: %d %s %d", a, opNames[op], b)
		}
		if a == minInt && b == -1 {
			return Unit, errAt(ErrArithmetic, pos, "Division overflow: %d / %d", a, b)
		}
		v, _ := fastInt(op, a, b)
		return v, nil
	case opPow:
		return intPow(a, b, pos)
	case opShl, opShr:
		return intShift(op, a, b, pos)
	case opAnd, opOr, opXor:
		v, _ := fastInt(op, a, b)
		return v, nil
	}
	return Unit, noOp(op, Int(a), Int(b), pos)
}

func intPow(a, b int64, pos syntax.Pos) (Value, error) {
	if b < 0 {
		return Unit, errAt(ErrArithmetic, pos, "Integer raised to a negative power: %d ** %d", a, b)
	}
	if b > math.MaxUint32 {
		// Rhai's checked_pow takes a u32 exponent: beyond it, whatever the
		// base (0, 1 and -1 included), the power overflows.
		return Unit, errAt(ErrArithmetic, pos, "Exponential overflow: %d ** %d", a, b)
	}
	result := int64(1)
	base := a
	for e := b; e > 0; e >>= 1 {
		if e&1 == 1 {
			v, ok := fastInt(opMul, result, base)
			if !ok {
				return Unit, errAt(ErrArithmetic, pos, "Exponential overflow: %d ** %d", a, b)
			}
			result = v.AsInt()
		}
		if e > 1 {
			v, ok := fastInt(opMul, base, base)
			if !ok {
				return Unit, errAt(ErrArithmetic, pos, "Exponential overflow: %d ** %d", a, b)
			}
			base = v.AsInt()
		}
	}
	return Int(result), nil
}

func intShift(op opcode, a, b int64, pos syntax.Pos) (Value, error) {
	// As in Rhai, a negative amount shifts the other way, and shifting by
	// 64 or more leaves 0 (or -1 when shifting a negative number right).
	if b < 0 {
		b = -b // minInt stays negative: treated as a shift by 64 or more
		if op == opShl {
			op = opShr
		} else {
			op = opShl
		}
	}
	if b >= 64 || b < 0 {
		if op == opShl {
			return Int(0), nil
		}
		return Int(a >> 63), nil
	}
	if op == opShl {
		return Int(a << uint(b)), nil
	}
	return Int(a >> uint(b)), nil
}

func floatOp(op opcode, x, y float64, a, b Value, pos syntax.Pos) (Value, error) {
	switch op {
	case opAdd:
		return Float(x + y), nil
	case opSub:
		return Float(x - y), nil
	case opMul:
		return Float(x * y), nil
	case opDiv:
		return Float(x / y), nil
	case opMod:
		return Float(math.Mod(x, y)), nil
	case opPow:
		return Float(powFloat(x, y)), nil
	}
	return Unit, noOp(op, a, b, pos)
}

func stringOp(op opcode, a, b Value, pos syntax.Pos) (Value, error) {
	switch op {
	case opAdd:
		if a.k == KindString {
			if b.k == KindString {
				return a.AppendStr(b.StrBytes()), nil
			}
			if b.k == KindChar {
				return a.AppendStr(utf8Char(b.AsChar())), nil
			}
			if b.k == KindInt {
				var buf [20]byte
				return a.AppendStr(strconv.AppendInt(buf[:0], b.AsInt(), 10)), nil
			}
			if b.k == KindBlob {
				return a.AppendStr(blobText(b)), nil
			}
			return a.AppendStr([]byte(ToString(b))), nil
		}
		s := ToString(a)
		if a.k == KindBlob {
			s = string(blobText(a))
		}
		if b.k == KindString {
			return String(s + b.AsStr()), nil
		}
		return String(s + ToString(b)), nil
	case opSub:
		if a.k == KindString {
			switch b.k {
			case KindString:
				if a.n == 0 {
					// Rhai's string minus returns the right side when the
					// left is empty ("" - "a" is "a"); a char is removed.
					return b, nil
				}
				return String(strings.ReplaceAll(a.AsStr(), b.AsStr(), "")), nil
			case KindChar:
				return String(strings.ReplaceAll(a.AsStr(), string(b.AsChar()), "")), nil
			}
		}
	}
	return Unit, noOp(op, a, b, pos)
}

// blobText is a BLOB joined to a string: its bytes read as UTF-8 (invalid
// sequences become U+FFFD), as Rhai does.
func blobText(b Value) []byte {
	return []byte(toValidUTF8(b.AsBlob().B))
}

func utf8Char(r rune) []byte {
	var buf [4]byte
	if r < 0x80 {
		buf[0] = byte(r)
		return buf[:1]
	}
	s := string(r)
	return []byte(s)
}

func (r *runState) arrayAdd(a, b Value) (Value, error) {
	if b.k != KindArray {
		b = NewArray([]Value{b})
	}
	out := make([]Value, 0, len(a.AsArray().Elems)+len(b.AsArray().Elems))
	for _, src := range [2]Value{a, b} {
		c, err := r.cloneValue(src, 0)
		if err != nil {
			return Unit, err
		}
		out = append(out, c.AsArray().Elems...)
	}
	return NewArray(out), nil
}

func inOp(a, b Value, pos syntax.Pos) (Value, error) {
	switch b.k {
	case KindArray:
		for _, e := range b.AsArray().Elems {
			if Equal(e, a) {
				return Bool(true), nil
			}
		}
		return Bool(false), nil
	case KindString:
		switch a.k {
		case KindString:
			return Bool(strings.Contains(b.AsStr(), a.AsStr())), nil
		case KindChar:
			return Bool(strings.ContainsRune(b.AsStr(), a.AsChar())), nil
		}
	case KindMap:
		// Rhai's contains(map, key) takes a string key only: a char is
		// not found.
		if a.k == KindString {
			return Bool(b.AsMap().Has(a.AsStr())), nil
		}
	case KindRange:
		if a.k == KindInt {
			rg, n := b.AsRange(), a.AsInt()
			return Bool(n >= rg.Start && (n < rg.End || rg.Inclusive && n == rg.End)), nil
		}
	case KindBlob:
		if a.k == KindInt {
			for _, c := range b.AsBlob().B {
				if int64(c) == a.AsInt() {
					return Bool(true), nil
				}
			}
			return Bool(false), nil
		}
	}
	return Unit, noOp(opIn, a, b, pos)
}

// nonFinite reports an infinite or NaN float, which Rhai's comparison
// operators treat as comparing false with anything.
func nonFinite(v Value) bool {
	return v.k == KindFloat && (math.IsInf(v.AsFloat(), 0) || math.IsNaN(v.AsFloat()))
}

// zeroAndNaN reports a comparison of an exact zero with NaN, which Rhai's
// float comparison (a tolerance test) counts as equal.
func zeroAndNaN(a, b Value) bool {
	isZero := func(v Value) bool {
		return v.k == KindInt && v.AsInt() == 0 || v.k == KindFloat && v.AsFloat() == 0
	}
	isNaN := func(v Value) bool { return v.k == KindFloat && math.IsNaN(v.AsFloat()) }
	return isZero(a) && isNaN(b) || isNaN(a) && isZero(b)
}
