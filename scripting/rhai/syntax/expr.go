package syntax

import (
	"math"
	"strings"
)

// closesRange reports the tokens before which a range is open-ended, as in
// Rhai: `s[1..]`, `f(..)`, `[..=]`, `x..;`.
func closesRange(k tokKind) bool {
	switch k {
	case tRBracket, tRParen, tRBrace, tComma, tSemi, tArrow:
		return true
	}
	return false
}

// canStartExpr reports whether a token can begin an expression; it decides
// whether `break`, `return` and `throw` carry a value.
func canStartExpr(k tokKind) bool {
	switch k {
	case tInt, tFloat, tString, tChar, tTemplate, tIdent, tTrue, tFalse, tUnit,
		tLParen, tLBracket, tMapStart, tLBrace, tIf, tSwitch, tWhile, tLoop, tDo, tFor,
		tPipe, tOrOr, tMinus, tPlus, tBang, tRange, tRangeIncl:
		return true
	}
	return false
}

// parseExpr is Rhai's parse_expr: one level, then a unary operand and the
// binary operators after it.
func (p *parser) parseExpr() Expr { return p.parseExprFrom(1) }

// parseExprFrom is parseExpr stopping before operators that bind looser
// than minPrec (a switch case value stops before `|`).
func (p *parser) parseExprFrom(minPrec int) Expr {
	p.enter()
	saved := p.lv
	p.lv.pos = p.tok.pos
	p.up()
	x := p.parseBinaryOp(minPrec, p.parseUnary())
	p.lv = saved
	p.leave()
	return x
}

// parseBinaryOp is precedence climbing over the Rhai book's table, shaped
// as Rhai's parse_binary_op so that it counts levels where Rhai does: one
// per operator taken (the operands after it are parsed one level deeper)
// and one more for a right operand that binds tighter. Every operator node
// also counts towards the recursion guard, so neither long chains nor deep
// right-associative `**` towers can exhaust the stack of a later pass.
func (p *parser) parseBinaryOp(parentPrec int, lhs Expr) Expr {
	p.enter()
	saved := p.lv
	p.lv.pos = rhaiPos(lhs)
	x := lhs
	chain := 0
	for {
		prec, op := binaryPrec(p.tok.kind)
		if prec == 0 || prec < parentPrec || prec == parentPrec && p.tok.kind != tPow {
			break
		}
		k, pos := p.tok.kind, p.tok.pos
		p.next()
		var y Expr
		switch {
		case (k == tRange || k == tRangeIncl) && closesRange(p.tok.kind):
		case k == tCoalesce && (p.tok.kind == tBreak || p.tok.kind == tContinue || p.tok.kind == tReturn || p.tok.kind == tThrow):
			// `x ?? return 0`, `m.get(k) ?? throw "missing"`: as in Rhai,
			// the fallback may be a control-flow statement.
			spos := p.tok.pos
			var stmts []Stmt
			stmts, _ = p.parseStmt(stmts, false)
			y = &StmtExpr{P: spos, Stmt: stmts[0]}
		default:
			y = p.parseUnary()
		}
		if next, _ := binaryPrec(p.tok.kind); next > prec || next == prec && k == tPow {
			s := p.lv
			p.up()
			y = p.parseBinaryOp(prec, y)
			p.lv = s
		}
		chain++
		p.enter()
		p.up()
		p.lv.pos = pos
		if (k == tRange || k == tRangeIncl) && x == p.rangeZero {
			x = nil // `..5`
		}
		if k == tNotIn {
			x = &UnaryExpr{P: pos, Op: "!", X: &BinaryExpr{P: pos, Op: "in", X: x, Y: y}}
		} else {
			if k == tAndAnd || k == tOrOr {
				ensureBool(p, x)
				ensureBool(p, y)
			}
			x = &BinaryExpr{P: pos, Op: op, X: x, Y: y}
		}
	}
	p.depth -= chain
	p.leave()
	p.lv = saved
	return x
}

