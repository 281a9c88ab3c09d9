package syntax

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// scanner turns source text into tokens on demand. It works on bytes with an
// ASCII fast path and counts columns in characters. It never builds a string
// per character: identifiers are substrings of the source and string literals
// are only copied when they contain escapes.
//
// Errors are raised by panicking with *Error; Parse recovers them.
type scanner struct {
	src  string
	off  int
	line int32
	col  int32 // column of src[off]
	buf  []byte
	doc  []byte // doc comment text waiting for the next token
}

func newScanner(src string) *scanner {
	s := &scanner{src: src, line: 1, col: 1}
	if strings.HasPrefix(src, "\uFEFF") { // byte-order mark
		s.off = len("\uFEFF")
	}
	if strings.HasPrefix(src[s.off:], "#!") { // shebang line
		for s.off < len(s.src) && s.src[s.off] != '\n' {
			s.advance()
		}
	}
	return s
}

func (s *scanner) pos() Pos { return Pos{s.line, s.col} }

func (s *scanner) errorf(p Pos, format string, args ...any) {
	panic(&Error{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

// peekByte returns the byte i positions ahead of the cursor, or 0 past the end.
func (s *scanner) peekByte(i int) byte {
	if s.off+i < len(s.src) {
		return s.src[s.off+i]
	}
	return 0
}

// advance moves past one character.
func (s *scanner) advance() {
	c := s.src[s.off]
	if c < utf8.RuneSelf {
		s.off++
		if c == '\n' {
			s.line++
			s.col = 1
		} else {
			s.col++
		}
		return
	}
	_, n := utf8.DecodeRuneInString(s.src[s.off:])
	s.off += n
	s.col++
}

// advanceASCII moves past n ASCII characters that are not newlines.
func (s *scanner) advanceASCII(n int) {
	s.off += n
	s.col += int32(n)
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isIdentByte(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '_'
}

// skipSpace skips white space and comments, collecting doc comments.
func (s *scanner) skipSpace() {
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			// Rhai's white space is ASCII's (no \v, no Unicode spaces).
			s.advance()
		case c == '/' && s.peekByte(1) == '/':
			s.lineComment()
		case c == '/' && s.peekByte(1) == '*':
			s.blockComment()
		default:
			return
		}
	}
}

func (s *scanner) lineComment() {
	start := s.off
	isDoc := s.peekByte(2) == '/' && s.peekByte(3) != '/'
	for s.off < len(s.src) && s.src[s.off] != '\n' {
		s.advance()
	}
	if isDoc {
		text := strings.TrimPrefix(s.src[start+3:s.off], " ")
		s.doc = append(s.doc, strings.TrimRight(text, "\r")...)
		s.doc = append(s.doc, '\n')
	} else {
		s.doc = s.doc[:0] // a plain comment detaches earlier doc comments
	}
}

// blockComment skips a (possibly nested) /* */ comment.
func (s *scanner) blockComment() {
	start := s.off
	isDoc := s.peekByte(2) == '*' && s.peekByte(3) != '*' && s.peekByte(3) != '/'
	s.advanceASCII(2)
	depth := 1
	for depth > 0 {
		if s.off >= len(s.src) {
			return // as in Rhai, an open block comment ends with the script
		}
		c := s.src[s.off]
		switch {
		case c == '/' && s.peekByte(1) == '*':
			s.advanceASCII(2)
			depth++
		case c == '*' && s.peekByte(1) == '/':
			s.advanceASCII(2)
			depth--
		default:
			s.advance()
		}
	}
	if isDoc {
		s.doc = append(s.doc, strings.TrimSpace(s.src[start+3:s.off-2])...)
		s.doc = append(s.doc, '\n')
	} else {
		s.doc = s.doc[:0]
	}
}

// next scans the next token into tok.
func (s *scanner) next(tok *token) {
	s.skipSpace()
	tok.pos = s.pos()
	tok.text = ""
	tok.more = false
	tok.bits = false
	tok.doc = ""
	if len(s.doc) > 0 {
		tok.doc = strings.TrimRight(string(s.doc), "\n")
		s.doc = s.doc[:0]
	}
	if s.off >= len(s.src) {
		tok.kind = tEOF
		return
	}
	c := s.src[s.off]
	switch {
	case isLetter(c) || c == '_' && isIdentByte(s.peekByte(1)):
		start := s.off
		for s.off < len(s.src) && isIdentByte(s.src[s.off]) {
			s.off++
		}
		s.col += int32(s.off - start)
		tok.text = s.src[start:s.off]
		if c == '_' {
			// The first character after leading underscores must be a
			// letter (`_1` and `__` are no identifiers); Rhai then refuses
			// `_x` as a name where one is used (parser: improper).
			i := 0
			for i < len(tok.text) && tok.text[i] == '_' {
				i++
			}
			if i == len(tok.text) || !isLetter(tok.text[i]) {
				s.errorf(tok.pos, "Invalid identifier: '%s'", tok.text)
			}
		}
		tok.kind = keyword(tok.text)
		return
	case isDigit(c):
		s.number(tok)
		return
	}
	s.punct(tok, c)
}

// punct scans an operator, a delimiter or a quoted literal.
func (s *scanner) punct(tok *token, c byte) {
	c1 := s.peekByte(1)
	c2 := s.peekByte(2)
	if r := reservedSymbol(c, c1, c2); r != "" {
		s.errorf(tok.pos, "'%s' is a reserved symbol%s", r, reservedHint(r))
	}
	one := func(k tokKind) { tok.kind = k; s.advanceASCII(1) }
	two := func(k tokKind) { tok.kind = k; s.advanceASCII(2) }
	three := func(k tokKind) { tok.kind = k; s.advanceASCII(3) }
	opAssign := func(op string) { tok.kind = tOpAssign; tok.text = op; s.advanceASCII(len(op) + 1) }
	switch c {
	case '"':
		s.quoted(tok)
	case '\'':
		s.char(tok)
	case '`':
		s.template(tok, true)
	case '#':
		switch {
		case c1 == '{':
			two(tMapStart)
		case c1 == '"' || c1 == '#':
			s.rawString(tok)
		default:
			s.errorf(tok.pos, "Unknown operator: '#'")
		}
	case '_':
		one(tUnderscore)
	case '(':
		if c1 == ')' {
			two(tUnit)
		} else {
			one(tLParen)
		}
	case ')':
		one(tRParen)
	case '{':
		one(tLBrace)
	case '}':
		one(tRBrace)
	case '[':
		one(tLBracket)
	case ']':
		one(tRBracket)
	case ',':
		one(tComma)
	case ';':
		one(tSemi)
	case ':':
		if c1 == ':' {
			two(tDoubleColon)
		} else {
			one(tColon)
		}
	case '.':
		switch {
		case c1 == '.' && c2 == '=':
			three(tRangeIncl)
		case c1 == '.' && c2 == '.':
			s.errorf(tok.pos, "Unknown operator: '...'")
		case c1 == '.':
			two(tRange)
		default:
			one(tDot)
		}
	case '?':
		switch {
		case c1 == '.':
			two(tQDot)
		case c1 == '[':
			two(tQBracket)
		case c1 == '?': // Rhai has no `??=`: `x ??= 1` is `??` then an unexpected `=`
			two(tCoalesce)
		default:
			s.errorf(tok.pos, "Unknown operator: '?'")
		}
	case '!':
		switch {
		case c1 == '=':
			two(tNe)
		case c1 == 'i' && c2 == 'n' && !isIdentByte(s.peekByte(3)):
			three(tNotIn)
		default:
			one(tBang)
		}
	case '=':
		switch c1 {
		case '=':
			two(tEq)
		case '>':
			two(tArrow)
		default:
			one(tAssign)
		}
	case '<':
		switch {
		case c1 == '<' && c2 == '=':
			opAssign("<<")
		case c1 == '<':
			two(tShl)
		case c1 == '=':
			two(tLe)
		default:
			one(tLt)
		}
	case '>':
		switch {
		case c1 == '>' && c2 == '=':
			opAssign(">>")
		case c1 == '>':
			two(tShr)
		case c1 == '=':
			two(tGe)
		default:
			one(tGt)
		}
	case '*':
		switch {
		case c1 == '*' && c2 == '=':
			opAssign("**")
		case c1 == '*':
			two(tPow)
		case c1 == '=':
			opAssign("*")
		default:
			one(tStar)
		}
	case '&':
		switch c1 {
		case '&':
			two(tAndAnd)
		case '=':
			opAssign("&")
		default:
			one(tAmp)
		}
	case '|':
		switch c1 {
		case '|':
			two(tOrOr)
		case '=':
			opAssign("|")
		default:
			one(tPipe)
		}
	case '+', '-', '/', '%', '^':
		if c1 == '=' {
			opAssign(s.src[s.off : s.off+1])
			return
		}
		switch c {
		case '+':
			one(tPlus)
		case '-':
			one(tMinus)
		case '/':
			one(tSlash)
		case '%':
			one(tPercent)
		default:
			one(tCaret)
		}
	default:
		r, _ := utf8.DecodeRuneInString(s.src[s.off:])
		if r == '@' || r == '$' || r == '~' {
			s.errorf(tok.pos, "Unknown operator: '%c'", r) // Rhai reserves these
		}
		s.errorf(tok.pos, "Unexpected '%c'", r)
	}
}

// reservedSymbol returns the symbol Rhai reserves (and so rejects) that
// starts with c, c1, c2, or "". `x++` and `a<-1` are errors, as in Rhai.
func reservedSymbol(c, c1, c2 byte) string {
	switch c {
	case '+':
		if c1 == '+' {
			return "++"
		}
	case '-':
		switch c1 {
		case '-':
			return "--"
		case '>':
			return "->"
		}
	case '<':
		switch c1 {
		case '-':
			return "<-"
		case '|':
			return "<|"
		}
	case '=':
		if c1 == '=' && c2 == '=' {
			return "==="
		}
	case '!':
		switch {
		case c1 == '=' && c2 == '=':
			return "!=="
		case c1 == '.':
			return "!."
		}
	case ':':
		switch {
		case c1 == '=':
			return ":="
		case c1 == ';':
			return ":;"
		case c1 == ':' && c2 == '<':
			return "::<"
		}
	case '(':
		if c1 == '*' {
			return "(*"
		}
	case '*':
		if c1 == ')' {
			return "*)"
		}
	case '|':
		if c1 == '>' {
			return "|>"
		}
	}
	return ""
}

// reservedHint suggests what a reserved symbol was probably meant to be.
func reservedHint(sym string) string {
	switch sym {
	case "++":
		return ": use '+= 1'"
	case "--":
		return ": use '-= 1'"
	case "===":
		return ": should it be '=='?"
	case "!==":
		return ": should it be '!='?"
	case "<-":
		return ": should it be '<='?"
	case ":=":
		return ": should it be '='?"
	case ":;", "::<":
		return ": should it be '::'?"
	case "(*", "*)":
		return ": comments are written /* ... */"
	}
	return ""
}

// number scans an integer or float literal. Integers keep their magnitude
// in tok.u so that the parser can fold `-9223372036854775808`.
func (s *scanner) number(tok *token) {
	start := s.off
	c1 := s.peekByte(1)
	if s.src[s.off] == '0' && (c1 == 'x' || c1 == 'X' || c1 == 'o' || c1 == 'O' || c1 == 'b' || c1 == 'B') {
		s.radixNumber(tok, c1|0x20)
		return
	}
	var v uint64
	overflow := false
	for s.off < len(s.src) && (isDigit(s.src[s.off]) || s.src[s.off] == '_') {
		if d := s.src[s.off]; d != '_' {
			if v > (math.MaxUint64-uint64(d-'0'))/10 {
				overflow = true
			}
			v = v*10 + uint64(d-'0')
		}
		s.off++
	}
	isFloat := false
	if s.off < len(s.src) && s.src[s.off] == '.' {
		n := s.peekByte(1)
		switch {
		case isDigit(n):
			isFloat = true
			s.off++
			for s.off < len(s.src) && (isDigit(s.src[s.off]) || s.src[s.off] == '_') {
				s.off++
			}
		case n == '.' || n == '_' || isLetter(n) || n >= utf8.RuneSelf:
			// a range, or a method call on an integer
		default:
			isFloat = true // `1.` is the float 1.0
			s.off++
		}
	}
	if s.off < len(s.src) && (s.src[s.off] == 'e' || s.src[s.off] == 'E') {
		n := s.peekByte(1)
		if isDigit(n) || (n == '+' || n == '-') && isDigit(s.peekByte(2)) {
			isFloat = true
			s.off += 2
			for s.off < len(s.src) && isDigit(s.src[s.off]) {
				s.off++
			}
		}
	}
	text := s.src[start:s.off]
	s.col += int32(s.off - start)
	if s.off < len(s.src) && (isIdentByte(s.src[s.off])) {
		s.errorf(tok.pos, "Invalid number: '%s%c'", text, s.src[s.off])
	}
	if isFloat {
		if strings.IndexByte(text, '_') >= 0 {
			text = strings.ReplaceAll(text, "_", "")
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) { // 1e400 is inf, as Rust reads it
			s.errorf(tok.pos, "Invalid number: '%s'", s.src[start:s.off])
		}
		tok.kind = tFloat
		tok.f = f
		return
	}
	if overflow {
		// Too large even for u64: a float, as Rhai reads it.
		f, err := strconv.ParseFloat(strings.ReplaceAll(text, "_", ""), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			s.errorf(tok.pos, "Invalid number: '%s'", text)
		}
		tok.kind, tok.f = tFloat, f
		return
	}
	tok.kind = tInt
	tok.u = v
}

// radixNumber scans 0x, 0o and 0b literals. They denote a 64-bit pattern, so
// 0xffffffffffffffff is -1 as in Rhai; tok.bits tells the parser.
func (s *scanner) radixNumber(tok *token, r byte) {
	start := s.off
	base := uint64(16)
	switch r {
	case 'o':
		base = 8
	case 'b':
		base = 2
	}
	s.off += 2
	var v uint64
	digits := 0
	for s.off < len(s.src) {
		c := s.src[s.off]
		var d uint64
		switch {
		case c == '_':
			s.off++
			continue
		case isDigit(c):
			d = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			d = uint64(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			d = 99
		}
		if d >= base {
			break
		}
		if v > (math.MaxUint64-d)/base {
			s.col += int32(s.off - start)
			s.errorf(tok.pos, "Integer literal is too large: '%s'", s.src[start:s.off])
		}
		v = v*base + d
		digits++
		s.off++
	}
	s.col += int32(s.off - start)
	if digits == 0 || s.off < len(s.src) && isIdentByte(s.src[s.off]) {
		end := s.off
		if end < len(s.src) {
			end++
		}
		s.errorf(tok.pos, "Invalid number: '%s'", s.src[start:end])
	}
	tok.kind = tInt
	tok.u = v
	tok.bits = true
}

// escape decodes the escape sequence after a backslash (the cursor is on the
// character after it) and appends it to b.
func (s *scanner) escape(b []byte, escPos Pos) []byte {
	if s.off >= len(s.src) {
		s.errorf(escPos, "Open string is not terminated")
	}
	c := s.src[s.off]
	var n int
	switch c {
	case 'n':
		s.advanceASCII(1)
		return append(b, '\n')
	case 't':
		s.advanceASCII(1)
		return append(b, '\t')
	case 'r':
		s.advanceASCII(1)
		return append(b, '\r')
	case '\\', '"', '\'':
		s.advanceASCII(1)
		return append(b, c)
	case 'x':
		n = 2
	case 'u':
		n = 4
	case 'U':
		n = 8
	default:
		// Rhai's words and place: the sequence read so far, at its last
		// character.
		s.errorf(s.pos(), "Invalid escape sequence: '\\%s'", s.src[s.off:s.off+utf8RuneLen(s.src[s.off:])])
	}
	start := s.off
	s.advanceASCII(1)
	var v rune
	for i := 0; i < n; i++ {
		if s.off >= len(s.src) {
			s.errorf(escPos, "Invalid escape sequence: unexpected end of script")
		}
		h := s.src[s.off]
		var d byte
		switch {
		case isDigit(h):
			d = h - '0'
		case h >= 'a' && h <= 'f':
			d = h - 'a' + 10
		case h >= 'A' && h <= 'F':
			d = h - 'A' + 10
		default:
			s.errorf(s.pos(), "Invalid escape sequence: '\\%s'", s.src[start:s.off+utf8RuneLen(s.src[s.off:])])
		}
		v = v<<4 | rune(d)
		if i < n-1 {
			s.advanceASCII(1)
		}
	}
	if !utf8.ValidRune(v) {
		s.errorf(s.pos(), "Invalid escape sequence: '\\%s'", s.src[start:s.off+1])
	}
	s.advanceASCII(1)
	return utf8.AppendRune(b, v)
}

func utf8RuneLen(s string) int {
	_, n := utf8.DecodeRuneInString(s)
	return n
}

// quoted scans a "..." string: escapes, `""` for a quote, and `\` at the
// end of a line to continue without a line break (skipping the next line's
// indentation up to the opening quote's column).
func (s *scanner) quoted(tok *token) {
	quoteCol := s.col
	s.advanceASCII(1)
	mark := s.off
	b := s.buf[:0]
	copied := false
	for {
		if s.off >= len(s.src) {
			s.errorf(tok.pos, "Open string is not terminated")
		}
		switch c := s.src[s.off]; c {
		case '"':
			if s.peekByte(1) == '"' {
				b = append(b, s.src[mark:s.off+1]...)
				s.advanceASCII(2)
				mark = s.off
				copied = true
				continue
			}
			if copied {
				b = append(b, s.src[mark:s.off]...)
				tok.text = string(b)
				s.buf = b[:0]
			} else {
				tok.text = s.src[mark:s.off]
			}
			s.advanceASCII(1)
			tok.kind = tString
			return
		case '\n':
			s.errorf(tok.pos, "Open string is not terminated")
		case '\\':
			b = append(b, s.src[mark:s.off]...)
			copied = true
			escPos := s.pos()
			s.advanceASCII(1)
			if n := s.peekByte(0); n == '\n' || n == '\r' && s.peekByte(1) == '\n' {
				if n == '\r' {
					s.advanceASCII(1)
				}
				s.advance() // the newline
				for s.off < len(s.src) && s.col <= quoteCol && (s.src[s.off] == ' ' || s.src[s.off] == '\t') {
					s.advanceASCII(1)
				}
			} else {
				b = s.escape(b, escPos)
			}
			mark = s.off
		default:
			s.advance()
		}
	}
}

// char scans a '.' literal holding exactly one character.
func (s *scanner) char(tok *token) {
	s.advanceASCII(1)
	start := s.off
	if s.off >= len(s.src) || s.src[s.off] == '\n' {
		s.errorf(tok.pos, "Open string is not terminated")
	}
	var r rune
	switch c := s.src[s.off]; c {
	case '\'':
		s.errorf(tok.pos, "Invalid character: ''")
	case '\\':
		escPos := s.pos()
		s.advanceASCII(1)
		var tmp [8]byte
		b := s.escape(tmp[:0], escPos)
		r, _ = utf8.DecodeRune(b)
	default:
		r, _ = utf8.DecodeRuneInString(s.src[s.off:])
		s.advance()
	}
	if s.off >= len(s.src) || s.src[s.off] == '\n' {
		s.errorf(tok.pos, "Open string is not terminated")
	}
	if s.src[s.off] != '\'' {
		// Rhai's words: the text up to the closing quote is not one
		// character; without a closing quote on the line, the literal is
		// open.
		end := strings.IndexAny(s.src[s.off:], "'\n")
		if end < 0 || s.src[s.off+end] == '\n' {
			s.errorf(tok.pos, "Open string is not terminated")
		}
		s.errorf(tok.pos, "Invalid character: '%s'", s.src[start:s.off+end])
	}
	s.advanceASCII(1)
	tok.kind = tChar
	tok.r = r
}

// rawString scans #"..."#, ##"..."##, ...: no escapes, may span lines.
func (s *scanner) rawString(tok *token) {
	hashes := 0
	for s.off < len(s.src) && s.src[s.off] == '#' {
		s.advanceASCII(1)
		hashes++
	}
	if s.off >= len(s.src) || s.src[s.off] != '"' {
		s.errorf(tok.pos, "Expecting '\"' to start a raw string")
	}
	s.advanceASCII(1)
	mark := s.off
	b := s.buf[:0]
	copied := false
	for {
		if s.off >= len(s.src) {
			s.errorf(tok.pos, "Open string is not terminated")
		}
		switch s.src[s.off] {
		case '"':
			n := 0
			for n < hashes && s.peekByte(1+n) == '#' {
				n++
			}
			if n == hashes {
				if copied {
					b = append(b, s.src[mark:s.off]...)
					tok.text = string(b)
					s.buf = b[:0]
				} else {
					tok.text = s.src[mark:s.off]
				}
				s.advanceASCII(1 + hashes)
				tok.kind = tString
				return
			}
		case '\r':
			if s.peekByte(1) == '\n' { // CR LF reads as LF
				b = append(b, s.src[mark:s.off]...)
				s.advanceASCII(1)
				mark = s.off
				copied = true
				continue
			}
		}
		s.advance()
	}
}

// template scans one literal part of a back-tick string, up to the closing
// back-tick or to `${`. first is set at the opening back-tick; the parser
// calls it again (first false) right after the `}` closing an interpolation.
// A doubled back-tick stands for one and `\${` for a literal `${`; nothing
// else is an escape.
func (s *scanner) template(tok *token, first bool) {
	tok.kind = tTemplate
	tok.more = false
	if first {
		s.advanceASCII(1)
		if s.peekByte(0) == '\n' {
			s.advance()
		} else if s.peekByte(0) == '\r' && s.peekByte(1) == '\n' {
			s.advanceASCII(1)
			s.advance()
		}
	}
	mark := s.off
	b := s.buf[:0]
	copied := false
	finish := func() {
		if copied {
			b = append(b, s.src[mark:s.off]...)
			tok.text = string(b)
			s.buf = b[:0]
		} else {
			tok.text = s.src[mark:s.off]
		}
	}
	for {
		if s.off >= len(s.src) {
			s.errorf(tok.pos, "Open string is not terminated")
		}
		switch s.src[s.off] {
		case '`':
			if s.peekByte(1) == '`' {
				b = append(b, s.src[mark:s.off+1]...)
				s.advanceASCII(2)
				mark = s.off
				copied = true
				continue
			}
			finish()
			s.advanceASCII(1)
			return
		case '$':
			if s.peekByte(1) == '{' {
				finish()
				s.advanceASCII(2)
				tok.more = true
				return
			}
			s.advanceASCII(1)
		case '\r':
			if s.peekByte(1) == '\n' { // CR LF reads as LF, as in Rhai
				b = append(b, s.src[mark:s.off]...)
				s.advanceASCII(1)
				mark = s.off
				copied = true
				continue
			}
			s.advanceASCII(1)
		case '\\':
			if s.peekByte(1) == '$' && s.peekByte(2) == '{' {
				b = append(b, s.src[mark:s.off]...)
				b = append(b, "${"...)
				s.advanceASCII(3)
				mark = s.off
				copied = true
				continue
			}
			s.advanceASCII(1)
		default:
			s.advance()
		}
	}
}
