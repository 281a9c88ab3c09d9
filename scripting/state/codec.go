package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// The encoding of a value: a version byte, then the value as a tag byte and
// its payload. Integers are zig-zag varints, floats their 8 IEEE bytes (so
// every bit, NaN payloads included, survives), lengths uvarints, map entries
// in byte order of their keys (Rhai's own order). It is the on-disk and
// in-Redis format: change it only with a new version byte.
const codecVersion = 1

const (
	tagUnit byte = iota
	tagFalse
	tagTrue
	tagInt
	tagFloat
	tagChar
	tagString
	tagBlob
	tagArray
	tagMap
)

// maxDepth bounds nesting, on both sides, so that hostile bytes cannot
// exhaust the stack.
const maxDepth = 256

// UnstorableError is a value refused by Encode, naming its type.
type UnstorableError struct{ Type string }

func (e *UnstorableError) Error() string {
	return fmt.Sprintf("a value of type %s cannot be stored in state (only (), bool, i64, f64, char, string, blob, and arrays and maps of these)", e.Type)
}

// Encode returns the stored form of v, or an *UnstorableError for function
// pointers, timestamps, ranges and host values (state itself among them).
func Encode(v rhai.Value) ([]byte, error) {
	return AppendEncode(nil, v)
}

// AppendEncode appends the stored form of v to dst.
func AppendEncode(dst []byte, v rhai.Value) ([]byte, error) {
	dst = append(dst, codecVersion)
	return appendValue(dst, v, 0)
}

func appendValue(b []byte, v rhai.Value, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("value nested deeper than %d levels cannot be stored in state", maxDepth)
	}
	switch v.Kind() {
	case rhai.KindUnit:
		return append(b, tagUnit), nil
	case rhai.KindBool:
		if v.AsBool() {
			return append(b, tagTrue), nil
		}
		return append(b, tagFalse), nil
	case rhai.KindInt:
		return binary.AppendVarint(append(b, tagInt), v.AsInt()), nil
	case rhai.KindFloat:
		return binary.BigEndian.AppendUint64(append(b, tagFloat), math.Float64bits(v.AsFloat())), nil
	case rhai.KindChar:
		return binary.AppendUvarint(append(b, tagChar), uint64(v.AsChar())), nil
	case rhai.KindString:
		s := v.StrBytes()
		b = binary.AppendUvarint(append(b, tagString), uint64(len(s)))
		return append(b, s...), nil
	case rhai.KindBlob:
		s := v.AsBlob().B
		b = binary.AppendUvarint(append(b, tagBlob), uint64(len(s)))
		return append(b, s...), nil
	case rhai.KindArray:
		el := v.AsArray().Elems
		b = binary.AppendUvarint(append(b, tagArray), uint64(len(el)))
		var err error
		for _, e := range el {
			if b, err = appendValue(b, e, depth+1); err != nil {
				return nil, err
			}
		}
		return b, nil
	case rhai.KindMap:
		m := v.AsMap().GoMap()
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = binary.AppendUvarint(append(b, tagMap), uint64(len(keys)))
		var err error
		for _, k := range keys {
			b = binary.AppendUvarint(b, uint64(len(k)))
			b = append(b, k...)
			if b, err = appendValue(b, m[k], depth+1); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	return nil, &UnstorableError{Type: v.TypeName()}
}

// ErrCorrupt is a stored value that does not decode.
var ErrCorrupt = errors.New("state: corrupt value")

// Decode reads a value written by Encode. Bytes that are not such a value
// give an error wrapping ErrCorrupt, never a panic.
func Decode(b []byte) (rhai.Value, error) {
	if len(b) == 0 {
		return rhai.Unit, fmt.Errorf("%w: empty", ErrCorrupt)
	}
	if b[0] != codecVersion {
		return rhai.Unit, fmt.Errorf("%w: unknown encoding version %d", ErrCorrupt, b[0])
	}
	d := decoder{b: b[1:]}
	v, err := d.value(0)
	if err != nil {
		return rhai.Unit, err
	}
	if len(d.b) != 0 {
		return rhai.Unit, fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(d.b))
	}
	return v, nil
}

