package rhai

import (
	"encoding/binary"
	"math"
	"slices"
	"unicode/utf8"
)

// blobLib is Rhai's BasicBlobPackage: byte buffers with array-like editing
// and little/big-endian number and text encoding. Byte arguments keep only
// their lowest 8 bits.
func blobLib() []NativeDef {
	defs := []NativeDef{
		pureDef("blob", 0, func(_ *Call, _ []Value) (Value, error) { return NewBlob(nil), nil }),
		pureDef("blob", 1, newBlob),
		pureDef("blob", 2, newBlob),
		pureDef("get", 2, blobFn(func(_ *Call, b *Blob, a []Value) (Value, error) {
			if a[0].k != KindInt {
				return Unit, ErrNoMatch
			}
			i, _ := calcOffsetLen(len(b.B), a[0].AsInt(), 0)
			if i >= len(b.B) {
				return Int(0), nil
			}
			return Int(int64(b.B[i])), nil
		})),
		fnDef("set", 3, blobFn(func(_ *Call, b *Blob, a []Value) (Value, error) {
			if a[0].k != KindInt || a[1].k != KindInt {
				return Unit, ErrNoMatch
			}
			if i, _ := calcOffsetLen(len(b.B), a[0].AsInt(), 0); i < len(b.B) {
				b.B[i] = byte(a[1].AsInt())
			}
			return Unit, nil
		})),
		fnDef("push", 2, blobFn(func(c *Call, b *Blob, a []Value) (Value, error) {
			if a[0].k != KindInt {
				return Unit, ErrNoMatch
			}
			if err := checkBlobLen(c, len(b.B)+1); err != nil {
				return Unit, err
			}
			b.B = append(b.B, byte(a[0].AsInt()))
			return Unit, nil
		})),
		fnDef("append", 2, blobAppend),
		fnDef("insert", 3, blobFn(func(c *Call, b *Blob, a []Value) (Value, error) {
			if a[0].k != KindInt || a[1].k != KindInt {
				return Unit, ErrNoMatch
			}
			if err := checkBlobLen(c, len(b.B)+1); err != nil {
				return Unit, err
			}
			i, _ := calcOffsetLen(len(b.B), a[0].AsInt(), 0)
			b.B = slices.Insert(b.B, i, byte(a[1].AsInt()))
			return Unit, nil
		})),
		fnDef("pop", 1, blobFn(func(_ *Call, b *Blob, _ []Value) (Value, error) {
			if len(b.B) == 0 {
				return Int(0), nil
			}
			v := b.B[len(b.B)-1]
			b.B = b.B[:len(b.B)-1]
			return Int(int64(v)), nil
		})),
		fnDef("shift", 1, blobFn(func(_ *Call, b *Blob, _ []Value) (Value, error) {
			if len(b.B) == 0 {
				return Int(0), nil
			}
			v := b.B[0]
			b.B = slices.Delete(b.B, 0, 1)
			return Int(int64(v)), nil
		})),
		fnDef("remove", 2, blobFn(func(_ *Call, b *Blob, a []Value) (Value, error) {
			if a[0].k != KindInt {
				return Unit, ErrNoMatch
			}
			i, ok := calcIndex(len(b.B), a[0].AsInt())
			if !ok {
				return Int(0), nil
			}
			v := b.B[i]
			b.B = slices.Delete(b.B, i, i+1)
			return Int(int64(v)), nil
		})),
		fnDef("reverse", 1, blobFn(func(_ *Call, b *Blob, _ []Value) (Value, error) {
			slices.Reverse(b.B)
			return Unit, nil
		})),
		fnDef("clear", 1, blobFn(func(_ *Call, b *Blob, _ []Value) (Value, error) {
			b.B = b.B[:0]
			return Unit, nil
		})),
		fnDef("pad", 3, blobFn(func(c *Call, b *Blob, a []Value) (Value, error) {
			if a[0].k != KindInt || a[1].k != KindInt {
				return Unit, ErrNoMatch
			}
			n := a[0].AsInt()
			if n <= int64(len(b.B)) {
				return Unit, nil
			}
			if err := checkBlobLen(c, int(min(n, 1<<40))); err != nil {
				return Unit, err
			}
			for int64(len(b.B)) < n {
				b.B = append(b.B, byte(a[1].AsInt()))
			}
			return Unit, nil
		})),
		fnDef("truncate", 2, blobFn(func(_ *Call, b *Blob, a []Value) (Value, error) {
			if a[0].k != KindInt {
				return Unit, ErrNoMatch
			}
			if n := a[0].AsInt(); n < int64(len(b.B)) {
				b.B = b.B[:max(n, 0)]
			}
			return Unit, nil
		})),
		fnDef("chop", 2, blobFn(func(_ *Call, b *Blob, a []Value) (Value, error) {
			if a[0].k != KindInt {
				return Unit, ErrNoMatch
			}
			if n := a[0].AsInt(); n < int64(len(b.B)) {
				b.B = slices.Delete(b.B, 0, len(b.B)-int(max(n, 0)))
			}
			return Unit, nil
		})),
		fnDef("split", 2, blobFn(func(_ *Call, b *Blob, a []Value) (Value, error) {
			if a[0].k != KindInt {
				return Unit, ErrNoMatch
			}
			i, _ := calcOffsetLen(len(b.B), a[0].AsInt(), 0)
			tail := slices.Clone(b.B[i:])
			b.B = b.B[:i]
			return NewBlob(tail), nil
		})),
		pureDef("contains", 2, blobFn(func(_ *Call, b *Blob, a []Value) (Value, error) {
			if a[0].k != KindInt {
				return Unit, ErrNoMatch
			}
			return Bool(slices.Contains(b.B, byte(a[0].AsInt()))), nil
		})),
		pureDef("extract", 2, blobExtract),
		pureDef("extract", 3, blobExtract),
		fnDef("drain", 2, blobDrain),
		fnDef("drain", 3, blobDrain),
		fnDef("retain", 2, blobRetain),
		fnDef("retain", 3, blobRetain),
		fnDef("splice", 3, blobSplice),
		fnDef("splice", 4, blobSplice),
		pureDef("as_string", 1, blobFn(func(_ *Call, b *Blob, _ []Value) (Value, error) {
			return String(toValidUTF8(b.B)), nil
		})),
		pureDef("to_array", 1, blobFn(func(c *Call, b *Blob, _ []Value) (Value, error) {
			if err := checkArrayLen(c, len(b.B)); err != nil {
				return Unit, err
			}
			elems := make([]Value, len(b.B))
			for i, x := range b.B {
				elems[i] = Int(int64(x))
			}
			return NewArray(elems), nil
		})),
		pureDef("parse_le_int", 2, blobParse(true, false)),
		pureDef("parse_le_int", 3, blobParse(true, false)),
		pureDef("parse_be_int", 2, blobParse(false, false)),
		pureDef("parse_be_int", 3, blobParse(false, false)),
		pureDef("parse_le_float", 2, blobParse(true, true)),
		pureDef("parse_le_float", 3, blobParse(true, true)),
		pureDef("parse_be_float", 2, blobParse(false, true)),
		pureDef("parse_be_float", 3, blobParse(false, true)),
		fnDef("write_le", 3, blobWriteNum(true)),
		fnDef("write_le", 4, blobWriteNum(true)),
		fnDef("write_be", 3, blobWriteNum(false)),
		fnDef("write_be", 4, blobWriteNum(false)),
		fnDef("write_utf8", 3, blobWriteText(false)),
		fnDef("write_utf8", 4, blobWriteText(false)),
		fnDef("write", 3, blobWriteText(false)),
		fnDef("write", 4, blobWriteText(false)),
		fnDef("write_ascii", 3, blobWriteText(true)),
		fnDef("write_ascii", 4, blobWriteText(true)),
	}
	defs = append(defs, getterDefs("len", blobFn(func(_ *Call, b *Blob, _ []Value) (Value, error) {
		return Int(int64(len(b.B))), nil
	}))...)
	defs = append(defs, getterDefs("is_empty", blobFn(func(_ *Call, b *Blob, _ []Value) (Value, error) {
		return Bool(len(b.B) == 0), nil
	}))...)
	return defs
}