// rhaiPos is the position Rhai's parser gives an expression (Expr::position),
// where its binary-operator loop starts counting: a chain of && (|| or ??)
// is at its first operator, a property, method or index chain at its first
// `.` or `[`.
func rhaiPos(x Expr) Pos {
	switch t := x.(type) {
	case *BinaryExpr:
		if t.Op == "&&" || t.Op == "||" || t.Op == "??" {
			if l, ok := t.X.(*BinaryExpr); ok && l.Op == t.Op {
				return rhaiPos(l)
			}
		}
	case *PropExpr, *MethodCallExpr, *IndexExpr:
		var first Pos
		for e := x; ; {
			switch t := e.(type) {
			case *PropExpr:
				first, e = t.Dot, t.X
			case *MethodCallExpr:
				first, e = t.Dot, t.Recv
			case *IndexExpr:
				first, e = t.P, t.X
			default:
				return first
			}
		}
	}
	return x.Position()
}

// parseUnary parses prefix `-`, `+` and `!`. A minus applied to a number
// literal is folded into the literal, which is how -9223372036854775808
// (whose magnitude does not fit in i64) is written.
func (p *parser) parseUnary() Expr {
	saved := p.lv
	p.lv.pos = p.tok.pos
	x := p.parseUnaryAt()
	p.lv = saved
	return x
}

// parseUnaryAt is parseUnary within its level (Rhai's parse_unary).
func (p *parser) parseUnaryAt() Expr {
	k := p.tok.kind
	if k != tMinus && k != tPlus && k != tBang {
		return p.parsePostfix(p.parsePrimary())
	}
	pos := p.tok.pos
	// Rhai's tokenizer does not join a minus to the number after a token
	// that may end an expression, nor after `=>`, `switch` or `break`.
	joins := true
	switch p.prev {
	case tRBrace, tRParen, tRBracket, tArrow, tSwitch, tBreak, tIdent, tInt, tFloat, tString, tChar, tTrue, tFalse:
		joins = false
	}
	p.next()
	if k == tMinus && p.tok.kind == tInt && !p.tok.bits && p.tok.u == 1<<63 {
		lit := &IntLit{P: pos, Value: math.MinInt64}
		p.next()
		return p.parsePostfix(lit)
	}
	// As in Rhai's tokenizer, a minus written right before a number is part
	// of the literal: `-5.is_odd` is (-5).is_odd, and `-0x10` is not a
	// number at all.
	if joins && k == tMinus && (p.tok.kind == tInt || p.tok.kind == tFloat) && p.tok.pos.Line == pos.Line && p.tok.pos.Col == pos.Col+1 {
		var lit Expr
		switch {
		case p.tok.kind == tFloat:
			lit = &FloatLit{P: pos, Value: -p.tok.f}
		case p.tok.bits:
			p.errorf(pos, "Invalid number: a 0x, 0o or 0b literal cannot follow '-' directly")
		case p.tok.u <= math.MaxInt64:
			lit = &IntLit{P: pos, Value: -int64(p.tok.u)}
		}
		if lit != nil {
			p.next()
			return p.parsePostfix(lit)
		}
	}
	p.enter()
	p.up()
	x := p.parseUnary()
	p.leave()
	switch k {
	case tMinus:
		switch lit := x.(type) {
		case *IntLit:
			if lit.Value != math.MinInt64 {
				return &IntLit{P: pos, Value: -lit.Value}
			}
			// As Rhai's parser folds it: a negated literal that does not
			// fit an i64 becomes a float.
			return &FloatLit{P: pos, Value: -float64(lit.Value)}
		case *FloatLit:
			return &FloatLit{P: pos, Value: -lit.Value}
		}
		return &UnaryExpr{P: pos, Op: "-", X: x}
	case tPlus:
		switch x.(type) {
		case *IntLit, *FloatLit:
			return x
		}
		return &UnaryExpr{P: pos, Op: "+", X: x}
	}
	return &UnaryExpr{P: pos, Op: "!", X: x}
}

