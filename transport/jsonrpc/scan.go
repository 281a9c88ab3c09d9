package jsonrpc

import (
	"bytes"
	"encoding/json"

	"github.com/circles-actor/circles-actor/internal/jsonstr"
)

// The scanner walks the top level of JSON that json.Valid has accepted. It
// never allocates and never recurses; on malformed input (possible only
// through Member and BindParams on caller-supplied bytes) it stops and
// reports failure instead of panicking.

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipSpace returns the index of the first non-space byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// trimSpace drops leading and trailing JSON whitespace.
func trimSpace(b []byte) []byte {
	i := skipSpace(b, 0)
	j := len(b)
	for j > i && isSpace(b[j-1]) {
		j--
	}
	return b[i:j]
}

// skipString returns the index just past the string starting at b[i] == '"',
// or -1. It jumps between quotes with IndexByte, which matters for scripts
// of hundreds of kilobytes.
func skipString(b []byte, i int) int {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return -1
		}
		q := j + k
		n := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q + 1
		}
		j = q + 1
	}
}

// skipValue returns the index just past the value starting at b[i], or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		return skipContainer(b, i)
	}
	for i < len(b) {
		switch c := b[i]; {
		case c == ',' || c == ']' || c == '}' || c == ':' || isSpace(c):
			return i
		case c == '"' || c == '{' || c == '[':
			return -1
		}
		i++
	}
	return i
}

// skipContainer returns the index just past the object or array at b[i].
func skipContainer(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			i = skipString(b, i)
			if i < 0 {
				return -1
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
		i++
	}
	return -1
}

// eachElement calls fn with every element of the array b (trimmed, starting
// with '['). It stops early when fn returns false and reports whether the
// array was well formed.
func eachElement(b []byte, fn func(elem []byte) bool) bool {
	i := skipSpace(b, 1)
	if i < len(b) && b[i] == ']' {
		return true
	}
	for i < len(b) {
		end := skipValue(b, i)
		if end < 0 {
			return false
		}
		if !fn(b[i:end]) {
			return true
		}
		i = skipSpace(b, end)
		if i >= len(b) {
			return false
		}
		if b[i] == ']' {
			return true
		}
		if b[i] != ',' {
			return false
		}
		i = skipSpace(b, i+1)
	}
	return false
}

// eachMember calls fn with every member of the object b (trimmed, starting
// with '{'): the raw key without quotes (escapes not decoded) and the value.
// It stops early when fn returns false and reports whether the object was
// well formed.
func eachMember(b []byte, fn func(key, val []byte) bool) bool {
	i := skipSpace(b, 1)
	if i < len(b) && b[i] == '}' {
		return true
	}
	for i < len(b) {
		if b[i] != '"' {
			return false
		}
		kend := skipString(b, i)
		if kend < 0 {
			return false
		}
		key := b[i+1 : kend-1]
		i = skipSpace(b, kend)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipSpace(b, i+1)
		vend := skipValue(b, i)
		if vend < 0 {
			return false
		}
		if !fn(key, b[i:vend]) {
			return true
		}
		i = skipSpace(b, vend)
		if i >= len(b) {
			return false
		}
		if b[i] == '}' {
			return true
		}
		if b[i] != ',' {
			return false
		}
		i = skipSpace(b, i+1)
	}
	return false
}

// keyIs compares a raw member key with name, decoding escapes only when the
// key has any ("\u006dethod" is "method").
func keyIs(raw []byte, name string) bool {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw) == name
	}
	var s string
	q := make([]byte, 0, len(raw)+2)
	q = append(append(append(q, '"'), raw...), '"')
	return json.Unmarshal(q, &s) == nil && s == name
}

// unquote decodes a JSON string value as encoding/json would (invalid
// bytes become U+FFFD), without its reflection: a play's script is the hot
// case, and it nearly always holds escaped quotes.
func unquote(v []byte) (string, bool) { return jsonstr.Unquote(v) }
