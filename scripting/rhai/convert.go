package rhai

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
)

// FromGo converts a Go value into a Rhai value. It accepts what JSON
// decoding and host code produce: nil, bool, every integer and float type,
// json.Number (an integer when it has no fraction or exponent and fits i64,
// a float otherwise), string, []byte (a BLOB), []any, map[string]any,
// []Value, map[string]Value, Value, time.Time, and other slices and
// string-keyed maps of these. Anything else (structs, channels, ...) is an
// error.
func FromGo(v any) (Value, error) {
	return fromGoDepth(v, 0)
}

func fromGoDepth(v any, depth int) (Value, error) {
	if depth > maxFormatDepth {
		return Unit, fmt.Errorf("failed to convert Go value: nested deeper than %d", maxFormatDepth)
	}
	switch x := v.(type) {
	case nil:
		return Unit, nil
	case Value:
		return x, nil
	case bool:
		return Bool(x), nil
	case int:
		return Int(int64(x)), nil
	case int8:
		return Int(int64(x)), nil
	case int16:
		return Int(int64(x)), nil
	case int32:
		return Int(int64(x)), nil
	case int64:
		return Int(x), nil
	case uint8:
		return Int(int64(x)), nil
	case uint16:
		return Int(int64(x)), nil
	case uint32:
		return Int(int64(x)), nil
	case uint:
		return fromUint(uint64(x))
	case uint64:
		return fromUint(x)
	case float32:
		return Float(float64(x)), nil
	case float64:
		return Float(x), nil
	case json.Number:
		return fromJSONNumber(x)
	case string:
		return String(x), nil
	case []byte:
		return NewBlob(append([]byte(nil), x...)), nil
	case time.Time:
		return Timestamp(x), nil
	case []Value:
		return NewArray(x), nil
	case map[string]Value:
		return NewMap(x), nil
	case []any:
		return fromGoSlice(x, depth)
	case map[string]any:
		return fromGoMap(x, depth)
	}
	return fromGoReflect(v, depth)
}

// fromGoReflect converts other slices, arrays and string-keyed maps
// ([]string, map[string]int, ...) element by element.
func fromGoReflect(v any, depth int) (Value, error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		elems := make([]Value, rv.Len())
		for i := range elems {
			e, err := fromGoDepth(rv.Index(i).Interface(), depth+1)
			if err != nil {
				return Unit, err
			}
			elems[i] = e
		}
		return NewArray(elems), nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			break
		}
		out := make(map[string]Value, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			e, err := fromGoDepth(it.Value().Interface(), depth+1)
			if err != nil {
				return Unit, err
			}
			out[it.Key().String()] = e
		}
		return NewMap(out), nil
	}
	return Unit, fmt.Errorf("failed to convert Go value: unsupported type %T", v)
}

func fromUint(u uint64) (Value, error) {
	if u > math.MaxInt64 {
		return Unit, fmt.Errorf("failed to convert Go value: %d overflows i64", u)
	}
	return Int(int64(u)), nil
}

func fromJSONNumber(n json.Number) (Value, error) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return Int(i), nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return Unit, fmt.Errorf("failed to convert JSON number %q: %w", string(n), err)
	}
	return Float(f), nil
}

func fromGoSlice(xs []any, depth int) (Value, error) {
	elems := make([]Value, len(xs))
	for i, x := range xs {
		e, err := fromGoDepth(x, depth+1)
		if err != nil {
			return Unit, err
		}
		elems[i] = e
	}
	return NewArray(elems), nil
}

func fromGoMap(m map[string]any, depth int) (Value, error) {
	out := make(map[string]Value, len(m))
	for k, x := range m {
		e, err := fromGoDepth(x, depth+1)
		if err != nil {
			return Unit, err
		}
		out[k] = e
	}
	return NewMap(out), nil
}

// ToGo converts a Rhai value to plain Go data fit for encoding/json: ()
// becomes nil, i64 int64, f64 float64 (NaN and infinities become the
// strings "NaN", "inf", "-inf", which JSON cannot hold as numbers), char a
// one-character string, arrays []any, maps map[string]any, BLOBs []any of
// byte values, timestamps RFC 3339 strings, and other kinds their to_string
// form.
func ToGo(v Value) any {
	return toGoDepth(v, 0)
}

func toGoDepth(v Value, depth int) any {
	if depth > maxFormatDepth {
		return nil
	}
	switch v.k {
	case KindUnit:
		return nil
	case KindBool:
		return v.AsBool()
	case KindInt:
		return v.AsInt()
	case KindFloat:
		return floatToGo(v.AsFloat())
	case KindChar:
		return string(v.AsChar())
	case KindString:
		return v.AsStr()
	case KindArray:
		elems := v.AsArray().Elems
		out := make([]any, len(elems))
		for i, e := range elems {
			out[i] = toGoDepth(e, depth+1)
		}
		return out
	case KindMap:
		m := v.AsMap()
		out := make(map[string]any, m.Len())
		m.Range(func(k string, e Value) bool {
			out[k] = toGoDepth(e, depth+1)
			return true
		})
		return out
	case KindBlob:
		b := v.AsBlob().B
		out := make([]any, len(b))
		for i, c := range b {
			out[i] = int64(c)
		}
		return out
	case KindTimestamp:
		return v.AsTime().UTC().Format(time.RFC3339Nano)
	case KindCustom:
		if it := iteratorOf(v); it != nil {
			return it.rust
		}
	}
	return ToString(v)
}

func floatToGo(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return f
}
