package rhai

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// stringLib is Rhai's MoreStringPackage: string inspection, searching,
// slicing by character position, splitting and the mutators (which replace
// their receiver, so they are registered as Mutating).
func stringLib() []NativeDef {
	defs := []NativeDef{
		pureDef("to_blob", 1, strFn(func(c *Call, s Value) (Value, error) {
			return NewBlob(append([]byte(nil), s.StrBytes()...)), nil
		})),
		pureDef("to_chars", 1, strFn(func(c *Call, s Value) (Value, error) { return charArray(c, s, 0, -1) })),
		pureDef("chars", 2, strChars),
		pureDef("chars", 3, strChars),
		pureDef("get", 2, strGet),
		mutDef("set", 3, strSet),
		mutDef("pad", 3, strPad),
		mutDef("append", 2, strAppend),
		mutDef("remove", 2, strRemove),
		mutDef("pop", 1, strPop),
		mutDef("pop", 2, strPop),
		mutDef("clear", 1, strMutate(func(c *Call, s Value, _ []Value) (Value, error) { return String(""), nil })),
		mutDef("truncate", 2, strTruncate),
		mutDef("trim", 1, strMutate(func(c *Call, s Value, _ []Value) (Value, error) {
			b := s.StrBytes()
			t := bytes.TrimSpace(b)
			if len(t) == len(b) {
				return s, nil
			}
			return String(string(t)), nil
		})),
		pureDef("to_upper", 1, caseFn(charCase(true), fullUpper)),
		pureDef("to_lower", 1, caseFn(charCase(false), fullLower)),
		mutDef("make_upper", 1, makeCase(charCase(true), fullUpper)),
		mutDef("make_lower", 1, makeCase(charCase(false), fullLower)),
		pureDef("contains", 2, strContains),
		pureDef("starts_with", 2, strAffix(bytes.HasPrefix)),
		pureDef("ends_with", 2, strAffix(bytes.HasSuffix)),
		pureDef("index_of", 2, strIndexOf),
		pureDef("index_of", 3, strIndexOf),
		pureDef("sub_string", 2, strSubString),
		pureDef("sub_string", 3, strSubString),
		mutDef("crop", 2, strCrop),
		mutDef("crop", 3, strCrop),
		mutDef("replace", 3, strReplace),
		pureDef("split", 1, strFn(func(c *Call, s Value) (Value, error) {
			fields := strings.Fields(s.AsStr())
			if s.StrLen() == 0 {
				fields = []string{""} // as Rhai splits an empty string
			}
			if err := checkArrayLen(c, len(fields)); err != nil {
				return Unit, err
			}
			return stringsArray(fields), nil
		})),
		pureDef("split", 2, strSplit),
		pureDef("split", 3, strSplit),
		pureDef("split_rev", 2, strSplitRev),
		pureDef("split_rev", 3, strSplitRev),
		pureDef("-", 2, strMinus),
	}
	defs = append(defs, getterDefs("len", strLen)...)
	defs = append(defs, getterDefs("bytes", strFn(func(c *Call, s Value) (Value, error) { return Int(int64(s.StrLen())), nil }))...)
	defs = append(defs, getterDefs("is_empty", strFn(func(c *Call, s Value) (Value, error) { return Bool(s.StrLen() == 0), nil }))...)
	defs = append(defs, pureDef("get$chars", 1, strFn(func(c *Call, s Value) (Value, error) { return charsOf(c, s, 0, -1) })))
	defs = append(defs, pureDef("chars", 1, strFn(func(c *Call, s Value) (Value, error) { return charsOf(c, s, 0, -1) })))
	return defs
}

// strFn adapts a function of one string argument.
func strFn(f func(c *Call, s Value) (Value, error)) NativeFunc {
	return func(c *Call, a []Value) (Value, error) {
		if a[0].k != KindString {
			return Unit, ErrNoMatch
		}
		return f(c, a[0])
	}
}

// strMutate adapts a mutator: f returns the new string, which replaces
// args[0]; the call itself returns ().
func strMutate(f func(c *Call, s Value, rest []Value) (Value, error)) NativeFunc {
	return func(c *Call, a []Value) (Value, error) {
		if a[0].k != KindString {
			return Unit, ErrNoMatch
		}
		v, err := f(c, a[0], a[1:])
		if err != nil {
			return Unit, err
		}
		a[0] = v
		return Unit, nil
	}
}

