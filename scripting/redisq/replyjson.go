package redisq

import (
	"strconv"
	"unicode/utf8"

	"github.com/circles-actor/circles-actor/internal/jsonstr"
	"github.com/circles-actor/circles-actor/scripting"
)

// Every play in Redis mode encodes one reply on a worker and decodes it on
// a server. encoding/json spent about 4 µs of server CPU per play on the
// decode, by reflection; the reply has a fixed shape, so both directions
// are written out here. The decoder takes only the shape it knows and
// leaves anything else (unknown or repeated keys, null, surrogate escapes,
// odd numbers) to encoding/json, so it never answers differently from it:
// FuzzParseReply checks that.

// appendReply appends r as a JSON object, the same object encoding/json
// writes for Reply (keys in field order, empty optional fields left out),
// except that <, > and & are not escaped.
func appendReply(b []byte, r Reply) []byte {
	b = append(b, `{"task_id":`...)
	b = jsonstr.Append(b, r.TaskID)
	b = append(b, `,"status":`...)
	b = jsonstr.Append(b, r.Status)
	if r.Output != "" {
		b = append(b, `,"output":`...)
		b = jsonstr.Append(b, r.Output)
	}
	if r.Type != "" {
		b = append(b, `,"type":`...)
		b = jsonstr.Append(b, r.Type)
	}
	if len(r.Prints) > 0 {
		b = append(b, `,"prints":`...)
		b = jsonstr.AppendArray(b, r.Prints)
	}
	if e := r.Error; e != nil {
		b = append(b, `,"error":{"kind":`...)
		b = jsonstr.Append(b, e.Kind)
		b = append(b, `,"message":`...)
		b = jsonstr.Append(b, e.Message)
		b = append(b, `,"line":`...)
		b = strconv.AppendInt(b, int64(e.Line), 10)
		b = append(b, `,"column":`...)
		b = strconv.AppendInt(b, int64(e.Column), 10)
		b = append(b, '}')
	}
	if r.TookUS != 0 {
		b = append(b, `,"took_us":`...)
		b = strconv.AppendInt(b, r.TookUS, 10)
	}
	if r.WorkerID != "" {
		b = append(b, `,"worker_id":`...)
		b = jsonstr.Append(b, r.WorkerID)
	}
	if r.Deleted {
		b = append(b, `,"deleted":true`...)
	}
	return append(b, '}')
}

// parseReply decodes a payload of the shape appendReply writes (any key
// order and white space). ok false means "not sure": the caller asks
// encoding/json, which either decodes it the same way or says what is
// wrong.
func parseReply(s string) (r Reply, ok bool) {
	p := jsonScanner{s: s}
	var seen uint16
	if !p.byte('{') {
		return r, false
	}
	if p.byte('}') {
		return r, p.end()
	}
	for {
		key, ok := p.str()
		if !ok || !p.byte(':') {
			return r, false
		}
		var bit uint16
		switch key {
		case "task_id":
			bit = 1
			r.TaskID, ok = p.str()
		case "status":
			bit = 2
			r.Status, ok = p.str()
		case "output":
			bit = 4
			r.Output, ok = p.str()
		case "type":
			bit = 8
			r.Type, ok = p.str()
		case "worker_id":
			bit = 16
			r.WorkerID, ok = p.str()
		case "took_us":
			bit = 32
			r.TookUS, ok = p.int()
		case "deleted":
			bit = 64
			r.Deleted, ok = p.bool()
		case "prints":
			bit = 128
			r.Prints, ok = p.strs()
		case "error":
			bit = 256
			r.Error, ok = p.scriptError()
		default:
			return r, false // encoding/json matches keys case-insensitively
		}
		if seen&bit != 0 {
			return r, false // encoding/json merges repeated keys
		}
		seen |= bit
		if !ok {
			return r, false
		}
		if p.byte('}') {
			return r, p.end()
		}
		if !p.byte(',') {
			return r, false
		}
	}
}

