package rhai

import (
	"math"
	"strconv"
)

// mathLib is Rhai's ArithmeticPackage and BasicMathPackage as functions:
// abs, sign, min, max, rounding, roots, logarithms, trigonometry,
// conversions, the float predicates and the constants PI() and E().
func mathLib() []NativeDef {
	defs := []NativeDef{
		pureDef("abs", 1, absFn),
		pureDef("sign", 1, signFn),
		pureDef("min", 2, func(_ *Call, a []Value) (Value, error) { return minMax(a[0], a[1], -1) }),
		pureDef("max", 2, func(_ *Call, a []Value) (Value, error) { return minMax(a[0], a[1], 1) }),
		pureDef("PI", 0, func(_ *Call, _ []Value) (Value, error) { return Float(math.Pi), nil }),
		pureDef("E", 0, func(_ *Call, _ []Value) (Value, error) { return Float(math.E), nil }),
		pureDef("to_int", 1, toIntFn),
		pureDef("to_float", 1, toFloatFn),
		pureDef("log", 2, func(_ *Call, a []Value) (Value, error) {
			x, ok1 := floatArg(a[0])
			b, ok2 := floatArg(a[1])
			if !ok1 || !ok2 {
				return Unit, ErrNoMatch
			}
			return Float(rhaiLn(x) / rhaiLn(b)), nil // Rust: self.ln() / base.ln()
		}),
		pureDef("atan", 2, float2(rhaiAtan2)),
		pureDef("hypot", 2, float2(rhaiHypot)),
		pureDef("to_hex", 1, intFormat(16)),
		pureDef("to_octal", 1, intFormat(8)),
		pureDef("to_binary", 1, intFormat(2)),
	}
	for name, f := range map[string]func(float64) float64{
		"sqrt": math.Sqrt, "exp": rhaiExp, "ln": rhaiLn, "log": rhaiLog10,
		"sin": rhaiSin, "cos": rhaiCos, "tan": rhaiTan,
		"asin": rhaiAsin, "acos": rhaiAcos, "atan": rhaiAtan,
		"sinh": rhaiSinh, "cosh": rhaiCosh, "tanh": rhaiTanh,
		"asinh": math.Asinh, "acosh": math.Acosh, "atanh": math.Atanh,
		// Rust's to_degrees multiplies by 180/π rounded, to_radians by π/180.
		"to_degrees": func(x float64) float64 { return x * 57.2957795130823208767981548141051703 },
		"to_radians": func(x float64) float64 { return x * (math.Pi / 180) },
	} {
		defs = append(defs, pureDef(name, 1, float1(f)))
	}
	// Rounding and float predicates are methods and properties.
	for name, f := range map[string]func(float64) float64{
		"floor": math.Floor, "ceiling": math.Ceil, "round": roundHalfAway,
		"int": math.Trunc, "fraction": func(x float64) float64 { return x - math.Trunc(x) },
	} {
		defs = append(defs, getterDefs(name, floatOnly(f))...)
	}
	for name, f := range map[string]func(float64) bool{
		"is_nan": math.IsNaN, "is_finite": func(x float64) bool { return !math.IsInf(x, 0) && !math.IsNaN(x) },
		"is_infinite": func(x float64) bool { return math.IsInf(x, 0) },
	} {
		defs = append(defs, getterDefs(name, floatPred(f))...)
	}
	for name, f := range map[string]func(int64) bool{
		"is_odd": func(i int64) bool { return i&1 != 0 }, "is_even": func(i int64) bool { return i&1 == 0 },
	} {
		defs = append(defs, getterDefs(name, intPred(f))...)
	}
	defs = append(defs, getterDefs("is_zero", isZeroFn)...)
	return defs
}

// floatArg reads a float argument: Rhai's maths functions (sqrt, sin, log,
// ...) take f64 only, `sqrt(4)` is "Function not found".
func floatArg(v Value) (float64, bool) {
	if v.k == KindFloat {
		return v.AsFloat(), true
	}
	return 0, false
}

// asFloat reads an int or float argument as f64, as Rhai's maths functions
// accept integers where they take floats.
func asFloat(v Value) (float64, bool) {
	switch v.k {
	case KindFloat:
		return v.AsFloat(), true
	case KindInt:
		return float64(v.AsInt()), true
	}
	return 0, false
}

func float1(f func(float64) float64) NativeFunc {
	return func(_ *Call, a []Value) (Value, error) {
		x, ok := floatArg(a[0])
		if !ok {
			return Unit, ErrNoMatch
		}
		return Float(f(x)), nil
	}
}

func float2(f func(float64, float64) float64) NativeFunc {
	return func(_ *Call, a []Value) (Value, error) {
		x, ok1 := floatArg(a[0])
		y, ok2 := floatArg(a[1])
		if !ok1 || !ok2 {
			return Unit, ErrNoMatch
		}
		return Float(f(x, y)), nil
	}
}

// floatOnly registers rounding functions, which Rhai defines on floats only.
func floatOnly(f func(float64) float64) NativeFunc {
	return func(_ *Call, a []Value) (Value, error) {
		if a[0].k != KindFloat {
			return Unit, ErrNoMatch
		}
		return Float(f(a[0].AsFloat())), nil
	}
}

