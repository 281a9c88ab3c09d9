package rhai

import (
	"bytes"
	"math"
)

// Equal is Rhai's `==`: integers and floats compare numerically, a char
// equals the one-character string holding it, arrays, maps and blobs compare
// element by element, and values of unrelated types are never equal.
func Equal(a, b Value) bool {
	return equalDepth(a, b, 0)
}

func equalDepth(a, b Value, depth int) bool {
	if depth > maxFormatDepth {
		return false
	}
	if a.k != b.k {
		return equalMixed(a, b)
	}
	switch a.k {
	case KindUnit:
		return true
	case KindBool, KindInt, KindChar:
		return a.n == b.n
	case KindFloat:
		c, ok := cmpFloat(a.AsFloat(), b.AsFloat())
		return ok && c == 0
	case KindString:
		return a.n == b.n && bytes.Equal(a.StrBytes(), b.StrBytes())
	case KindArray:
		x, y := a.AsArray().Elems, b.AsArray().Elems
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalDepth(x[i], y[i], depth+1) {
				return false
			}
		}
		return true
	case KindMap:
		x, y := a.AsMap(), b.AsMap()
		if x.Len() != y.Len() {
			return false
		}
		eq := true
		x.Range(func(k string, xv Value) bool {
			yv, ok := y.Get(k)
			eq = ok && equalDepth(xv, yv, depth+1)
			return eq
		})
		return eq
	case KindBlob:
		return bytes.Equal(a.AsBlob().B, b.AsBlob().B)
	case KindRange:
		x, y := a.AsRange(), b.AsRange()
		return x.Start == y.Start && x.End == y.End && x.Inclusive == y.Inclusive
	case KindTimestamp:
		return a.AsTime().Equal(b.AsTime())
	case KindFnPtr:
		x, y := a.AsFnPtr(), b.AsFnPtr()
		return x == y
	case KindCustom:
		if x, ok := asU8(a); ok {
			y, ok := asU8(b)
			return ok && x == y
		}
		return a.p == b.p
	}
	return false
}

// equalMixed handles the type pairs Rhai compares across kinds.
func equalMixed(a, b Value) bool {
	if c, ok := compareMixed(a, b); ok {
		return c == 0
	}
	return false
}

// Compare orders a and b for `<`, `>`, `<=`, `>=` and natural sorting: it
// returns -1, 0 or 1, and ok=false when Rhai defines no ordering between the
// two (then `<` is an error and `==` is false). Integers and floats mix;
// strings compare by code point, chars likewise and against strings; false
// sorts before true; () equals (). A NaN is unordered.
func Compare(a, b Value) (int, bool) {
	if a.k != b.k {
		return compareMixed(a, b)
	}
	switch a.k {
	case KindUnit:
		return 0, true
	case KindBool:
		return cmpInt(int64(a.n), int64(b.n)), true
	case KindInt:
		return cmpInt(a.AsInt(), b.AsInt()), true
	case KindChar:
		return cmpInt(int64(a.AsChar()), int64(b.AsChar())), true
	case KindFloat:
		return cmpFloat(a.AsFloat(), b.AsFloat())
	case KindString:
		return bytes.Compare(a.StrBytes(), b.StrBytes()), true
	case KindTimestamp:
		return a.AsTime().Compare(b.AsTime()), true
	}
	return 0, false
}

func compareMixed(a, b Value) (int, bool) {
	switch {
	case a.k == KindInt && b.k == KindFloat:
		return cmpFloat(float64(a.AsInt()), b.AsFloat())
	case a.k == KindFloat && b.k == KindInt:
		return cmpFloat(a.AsFloat(), float64(b.AsInt()))
	case a.k == KindChar && b.k == KindString:
		return bytes.Compare([]byte(string(a.AsChar())), b.StrBytes()), true
	case a.k == KindString && b.k == KindChar:
		return bytes.Compare(a.StrBytes(), []byte(string(b.AsChar()))), true
	}
	return 0, false
}

func cmpInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// cmpFloat orders floats as Rhai's operators do: two floats closer than
// machine epsilon (relative to the larger magnitude, or absolute when one is
// zero) are equal, so `0.1 + 0.2 == 0.3` and `1e-16 > 0` is false. NaN is
// unordered.
func cmpFloat(x, y float64) (int, bool) {
	if math.IsNaN(x) || math.IsNaN(y) {
		return 0, false
	}
	if x == y {
		return 0, true
	}
	tol := epsilon
	if x != 0 && y != 0 {
		tol = max(math.Abs(x), math.Abs(y)) * epsilon
	}
	if d := x - y; math.Abs(d) < tol {
		return 0, true
	} else if d < 0 {
		return -1, true
	}
	return 1, true
}

// epsilon is f64::EPSILON, the gap between 1.0 and the next float.
const epsilon = 2.220446049250313e-16
