package rhai

import (
	"math"
	"time"
)

// Kind is the dynamic type of a Value. The zero Kind is KindUnit, so the
// zero Value is Rhai's unit `()`.
type Kind uint8

// The kinds of Rhai values.
const (
	KindUnit Kind = iota
	KindBool
	KindInt
	KindFloat
	KindChar
	KindString
	KindArray
	KindMap
	KindBlob
	KindFnPtr
	KindRange
	KindTimestamp
	KindCustom // a Go value registered by the host; TypeName() is its Go type name
)

// Value is one Rhai value. It is a small struct passed by value so that
// integers, floats, booleans and chars never allocate: scalars live in n,
// reference types (strings, arrays, maps, ...) in p.
//
// Arrays, maps and blobs are held by pointer; Rhai gives them value semantics,
// which the evaluator implements by cloning on assignment (see Value.Clone).
// Strings are immutable; StrBuf lets `s += x` append in place when s owns the
// tail of its buffer.
type Value struct {
	k Kind
	n uint64 // int64 / float64 bits / bool / rune / string length in bytes
	p any    // *StrBuf, *Array, *Map, *Blob, *FnPtr, *Range, time.Time, custom
}

// StrBuf is the shared backing store of string values. A string value is the
// first n bytes of b; bytes below len(b) are never modified, so several values
// may share one StrBuf and the one whose n == len(b) may append in place.
type StrBuf struct {
	b   []byte
	tag int32 // the string's tag (see tag.go)
}

// Array is a Rhai array (Vec<Dynamic>).
type Array struct {
	Elems []Value
	tag   int32
}

// Map is a Rhai object map. Keys iterate in sorted order (Rhai uses a
// BTreeMap). Its properties are reached through methods (Get, Set, ...):
// see map.go for the two forms it takes.
type Map struct {
	keys []string         // small form: sorted; never changed in place (copies share it)
	vals []Value          // small form: parallel to keys, owned by this map
	big  map[string]Value // large form, when non-nil
	tag  int32
}

// Blob is a Rhai BLOB (Vec<u8>).
type Blob struct {
	B   []byte
	tag int32
}

// Range is an exclusive (a..b) or inclusive (a..=b) integer range.
type Range struct {
	Start, End int64
	Inclusive  bool
	tag        int32
}

// FnPtr is a function pointer: a function name plus curried arguments.
// Closures carry their compiled body and captured cells in Closure.
type FnPtr struct {
	Name    string
	Curry   []Value
	Closure any // evaluator-private: the compiled closure, nil for named functions
	tag     int32
}

// Unit is Rhai's `()`.
var Unit = Value{}

// Constructors.

func Bool(b bool) Value {
	if b {
		return Value{k: KindBool, n: 1}
	}
	return Value{k: KindBool}
}
func Int(i int64) Value     { return Value{k: KindInt, n: uint64(i)} }
func Float(f float64) Value { return Value{k: KindFloat, n: math.Float64bits(f)} }
func Char(r rune) Value     { return Value{k: KindChar, n: uint64(r)} }
func String(s string) Value {
	return Value{k: KindString, n: uint64(len(s)), p: &StrBuf{b: []byte(s)}}
}

// StringBytes makes a string value that takes ownership of b.
func StringBytes(b []byte) Value { return Value{k: KindString, n: uint64(len(b)), p: &StrBuf{b: b}} }
func NewArray(elems []Value) Value {
	return Value{k: KindArray, p: &Array{Elems: elems}}
}

// NewMap makes an object map holding m's properties (m is not kept).
func NewMap(m map[string]Value) Value {
	return Value{k: KindMap, p: mapOf(m)}
}
func NewBlob(b []byte) Value  { return Value{k: KindBlob, p: &Blob{B: b}} }
func NewFnPtr(f *FnPtr) Value { return Value{k: KindFnPtr, p: f} }
func NewRange(start, end int64, inclusive bool) Value {
	return Value{k: KindRange, p: &Range{Start: start, End: end, Inclusive: inclusive}}
}
func Timestamp(t time.Time) Value { return Value{k: KindTimestamp, p: t} }