// parsePostfix parses property access, method calls and indexing. Levels
// go as in Rhai, which parses what follows a `.` as a new primary one level
// deeper (so they add up along a chain), and a run of indexes `[i][j]` one
// level deeper per index, each index expression one more.
func (p *parser) parsePostfix(x Expr) Expr {
	saved := p.lv
	chain := 0
	run := p.lv // level of the current index run
	inRun := false
	for {
		switch p.tok.kind {
		case tDot, tQDot:
			inRun = false
			safe := p.tok.kind == tQDot
			dot := p.tok.pos
			p.lv.pos = dot
			p.up()
			p.next()
			name, pos := p.propertyName("the name of a property or method after '.'", false)
			if p.tok.kind == tLParen || p.tok.kind == tUnit {
				s := p.lv
				p.lv.pos = pos
				args := p.parseArgs()
				p.lv = s
				if len(args) == 0 && (name == "Fn" || name == "eval") {
					p.errorf(pos, "'%s' should not be called in method style: write %s(...)", name, name)
				}
				x = &MethodCallExpr{P: pos, Recv: x, Name: name, Args: args, Safe: safe, Dot: dot}
			} else {
				x = &PropExpr{P: pos, X: x, Name: name, Safe: safe, Dot: dot}
			}
		case tLBracket, tQBracket:
			safe := p.tok.kind == tQBracket
			pos := p.tok.pos
			if !inRun {
				run, inRun = p.lv, true
			}
			run.pos = pos
			s := p.lv
			p.lv = run
			p.up()
			run = p.lv
			p.up()
			p.next()
			idx := p.parseExpr()
			p.lv = s
			p.expect(tRBracket, "to close the index expression")
			p.checkIndex(x, idx)
			x = &IndexExpr{P: pos, X: x, Index: idx, Safe: safe}
		default:
			p.depth -= chain
			p.lv = saved
			return x
		}
		chain++
		p.enter()
	}
}

// checkIndex rejects, as Rhai does at parse time, an index that can never
// work on a literal container: a map literal takes string keys; an array,
// string or integer (bit-field) literal takes integer indexes. Indexing
// anything else is checked at run time.
func (p *parser) checkIndex(x, idx Expr) {
	var container, want string
	switch x.(type) {
	case *MapLit:
		container, want = "Object map", "a string"
	case *ArrayLit, *StringLit, *InterpString, *IntLit:
		container, want = "Array, string or bit-field", "an integer"
	default:
		return
	}
	kind := literalKind(idx)
	if b, ok := idx.(*BinaryExpr); ok && (b.Op == "&&" || b.Op == "||") {
		kind = "a boolean"
	}
	switch kind {
	case "", "an array", "an object map":
		return
	case "a number":
		if want == "an integer" {
			return
		}
	case "a string":
		if want == "a string" {
			return
		}
	}
	p.errorf(idx.Position(), "%s expects %s index, not %s", container, want, kind)
}

// parseArgs parses `(a, b, c)` (trailing comma allowed) or `()`.
//
// As in Rhai's parse_fn_call, arguments are one level deeper than the call,
// whose position (the function name) p.lv holds; `()` counts nothing.
func (p *parser) parseArgs() []Expr {
	if p.tok.kind == tUnit {
		p.next()
		return nil
	}
	p.next() // (
	if p.tok.kind == tRParen {
		p.next()
		return nil
	}
	saved := p.lv
	p.up()
	var args []Expr
	for p.tok.kind != tRParen {
		args = append(args, p.parseExpr())
		if p.tok.kind == tComma {
			p.next()
			continue
		}
		if p.tok.kind != tRParen {
			if p.tok.kind == tEOF {
				p.unexpected("')' to close the arguments list")
			}
			p.errorf(p.tok.pos, "Expecting ')' to close the arguments list, found %s", p.describe())
		}
	}
	p.next()
	p.lv = saved
	return args
}

