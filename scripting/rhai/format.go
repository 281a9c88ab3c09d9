package rhai

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxFormatLen bounds the output of ToString and ToDebug: a script may build
// a value whose textual form is far larger than any limit (an array holding
// itself a million times over by sharing), and printing it must not exhaust
// memory. Output beyond the bound is cut and ends in "...".
const maxFormatLen = 8 << 20

// maxFormatDepth bounds nesting, so that a deeply nested value cannot blow
// the Go stack while being printed.
const maxFormatDepth = 512

// ToString is Rhai's to_string and print form: strings and chars are bare,
// () is empty, arrays and maps use their debug form.
func ToString(v Value) string {
	switch v.k {
	case KindUnit:
		return ""
	case KindString:
		return v.AsStr()
	case KindChar:
		return string(v.AsChar())
	case KindInt:
		return strconv.FormatInt(v.AsInt(), 10)
	case KindBool:
		return strconv.FormatBool(v.AsBool())
	case KindFloat:
		return FormatFloat(v.AsFloat())
	case KindCustom:
		if b, ok := asU8(v); ok {
			return strconv.Itoa(int(b))
		}
	}
	f := formatter{}
	f.value(v, 0, false)
	return f.String()
}

// ToDebug is Rhai's to_debug and debug form: strings quoted and escaped as
// Rust's Debug does, chars in single quotes, () as "()".
func ToDebug(v Value) string {
	f := formatter{}
	f.value(v, 0, true)
	return f.String()
}

// FormatFloat renders f as Rhai's Display for f64 does: whole numbers keep
// a ".0", magnitudes above 1e13 or below 1e-13 use Rust's exponent form
// ("1e20", "1.5e-14").
func FormatFloat(f float64) string {
	abs := math.Abs(f)
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case abs == 0:
		return "0.0" // Rhai prints -0.0 as 0.0 too
	case abs > float64(float32(1e13)) || abs < float64(float32(1e-13)):
		return rustExp(f)
	}
	s := shortestFloat(f, 'f')
	if abs == math.Trunc(abs) {
		s += ".0"
	}
	return s
}

// debugFloat renders f as Rust's Debug for f64: decimal between 1e-4 and
// 1e16, exponent form outside, always with a fractional part in decimal form.
func debugFloat(f float64) string {
	abs := math.Abs(f)
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case abs != 0 && (abs < 1e-4 || abs >= 1e16):
		return rustExp(f)
	}
	s := shortestFloat(f, 'f')
	if !strings.ContainsRune(s, '.') {
		s += ".0"
	}
	return s
}

// rustExp is Rust's `{:e}`: shortest mantissa, exponent without sign for
// positive powers and without leading zeros.
func rustExp(f float64) string {
	s := shortestFloat(f, 'e')
	i := strings.IndexByte(s, 'e')
	mant, exp := s[:i], s[i+1:]
	neg := exp[0] == '-'
	exp = strings.TrimLeft(exp[1:], "0")
	if exp == "" {
		exp = "0"
	}
	if neg {
		return mant + "e-" + exp
	}
	return mant + "e" + exp
}

// formatter accumulates bounded output. custom, when set, formats host
// values (KindCustom) found anywhere in the value, as Rhai formats them with
// the host's to_string/to_debug.
type formatter struct {
	b          strings.Builder
	full       bool
	custom     func(v Value, debug bool) string
	run        *runState // when set, a long formatting stops at the run's deadline (err)
	seen       int
	err        error
	quoteChars bool // chars inside containers in single quotes (interpolation)
}

// interpString is how `${x}` writes a constant array or map x, which Rhai
// formats when it compiles the script: chars inside are quoted, as Rust's
// Display of them does (at run time, to_string leaves them bare).
func interpString(v Value) string {
	if v.k != KindArray && v.k != KindMap {
		return ToString(v)
	}
	f := formatter{quoteChars: true}
	f.value(v, 0, false)
	return f.String()
}

// quoteChar is Rust's Debug for char: single quotes, \' escaped.
func quoteChar(r rune) string {
	var b strings.Builder
	b.WriteByte('\'')
	if r == '"' {
		b.WriteRune(r)
	} else {
		writeEscaped(&b, r, '\'')
	}
	b.WriteByte('\'')
	return b.String()
}

func (f *formatter) String() string { return f.b.String() }

func (f *formatter) put(s string) {
	if f.full {
		return
	}
	if f.b.Len()+len(s) > maxFormatLen {
		n := maxFormatLen - f.b.Len()
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		f.b.WriteString(s[:n])
		f.b.WriteString("...")
		f.full = true
		return
	}
	f.b.WriteString(s)
}