// blobFn adapts a function whose first argument is a BLOB.
func blobFn(f func(c *Call, b *Blob, rest []Value) (Value, error)) NativeFunc {
	return func(c *Call, args []Value) (Value, error) {
		if args[0].k != KindBlob {
			return Unit, ErrNoMatch
		}
		return f(c, args[0].AsBlob(), args[1:])
	}
}

// toValidUTF8 reads bytes as text the way Rust's String::from_utf8_lossy
// does, which Rhai uses wherever a BLOB becomes a string: each invalid
// sequence, taken as its maximal subpart (the longest start of a
// well-formed sequence, at least one byte), becomes one U+FFFD. Go's
// strings.ToValidUTF8 replaces a whole run with one, and a []rune
// conversion each byte with one; both print differently.
func toValidUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || n > 1 {
			out = append(out, b[i:i+n]...)
			i += n
			continue
		}
		out = append(out, "\uFFFD"...)
		i += maximalSubpart(b[i:])
	}
	return string(out)
}

// maximalSubpart is the length of the ill-formed sequence at the start of
// b, per Unicode's table of well-formed UTF-8 (3-7): the lead byte and the
// continuation bytes that could still have begun a valid sequence.
func maximalSubpart(b []byte) int {
	need, lo, hi := 0, byte(0x80), byte(0xBF)
	switch c := b[0]; {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c == 0xED:
		need, hi = 2, 0x9F
	case c >= 0xE1 && c <= 0xEF:
		need = 2
	case c == 0xF0:
		need, lo = 3, 0x90
	case c == 0xF4:
		need, hi = 3, 0x8F
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	default:
		return 1
	}
	i := 1
	for ; i <= need && i < len(b) && b[i] >= lo && b[i] <= hi; i++ {
		lo, hi = 0x80, 0xBF
	}
	return i
}