// parsePrimary is Rhai's parse_primary at the level p.lv holds (which it
// leaves as it found it): a bracketed or block construct is one level
// deeper, a statement used as an expression (if, switch, loops) too.
func (p *parser) parsePrimary() Expr {
	pos := p.tok.pos
	p.lv.pos = pos
	saved := p.lv
	switch p.tok.kind {
	case tInt:
		if !p.tok.bits && p.tok.u > math.MaxInt64 {
			// As in Rhai, a decimal integer too large for i64 is a float.
			f := &FloatLit{P: pos, Value: float64(p.tok.u)}
			p.next()
			return f
		}
		n := &IntLit{P: pos, Value: int64(p.tok.u)}
		p.next()
		return n
	case tFloat:
		n := &FloatLit{P: pos, Value: p.tok.f}
		p.next()
		return n
	case tString:
		n := &StringLit{P: pos, Value: p.tok.text}
		p.next()
		return n
	case tChar:
		n := &CharLit{P: pos, Value: p.tok.r}
		p.next()
		return n
	case tTrue, tFalse:
		n := &BoolLit{P: pos, Value: p.tok.kind == tTrue}
		p.next()
		return n
	case tUnit:
		p.next()
		return &UnitLit{P: pos}
	case tTemplate:
		return p.parseTemplate()
	case tIdent:
		return p.parseName()
	case tLParen:
		p.up()
		p.next()
		x := p.parseExpr()
		if p.tok.kind == tAssign {
			p.errorf(p.tok.pos, "Possibly a typo of '=='? (assignment is a statement, not an expression)")
		}
		p.expect(tRParen, "to close the parenthesized expression")
		return p.restore(saved, x)
	case tLBracket:
		p.up()
		return p.restore(saved, p.parseArray())
	case tMapStart:
		p.up()
		return p.restore(saved, p.parseMap())
	case tLBrace:
		p.up()
		return p.restore(saved, p.parseBlock())
	case tIf:
		p.up()
		return p.restore(saved, p.parseIf())
	case tSwitch:
		p.up()
		return p.restore(saved, p.parseSwitch())
	case tWhile:
		p.up()
		return p.restore(saved, &StmtExpr{P: pos, Stmt: p.parseWhile()})
	case tLoop:
		p.up()
		return p.restore(saved, &StmtExpr{P: pos, Stmt: p.parseLoop()})
	case tDo:
		p.up()
		return p.restore(saved, &StmtExpr{P: pos, Stmt: p.parseDo()})
	case tFor:
		p.up()
		return p.restore(saved, &StmtExpr{P: pos, Stmt: p.parseFor()})
	case tPipe, tOrOr:
		return p.parseClosure()
	case tRange, tRangeIncl:
		// As in Rhai, a range with no start reads a 0 here and leaves the
		// `..` to the binary operators (the range keeps a nil start).
		z := &IntLit{P: pos}
		p.rangeZero = z
		return z
	case tEOF:
		p.errorf(pos, "Script is incomplete")
	}
	// Rhai's words: a function definition or an assignment here is as
	// unexpected as a stray bracket.
	p.errorf(pos, "Unexpected %s", p.describe())
	return nil
}

// restore puts the level back to saved and gives x.
func (p *parser) restore(saved level, x Expr) Expr {
	p.lv = saved
	return x
}

// propertyName consumes a property or method name (inMap: a key of an
// object map literal): an identifier that is neither a keyword nor
// reserved (a map key that is one must be quoted).
func (p *parser) propertyName(what string, inMap bool) (string, Pos) {
	name, pos := p.tok.text, p.tok.pos
	switch {
	case p.tok.kind >= tLet && p.tok.kind <= tFalse:
		// Rhai's words: a keyword here ends what it was reading.
		if inMap {
			p.errorf(pos, "Expecting '}' to end this object map literal")
		}
		p.errorf(pos, "Expecting name of a property")
	case p.tok.kind != tIdent:
		p.unexpected(what)
	case isReserved(name):
		p.errorf(pos, "'%s' is a reserved keyword", name)
	case improper(name) && inMap:
		p.errorf(pos, "Variable name is not proper: '%s'", name)
	case improper(name):
		p.errorf(pos, "Expecting name of a property")
	}
	p.next()
	// Rhai reserves its keyword functions (print, type_of, this, ...) as
	// property names; of them only type_of, is_shared, call and curry may be
	// called as methods.
	call := !inMap && (p.tok.kind == tLParen || p.tok.kind == tUnit)
	if keywordFn(name) && (!call || name != "type_of" && name != "is_shared" && name != "call" && name != "curry") {
		p.errorf(pos, "'%s' is a reserved keyword", name)
	}
	return name, pos
}

