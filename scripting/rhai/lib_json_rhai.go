package rhai

import (
	"strings"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// parseJSONRhai is Rhai's parse_json for text encoding/json does not take
// (or reads differently): Rhai lexes the text as a Rhai expression in
// which `{` opens an object map, `null` is () and a property name must be
// quoted, and evaluates it, so trailing commas, comments and expressions
// (`"c": 41 + 1`) are accepted and `\/` is not. Errors are positioned in
// the text. A syntax error is a parse error, which try/catch does not
// catch, as in Rhai. The values are evaluated without running anything
// (jsonValue).
func parseJSONRhai(r *runState, text string) (Value, error) {
	if r == nil { // called outside a run (tests of the natives)
		return ParseJSON([]byte(text))
	}
	if err := r.Tick(1 + len(text)/8); err != nil { // as eval charges its text
		return Unit, err
	}
	src, back, err := jsonAsRhai(text)
	if err != nil {
		return Unit, err
	}
	script, perr := syntax.Parse(src, &syntax.Options{MaxExprDepth: r.lim.MaxExprDepth})
	if perr != nil {
		e := &Error{Kind: ErrParse, Message: perr.Error()}
		if se, ok := perr.(*syntax.Error); ok {
			msg := se.Msg
			if strings.HasPrefix(msg, "Script is incomplete") {
				msg = "Script is incomplete"
			}
			if strings.HasPrefix(msg, "Expecting ';' to terminate") {
				msg = "Unexpected '" + firstWord(src, se.Pos) + "'" // one expression only
			}
			l, c := back(int(se.Pos.Line), int(se.Pos.Col))
			e = &Error{Kind: ErrParse, Message: "Syntax error: " + msg, Line: l, Column: c, Cause: perr}
		}
		return Unit, e
	}
	if len(script.Stmts) == 0 && len(script.Fns) == 0 {
		return Unit, &Error{Kind: ErrParse, Message: "Syntax error: Script is incomplete", Line: 1, Column: 1}
	}
	if len(script.Fns) > 0 || len(script.Stmts) != 1 {
		p := script.Stmts[min(1, len(script.Stmts)-1)].Position()
		l, c := back(int(p.Line), int(p.Col))
		return Unit, &Error{Kind: ErrParse, Message: "Syntax error: Unexpected '" + firstWord(src, p) + "'", Line: l, Column: c}
	}
	if _, ok := script.Stmts[0].(*syntax.ExprStmt); !ok {
		p := script.Stmts[0].Position()
		l, c := back(int(p.Line), int(p.Col))
		return Unit, &Error{Kind: ErrParse, Message: "Syntax error: Unexpected '" + firstWord(src, p) + "'", Line: l, Column: c}
	}
	v, err := jsonValue(script.Stmts[0].(*syntax.ExprStmt).X)
	if err != nil {
		if e, ok := err.(*Error); ok && e.Line > 0 {
			c := *e
			c.Line, c.Column = back(e.Line, e.Column)
			return Unit, &c
		}
		return Unit, err
	}
	return v, nil
}

// jsonValue evaluates what Rhai's parse_json text may hold: map and array
// literals, scalars and operators on them (`41 + 1`), all folded as the
// optimiser folds constants. Rhai would also call functions or read
// variables there; those are refused rather than run, so that a text
// cannot spend more than its own size (and a variable is not found, as in
// Rhai, since the text sees no scope).
func jsonValue(e syntax.Expr) (Value, error) {
	switch x := e.(type) {
	case *syntax.MapLit:
		m := make(map[string]Value, len(x.Keys))
		for i, k := range x.Keys {
			v, err := jsonValue(x.Values[i])
			if err != nil {
				return Unit, err
			}
			m[k] = v
		}
		return NewMap(m), nil
	case *syntax.ArrayLit:
		a := make([]Value, len(x.Elems))
		for i, el := range x.Elems {
			v, err := jsonValue(el)
			if err != nil {
				return Unit, err
			}
			a[i] = v
		}
		return NewArray(a), nil
	case *syntax.UnitLit:
		return Unit, nil
	case *syntax.Ident:
		return Unit, errAt(ErrVariableNotFound, x.P, "Variable not found: %s", x.Name)
	}
	if v, ok := foldConst(e, 0); ok && isScalar(v.k) {
		return v, nil
	}
	return Unit, errAt(ErrRuntime, e.Position(), "parse_json reads constants and operators on them only, not this expression")
}

// firstWord is the token-ish text at p in src, for an "Unexpected" message.
func firstWord(src string, p syntax.Pos) string {
	lines := strings.Split(src, "\n")
	if int(p.Line) < 1 || int(p.Line) > len(lines) {
		return ""
	}
	l := []rune(lines[p.Line-1])
	i := int(p.Col) - 1
	if i < 0 || i >= len(l) {
		return ""
	}
	j := i + 1
	if identRune(l[i]) {
		for j < len(l) && identRune(l[j]) {
			j++
		}
	}
	return string(l[i:j])
}

// jsonAsRhai rewrites JSON text as the Rhai expression Rhai's parse_json
// reads: `{` outside strings and comments becomes `#{`, the word `null`
// becomes `()`. back maps a position in the result to the text's. An
// unquoted property name, or a `#` of the text's own, is refused as Rhai
// refuses it.
func jsonAsRhai(text string) (src string, back func(line, col int) (int, int), err error) {
	type shift struct{ at, by int } // from result column at on, subtract by
	var shifts [][]shift
	var b strings.Builder
	line, col, outCol := 1, 1, 1
	var lineShifts []shift
	total := 0
	var stack []byte // '{' or '['
	wantKey := false
	rs := []rune(text)
	fail := func(msg string) error {
		return &Error{Kind: ErrParse, Message: "Syntax error: " + msg, Line: line, Column: col}
	}
	emit := func(s string, n int) { // s replaces n runes of the text
		b.WriteString(s)
		outCol += len([]rune(s))
		col += n
		if d := len([]rune(s)) - n; d != 0 {
			total += d
			lineShifts = append(lineShifts, shift{outCol, total})
		}
	}
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case c == '\n':
			b.WriteRune(c)
			shifts = append(shifts, lineShifts)
			lineShifts, total = nil, 0
			line, col, outCol = line+1, 1, 1
			i++
			continue
		case c == '/' && i+1 < len(rs) && (rs[i+1] == '/' || rs[i+1] == '*'):
			j := i + 2
			if rs[i+1] == '/' {
				for j < len(rs) && rs[j] != '\n' {
					j++
				}
			} else {
				for j+1 < len(rs) && !(rs[j] == '*' && rs[j+1] == '/') {
					j++
				}
				j = min(j+2, len(rs))
			}
			for ; i < j; i++ { // comments keep their newlines
				if rs[i] == '\n' {
					b.WriteRune('\n')
					shifts = append(shifts, lineShifts)
					lineShifts, total = nil, 0
					line, col, outCol = line+1, 1, 1
					continue
				}
				emit(string(rs[i]), 1)
			}
			continue
		case c == ' ' || c == '\t' || c == '\r':
			emit(string(c), 1)
			i++
			continue
		}
		if wantKey && c != '"' && c != '}' {
			if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				return "", nil, fail("Expecting name of a property")
			}
		}
		wantKey = false
		switch {
		case c == '"' || c == '`' || c == '\'':
			j := i + 1
			for j < len(rs) && rs[j] != c && rs[j] != '\n' {
				if rs[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(rs))
			emit(string(rs[i:j]), j-i)
			i = j
			continue
		case c == '#':
			if i+1 < len(rs) && rs[i+1] == '{' {
				return "", nil, fail("Invalid symbol encountered: '#{'")
			}
			return "", nil, fail("Invalid symbol encountered: '#'")
		case c == ';':
			return "", nil, fail("Unexpected ';'")
		case c == '{':
			emit("#{", 1)
			stack = append(stack, '{')
			wantKey = true
		case c == '[':
			emit("[", 1)
			stack = append(stack, '[')
		case c == '}' || c == ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			emit(string(c), 1)
		case c == ',':
			emit(",", 1)
			wantKey = len(stack) > 0 && stack[len(stack)-1] == '{'
		case c == 'n' && strings.HasPrefix(string(rs[i:min(i+4, len(rs))]), "null") &&
			(i == 0 || !identRune(rs[i-1])) && (i+4 >= len(rs) || !identRune(rs[i+4])):
			emit("()", 4)
			i += 4
			continue
		default:
			j := i + 1
			if identRune(c) {
				for j < len(rs) && identRune(rs[j]) {
					j++
				}
			}
			emit(string(rs[i:j]), j-i)
			i = j
			continue
		}
		i++
	}
	shifts = append(shifts, lineShifts)
	back = func(l, c int) (int, int) {
		if l < 1 || l > len(shifts) {
			return l, c
		}
		d := 0
		for _, s := range shifts[l-1] {
			if c >= s.at {
				d = s.by
			}
		}
		return l, c - d
	}
	return b.String(), back, nil
}

func identRune(r rune) bool {
	return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