// findArg reads a char or string argument as the bytes to search for.
func findArg(v Value) ([]byte, bool) {
	switch v.k {
	case KindString:
		return v.StrBytes(), true
	case KindChar:
		return []byte(string(v.AsChar())), true
	}
	return nil, false
}

func strLen(_ *Call, a []Value) (Value, error) {
	if a[0].k != KindString {
		return Unit, ErrNoMatch
	}
	return Int(int64(utf8.RuneCount(a[0].StrBytes()))), nil
}

func stringsArray(ss []string) Value {
	elems := make([]Value, len(ss))
	for i, s := range ss {
		elems[i] = String(s)
	}
	return NewArray(elems)
}

const charsStream = "rhai::packages::iter_basic::CharsStream"

// charsOf is chars(): a stream of the characters of a (start, len) window
// (len < 0: to the end), as in Rhai.
func charsOf(c *Call, s Value, start, length int64) (Value, error) {
	return asIterator(charsStream)(charArray(c, s, start, length))
}

// charArray is the characters of s from start, length of them (all when
// length < 0).
func charArray(c *Call, s Value, start, length int64) (Value, error) {
	if err := checkArrayLen(c, utf8.RuneCount(s.StrBytes())); err != nil && length < 0 {
		return Unit, err
	}
	if err := chargeBytes(c, s.StrLen()*(4+valueBytes)); err != nil {
		return Unit, err
	}
	r := []rune(s.AsStr())
	if length < 0 {
		length = int64(len(r))
	}
	off, n := calcOffsetLen(len(r), start, length)
	if err := checkArrayLen(c, n); err != nil {
		return Unit, err
	}
	elems := make([]Value, n)
	for i := range elems {
		elems[i] = Char(r[off+i])
	}
	return NewArray(elems), nil
}

func strChars(c *Call, a []Value) (Value, error) {
	if a[0].k != KindString {
		return Unit, ErrNoMatch
	}
	if len(a) == 2 {
		if start, n, ok := emptyRangeArg(a[1]); ok {
			return charsOf(c, a[0], start, n)
		}
		if a[1].k != KindInt {
			return Unit, ErrNoMatch
		}
		return charsOf(c, a[0], a[1].AsInt(), -1)
	}
	if a[1].k != KindInt || a[2].k != KindInt {
		return Unit, ErrNoMatch
	}
	if a[2].AsInt() <= 0 {
		return newIterator(charsStream, nil), nil
	}
	return charsOf(c, a[0], a[1].AsInt(), a[2].AsInt())
}

func strGet(_ *Call, a []Value) (Value, error) {
	if a[0].k != KindString || a[1].k != KindInt {
		return Unit, ErrNoMatch
	}
	r := []rune(a[0].AsStr())
	i, ok := calcIndex(len(r), a[1].AsInt())
	if !ok {
		return Unit, nil
	}
	return Char(r[i]), nil
}

func strSet(_ *Call, a []Value) (Value, error) {
	if a[0].k != KindString || a[1].k != KindInt || a[2].k != KindChar {
		return Unit, ErrNoMatch
	}
	r := []rune(a[0].AsStr())
	i, ok := calcIndex(len(r), a[1].AsInt())
	if ok {
		r[i] = a[2].AsChar()
		a[0] = String(string(r))
	}
	return Unit, nil
}

// strPad pads with a char or string up to a length in characters.
func strPad(c *Call, a []Value) (Value, error) {
	pad, ok := findArg(a[2])
	if a[0].k != KindString || a[1].k != KindInt || !ok {
		return Unit, ErrNoMatch
	}
	target := a[1].AsInt()
	if target <= 0 || len(pad) == 0 {
		return Unit, nil
	}
	if err := checkStringLen(c, int(min(target, 1<<40))); err != nil {
		return Unit, err
	}
	s := a[0].StrBytes()
	have := int64(utf8.RuneCount(s))
	if have >= target {
		return Unit, nil
	}
	if err := chargeBytes(c, len(s)+int(target-have)*len(pad)); err != nil {
		return Unit, err
	}
	out := make([]byte, len(s), len(s)+int(target-have)*len(pad))
	copy(out, s)
	padRunes := []rune(string(pad))
	for have < target {
		if have+int64(len(padRunes)) <= target {
			out = append(out, pad...)
			have += int64(len(padRunes))
			continue
		}
		out = append(out, string(padRunes[:target-have])...)
		have = target
	}
	if err := checkStringLen(c, len(out)); err != nil {
		return Unit, err
	}
	a[0] = StringBytes(out)
	return Unit, nil
}