// keywordFn reports the names Rhai's tokenizer reserves for its keyword
// functions and `this`.
func keywordFn(s string) bool {
	switch s {
	case "print", "debug", "type_of", "eval", "Fn", "call", "curry", "this", "is_def_var", "is_def_fn", "is_shared":
		return true
	}
	return false
}

// parseName parses a variable, a qualified name (`global::X`, `m::f()`), a
// function call `f(args)` or a call in the caller's scope `f!(args)`.
func (p *parser) parseName() Expr {
	name, pos := p.tok.text, p.tok.pos
	callPos := pos // Rhai's position of a call: its last name
	if isReserved(name) {
		p.errorf(pos, "'%s' is a reserved keyword", name)
	}
	if improper(name) {
		p.errorf(pos, "Variable name is not proper: '%s'", name)
	}
	if name == "this" && p.fnDepth == 0 {
		// As in Rhai: `this` is only bound inside a function or closure.
		p.errorf(pos, "'this' can only be used in functions")
	}
	p.next()
	ns := ""
	for p.tok.kind == tDoubleColon {
		p.next()
		if p.tok.kind != tIdent {
			p.unexpected("a name after '::'")
		}
		if ns == "" {
			ns = name
		} else {
			ns += "::" + name
		}
		name, callPos = p.tok.text, p.tok.pos
		p.next()
	}
	p.lv.pos = callPos // for parseArgs; the level is unchanged
	switch p.tok.kind {
	case tLParen, tUnit:
		return &CallExpr{P: pos, Namespace: ns, Name: name, Args: p.parseArgs()}
	case tBang:
		if ns != "" {
			p.errorf(p.tok.pos, "A qualified function call cannot use '!'")
		}
		p.next()
		if p.tok.kind != tLParen && p.tok.kind != tUnit {
			p.unexpected("'(' after '" + name + "!'")
		}
		return &CallExpr{P: pos, Name: name, Args: p.parseArgs(), Bang: true}
	}
	if ns == "" && name != "this" && keywordFn(name) {
		// A keyword function (print, type_of, Fn, ...) is no variable.
		p.errorf(pos, "'%s' is a reserved keyword", name)
	}
	return &Ident{P: pos, Name: name, Namespace: ns}
}

func (p *parser) parseArray() Expr {
	n := &ArrayLit{P: p.tok.pos}
	p.next()
	p.commaList(tRBracket, "',' or ']' in the array literal", func() {
		n.Elems = append(n.Elems, p.parseElem(n.P))
	})
	return n
}

// commaList parses items separated by commas, a trailing comma allowed, up
// to and including close; missing says what was expected after an item.
func (p *parser) commaList(close tokKind, missing string, item func()) {
	for p.tok.kind != close {
		item()
		if p.tok.kind == tComma {
			p.next()
			continue
		}
		if p.tok.kind != close {
			p.unexpected(missing)
		}
	}
	p.next()
}

// parseMap parses `#{key: value, ...}`; keys are names or string literals
// (a back-tick string without interpolation counts), each at most once.
func (p *parser) parseMap() Expr {
	n := &MapLit{P: p.tok.pos}
	var seen nameSet
	p.next()
	p.commaList(tRBrace, "',' or '}' in the object map literal", func() {
		var key string
		keyPos := p.tok.pos
		switch {
		case p.tok.kind == tString || p.tok.kind == tTemplate && !p.tok.more:
			key = p.tok.text
			p.next()
		case p.tok.kind == tIdent || p.tok.kind >= tLet && p.tok.kind <= tFalse:
			key, _ = p.propertyName("a property name (an identifier or a string) in the object map literal", true)
		case p.tok.kind == tTemplate:
			p.errorf(keyPos, "An interpolated string cannot be an object map key")
		default:
			p.unexpected("a property name (an identifier or a string) in the object map literal")
		}
		if !seen.add(key) {
			p.errorf(keyPos, "Duplicated property for object map literal: %s", key)
		}
		p.expect(tColon, "after the property name '"+key+"' in the object map literal")
		n.Keys = append(n.Keys, key)
		n.Values = append(n.Values, p.parseElem(n.P))
	})
	return n
}

