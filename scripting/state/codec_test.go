package state

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// identical reports whether a and b are the same value: same kinds all the
// way down, floats bit for bit.
func identical(a, b rhai.Value) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case rhai.KindUnit:
		return true
	case rhai.KindBool:
		return a.AsBool() == b.AsBool()
	case rhai.KindInt:
		return a.AsInt() == b.AsInt()
	case rhai.KindFloat:
		return math.Float64bits(a.AsFloat()) == math.Float64bits(b.AsFloat())
	case rhai.KindChar:
		return a.AsChar() == b.AsChar()
	case rhai.KindString:
		return a.AsStr() == b.AsStr()
	case rhai.KindBlob:
		return bytes.Equal(a.AsBlob().B, b.AsBlob().B)
	case rhai.KindArray:
		x, y := a.AsArray().Elems, b.AsArray().Elems
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if !identical(x[i], y[i]) {
				return false
			}
		}
		return true
	case rhai.KindMap:
		x, y := a.AsMap().GoMap(), b.AsMap().GoMap()
		if len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !identical(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// sampleValues covers every storable type and their edges.
func sampleValues() []rhai.Value {
	nan := math.Float64frombits(0x7ff8000000000001)
	odd := math.Float64frombits(0xfff0000000abcdef) // a negative NaN with a payload
	return []rhai.Value{
		rhai.Unit, rhai.Bool(true), rhai.Bool(false),
		rhai.Int(0), rhai.Int(-1), rhai.Int(math.MaxInt64), rhai.Int(math.MinInt64),
		rhai.Float(0), rhai.Float(math.Copysign(0, -1)), rhai.Float(1.5), rhai.Float(-1e308),
		rhai.Float(math.SmallestNonzeroFloat64), rhai.Float(math.Inf(1)), rhai.Float(math.Inf(-1)),
		rhai.Float(nan), rhai.Float(odd), rhai.Float(0.1),
		rhai.Char('x'), rhai.Char('é'), rhai.Char('🙂'), rhai.Char(0),
		rhai.String(""), rhai.String("héllo \"q\" \n <&>"),
		rhai.NewBlob(nil), rhai.NewBlob([]byte{0, 1, 255}),
		rhai.NewArray(nil),
		rhai.NewArray([]rhai.Value{rhai.Int(1), rhai.Char('c'), rhai.Float(2), rhai.String("2")}),
		rhai.NewMap(map[string]rhai.Value{}),
		rhai.NewMap(map[string]rhai.Value{
			"b": rhai.NewMap(map[string]rhai.Value{"deep": rhai.NewArray([]rhai.Value{rhai.NewBlob([]byte("x")), rhai.Unit})}),
			"a": rhai.Int(math.MinInt64), "": rhai.Float(math.Copysign(0, -1)), "ключ": rhai.Char('k'),
		}),
	}
}

func TestCodecRoundTripsEveryType(t *testing.T) {
	for _, v := range sampleValues() {
		b, err := Encode(v)
		if err != nil {
			t.Fatalf("encode %s: %v", rhai.ToString(v), err)
		}
		got, err := Decode(b)
		if err != nil || !identical(got, v) {
			t.Errorf("%s (%s): decoded %s (%s), %v", rhai.ToString(v), v.TypeName(), rhai.ToString(got), got.TypeName(), err)
		}
	}
}

func TestCodecRefusesWhatIsNotData(t *testing.T) {
	for _, v := range []rhai.Value{
		rhai.NewFnPtr(&rhai.FnPtr{Name: "print"}),
		rhai.Timestamp(time.Now()),
		rhai.NewRange(1, 3, false),
		rhai.Custom("Thing", 1),
		rhai.NewArray([]rhai.Value{rhai.Int(1), rhai.NewRange(1, 2, true)}),
	} {
		_, err := Encode(v)
		var ue *UnstorableError
		if err == nil || !asUnstorable(err, &ue) || !strings.Contains(err.Error(), "cannot be stored") {
			t.Errorf("encode %s: %v", v.TypeName(), err)
		}
	}
	deep := rhai.Int(1)
	for range maxDepth + 2 {
		deep = rhai.NewArray([]rhai.Value{deep})
	}
	if _, err := Encode(deep); err == nil {
		t.Error("a value nested too deeply was encoded")
	}
}

func asUnstorable(err error, target **UnstorableError) bool {
	ue, ok := err.(*UnstorableError)
	*target = ue
	return ok
}

func TestDecodeRefusesHostileBytes(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":            nil,
		"version":          {9, tagUnit},
		"unknown tag":      {codecVersion, 200},
		"trailing":         {codecVersion, tagUnit, 0},
		"short float":      {codecVersion, tagFloat, 1, 2},
		"huge string":      {codecVersion, tagString, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"huge array":       {codecVersion, tagArray, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"bad utf8":         {codecVersion, tagString, 1, 0xff},
		"surrogate char":   {codecVersion, tagChar, 0x80, 0xb0, 0x03},
		"map out of order": {codecVersion, tagMap, 2, 1, 'b', tagUnit, 1, 'a', tagUnit},
		"truncated":        {codecVersion, tagArray, 2, tagUnit},
	} {
		if _, err := Decode(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func FuzzCodec(f *testing.F) {
	for _, v := range sampleValues() {
		b, _ := Encode(v)
		f.Add(b)
	}
	f.Add([]byte{codecVersion, tagArray, 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Decode(b)
		if err != nil {
			return
		}
		// What decodes re-encodes, and back to the same value (the bytes may
		// differ: a varint can be written long).
		again, err := Encode(v)
		if err != nil {
			t.Fatalf("decoded value does not encode: %v", err)
		}
		w, err := Decode(again)
		if err != nil || !identical(v, w) {
			t.Fatalf("second decode: %v", err)
		}
		// And the export form round-trips it too.
		j, err := MarshalValue(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		u, err := UnmarshalValue(j)
		if err != nil || !identical(u, v) {
			t.Fatalf("typed JSON %s: %v", j, err)
		}
	})
}