// strAppend appends the display form of any item (a BLOB as UTF-8 text).
func strAppend(c *Call, a []Value) (Value, error) {
	if a[0].k != KindString {
		return Unit, ErrNoMatch
	}
	var add []byte
	switch a[1].k {
	case KindString:
		add = a[1].StrBytes()
	case KindBlob:
		add = []byte(toValidUTF8(a[1].AsBlob().B))
	default:
		add = []byte(ToString(a[1]))
	}
	if err := checkStringLen(c, a[0].StrLen()+len(add)); err != nil {
		return Unit, err
	}
	old := a[0]
	a[0] = a[0].AppendStr(add)
	if r := runOf(c); r != nil {
		return Unit, r.chargeString(old, a[0])
	}
	return Unit, nil
}

func strRemove(_ *Call, a []Value) (Value, error) {
	find, ok := findArg(a[1])
	if a[0].k != KindString || !ok {
		return Unit, ErrNoMatch
	}
	if len(find) > 0 && bytes.Contains(a[0].StrBytes(), find) {
		a[0] = StringBytes(bytes.ReplaceAll(a[0].StrBytes(), find, nil))
	}
	return Unit, nil
}

// strMinus is `string - char|string`: a copy with every occurrence removed.
func strMinus(_ *Call, a []Value) (Value, error) {
	find, ok := findArg(a[1])
	if a[0].k != KindString || !ok {
		return Unit, ErrNoMatch
	}
	if len(find) == 0 || !bytes.Contains(a[0].StrBytes(), find) {
		return a[0], nil
	}
	return StringBytes(bytes.ReplaceAll(a[0].StrBytes(), find, nil)), nil
}

// strPop removes the last character and returns it (() when empty), or
// with a count the last n characters as a string.
func strPop(_ *Call, a []Value) (Value, error) {
	if a[0].k != KindString {
		return Unit, ErrNoMatch
	}
	s := a[0].StrBytes()
	if len(a) == 1 {
		if len(s) == 0 {
			return Unit, nil
		}
		r, size := utf8.DecodeLastRune(s)
		a[0] = String(string(s[:len(s)-size]))
		return Char(r), nil
	}
	if a[1].k != KindInt {
		return Unit, ErrNoMatch
	}
	n := a[1].AsInt()
	if n <= 0 {
		return String(""), nil
	}
	cut := len(s)
	for ; n > 0 && cut > 0; n-- {
		_, size := utf8.DecodeLastRune(s[:cut])
		cut -= size
	}
	tail := String(string(s[cut:]))
	a[0] = String(string(s[:cut]))
	return tail, nil
}

func strTruncate(_ *Call, a []Value) (Value, error) {
	if a[0].k != KindString || a[1].k != KindInt {
		return Unit, ErrNoMatch
	}
	n := a[1].AsInt()
	if n <= 0 {
		a[0] = String("")
		return Unit, nil
	}
	s := a[0].StrBytes()
	cut := 0
	for ; n > 0 && cut < len(s); n-- {
		_, size := utf8.DecodeRune(s[cut:])
		cut += size
	}
	if cut < len(s) {
		a[0] = String(string(s[:cut]))
	}
	return Unit, nil
}

func caseFn(rf func(rune) rune, sf func(string) string) NativeFunc {
	return func(_ *Call, a []Value) (Value, error) {
		switch a[0].k {
		case KindString:
			return String(sf(a[0].AsStr())), nil
		case KindChar:
			return Char(rf(a[0].AsChar())), nil
		}
		return Unit, ErrNoMatch
	}
}

func makeCase(rf func(rune) rune, sf func(string) string) NativeFunc {
	f := caseFn(rf, sf)
	return func(c *Call, a []Value) (Value, error) {
		v, err := f(c, a)
		if err != nil {
			return Unit, err
		}
		a[0] = v
		return Unit, nil
	}
}

