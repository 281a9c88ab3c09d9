package rhai

import (
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// Rhai's to_upper and to_lower are Rust's to_uppercase and to_lowercase:
// Unicode's full, language-neutral case mapping, where one character may
// become several ("ß" is "SS", "ﬁ" is "FI", "İ" lowers to "i̇") and a
// capital sigma lowers to "ς" at the end of a word. Go's strings.ToUpper
// maps one rune to one; golang.org/x/text/cases does the full mapping.
// ASCII strings, the common case, keep the fast path (the results agree).
var (
	upperCasers = sync.Pool{New: func() any { c := cases.Upper(language.Und); return &c }}
	lowerCasers = sync.Pool{New: func() any { c := cases.Lower(language.Und); return &c }}
)

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func mapCase(pool *sync.Pool, s string) string {
	c := pool.Get().(*cases.Caser)
	defer pool.Put(c)
	return c.String(s)
}

// fullUpper and fullLower map a string.
func fullUpper(s string) string {
	if isASCII(s) {
		return strings.ToUpper(s)
	}
	return mapCase(&upperCasers, s)
}

func fullLower(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	return mapCase(&lowerCasers, s)
}

// charCase maps one character as Rhai does: a character whose mapping is
// several characters stays as it is.
func charCase(upper bool) func(rune) rune {
	f := fullLower
	if upper {
		f = fullUpper
	}
	return func(r rune) rune {
		if r < utf8.RuneSelf {
			switch {
			case upper && 'a' <= r && r <= 'z':
				return r - 'a' + 'A'
			case !upper && 'A' <= r && r <= 'Z':
				return r - 'A' + 'a'
			}
			return r
		}
		m := f(string(r))
		if m2, n := utf8.DecodeRuneInString(m); n == len(m) {
			return m2
		}
		return r
	}
}