// scriptError decodes the error object of a reply.
func (p *jsonScanner) scriptError() (*scripting.ScriptError, bool) {
	e := &scripting.ScriptError{}
	if !p.byte('{') {
		return nil, false
	}
	if p.byte('}') {
		return e, true
	}
	var seen uint8
	for {
		key, ok := p.str()
		if !ok || !p.byte(':') {
			return nil, false
		}
		var bit uint8
		var n int64
		switch key {
		case "kind":
			bit = 1
			e.Kind, ok = p.str()
		case "message":
			bit = 2
			e.Message, ok = p.str()
		case "line":
			bit = 4
			n, ok = p.int()
			e.Line = int(n)
		case "column":
			bit = 8
			n, ok = p.int()
			e.Column = int(n)
		default:
			return nil, false
		}
		if !ok || seen&bit != 0 {
			return nil, false
		}
		seen |= bit
		if p.byte('}') {
			return e, true
		}
		if !p.byte(',') {
			return nil, false
		}
	}
}

// jsonScanner reads the JSON values a reply is made of. Each method skips
// white space first and reports false on anything it does not handle.
type jsonScanner struct {
	s string
	i int
}

func (p *jsonScanner) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// byte consumes c if it is next.
func (p *jsonScanner) byte(c byte) bool {
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// end reports whether only white space is left.
func (p *jsonScanner) end() bool {
	p.ws()
	return p.i == len(p.s)
}

func (p *jsonScanner) bool() (bool, bool) {
	p.ws()
	rest := p.s[p.i:]
	switch {
	case len(rest) >= 4 && rest[:4] == "true":
		p.i += 4
		return true, true
	case len(rest) >= 5 && rest[:5] == "false":
		p.i += 5
		return false, true
	}
	return false, false
}

// int reads an integer of at most 15 digits (no fraction, exponent or
// leading zero: those are encoding/json's to judge).
func (p *jsonScanner) int() (int64, bool) {
	p.ws()
	neg := p.i < len(p.s) && p.s[p.i] == '-'
	if neg {
		p.i++
	}
	start := p.i
	var n int64
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		n = n*10 + int64(p.s[p.i]-'0')
		p.i++
	}
	digits := p.i - start
	if digits == 0 || digits > 15 || (digits > 1 && p.s[start] == '0') {
		return 0, false
	}
	if p.i < len(p.s) && (p.s[p.i] == '.' || p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// strs reads an array of strings.
func (p *jsonScanner) strs() ([]string, bool) {
	if !p.byte('[') {
		return nil, false
	}
	out := []string{}
	if p.byte(']') {
		return out, true
	}
	for {
		v, ok := p.str()
		if !ok {
			return nil, false
		}
		out = append(out, v)
		if p.byte(']') {
			return out, true
		}
		if !p.byte(',') {
			return nil, false
		}
	}
}

// str reads a string. Without escapes it is a slice of the input; with
// them it is rebuilt. Raw control characters, invalid UTF-8 and \u escapes
// of surrogates are left to encoding/json.
func (p *jsonScanner) str() (string, bool) {
	p.ws()
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", false
	}
	p.i++
	start := p.i
	ascii := true
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			v := p.s[start:p.i]
			p.i++
			return v, ascii || utf8.ValidString(v)
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		p.i++
	}
	return "", false
}

// escaped finishes a string that started at start and has an escape at p.i.
func (p *jsonScanner) escaped(start int) (string, bool) {
	b := make([]byte, 0, p.i-start+16)
	b = append(b, p.s[start:p.i]...)
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b), utf8.Valid(b)
		case c < 0x20:
			return "", false
		case c != '\\':
			b = append(b, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			return "", false
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			if p.i+4 > len(p.s) {
				return "", false
			}
			v, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 16)
			if err != nil || (v >= 0xd800 && v < 0xe000) {
				return "", false
			}
			b = utf8.AppendRune(b, rune(v))
			p.i += 4
		default:
			return "", false
		}
	}
	return "", false
}