func strContains(_ *Call, a []Value) (Value, error) {
	find, ok := findArg(a[1])
	if a[0].k != KindString || !ok {
		return Unit, ErrNoMatch
	}
	return Bool(bytes.Contains(a[0].StrBytes(), find)), nil
}

func strAffix(f func(s, affix []byte) bool) NativeFunc {
	return func(_ *Call, a []Value) (Value, error) {
		find, ok := findArg(a[1])
		if a[0].k != KindString || !ok {
			return Unit, ErrNoMatch
		}
		return Bool(f(a[0].StrBytes(), find)), nil
	}
}

// byteOffset is the byte offset of character position pos (pos <= count).
func byteOffset(s []byte, pos int) int {
	off := 0
	for ; pos > 0 && off < len(s); pos-- {
		_, size := utf8.DecodeRune(s[off:])
		off += size
	}
	return off
}

// strIndexOf finds a char or substring from an optional start position
// (negative counts from the end) and returns its character position or -1.
func strIndexOf(_ *Call, a []Value) (Value, error) {
	find, ok := findArg(a[1])
	if a[0].k != KindString || !ok {
		return Unit, ErrNoMatch
	}
	s := a[0].StrBytes()
	if len(s) == 0 {
		return Int(-1), nil
	}
	startChar := 0
	if len(a) == 3 {
		if a[2].k != KindInt {
			return Unit, ErrNoMatch
		}
		n := utf8.RuneCount(s)
		start := a[2].AsInt()
		switch {
		case start < 0:
			if start > -int64(n) { // else from the first char (-start may overflow)
				startChar = n + int(start)
			}
		case start >= int64(n):
			return Int(-1), nil
		default:
			startChar = int(start)
		}
	}
	off := byteOffset(s, startChar)
	i := bytes.Index(s[off:], find)
	if i < 0 {
		return Int(-1), nil
	}
	return Int(int64(startChar + utf8.RuneCount(s[off:off+i]))), nil
}

// window reads the (start[, len]) or (range) arguments of sub_string and
// crop; a missing length means to the end.
func window(a []Value) (int64, int64, bool) {
	switch len(a) {
	case 2, 3:
	default:
		return 0, 0, false
	}
	if len(a) == 2 {
		if start, n, ok := rangeArg(a[1]); ok {
			return start, n, true
		}
		if a[1].k != KindInt {
			return 0, 0, false
		}
		return a[1].AsInt(), 1 << 62, true
	}
	if a[1].k != KindInt || a[2].k != KindInt {
		return 0, 0, false
	}
	return a[1].AsInt(), a[2].AsInt(), true
}

func subString(s Value, start, length int64) Value {
	b := s.StrBytes()
	n := utf8.RuneCount(b)
	off, cnt := calcOffsetLen(n, start, length)
	if cnt == 0 {
		return String("")
	}
	if off == 0 && cnt == n {
		return s
	}
	from := byteOffset(b, off)
	to := from + byteOffset(b[from:], cnt)
	return String(string(b[from:to]))
}

func strSubString(_ *Call, a []Value) (Value, error) {
	start, n, ok := window(a)
	if a[0].k != KindString || !ok {
		return Unit, ErrNoMatch
	}
	return subString(a[0], start, n), nil
}

func strCrop(_ *Call, a []Value) (Value, error) {
	start, n, ok := window(a)
	if a[0].k != KindString || !ok {
		return Unit, ErrNoMatch
	}
	a[0] = subString(a[0], start, n)
	return Unit, nil
}

func strReplace(c *Call, a []Value) (Value, error) {
	find, ok1 := findArg(a[1])
	sub, ok2 := findArg(a[2])
	if a[0].k != KindString || !ok1 || !ok2 {
		return Unit, ErrNoMatch
	}
	s := a[0].StrBytes()
	cnt := bytes.Count(s, find)
	if cnt == 0 || len(s) == 0 {
		return Unit, nil
	}
	if err := checkStringLen(c, len(s)+cnt*(len(sub)-len(find))); err != nil {
		return Unit, err
	}
	if err := chargeBytes(c, len(s)+cnt*(len(sub)-len(find))); err != nil {
		return Unit, err
	}
	a[0] = StringBytes(bytes.ReplaceAll(s, find, sub))
	return Unit, nil
}