func floatPred(f func(float64) bool) NativeFunc {
	return func(_ *Call, a []Value) (Value, error) {
		if a[0].k != KindFloat {
			return Unit, ErrNoMatch
		}
		return Bool(f(a[0].AsFloat())), nil
	}
}

func intPred(f func(int64) bool) NativeFunc {
	return func(_ *Call, a []Value) (Value, error) {
		if a[0].k != KindInt {
			return Unit, ErrNoMatch
		}
		return Bool(f(a[0].AsInt())), nil
	}
}

func isZeroFn(_ *Call, a []Value) (Value, error) {
	switch a[0].k {
	case KindInt:
		return Bool(a[0].AsInt() == 0), nil
	case KindFloat:
		return Bool(a[0].AsFloat() == 0), nil
	}
	return Unit, ErrNoMatch
}

// roundHalfAway is Rust's f64::round: halves round away from zero.
func roundHalfAway(x float64) float64 { return math.Round(x) }

func absFn(_ *Call, a []Value) (Value, error) {
	switch a[0].k {
	case KindInt:
		i := a[0].AsInt()
		if i == math.MinInt64 {
			return Unit, Errorf(ErrArithmetic, "Negation overflow: -%d", i)
		}
		if i < 0 {
			i = -i
		}
		return Int(i), nil
	case KindFloat:
		return Float(math.Abs(a[0].AsFloat())), nil
	}
	return Unit, ErrNoMatch
}

// signFn returns -1, 0 or 1 as an integer; the sign of NaN is an error.
func signFn(_ *Call, a []Value) (Value, error) {
	switch a[0].k {
	case KindInt:
		return Int(int64(cmpInt(a[0].AsInt(), 0))), nil
	case KindFloat:
		f := a[0].AsFloat()
		switch {
		case math.IsNaN(f):
			return Unit, Errorf(ErrArithmetic, "Sign of NaN is undefined")
		case f > 0:
			return Int(1), nil
		case f < 0:
			return Int(-1), nil
		}
		return Int(0), nil
	}
	return Unit, ErrNoMatch
}

// minMax picks the smaller (dir -1) or larger (dir 1) of two values of the
// same comparable type; an integer and a float compare as floats and the
// result is a float.
func minMax(a, b Value, dir int) (Value, error) {
	if (a.k == KindInt && b.k == KindFloat) || (a.k == KindFloat && b.k == KindInt) {
		x, _ := asFloat(a)
		y, _ := asFloat(b)
		a, b = Float(x), Float(y)
	}
	if a.k != b.k {
		return Unit, ErrNoMatch
	}
	if a.k == KindFloat {
		// Rhai's max is `if x >= y { x } else { y }` (min alike) with plain
		// IEEE comparisons: no tolerance, and a NaN makes y win.
		x, y := a.AsFloat(), b.AsFloat()
		if dir > 0 && x >= y || dir < 0 && x <= y {
			return a, nil
		}
		return b, nil
	}
	c, ok := Compare(a, b)
	if !ok {
		if a.k == KindFloat {
			// Rhai's max is `if x >= y { x } else { y }` (min alike): with
			// a NaN the comparison fails and the second argument wins.
			return b, nil
		}
		return Unit, ErrNoMatch
	}
	if c*dir >= 0 {
		return a, nil
	}
	return b, nil
}

// toIntFn converts floats (truncating; NaN is 0, beyond the i64 range is
// an overflow error, as in Rhai), chars (their code point) and integers.
func toIntFn(_ *Call, a []Value) (Value, error) {
	switch a[0].k {
	case KindInt:
		return a[0], nil
	case KindFloat:
		f := a[0].AsFloat()
		switch {
		case math.IsNaN(f):
			return Int(0), nil
		case f > math.MaxInt64 || f < math.MinInt64:
			text := strconv.FormatFloat(f, 'f', -1, 64) // Rust's {} of f64: no exponent
			switch {
			case math.IsInf(f, 1):
				text = "inf" // and Rust's words for the infinities
			case math.IsInf(f, -1):
				text = "-inf"
			}
			return Unit, Errorf(ErrArithmetic, "Integer overflow: to_int(%s)", text)
		case f >= math.MaxInt64: // 2^63 itself saturates
			return Int(math.MaxInt64), nil
		}
		return Int(int64(math.Trunc(f))), nil
	case KindChar:
		return Int(int64(a[0].AsChar())), nil
	}
	return Unit, ErrNoMatch
}

func toFloatFn(_ *Call, a []Value) (Value, error) {
	switch a[0].k {
	case KindFloat:
		return a[0], nil
	case KindInt:
		return Float(float64(a[0].AsInt())), nil
	}
	return Unit, ErrNoMatch
}

// intFormat renders an integer in base 16, 8 or 2 as Rust's {:x}, {:o},
// {:b} do: negative numbers in two's complement.
func intFormat(base int) NativeFunc {
	return func(_ *Call, a []Value) (Value, error) {
		if a[0].k != KindInt {
			return Unit, ErrNoMatch
		}
		return String(strconv.FormatUint(uint64(a[0].AsInt()), base)), nil
	}
}