// parseElem parses an array item or a map value, one level deeper than the
// literal (whose `[` or `#{` is pos), as in Rhai.
func (p *parser) parseElem(pos Pos) Expr {
	saved := p.lv
	p.lv.pos = pos
	p.up()
	x := p.parseExpr()
	p.lv = saved
	return x
}

// parseTemplate parses a back-tick string. Each `${...}` holds a statements
// block; the scanner is resumed in string mode right after its `}`.
func (p *parser) parseTemplate() Expr {
	pos := p.tok.pos
	// pending gathers the literal text between two interpolations; empty
	// `${}` only add to it, so no text is copied more than once.
	var parts []string
	var exprs []Expr
	pending := []string{p.tok.text}
	saved := p.lv
	defer func() { p.lv = saved }()
	if p.tok.more {
		p.lv.pos = pos
		p.up()
	}
	flush := func() {
		if len(pending) == 1 {
			parts = append(parts, pending[0])
		} else {
			parts = append(parts, strings.Join(pending, ""))
		}
		pending = pending[:0]
	}
	for p.tok.more {
		p.next()
		// Rhai parses each `${...}` as a block, empty or not.
		s := p.lv
		p.up()
		p.lv.pos = p.tok.pos
		empty := p.tok.kind == tRBrace
		var x Expr
		if !empty {
			p.enter()
			bpos := p.tok.pos
			mark := p.scope.mark()
			stmts := p.parseStmts(nil, tRBrace, false)
			p.scope.popTo(mark)
			p.leave()
			x = &BlockExpr{P: bpos, Stmts: stmts}
			p.lv = s
			if len(stmts) == 1 {
				if es, ok := stmts[0].(*ExprStmt); ok && !es.Semi {
					x = es.X
				}
			}
		}
		p.lv = s
		// The current token is the `}`: the scanner stands right after it.
		p.tok.pos = p.sc.pos()
		p.sc.template(&p.tok, false)
		if !empty {
			flush()
			exprs = append(exprs, x)
		}
		pending = append(pending, p.tok.text)
	}
	flush()
	p.next()
	if len(exprs) == 0 {
		return &StringLit{P: pos, Value: parts[0]}
	}
	return &InterpString{P: pos, Parts: parts, Exprs: exprs}
}

// parseClosure parses `|a, b| body` or `|| body`. The body is one statement
// (so `|x| x + 1` and `|x| { ... }.curry(1)` both read as in Rhai); loops
// outside the closure do not make `break` legal inside it.
func (p *parser) parseClosure() Expr {
	n := &ClosureExpr{P: p.tok.pos}
	if p.tok.kind == tPipe {
		var seen nameSet
		p.next()
		p.commaList(tPipe, "',' or '|' in the closure parameters", func() {
			name, pos := p.ident("the name of a closure parameter")
			if !seen.add(name) {
				p.errorf(pos, "Duplicated parameter '%s' in the closure", name)
			}
			n.Params = append(n.Params, name)
		})
	} else {
		p.next() // `||`
	}
	// As in Rhai, the body starts a fresh parse scope (outer variables are
	// captured at run time, so outer constants are not checked here).
	savedScope, savedLoops := p.scope, p.loops
	p.scope, p.loops = scope{}, 0
	for _, name := range n.Params {
		p.scope.declare(name, false)
	}
	p.fnDepth++
	p.enter()
	// The body is one level deeper than the closure, under the limit in
	// force where the closure is written.
	savedLv := p.lv
	p.lv.pos = n.P
	p.up()
	var stmts []Stmt
	switch p.tok.kind {
	case tFn, tPrivate:
		p.errorf(p.tok.pos, "Functions can only be defined at global level, not inside a closure")
	}
	stmts, _ = p.parseStmt(stmts, false)
	p.lv = savedLv
	p.leave()
	p.fnDepth--
	p.scope, p.loops = savedScope, savedLoops
	n.Body = stmtAsExpr(stmts[0])
	return n
}

