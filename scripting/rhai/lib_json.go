package rhai

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsonLib provides to_json (a value as compact JSON text, as Rhai's
// serde_json form) and parse_json (a JSON object to a map of maps, arrays,
// strings, i64/f64 numbers, bools and (); like Rhai, any other top-level
// value is refused).
func jsonLib() []NativeDef {
	return []NativeDef{
		pureDef("to_json", 1, func(c *Call, a []Value) (Value, error) {
			var b []byte
			b, err := (&jsonEncoder{r: runOf(c)}).append(b, a[0], 0)
			if err != nil {
				return Unit, err
			}
			if err := checkStringLen(c, len(b)); err != nil {
				return Unit, err
			}
			if err := chargeBytes(c, len(b)); err != nil {
				return Unit, err
			}
			return StringBytes(b), nil
		}),
		pureDef("parse_json", 1, func(c *Call, a []Value) (Value, error) {
			if a[0].k != KindString {
				return Unit, ErrNoMatch
			}
			text := a[0].StrBytes()
			v, err := ParseJSON(text)
			if err != nil || bytes.Contains(text, []byte(`\/`)) || jsonKeys(text) != mapEntries(v) {
				// Not plain JSON (or JSON Rhai reads otherwise): Rhai's way.
				v, err = parseJSONRhai(runOf(c), string(text))
			}
			if err == nil && v.k != KindMap {
				// Rhai's parse_json reads an object map literal: any other
				// value, valid JSON or not, is refused.
				return Unit, Errorf(ErrRuntime, "Output type incorrect: %s (expecting map)", v.TypeName())
			}
			return v, err
		}),
	}
}

// jsonKeys counts the object keys in JSON text (strings followed by a
// colon): more than the decoded maps hold means a repeated key, which
// encoding/json keeps the last of and Rhai refuses.
func jsonKeys(text []byte) int {
	n := 0
	for i := 0; i < len(text); i++ {
		if text[i] != '"' {
			continue
		}
		for i++; i < len(text) && text[i] != '"'; i++ {
			if text[i] == '\\' {
				i++
			}
		}
		j := i + 1
		for j < len(text) && (text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r') {
			j++
		}
		if j < len(text) && text[j] == ':' {
			n++
		}
	}
	return n
}

// mapEntries counts the entries of the maps in v, nested ones included.
func mapEntries(v Value) int {
	n := 0
	switch v.k {
	case KindMap:
		v.p.(*Map).Range(func(_ string, x Value) bool {
			n += 1 + mapEntries(x)
			return true
		})
	case KindArray:
		for _, x := range v.p.(*Array).Elems {
			n += mapEntries(x)
		}
	}
	return n
}

// ParseJSON decodes one JSON text into a Rhai value: objects become maps,
// integers that fit become i64, other numbers f64, null (). Trailing data
// or nesting deeper than the formatter's bound is an error.
func ParseJSON(text []byte) (Value, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return Unit, Errorf(ErrRuntime, "Cannot parse JSON: %v", err)
	}
	if len(bytes.TrimSpace(text[dec.InputOffset():])) > 0 {
		return Unit, Errorf(ErrRuntime, "Cannot parse JSON: trailing data after the value")
	}
	v, err := FromGo(x)
	if err != nil {
		return Unit, Errorf(ErrRuntime, "Cannot parse JSON: %v", err)
	}
	return v, nil
}

// appendJSON writes v as compact JSON. Function pointers become their name
// (or [name, curried...]), chars one-character strings, BLOBs arrays of
// bytes, non-finite floats null, other kinds their display string.
func appendJSON(b []byte, v Value, depth int) ([]byte, error) {
	return (&jsonEncoder{}).append(b, v, depth)
}

// jsonEncoder is one to_json call; with a run, a large value's encoding
// looks at the deadline as it goes (every checkEvery values, and while
// sorting a big map's keys).
type jsonEncoder struct {
	r *runState
	n int
}

func (e *jsonEncoder) append(b []byte, v Value, depth int) ([]byte, error) {
	if e.r != nil {
		if e.n++; e.n%checkEvery == 0 {
			if err := e.r.cancelled(); err != nil {
				return b, err
			}
		}
	}
	if depth > maxFormatDepth {
		return b, Errorf(ErrDataTooLarge, "Value nested too deeply for JSON")
	}
	if len(b) > maxFormatLen {
		return b, Errorf(ErrDataTooLarge, "Length of string too large")
	}
	switch v.k {
	case KindUnit:
		return append(b, "null"...), nil
	case KindBool:
		return strconv.AppendBool(b, v.AsBool()), nil
	case KindInt:
		return strconv.AppendInt(b, v.AsInt(), 10), nil
	case KindFloat:
		return append(b, jsonFloat(v.AsFloat())...), nil
	case KindChar:
		return appendJSONString(b, string(v.AsChar())), nil
	case KindString:
		return appendJSONString(b, v.AsStr()), nil
	case KindArray:
		return e.appendArray(b, v.AsArray().Elems, depth)
	case KindMap:
		m := v.AsMap()
		keys, err := e.sortedKeys(m)
		if err != nil {
			return b, err
		}
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			var err error
			if b, err = e.append(b, m.At(k), depth+1); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case KindBlob:
		b = append(b, '[')
		for i, x := range v.AsBlob().B {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(x), 10)
		}
		return append(b, ']'), nil
	case KindFnPtr:
		fp := v.AsFnPtr()
		if len(fp.Curry) == 0 {
			return appendJSONString(b, fp.Name), nil
		}
		return e.appendArray(b, append([]Value{String(fp.Name)}, fp.Curry...), depth)
	}
	return appendJSONString(b, ToString(v)), nil
}

// sortedKeys is m's keys in order, sorted under the run's checks if any.
func (e *jsonEncoder) sortedKeys(m *Map) ([]string, error) {
	if e.r == nil {
		return m.SortedKeys(), nil
	}
	return e.r.sortedKeys(m)
}

func (e *jsonEncoder) appendArray(b []byte, elems []Value, depth int) ([]byte, error) {
	b = append(b, '[')
	for i, x := range elems {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = e.append(b, x, depth+1); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// jsonFloat formats as serde_json (ryu) does: "1.0", "0.1", "1e16",
// "1e-7"; NaN and infinities are null.
func jsonFloat(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "null"
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-5 || abs >= 1e16) {
		return rustExp(f)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsRune(s, '.') {
		s += ".0"
	}
	return s
}

// appendJSONString quotes s as serde_json does: only '"', '\\' and control
// characters are escaped; other characters are written as UTF-8.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			b = utf8.AppendRune(b, r)
			i += size
			continue
		}
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			if c < 0x20 {
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			} else {
				b = append(b, c)
			}
		}
		i++
	}
	return append(b, '"')
}
