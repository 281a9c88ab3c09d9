package state

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// The export format: JSON Lines, one {"key": K, "value": V} per key in byte
// order of the keys, where V is a value in typed JSON:
//
//	()        null
//	bool      true / false
//	i64       a JSON integer: 42, -9223372036854775808 (never a fraction or exponent)
//	string    a JSON string
//	f64       {"f64": 1.5}; -0.0, infinities and NaN as {"f64": "-0"},
//	          {"f64": "inf"}, {"f64": "-inf"}, {"f64": "nan:7ff8000000000001"}
//	          (a NaN keeps its bits)
//	char      {"char": "x"}
//	blob      {"blob": "<base64>"}
//	array     a JSON array of typed values
//	map       {"map": {"k": <typed>, ...}}
//
// Every value reads back identical in type and bits: a plain number is an
// i64, an f64 is always tagged, and objects are always tags.

// MarshalValue appends v in typed JSON to dst.
func MarshalValue(dst []byte, v rhai.Value) ([]byte, error) {
	return marshal(dst, v, 0)
}

func marshal(b []byte, v rhai.Value, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("value nested deeper than %d levels", maxDepth)
	}
	switch v.Kind() {
	case rhai.KindUnit:
		return append(b, "null"...), nil
	case rhai.KindBool:
		return strconv.AppendBool(b, v.AsBool()), nil
	case rhai.KindInt:
		return strconv.AppendInt(b, v.AsInt(), 10), nil
	case rhai.KindFloat:
		b = append(b, `{"f64":`...)
		f := v.AsFloat()
		switch {
		case math.IsNaN(f):
			b = fmt.Appendf(b, `"nan:%016x"`, math.Float64bits(f))
		case math.IsInf(f, 1):
			b = append(b, `"inf"`...)
		case math.IsInf(f, -1):
			b = append(b, `"-inf"`...)
		case f == 0 && math.Signbit(f):
			b = append(b, `"-0"`...)
		default:
			b = strconv.AppendFloat(b, f, 'g', -1, 64)
		}
		return append(b, '}'), nil
	case rhai.KindChar:
		b = append(b, `{"char":`...)
		return append(appendJSONString(b, string(v.AsChar())), '}'), nil
	case rhai.KindString:
		return appendJSONString(b, v.AsStr()), nil
	case rhai.KindBlob:
		b = append(b, `{"blob":"`...)
		b = base64.StdEncoding.AppendEncode(b, v.AsBlob().B)
		return append(b, `"}`...), nil
	case rhai.KindArray:
		b = append(b, '[')
		var err error
		for i, e := range v.AsArray().Elems {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = marshal(b, e, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case rhai.KindMap:
		m := v.AsMap().GoMap()
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, `{"map":{`...)
		var err error
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendJSONString(b, k), ':')
			if b, err = marshal(b, m[k], depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, "}}"...), nil
	}
	return nil, &UnstorableError{Type: v.TypeName()}
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a Go string always marshals
	return append(b, q...)
}

// UnmarshalValue reads one value in typed JSON. Anything else (a fraction
// without the f64 tag, an unknown tag, a bad char or base64) is an error
// saying what is wrong.
func UnmarshalValue(data []byte) (rhai.Value, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		return rhai.Unit, fmt.Errorf("not JSON: %w", err)
	}
	if d.More() {
		return rhai.Unit, errors.New("more than one JSON value")
	}
	return fromJSON(x, 0)
}

func fromJSON(x any, depth int) (rhai.Value, error) {
	if depth > maxDepth {
		return rhai.Unit, fmt.Errorf("value nested deeper than %d levels", maxDepth)
	}
	switch x := x.(type) {
	case nil:
		return rhai.Unit, nil
	case bool:
		return rhai.Bool(x), nil
	case string:
		return rhai.String(x), nil
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			return rhai.Unit, fmt.Errorf("number %s is not an i64 (write a float as {\"f64\": %s})", x, x)
		}
		return rhai.Int(n), nil
	case []any:
		el := make([]rhai.Value, len(x))
		for i, e := range x {
			v, err := fromJSON(e, depth+1)
			if err != nil {
				return rhai.Unit, fmt.Errorf("[%d]: %w", i, err)
			}
			el[i] = v
		}
		return rhai.NewArray(el), nil
	case map[string]any:
		if len(x) != 1 {
			return rhai.Unit, fmt.Errorf("an object must be one tag (f64, char, blob or map), got %d members", len(x))
		}
		for tag, y := range x {
			return fromTag(tag, y, depth)
		}
	}
	return rhai.Unit, fmt.Errorf("unexpected JSON %T", x)
}