// newBlob is blob(len[, byte]).
func newBlob(c *Call, a []Value) (Value, error) {
	if a[0].k != KindInt || (len(a) == 2 && a[1].k != KindInt) {
		return Unit, ErrNoMatch
	}
	n := max(a[0].AsInt(), 0)
	if err := checkBlobLen(c, int(min(n, 1<<40))); err != nil {
		return Unit, err
	}
	b := make([]byte, n)
	if len(a) == 2 {
		if v := byte(a[1].AsInt()); v != 0 {
			for i := range b {
				b[i] = v
			}
		}
	}
	return NewBlob(b), nil
}

// blobAppend appends a BLOB, a byte, or a string or char as UTF-8.
func blobAppend(c *Call, a []Value) (Value, error) {
	if a[0].k != KindBlob {
		return Unit, ErrNoMatch
	}
	b := a[0].AsBlob()
	var add []byte
	switch a[1].k {
	case KindBlob:
		add = a[1].AsBlob().B
	case KindInt:
		add = []byte{byte(a[1].AsInt())}
	case KindString:
		add = a[1].StrBytes()
	case KindChar:
		add = []byte(string(a[1].AsChar()))
	default:
		return Unit, ErrNoMatch
	}
	if err := checkBlobLen(c, len(b.B)+len(add)); err != nil {
		return Unit, err
	}
	b.B = append(b.B, add...)
	return Unit, nil
}

func blobExtract(_ *Call, a []Value) (Value, error) {
	b, s, l, ok := blobWindow(a)
	if !ok {
		return Unit, ErrNoMatch
	}
	return NewBlob(slices.Clone(b.B[s : s+l])), nil
}

func blobDrain(_ *Call, a []Value) (Value, error) {
	b, s, l, ok := blobWindow(a)
	if !ok {
		return Unit, ErrNoMatch
	}
	out := slices.Clone(b.B[s : s+l])
	b.B = slices.Delete(b.B, s, s+l)
	return NewBlob(out), nil
}

func blobRetain(_ *Call, a []Value) (Value, error) {
	if a[0].k != KindBlob {
		return Unit, ErrNoMatch
	}
	b := a[0].AsBlob()
	start, length, ok := window(append([]Value{Unit}, a[1:]...))
	if !ok {
		return Unit, ErrNoMatch
	}
	if len(b.B) == 0 || length <= 0 {
		return NewBlob(nil), nil
	}
	s, l := calcOffsetLen(len(b.B), start, length)
	if l == 0 {
		// A start past the end keeps nothing: Rhai 1.26 takes the whole
		// blob (unlike an array's retain, which keeps it).
		out := b.B
		b.B = nil
		return NewBlob(out), nil
	}
	out := append(slices.Clone(b.B[:s]), b.B[s+l:]...)
	b.B = slices.Clone(b.B[s : s+l])
	return NewBlob(out), nil
}