// value writes v; debug selects the quoted form for strings, chars and ().
// Inside containers every element is written in debug form, as Rhai does.
func (f *formatter) value(v Value, depth int, debug bool) {
	if f.full {
		return
	}
	if f.run != nil {
		if f.seen++; f.seen%checkEvery == 0 {
			if f.err = f.run.cancelled(); f.err != nil {
				f.full = true
				return
			}
		}
	}
	if depth > maxFormatDepth {
		f.put("...")
		return
	}
	switch v.k {
	case KindUnit:
		if debug {
			f.put("()")
		}
	case KindString:
		if debug {
			f.put(quoteString(v.AsStr()))
		} else {
			f.put(v.AsStr())
		}
	case KindChar:
		// Rhai 1.26 writes a char bare in its debug form too, inside
		// arrays and maps as well; only string interpolation, which uses
		// Rust's formatting, quotes the chars inside a container.
		if f.quoteChars && depth > 0 {
			f.put(quoteChar(v.AsChar()))
		} else {
			f.put(string(v.AsChar()))
		}
	case KindFloat:
		if debug {
			f.put(debugFloat(v.AsFloat()))
		} else {
			f.put(FormatFloat(v.AsFloat()))
		}
	case KindFnPtr:
		// Rhai's debug form of a function pointer is its display form.
		f.put("Fn(" + v.AsFnPtr().Name + ")")
	case KindArray:
		f.array(v.AsArray().Elems, depth)
	case KindMap:
		f.mapValue(v.AsMap(), depth)
	case KindCustom:
		if f.custom != nil {
			f.put(f.custom(v, debug))
			return
		}
		f.put(scalarString(v))
	default:
		f.put(scalarString(v))
	}
}

func (f *formatter) array(elems []Value, depth int) {
	f.put("[")
	for i, e := range elems {
		if f.full {
			return
		}
		if i > 0 {
			f.put(", ")
		}
		f.value(e, depth+1, true)
	}
	f.put("]")
}

func (f *formatter) mapValue(m *Map, depth int) {
	var keys []string
	if f.run != nil {
		var err error
		if keys, err = f.run.sortedKeys(m); err != nil {
			f.err, f.full = err, true
			return
		}
	} else {
		keys = m.SortedKeys()
	}
	f.put("#{")
	for i, k := range keys {
		if f.full {
			return
		}
		if i > 0 {
			f.put(", ")
		}
		f.put(quoteString(k))
		f.put(": ")
		f.value(m.At(k), depth+1, true)
	}
	f.put("}")
}

// scalarString renders the kinds whose to_string and to_debug forms agree.
func scalarString(v Value) string {
	switch v.k {
	case KindInt:
		return strconv.FormatInt(v.AsInt(), 10)
	case KindBool:
		return strconv.FormatBool(v.AsBool())
	case KindBlob:
		return formatBlob(v.AsBlob().B)
	case KindRange:
		r := v.AsRange()
		op := ".."
		if r.Inclusive {
			op = "..="
		}
		if r.End == math.MaxInt64 {
			return strconv.FormatInt(r.Start, 10) + op
		}
		return strconv.FormatInt(r.Start, 10) + op + strconv.FormatInt(r.End, 10)
	case KindTimestamp:
		return "<timestamp>"
	case KindCustom:
		if b, ok := asU8(v); ok {
			return strconv.Itoa(int(b))
		}
		return v.TypeName()
	}
	return "?"
}

// formatBlob is Rhai's BLOB display: "[0102ff]", hex bytes with a space
// after every eighth byte.
func formatBlob(b []byte) string {
	const hexdigits = "0123456789abcdef"
	n := len(b)
	cut := false
	if 2*n > maxFormatLen {
		n, cut = maxFormatLen/2, true
	}
	out := make([]byte, 0, 2*n+n/8+5)
	out = append(out, '[')
	for i, c := range b[:n] {
		if i > 0 && i%8 == 0 {
			out = append(out, ' ')
		}
		out = append(out, hexdigits[c>>4], hexdigits[c&15])
	}
	if cut {
		out = append(out, "..."...)
	}
	return string(append(out, ']'))
}

// SortedKeys returns the keys of m in Rhai's (BTreeMap) iteration order.
func SortedKeys(m map[string]Value) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// quoteString is Rust's Debug for str: double quotes, with \" \\ \n \r \t
// \0 and \u{..} escapes for other non-printable characters. Runs of plain
// ASCII are copied in one go, so quoting a long string stays cheap.
func quoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] >= 0x20 && s[j] < 0x7f && s[j] != '"' && s[j] != '\\' {
			j++
		}
		b.WriteString(s[i:j])
		if j == len(s) {
			break
		}
		r, size := utf8.DecodeRuneInString(s[j:])
		if r == '\'' {
			b.WriteRune(r)
		} else {
			writeEscaped(&b, r, '"')
		}
		i = j + size
	}
	b.WriteByte('"')
	return b.String()
}

func writeEscaped(b *strings.Builder, r rune, quote rune) {
	switch r {
	case quote, '\\':
		b.WriteByte('\\')
		b.WriteRune(r)
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	case 0:
		b.WriteString(`\0`)
	default:
		if unicode.IsPrint(r) || r == ' ' {
			b.WriteRune(r)
			return
		}
		b.WriteString(`\u{`)
		b.WriteString(strconv.FormatInt(int64(r), 16))
		b.WriteByte('}')
	}
}
