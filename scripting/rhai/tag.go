package rhai

import "math"

// Rhai lets a script attach a small integer to any value: its tag, read
// with `x.tag` or tag(x) and set with `x.tag = n` or set_tag(x, n). A copy
// keeps the tag; a computed value starts at 0. Scalars keep it in the
// otherwise unused p field, containers and strings in their backing store.

// scalarTag is the p field of a tagged (), bool, int, float or char.
type scalarTag int32

// TagOf returns v's tag.
func TagOf(v Value) int32 {
	switch v.k {
	case KindUnit, KindBool, KindInt, KindFloat, KindChar:
		t, _ := v.p.(scalarTag)
		return int32(t)
	case KindString:
		return v.p.(*StrBuf).tag
	case KindArray:
		return v.AsArray().tag
	case KindMap:
		return v.AsMap().tag
	case KindBlob:
		return v.AsBlob().tag
	case KindRange:
		return v.AsRange().tag
	case KindFnPtr:
		return v.AsFnPtr().tag
	case KindCustom:
		return v.p.(*custom).tag
	}
	return 0
}

// withTag returns v carrying tag t; containers change in place.
func withTag(v Value, t int32) (Value, bool) {
	switch v.k {
	case KindUnit, KindBool, KindInt, KindFloat, KindChar:
		v.p = nil
		if t != 0 {
			v.p = scalarTag(t)
		}
	case KindString:
		// A string's buffer may be shared: the tagged one gets its own.
		sb := &StrBuf{b: append([]byte(nil), v.StrBytes()...), tag: t}
		v = Value{k: KindString, n: v.n, p: sb}
	case KindArray:
		v.AsArray().tag = t
	case KindMap:
		v.AsMap().tag = t
	case KindBlob:
		v.AsBlob().tag = t
	case KindRange:
		r := *v.AsRange() // ranges and function pointers are shared: copy
		r.tag = t
		v = Value{k: KindRange, p: &r}
	case KindFnPtr:
		fp := *v.AsFnPtr()
		fp.tag = t
		v = NewFnPtr(&fp)
	case KindCustom:
		c := *v.p.(*custom)
		c.tag = t
		v = Value{k: KindCustom, p: &c}
	default:
		return v, false
	}
	return v, true
}

func tagLib() []NativeDef {
	get := func(_ *Call, a []Value) (Value, error) { return Int(int64(TagOf(a[0]))), nil }
	getProp := func(c *Call, a []Value) (Value, error) {
		if a[0].k == KindMap {
			return Unit, ErrNoMatch // m.tag is the map's property
		}
		return get(c, a)
	}
	set := func(_ *Call, a []Value) (Value, error) {
		if a[1].k != KindInt {
			return Unit, ErrNoMatch
		}
		n := a[1].AsInt()
		if n < math.MinInt32 || n > math.MaxInt32 {
			return Unit, Errorf(ErrArithmetic, "%d is too large to fit into a tag (must be between %d and %d)", n, math.MinInt32, math.MaxInt32)
		}
		v, ok := withTag(a[0], int32(n))
		if !ok {
			return Unit, ErrNoMatch
		}
		a[0] = v
		return Unit, nil
	}
	return []NativeDef{
		pureDef("tag", 1, get),
		pureDef("get$tag", 1, getProp),
		mutDef("set_tag", 2, set),
		mutDef("set$tag", 2, set),
	}
}