func blobSplice(c *Call, a []Value) (Value, error) {
	last := a[len(a)-1]
	if a[0].k != KindBlob || last.k != KindBlob {
		return Unit, ErrNoMatch
	}
	b := a[0].AsBlob()
	s, l, ok := arrWindow(len(b.B), a[1:len(a)-1])
	if !ok {
		return Unit, ErrNoMatch
	}
	ins := slices.Clone(last.AsBlob().B)
	if err := checkBlobLen(c, len(b.B)-l+len(ins)); err != nil {
		return Unit, err
	}
	if l == 0 {
		// Nothing to replace: Rhai 1.26 appends the other blob at the end,
		// wherever the start is (an array's splice inserts at the start).
		s = len(b.B)
	}
	b.B = slices.Replace(b.B, s, s+l, ins...)
	return Unit, nil
}

// blobBytes8 copies up to 8 bytes of a window into a zero-padded buffer,
// as Rhai reads numbers: missing bytes are zeros at the end.
func blobBytes8(b []byte, rest []Value) ([8]byte, int, bool) {
	var buf [8]byte
	s, l, ok := arrWindow(len(b), rest)
	if !ok {
		return buf, 0, false
	}
	l = min(l, 8)
	copy(buf[:], b[s:s+l])
	return buf, l, true
}

// blobParse is parse_{le,be}_{int,float}(start, len) or (range).
func blobParse(le, float bool) NativeFunc {
	return func(_ *Call, a []Value) (Value, error) {
		if a[0].k != KindBlob {
			return Unit, ErrNoMatch
		}
		buf, n, ok := blobBytes8(a[0].AsBlob().B, a[1:])
		if !ok {
			return Unit, ErrNoMatch
		}
		if n == 0 {
			if float {
				return Float(0), nil
			}
			return Int(0), nil
		}
		var u uint64
		if le {
			u = binary.LittleEndian.Uint64(buf[:])
		} else {
			u = binary.BigEndian.Uint64(buf[:])
		}
		if float {
			return Float(math.Float64frombits(u)), nil
		}
		return Int(int64(u)), nil
	}
}

// blobWriteNum is write_{le,be}(start, len, number) or (range, number):
// the first len bytes (at most 8) of the number's encoding.
func blobWriteNum(le bool) NativeFunc {
	return func(_ *Call, a []Value) (Value, error) {
		last := a[len(a)-1]
		if a[0].k != KindBlob {
			return Unit, ErrNoMatch
		}
		var u uint64
		switch last.k {
		case KindInt:
			u = uint64(last.AsInt())
		case KindFloat:
			u = math.Float64bits(last.AsFloat())
		default:
			return Unit, ErrNoMatch
		}
		b := a[0].AsBlob().B
		s, l, ok := arrWindow(len(b), a[1:len(a)-1])
		if !ok {
			return Unit, ErrNoMatch
		}
		var buf [8]byte
		if le {
			binary.LittleEndian.PutUint64(buf[:], u)
		} else {
			binary.BigEndian.PutUint64(buf[:], u)
		}
		copy(b[s:s+min(l, 8)], buf[:])
		return Unit, nil
	}
}

// blobWriteText is write_utf8 / write_ascii (start, len, string) or
// (range, string): the string's bytes (ASCII characters only for
// write_ascii), cut to the window.
func blobWriteText(ascii bool) NativeFunc {
	return func(_ *Call, a []Value) (Value, error) {
		last := a[len(a)-1]
		if a[0].k != KindBlob || last.k != KindString {
			return Unit, ErrNoMatch
		}
		b := a[0].AsBlob().B
		s, l, ok := arrWindow(len(b), a[1:len(a)-1])
		if !ok {
			return Unit, ErrNoMatch
		}
		src := last.StrBytes()
		if ascii {
			src = asciiOnly(src)
		}
		copy(b[s:s+l], src)
		return Unit, nil
	}
}

func asciiOnly(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c < utf8.RuneSelf {
			out = append(out, c)
		}
	}
	return out
}

// blobWindow is the prologue of extract, drain and retain: the blob and
// the start and length its range or (start, len) arguments select; false
// when the arguments do not fit this overload.
func blobWindow(a []Value) (b *Blob, s, l int, ok bool) {
	if a[0].k != KindBlob {
		return nil, 0, 0, false
	}
	b = a[0].AsBlob()
	s, l, ok = arrWindow(len(b.B), a[1:])
	return b, s, l, ok
}
