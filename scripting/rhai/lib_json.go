package rhai

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// jsonLib provides to_json (an object map as Rhai's format_map_as_json
// writes it: JSON-like text whose scalars are in Rust's Debug form) and
// parse_json (a JSON object to a map of maps, arrays,
// strings, i64/f64 numbers, bools and (); like Rhai, any other top-level
// value is refused).
func jsonLib() []NativeDef {
	return []NativeDef{
		pureDef("to_json", 1, func(c *Call, a []Value) (Value, error) {
			if a[0].k != KindMap {
				// Rhai defines to_json for object maps only.
				return Unit, ErrNoMatch
			}
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
			if err != nil || bytes.Contains(text, []byte(`\/`)) || jsonKeys(text) != mapEntries(v) || jsonUnusual(text) {
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

// jsonUnusual reports JSON text that Rhai's reading may refuse where
// encoding/json's does not: a \u escape of a UTF-16 surrogate (Rhai's
// string escapes take only whole code points) or deep nesting (Rhai's
// expression depth limit).
func jsonUnusual(text []byte) bool {
	depth := 0
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '[', '{':
			if depth++; depth > 21 {
				return true
			}
		case ']', '}':
			depth--
		case '\\':
			if i+2 < len(text) && text[i+1] == 'u' && (text[i+2] == 'd' || text[i+2] == 'D') {
				return true // \uD800-\uDFFF, or a near miss the slow path reads the same
			}
			i++
		}
	}
	return false
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
		// Rust's Debug form, as Rhai writes it: "1.0", "1e-5", "NaN", "inf".
		return append(b, debugFloat(v.AsFloat())...), nil
	case KindChar:
		// Rhai writes a char in Rust's Debug form, single-quoted.
		return append(b, quoteChar(v.AsChar())...), nil
	case KindString:
		return append(b, quoteString(v.AsStr())...), nil
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
			b = append(b, quoteString(k)...)
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
		curry := fp.Curry
		if cl, ok := fp.Closure.(*closure); ok && len(cl.cells) > 0 {
			// Rhai curries a closure's captured values, in its capture
			// order, before any curried arguments.
			curry = append(cl.captured(), fp.Curry...)
		}
		if len(curry) == 0 {
			return append(b, quoteString(fp.Name)...), nil
		}
		return e.appendArray(b, append([]Value{String(fp.Name)}, curry...), depth)
	}
	// Ranges, timestamps and host values: their Debug form, unquoted.
	return append(b, ToDebug(v)...), nil
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