// Custom wraps a host Go value; typeName is what type_of reports.
func Custom(typeName string, v any) Value {
	return Value{k: KindCustom, p: &custom{name: typeName, v: v}}
}

type custom struct {
	name string
	v    any
	tag  int32
}

// Accessors. Each assumes the matching Kind; check Kind() first.

func (v Value) Kind() Kind       { return v.k }
func (v Value) IsUnit() bool     { return v.k == KindUnit }
func (v Value) AsBool() bool     { return v.n != 0 }
func (v Value) AsInt() int64     { return int64(v.n) }
func (v Value) AsFloat() float64 { return math.Float64frombits(v.n) }
func (v Value) AsChar() rune     { return rune(v.n) }
func (v Value) AsStr() string {
	if v.k != KindString {
		return ""
	}
	return string(v.p.(*StrBuf).b[:v.n])
}

// StrBytes returns the string's bytes without copying; callers must not modify them.
func (v Value) StrBytes() []byte  { return v.p.(*StrBuf).b[:v.n] }
func (v Value) StrLen() int       { return int(v.n) }
func (v Value) AsArray() *Array   { return v.p.(*Array) }
func (v Value) AsMap() *Map       { return v.p.(*Map) }
func (v Value) AsBlob() *Blob     { return v.p.(*Blob) }
func (v Value) AsFnPtr() *FnPtr   { return v.p.(*FnPtr) }
func (v Value) AsRange() *Range   { return v.p.(*Range) }
func (v Value) AsTime() time.Time { return v.p.(time.Time) }
func (v Value) AsCustom() any     { return v.p.(*custom).v }

// AppendStr returns v + s, appending in place when v owns its buffer's tail.
func (v Value) AppendStr(s []byte) Value {
	sb := v.p.(*StrBuf)
	if int(v.n) == len(sb.b) {
		sb.b = append(sb.b, s...)
		return Value{k: KindString, n: uint64(len(sb.b)), p: sb}
	}
	b := make([]byte, int(v.n), int(v.n)+len(s)+16)
	copy(b, sb.b[:v.n])
	b = append(b, s...)
	return StringBytes(b)
}

// TypeName is Rhai's type_of name.
func (v Value) TypeName() string {
	switch v.k {
	case KindUnit:
		return "()"
	case KindBool:
		return "bool"
	case KindInt:
		return "i64"
	case KindFloat:
		return "f64"
	case KindChar:
		return "char"
	case KindString:
		return "string"
	case KindArray:
		return "array"
	case KindMap:
		return "map"
	case KindBlob:
		return "blob"
	case KindFnPtr:
		return "Fn"
	case KindRange:
		if v.AsRange().Inclusive {
			return "range="
		}
		return "range"
	case KindTimestamp:
		return "timestamp"
	case KindCustom:
		return v.p.(*custom).name
	}
	return "?"
}

// Clone gives value semantics to arrays, maps and blobs (deep copy of the
// containers, sharing immutable leaves). Other kinds are returned as is.
func (v Value) Clone() Value {
	switch v.k {
	case KindArray:
		src := v.AsArray().Elems
		dst := make([]Value, len(src))
		copy(dst, src) // scalars and strings are copied as they are
		for i := range dst {
			if isContainer(dst[i].k) {
				dst[i] = dst[i].Clone()
			}
		}
		return Value{k: KindArray, p: &Array{Elems: dst, tag: v.AsArray().tag}}
	case KindMap:
		src := v.AsMap()
		dst := src.copyShallow()
		dst.Range(func(k string, e Value) bool {
			if isContainer(e.k) {
				dst.Set(k, e.Clone())
			}
			return true
		})
		return Value{k: KindMap, p: dst}
	case KindBlob:
		return Value{k: KindBlob, p: &Blob{B: append([]byte(nil), v.AsBlob().B...), tag: v.AsBlob().tag}}
	}
	return v
}