// strSplit is split(at) by character position, split(delim) and
// split(delim, segments).
func strSplit(c *Call, a []Value) (Value, error) {
	if a[0].k != KindString {
		return Unit, ErrNoMatch
	}
	s := a[0].AsStr()
	if len(a) == 2 && a[1].k == KindInt {
		b := a[0].StrBytes()
		n := utf8.RuneCount(b)
		pos := a[1].AsInt()
		var at int
		switch {
		case pos <= 0: // as in Rhai, 0 counts from the end too: split(0) is [s, ""]
			if pos >= -int64(n) { // (-pos overflows for the least int)
				at = n + int(pos)
			}
		case pos >= int64(n):
			at = n
		default:
			at = int(pos)
		}
		off := byteOffset(b, at)
		return stringsArray([]string{s[:off], s[off:]}), nil
	}
	delim, ok := findArg(a[1])
	if !ok {
		return Unit, ErrNoMatch
	}
	limit := -1
	if len(a) == 3 {
		if a[2].k != KindInt {
			return Unit, ErrNoMatch
		}
		limit = int(max(min(a[2].AsInt(), 1<<30), 1))
	}
	if err := checkSplitCount(c, a[0], delim, limit); err != nil {
		return Unit, err
	}
	return stringsArray(rustSplitN(s, string(delim), limit)), nil
}

// rustSplitN splits like Rust's str::splitn (limit < 0: str::split). An
// empty delimiter matches at every character boundary, both ends included.
func rustSplitN(s, delim string, limit int) []string {
	if s == "" {
		return []string{""} // Rhai's split of "" is [""], by "" too
	}
	if delim != "" {
		return strings.SplitN(s, delim, limit)
	}
	var parts []string
	last := 0
	for _, b := range charBoundaries(s) {
		if limit > 0 && len(parts) == limit-1 {
			break
		}
		parts = append(parts, s[last:b])
		last = b
	}
	return append(parts, s[last:])
}

// rustRSplitN is Rust's str::rsplitn (limit < 0: str::rsplit): segments
// from the end backwards.
func rustRSplitN(s, delim string, limit int) []string {
	if s == "" {
		return []string{""}
	}
	var parts []string
	last := len(s)
	if delim == "" {
		bounds := charBoundaries(s)
		for i := len(bounds) - 1; i >= 0; i-- {
			if limit > 0 && len(parts) == limit-1 {
				break
			}
			parts = append(parts, s[bounds[i]:last])
			last = bounds[i]
		}
		return append(parts, s[:last])
	}
	for limit < 0 || len(parts) < limit-1 {
		i := strings.LastIndex(s[:last], delim)
		if i < 0 {
			break
		}
		parts = append(parts, s[i+len(delim):last])
		last = i
	}
	return append(parts, s[:last])
}

// charBoundaries lists where an empty pattern matches in s: 0, every
// character start, and the end.
func charBoundaries(s string) []int {
	bounds := []int{0}
	for i := range s {
		if i > 0 {
			bounds = append(bounds, i)
		}
	}
	if len(s) > 0 {
		bounds = append(bounds, len(s))
	}
	return bounds
}

// strSplitRev is split_rev(delim[, segments]).
func strSplitRev(c *Call, a []Value) (Value, error) {
	delim, ok := findArg(a[1])
	if a[0].k != KindString || !ok {
		return Unit, ErrNoMatch
	}
	limit := -1
	if len(a) == 3 {
		if a[2].k != KindInt {
			return Unit, ErrNoMatch
		}
		limit = int(max(min(a[2].AsInt(), 1<<30), 1))
	}
	if err := checkSplitCount(c, a[0], delim, limit); err != nil {
		return Unit, err
	}
	return stringsArray(rustRSplitN(a[0].AsStr(), string(delim), limit)), nil
}

// checkSplitCount fails before splitting when the segments would exceed
// the array limit, so a huge string split by "" cannot exhaust memory.
func checkSplitCount(c *Call, s Value, delim []byte, limit int) error {
	var n int
	if len(delim) == 0 {
		n = utf8.RuneCount(s.StrBytes()) + 2
	} else {
		n = bytes.Count(s.StrBytes(), delim) + 1
	}
	if limit > 0 {
		n = min(n, limit)
	}
	if err := checkArrayLen(c, n); err != nil {
		return err
	}
	// The segments' headers and their bytes: split copies them.
	return chargeBytes(c, n*valueBytes+s.StrLen())
}