type decoder struct{ b []byte }

func (d *decoder) fail(what string) error { return fmt.Errorf("%w: %s", ErrCorrupt, what) }

func (d *decoder) uvarint() (uint64, error) {
	n, k := binary.Uvarint(d.b)
	if k <= 0 {
		return 0, d.fail("bad length")
	}
	d.b = d.b[k:]
	return n, nil
}

// count reads a length and checks that at least min bytes per item remain,
// so that a forged count cannot make a huge allocation.
func (d *decoder) count(min int) (int, error) {
	n, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	if n > uint64(len(d.b)/min) {
		return 0, d.fail("length past the end")
	}
	return int(n), nil
}

func (d *decoder) bytes() ([]byte, error) {
	n, err := d.count(1)
	if err != nil {
		return nil, err
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s, nil
}

func (d *decoder) value(depth int) (rhai.Value, error) {
	if depth > maxDepth {
		return rhai.Unit, d.fail("nested too deeply")
	}
	if len(d.b) == 0 {
		return rhai.Unit, d.fail("truncated")
	}
	tag := d.b[0]
	d.b = d.b[1:]
	switch tag {
	case tagUnit:
		return rhai.Unit, nil
	case tagFalse:
		return rhai.Bool(false), nil
	case tagTrue:
		return rhai.Bool(true), nil
	case tagInt:
		n, k := binary.Varint(d.b)
		if k <= 0 {
			return rhai.Unit, d.fail("bad integer")
		}
		d.b = d.b[k:]
		return rhai.Int(n), nil
	case tagFloat:
		if len(d.b) < 8 {
			return rhai.Unit, d.fail("truncated float")
		}
		f := math.Float64frombits(binary.BigEndian.Uint64(d.b))
		d.b = d.b[8:]
		return rhai.Float(f), nil
	case tagChar:
		n, err := d.uvarint()
		if err != nil {
			return rhai.Unit, err
		}
		if n > utf8.MaxRune || !utf8.ValidRune(rune(n)) {
			return rhai.Unit, d.fail("bad char")
		}
		return rhai.Char(rune(n)), nil
	case tagString:
		s, err := d.bytes()
		if err != nil {
			return rhai.Unit, err
		}
		if !utf8.Valid(s) {
			return rhai.Unit, d.fail("string is not UTF-8")
		}
		return rhai.String(string(s)), nil
	case tagBlob:
		s, err := d.bytes()
		if err != nil {
			return rhai.Unit, err
		}
		return rhai.NewBlob(append([]byte(nil), s...)), nil
	case tagArray:
		n, err := d.count(1)
		if err != nil {
			return rhai.Unit, err
		}
		el := make([]rhai.Value, n)
		for i := range el {
			if el[i], err = d.value(depth + 1); err != nil {
				return rhai.Unit, err
			}
		}
		return rhai.NewArray(el), nil
	case tagMap:
		n, err := d.count(2)
		if err != nil {
			return rhai.Unit, err
		}
		m := make(map[string]rhai.Value, n)
		prev := ""
		for i := 0; i < n; i++ {
			k, err := d.bytes()
			if err != nil {
				return rhai.Unit, err
			}
			key := string(k)
			if !utf8.ValidString(key) {
				return rhai.Unit, d.fail("map key is not UTF-8")
			}
			if i > 0 && key <= prev {
				return rhai.Unit, d.fail("map keys out of order")
			}
			prev = key
			if m[key], err = d.value(depth + 1); err != nil {
				return rhai.Unit, err
			}
		}
		return rhai.NewMap(m), nil
	}
	return rhai.Unit, d.fail(fmt.Sprintf("unknown tag %d", tag))
}