// stmtAsExpr gives the expression form of a statement used as a body.
func stmtAsExpr(s Stmt) Expr {
	if es, ok := s.(*ExprStmt); ok {
		return es.X
	}
	return &StmtExpr{P: s.Position(), Stmt: s}
}

// parseSwitch parses `switch x { cases }`. Case values are constants
// (literals, arrays and maps of them, integer ranges), `|` separates
// alternatives, `if` adds a guard, and `_` is the default, which must come
// last and cannot have a guard. As in Rhai, a numeric case cannot follow a
// range case.
func (p *parser) parseSwitch() Expr {
	p.enter()
	n := &SwitchExpr{P: p.tok.pos}
	saved := p.lv
	defer func() { p.lv = saved }()
	p.upAt(n.P)
	p.next()
	n.X = p.parseExpr()
	p.expect(tLBrace, "to start the switch block")
	sawDefault, sawRange := false, false
	orPrec, _ := binaryPrec(tPipe)
	for p.tok.kind != tRBrace {
		if p.tok.kind == tEOF {
			p.unexpected("'}' to close the switch block")
		}
		if sawDefault {
			p.errorf(p.tok.pos, "The default case '_' must be the last case of the switch")
		}
		c := &SwitchCase{P: p.tok.pos}
		if p.tok.kind == tUnderscore {
			c.Default = true
			sawDefault = true
			p.next()
			if p.tok.kind == tIf {
				p.errorf(p.tok.pos, "The default case '_' of a switch cannot have a condition")
			}
		} else {
			for {
				v := p.parseCaseValue(orPrec + 1)
				switch lit := v.(type) {
				case *IntLit, *FloatLit:
					if sawRange {
						p.errorf(v.Position(), "A numeric switch case cannot follow a range case")
					}
				case *BinaryExpr:
					if lit.Op == ".." || lit.Op == "..=" {
						sawRange = true
					}
				}
				if !isConstCase(v) {
					p.errorf(v.Position(), "Expecting a constant value for the switch case")
				}
				c.Values = append(c.Values, v)
				if p.tok.kind != tPipe {
					break
				}
				p.next()
			}
			if p.tok.kind == tIf {
				p.next()
				c.Cond = p.condition()
			}
		}
		p.expect(tArrow, "after the switch case")
		var stmts []Stmt
		var selfTerminated bool
		switch p.tok.kind {
		case tFn, tPrivate:
			p.errorf(p.tok.pos, "Functions can only be defined at global level, not inside a switch")
		}
		stmts, selfTerminated = p.parseStmt(stmts, false)
		c.Body = stmtAsExpr(stmts[0])
		n.Cases = append(n.Cases, c)
		switch p.tok.kind {
		case tComma:
			p.next()
		case tRBrace:
		default:
			if !selfTerminated {
				p.unexpected("',' to separate the switch cases")
			}
		}
	}
	p.next()
	p.leave()
	return n
}

// parseCaseValue parses a switch case value; as in Rhai, running into the
// depth limit there reads as a missing literal.
func (p *parser) parseCaseValue(minPrec int) Expr {
	defer func() {
		if r := recover(); r != nil {
			if isTooDeep(r) {
				r = &Error{Pos: r.(*Error).Pos, Msg: "Expecting literal expression"}
			}
			panic(r)
		}
	}()
	return p.parseExprFrom(minPrec)
}

// isConstCase reports whether a switch case value is a compile-time constant.
func isConstCase(e Expr) bool {
	switch t := e.(type) {
	case *IntLit, *FloatLit, *BoolLit, *CharLit, *StringLit, *UnitLit:
		return true
	case *ArrayLit:
		for _, x := range t.Elems {
			if !isConstCase(x) {
				return false
			}
		}
		return true
	case *MapLit:
		for _, x := range t.Values {
			if !isConstCase(x) {
				return false
			}
		}
		return true
	case *BinaryExpr:
		if t.Op != ".." && t.Op != "..=" || t.X == nil || t.Y == nil {
			return false
		}
		_, okX := t.X.(*IntLit)
		_, okY := t.Y.(*IntLit)
		return okX && okY
	}
	return false
}