func fromTag(tag string, y any, depth int) (rhai.Value, error) {
	switch tag {
	case "f64":
		switch y := y.(type) {
		case json.Number:
			f, err := strconv.ParseFloat(string(y), 64)
			if err != nil {
				return rhai.Unit, fmt.Errorf("f64 %s: %w", y, err)
			}
			return rhai.Float(f), nil
		case string:
			switch {
			case y == "inf":
				return rhai.Float(math.Inf(1)), nil
			case y == "-inf":
				return rhai.Float(math.Inf(-1)), nil
			case y == "-0":
				return rhai.Float(math.Copysign(0, -1)), nil
			case strings.HasPrefix(y, "nan:"):
				bits, err := strconv.ParseUint(y[4:], 16, 64)
				if err != nil || !math.IsNaN(math.Float64frombits(bits)) {
					return rhai.Unit, fmt.Errorf("f64 %q: nan: must be followed by the 16 hex digits of a NaN", y)
				}
				return rhai.Float(math.Float64frombits(bits)), nil
			}
			return rhai.Unit, fmt.Errorf("f64 %q: want a number, \"inf\", \"-inf\", \"-0\" or \"nan:<hex bits>\"", y)
		}
	case "char":
		if s, ok := y.(string); ok {
			if r, n := utf8.DecodeRuneInString(s); n == len(s) && n > 0 && r != utf8.RuneError {
				return rhai.Char(r), nil
			}
			return rhai.Unit, fmt.Errorf("char %q is not one character", s)
		}
	case "blob":
		if s, ok := y.(string); ok {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return rhai.Unit, fmt.Errorf("blob: %w", err)
			}
			return rhai.NewBlob(b), nil
		}
	case "map":
		if m, ok := y.(map[string]any); ok {
			out := make(map[string]rhai.Value, len(m))
			for k, e := range m {
				v, err := fromJSON(e, depth+1)
				if err != nil {
					return rhai.Unit, fmt.Errorf("%q: %w", k, err)
				}
				out[k] = v
			}
			return rhai.NewMap(out), nil
		}
	default:
		return rhai.Unit, fmt.Errorf("unknown tag %q (want f64, char, blob or map)", tag)
	}
	return rhai.Unit, fmt.Errorf("tag %q has a value of the wrong JSON type", tag)
}

// line is one line of an export.
type line struct {
	Key   *string         `json:"key"`
	Value json.RawMessage `json:"value"`
}

// Export writes circle's committed state to w as JSON Lines (see the
// format above), in key order, and returns how many keys it wrote. It reads
// through a transaction, so it sees one consistent point of the state.
func Export(ctx context.Context, st Store, circle string, w io.Writer) (n int, err error) {
	bw := bufio.NewWriter(w)
	err = View(ctx, st, circle, func(tx *Tx) error {
		var buf []byte
		var werr error
		err := tx.s.Scan("", "", func(k string, raw []byte) bool {
			v, err := Decode(raw)
			if err != nil {
				werr = fmt.Errorf("key %q: %w", k, err)
				return false
			}
			buf = append(appendJSONString(append(buf[:0], `{"key":`...), k), `,"value":`...)
			if buf, werr = MarshalValue(buf, v); werr != nil {
				werr = fmt.Errorf("key %q: %w", k, werr)
				return false
			}
			buf = append(buf, "}\n"...)
			if _, werr = bw.Write(buf); werr != nil {
				return false
			}
			n++
			return true
		})
		return errors.Join(err, werr)
	})
	if err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// maxLine bounds one line of an import: a value at the default limit of
// 1 MiB encoded can take several times that in JSON.
const maxLine = 64 << 20

// Import reads an export from r and writes it to circle's state in one
// transaction, under lim: all of it or, on the first bad line or limit,
// none. With replace, keys that are not in r are removed. It returns the
// number of keys read.
func Import(ctx context.Context, st Store, circle string, lim Limits, r io.Reader, replace bool) (int, error) {
	type kv struct {
		k string
		v rhai.Value
	}
	var all []kv
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	seen := map[string]int{}
	for no := 1; sc.Scan(); no++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		k, v, err := ParseLine(text)
		if err != nil {
			return 0, fmt.Errorf("line %d: %w", no, err)
		}
		if prev, dup := seen[k]; dup {
			return 0, fmt.Errorf("line %d: key %q already on line %d", no, k, prev)
		}
		seen[k] = no
		all = append(all, kv{k, v})
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("failed to read the import: %w", err)
	}
	err := Update(ctx, st, circle, lim, func(tx *Tx) error {
		if replace {
			keys, err := tx.Keys("", 0)
			if err != nil {
				return err
			}
			for _, k := range keys {
				if _, ok := seen[k]; !ok {
					if _, err := tx.Remove(k); err != nil {
						return err
					}
				}
			}
		}
		for _, e := range all {
			if err := tx.Set(e.k, e.v); err != nil {
				return fmt.Errorf("line %d (key %q): %w", seen[e.k], e.k, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(all), nil
}

// ParseLine reads one line of an export: its key and value.
func ParseLine(text []byte) (string, rhai.Value, error) {
	var l line
	d := json.NewDecoder(bytes.NewReader(text))
	d.DisallowUnknownFields()
	if err := d.Decode(&l); err != nil {
		return "", rhai.Unit, fmt.Errorf("want {\"key\": ..., \"value\": ...}: %w", err)
	}
	if d.More() {
		return "", rhai.Unit, errors.New("more than one JSON value on the line")
	}
	if l.Key == nil || l.Value == nil {
		return "", rhai.Unit, errors.New("want both \"key\" and \"value\"")
	}
	if *l.Key == "" || !utf8.ValidString(*l.Key) {
		return "", rhai.Unit, fmt.Errorf("%w: %q", ErrBadKey, *l.Key)
	}
	v, err := UnmarshalValue(l.Value)
	if err != nil {
		return "", rhai.Unit, fmt.Errorf("key %q: %w", *l.Key, err)
	}
	return *l.Key, v, nil
}
