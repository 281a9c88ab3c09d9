package syntax

import (
	"fmt"
	"unicode/utf8"
)

// DefaultMaxExprDepth is the nesting bound used when Options.MaxExprDepth is 0.
const DefaultMaxExprDepth = 256

// Rhai's own expression-depth limits (Engine::new(), release build): the
// levels its parser counts may reach 64 at global level and 32 inside a
// function body; a closure keeps the limit of where it is written.
const (
	RhaiMaxExprDepth   = 64
	RhaiMaxFnExprDepth = 32
)

// errTooDeep is Rhai's PERR::ExprTooDeep message.
const errTooDeep = "Expression exceeds maximum complexity"

// Parse parses a whole Rhai script. Errors are *Error, positioned at the
// offending token. Parse never panics and never recurses deeper than
// Options.MaxExprDepth levels of nesting, whatever the input.
func Parse(src string, opts *Options) (script *Script, err error) {
	if !utf8.ValidString(src) {
		return nil, &Error{Pos: invalidUTF8Pos(src), Msg: "Invalid UTF-8 in script"}
	}
	p := newParser(src, opts)
	defer func() {
		if r := recover(); r != nil {
			script = nil
			if e, ok := r.(*Error); ok {
				err = e
				return
			}
			// A bug in the parser, not in the script: report it as an error
			// at the current position rather than crash the host.
			err = &Error{Pos: p.tok.pos, Msg: fmt.Sprintf("internal parser error: %v", r)}
		}
	}()
	p.next()
	return p.parseScript(), nil
}

func invalidUTF8Pos(src string) Pos {
	pos := Pos{1, 1}
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRuneInString(src[i:])
		if r == utf8.RuneError && n <= 1 {
			return pos
		}
		if r == '\n' {
			pos.Line++
			pos.Col = 1
		} else {
			pos.Col++
		}
		i += n
	}
	return pos
}

type fnKey struct {
	name     string
	arity    int
	thisType string
}

// parser is a recursive-descent parser with one token of lookahead.
// Errors panic with *Error and are recovered once, in Parse.
type parser struct {
	sc       *scanner
	tok      token
	depth    int
	maxDepth int
	loops    int // loops enclosing the current point, within the current function
	fnDepth  int // enclosing function bodies and closures: `this` is legal inside one
	scope    scope
	fns      map[fnKey]bool
	script   *Script
	// prev is the kind of the token before tok: Rhai's tokenizer joins a
	// minus to the number after it only where an operand must follow.
	prev tokKind
	// lv mirrors the level and position of Rhai's ParseSettings at the
	// current point; lvMax is its max_expr_depth (64, 32 in a function).
	// Every parse function leaves lv as it found it, as Rhai passes its
	// settings by value.
	lv    level
	lvMax int
	// rangeZero is the 0 Rhai reads in place of a missing range start
	// (`..5` is `0..5`); the range built on it keeps a nil start.
	rangeZero Expr
}

// level is the part of Rhai's ParseSettings that the depth limit uses.
type level struct {
	n   int
	pos Pos
}

func newParser(src string, opts *Options) *parser {
	p := &parser{sc: newScanner(src), maxDepth: DefaultMaxExprDepth, script: &Script{},
		lv: level{0, Pos{1, 1}}, lvMax: RhaiMaxExprDepth}
	if opts != nil && opts.MaxExprDepth > 0 {
		p.maxDepth = opts.MaxExprDepth
	}
	return p
}

func (p *parser) next() {
	p.prev = p.tok.kind
	p.sc.next(&p.tok)
}

func (p *parser) errorf(pos Pos, format string, args ...any) {
	panic(&Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// unexpected reports the current token where something else was needed.
func (p *parser) unexpected(what string) {
	if p.tok.kind == tEOF {
		p.errorf(p.tok.pos, "Script is incomplete: expecting %s", what)
	}
	p.errorf(p.tok.pos, "Expecting %s, found %s", what, p.describe())
}

func (p *parser) describe() string {
	switch p.tok.kind {
	case tIdent:
		return "'" + p.tok.text + "'"
	case tInt:
		return "an integer literal"
	case tFloat, tString, tChar, tTemplate:
		return "a " + p.tok.kind.String() + " literal"
	case tOpAssign:
		return "'" + p.tok.text + "='"
	case tEOF:
		return "end of script"
	}
	return "'" + p.tok.kind.String() + "'"
}

// expect consumes a token of kind k or fails with "Expecting 'k' <why>".
func (p *parser) expect(k tokKind, why string) Pos {
	if p.tok.kind != k {
		p.errorf(p.tok.pos, "Expecting '%s' %s", k, why)
	}
	pos := p.tok.pos
	p.next()
	return pos
}

// enter guards one level of recursion against Options.MaxExprDepth.
func (p *parser) enter() {
	p.depth++
	if p.depth > p.maxDepth {
		p.errorf(p.tok.pos, "Expression exceeds maximum complexity (nesting deeper than %d)", p.maxDepth)
	}
}

func (p *parser) leave() { p.depth-- }

// up is Rhai's ParseSettings::level_up: one level more, or ExprTooDeep at
// the settings' position once the level reaches the limit.
func (p *parser) up() {
	if p.lv.n >= p.lvMax {
		p.errorf(p.lv.pos, errTooDeep)
	}
	p.lv.n++
}

// upAt is level_up_with_position: the check uses the old position.
func (p *parser) upAt(pos Pos) {
	p.up()
	p.lv.pos = pos
}

// isTooDeep reports whether r (a recovered panic) is Rhai's depth error.
func isTooDeep(r any) bool {
	e, ok := r.(*Error)
	return ok && e.Msg == errTooDeep
}

// ident consumes a name usable for a variable, parameter or function.
func (p *parser) ident(what string) (string, Pos) {
	if p.tok.kind != tIdent {
		if p.tok.kind >= tLet && p.tok.kind <= tFalse {
			p.errorf(p.tok.pos, "Expecting name of a variable") // Rhai's words: a keyword is no name
		}
		p.unexpected(what)
	}
	name, pos := p.tok.text, p.tok.pos
	if isReserved(name) || isSpecialName(name) {
		p.errorf(pos, "'%s' is a reserved keyword", name)
	}
	if improper(name) {
		p.errorf(pos, "Variable name is not proper: '%s'", name)
	}
	p.next()
	return name, pos
}

// fnName consumes the name in a function definition: as ident, but a
// keyword or a name Rhai's tokenizer refuses reads as no name at all.
func (p *parser) fnName() (string, Pos) {
	if p.tok.kind >= tLet && p.tok.kind <= tFalse || p.tok.kind == tIdent && improper(p.tok.text) {
		p.errorf(p.tok.pos, "Expecting function name in function declaration")
	}
	return p.ident("the name of the function")
}

// improper reports a name Rhai's tokenizer refuses as an identifier: one
// that starts with an underscore (`_x`).
func improper(name string) bool { return len(name) > 0 && name[0] == '_' }

// ---- statements ----

func (p *parser) parseScript() *Script {
	p.script.Stmts = p.parseStmts(nil, tEOF, true)
	return p.script
}

// parseStmts parses statements up to (not including) the end token.
// A statement needs a `;` unless it ends in a block or is the last one.
func (p *parser) parseStmts(stmts []Stmt, end tokKind, global bool) []Stmt {
	for p.tok.kind != end {
		switch p.tok.kind {
		case tEOF:
			p.errorf(p.tok.pos, "Expecting '}' to close the statements block")
		case tSemi:
			p.next()
			continue
		case tFn, tPrivate:
			if !global {
				p.errorf(p.tok.pos, "Functions can only be defined at global level, not inside a block or another function")
			}
			p.parseFn()
			continue
		}
		var selfTerminated bool
		stmts, selfTerminated = p.parseStmt(stmts, global)
		switch p.tok.kind {
		case tSemi:
			if es, ok := stmts[len(stmts)-1].(*ExprStmt); ok {
				es.Semi = true
			}
			p.next()
		case end:
		case tEOF:
			p.errorf(p.tok.pos, "Expecting '}' to close the statements block")
		case tAssign:
			p.errorf(p.tok.pos, "Possibly a typo of '=='? (assignment is a statement, not an expression)")
		default:
			if !selfTerminated {
				p.errorf(p.tok.pos, "Expecting ';' to terminate this statement")
			}
		}
	}
	return stmts
}

// parseStmt appends one statement (two for `export let`) and reports whether
// it ends in a block and so needs no `;`. Levels are counted as in Rhai's
// parse_stmt: one for every statement but `;` and `continue`.
func (p *parser) parseStmt(stmts []Stmt, global bool) ([]Stmt, bool) {
	saved := p.lv
	stmts, selfTerminated := p.parseStmtAt(stmts, global)
	p.lv = saved
	return stmts, selfTerminated
}

// parseStmtAt is parseStmt, leaving p.lv changed.
func (p *parser) parseStmtAt(stmts []Stmt, global bool) ([]Stmt, bool) {
	pos := p.tok.pos
	p.lv.pos = pos
	switch p.tok.kind {
	case tLBrace:
		p.up()
		return append(stmts, &ExprStmt{P: pos, X: p.parseBlock()}), true
	case tIf:
		p.up()
		return append(stmts, &ExprStmt{P: pos, X: p.parseIf()}), true
	case tSwitch:
		p.up()
		return append(stmts, &ExprStmt{P: pos, X: p.parseSwitch()}), true
	case tWhile:
		p.up()
		return append(stmts, p.parseWhile()), true
	case tLoop:
		p.up()
		return append(stmts, p.parseLoop()), true
	case tFor:
		p.up()
		return append(stmts, p.parseFor()), true
	case tDo:
		p.up()
		return append(stmts, p.parseDo()), false
	case tTry:
		p.up()
		return append(stmts, p.parseTry()), true
	case tLet, tConst:
		p.up()
		return append(stmts, p.parseLet()), false
	case tBreak:
		if p.loops == 0 {
			p.errorf(pos, "'break' can only be used inside a loop")
		}
		p.up()
		p.next()
		return append(stmts, &BreakStmt{P: pos, Value: p.optionalValue()}), false
	case tContinue:
		if p.loops == 0 {
			p.errorf(pos, "'continue' can only be used inside a loop")
		}
		p.next()
		return append(stmts, &ContinueStmt{P: pos}), false
	case tReturn:
		p.up()
		p.next()
		return append(stmts, &ReturnStmt{P: pos, Value: p.optionalValue()}), false
	case tThrow:
		p.up()
		p.next()
		return append(stmts, &ThrowStmt{P: pos, Value: p.optionalValue()}), false
	case tImport:
		p.up()
		return append(stmts, p.parseImport()), false
	case tExport:
		if !global {
			p.errorf(pos, "'export' can only be used at global level")
		}
		p.up()
		return p.parseExport(stmts), false
	case tFn, tPrivate:
		p.errorf(pos, "Functions can only be defined at global level, not inside a block or another function")
	}
	p.up() // parse_expr_stmt
	x := p.parseExpr()
	if p.tok.kind == tAssign || p.tok.kind == tOpAssign {
		op := ""
		if p.tok.kind == tOpAssign {
			op = p.tok.text
		}
		p.checkAssignTarget(x)
		opPos := p.tok.pos
		p.next()
		return append(stmts, opAssign(&AssignStmt{P: pos, Target: x, Op: op, Value: p.parseExpr(), OpP: opPos})), false
	}
	return append(stmts, &ExprStmt{P: pos, X: x}), false
}

// optionalValue parses the value of break/return/throw when one follows.
//
// As in Rhai, a value whose parse fails on Rhai's depth limit before it
// consumes a token is no value: the statement ends there.
func (p *parser) optionalValue() (x Expr) {
	if !canStartExpr(p.tok.kind) {
		return nil
	}
	start := p.tok.pos
	defer func() {
		if r := recover(); r != nil {
			if !isTooDeep(r) || p.tok.pos != start {
				panic(r)
			}
			x = nil
		}
	}()
	return p.parseExpr()
}

// parseBlock parses `{ stmts }` with its own variable scope.
func (p *parser) parseBlock() *BlockExpr {
	if p.tok.kind != tLBrace {
		p.unexpected("'{' to start a statements block")
	}
	return p.parseBlockAfter(nil)
}

// parseBlockAfter parses a block; decls are declared inside its scope
// (loop variables, catch variable).
func (p *parser) parseBlockAfter(decls []string) *BlockExpr {
	p.enter()
	pos := p.tok.pos
	saved := p.lv
	p.upAt(pos)
	p.next()
	mark := p.scope.mark()
	for _, d := range decls {
		p.scope.declare(d, false)
	}
	stmts := p.parseStmts(nil, tRBrace, false)
	p.next()
	p.scope.popTo(mark)
	p.lv = saved
	p.leave()
	return &BlockExpr{P: pos, Stmts: stmts}
}

// loopBody parses the body block of a loop statement.
func (p *parser) loopBody(decls ...string) *BlockExpr {
	if p.tok.kind != tLBrace {
		p.unexpected("'{' to start the loop body")
	}
	p.loops++
	b := p.parseBlockAfter(decls)
	p.loops--
	return b
}

func (p *parser) parseIf() *IfExpr {
	p.enter()
	pos := p.tok.pos
	saved := p.lv
	p.upAt(pos)
	p.next()
	cond := p.condition()
	if p.tok.kind != tLBrace {
		p.unexpected("'{' to start the body of the if statement")
	}
	n := &IfExpr{P: pos, Cond: cond, Then: p.parseBlock()}
	if p.tok.kind == tElse {
		p.next()
		switch p.tok.kind {
		case tIf:
			n.Else = p.parseIf()
		case tLBrace:
			n.Else = p.parseBlock()
		default:
			p.unexpected("'{' or 'if' after 'else'")
		}
	}
	p.lv = saved
	p.leave()
	return n
}

// condition parses the condition of if/while/do, catching the classic `=`
// typo with Rhai's hint.
func (p *parser) condition() Expr {
	p.notBlock("a boolean")
	x := p.parseExpr()
	if p.tok.kind == tAssign {
		p.errorf(p.tok.pos, "Possibly a typo of '=='? (assignment is a statement, not an expression)")
	}
	return ensureBool(p, x)
}

// notBlock rejects a statement block where Rhai wants a condition or an
// iterable: `if { x } { }` is an error, not a block used as a value.
func (p *parser) notBlock(what string) {
	if p.tok.kind == tLBrace {
		p.errorf(p.tok.pos, "Expecting %s expression", what)
	}
}

// literalKind names the type of a literal for error messages, or "".
func literalKind(x Expr) string {
	switch x.(type) {
	case *UnitLit:
		return "()"
	case *BoolLit:
		return "a boolean"
	case *IntLit:
		return "a number"
	case *FloatLit:
		return "a floating-point number"
	case *CharLit:
		return "a character"
	case *StringLit, *InterpString:
		return "a string"
	case *ArrayLit:
		return "an array"
	case *MapLit:
		return "an object map"
	}
	return ""
}

// ensureBool rejects a literal that can never be a boolean where one is
// needed (conditions, operands of && and ||), at parse time as Rhai does.
func ensureBool(p *parser, x Expr) Expr {
	if k := literalKind(x); k != "" && k != "a boolean" {
		p.errorf(x.Position(), "Expecting a boolean expression, not %s", k)
	}
	return x
}

// ensureIterable rejects a literal that a for loop can never iterate.
func ensureIterable(p *parser, x Expr) Expr {
	switch k := literalKind(x); k {
	case "()", "a boolean", "a number", "a floating-point number", "a character", "an object map":
		p.errorf(x.Position(), "Expecting an iterable expression, not %s", k)
	}
	return x
}

func (p *parser) parseWhile() *WhileStmt {
	pos := p.tok.pos
	saved := p.lv
	p.up()
	p.next()
	cond := p.condition()
	p.lv.pos = pos
	n := &WhileStmt{P: pos, Cond: cond, Body: p.loopBody()}
	p.lv = saved
	return n
}

func (p *parser) parseLoop() *LoopStmt {
	pos := p.tok.pos
	saved := p.lv
	p.up()
	p.lv.pos = pos
	p.next()
	n := &LoopStmt{P: pos, Body: p.loopBody()}
	p.lv = saved
	return n
}

func (p *parser) parseDo() *DoStmt {
	pos := p.tok.pos
	saved := p.lv
	defer func() { p.lv = saved }()
	p.upAt(pos)
	p.next()
	n := &DoStmt{P: pos, Body: p.loopBody()}
	switch p.tok.kind {
	case tWhile:
	case tUntil:
		n.Until = true
	default:
		p.unexpected("'while' or 'until' after the body of the do loop")
	}
	p.next()
	n.Cond = p.condition()
	return n
}

func (p *parser) parseFor() *ForStmt {
	n := &ForStmt{P: p.tok.pos}
	saved := p.lv
	defer func() { p.lv = saved }()
	p.upAt(n.P)
	p.next()
	if p.tok.kind == tLParen {
		p.next()
		n.Var, _ = p.ident("the name of the loop variable")
		p.expect(tComma, "to separate the loop variable from the counter variable")
		var cpos Pos
		n.Counter, cpos = p.ident("the name of the counter variable")
		if n.Counter == n.Var {
			p.errorf(cpos, "Duplicated variable '%s' in the for loop", n.Var)
		}
		p.expect(tRParen, "to close the for loop variables")
	} else {
		n.Var, _ = p.ident("the name of the loop variable")
	}
	p.expect(tIn, "after the for loop variable")
	p.notBlock("a boolean") // sic: Rhai says "boolean" here too
	n.Iter = ensureIterable(p, p.parseExpr())
	if n.Counter != "" {
		n.Body = p.loopBody(n.Var, n.Counter)
	} else {
		n.Body = p.loopBody(n.Var)
	}
	return n
}

func (p *parser) parseTry() *TryStmt {
	n := &TryStmt{P: p.tok.pos}
	saved := p.lv
	defer func() { p.lv = saved }()
	p.upAt(n.P)
	p.next()
	n.Body = p.parseBlock()
	p.expect(tCatch, "after the body of the try block")
	if p.tok.kind == tLParen {
		p.next()
		n.ErrVar, _ = p.ident("the name of the error variable")
		p.expect(tRParen, "to close the catch variable")
	}
	if p.tok.kind != tLBrace {
		p.unexpected("'{' to start the catch block")
	}
	if n.ErrVar != "" {
		n.Catch = p.parseBlockAfter([]string{n.ErrVar})
	} else {
		n.Catch = p.parseBlockAfter(nil)
	}
	return n
}

func (p *parser) parseLet() *LetStmt {
	n := &LetStmt{P: p.tok.pos, Const: p.tok.kind == tConst}
	saved := p.lv
	p.lv.pos = n.P
	p.next()
	n.Name, _ = p.ident("the name of a variable")
	if p.tok.kind == tAssign {
		p.next()
		p.up()
		n.Value = p.parseExpr()
	}
	p.lv = saved
	p.scope.declare(n.Name, n.Const)
	return n
}

func (p *parser) parseImport() *ImportStmt {
	n := &ImportStmt{P: p.tok.pos}
	saved := p.lv
	defer func() { p.lv = saved }()
	p.upAt(n.P)
	p.next()
	n.Path = p.parseExpr()
	if p.tok.kind == tAs {
		p.next()
		n.Alias, _ = p.ident("the module alias after 'as'")
	}
	return n
}

// parseExport parses `export a, b as c;` or `export let/const x = v;` (the
// latter gives the declaration plus an ExportStmt naming it).
func (p *parser) parseExport(stmts []Stmt) []Stmt {
	pos := p.tok.pos
	p.next()
	if p.tok.kind == tLet || p.tok.kind == tConst {
		saved := p.lv
		p.lv.pos = pos
		p.up()
		let := p.parseLet()
		p.lv = saved
		return append(stmts, let, &ExportStmt{P: pos, Names: []string{let.Name}, Aliases: []string{""}})
	}
	n := &ExportStmt{P: pos}
	for {
		name, _ := p.ident("the name of a variable to export")
		alias := ""
		if p.tok.kind == tAs {
			p.next()
			alias, _ = p.ident("an alias after 'as'")
		}
		n.Names, n.Aliases = append(n.Names, name), append(n.Aliases, alias)
		if p.tok.kind != tComma {
			break
		}
		p.next()
	}
	return append(stmts, n)
}

// parseFn parses a top-level `[private] fn name(params) { body }`.
func (p *parser) parseFn() {
	fn := &FnDef{P: p.tok.pos, Doc: p.tok.doc}
	if p.tok.kind == tPrivate {
		fn.Private = true
		p.next()
		if p.tok.kind != tFn {
			p.unexpected("'fn' after 'private'")
		}
	}
	fnPos := p.tok.pos
	p.next()
	if p.tok.kind == tString { // fn "Type".name()
		fn.ThisType = p.tok.text
		p.next()
		if p.tok.kind != tDot {
			p.unexpected("'.' after the type name for 'this'")
		}
	} else {
		fn.Name, _ = p.fnName()
	}
	if p.tok.kind == tDot { // fn type.name()
		if fn.ThisType == "" {
			fn.ThisType = fn.Name
		}
		switch fn.ThisType {
		case "int":
			fn.ThisType = "i64"
		case "float":
			fn.ThisType = "f64"
		}
		p.next()
		fn.Name, _ = p.fnName()
	}
	switch p.tok.kind {
	case tUnit:
		p.next()
	case tLParen:
		p.next()
		var seen nameSet
		for p.tok.kind != tRParen {
			name, pos := p.ident("the name of a parameter")
			if !seen.add(name) {
				p.errorf(pos, "Duplicated parameter '%s' for function '%s'", name, fn.Name)
			}
			fn.Params = append(fn.Params, name)
			if p.tok.kind == tComma {
				p.next()
				continue
			}
			if p.tok.kind != tRParen {
				p.errorf(p.tok.pos, "Expecting ')' to close the parameters list of function '%s'", fn.Name)
			}
		}
		p.next()
	default:
		p.unexpected(fmt.Sprintf("'(' to start the parameters list of function '%s'", fn.Name))
	}
	key := fnKey{fn.Name, len(fn.Params), fn.ThisType}
	if p.fns[key] {
		p.errorf(fn.P, "Function '%s' with %d parameter(s) is defined more than once", fn.Name, len(fn.Params))
	}
	if p.fns == nil {
		p.fns = map[fnKey]bool{}
	}
	p.fns[key] = true
	if p.tok.kind != tLBrace {
		p.unexpected(fmt.Sprintf("'{' to start the body of function '%s'", fn.Name))
	}
	// A function sees only its parameters (and globals through global::),
	// and loops outside it do not make `break` legal inside it.
	// Rhai parses a function body afresh at level 0 under
	// max_function_expr_depth; parse_fn counts one level before the block.
	savedScope, savedLoops, savedLv, savedMax := p.scope, p.loops, p.lv, p.lvMax
	p.scope, p.loops = scope{}, 0
	p.lv, p.lvMax = level{0, fnPos}, RhaiMaxFnExprDepth
	p.up()
	p.fnDepth++
	fn.Body = p.parseBlockAfter(fn.Params)
	p.fnDepth--
	p.scope, p.loops, p.lv, p.lvMax = savedScope, savedLoops, savedLv, savedMax
	p.script.Fns = append(p.script.Fns, fn)
}

// checkAssignTarget accepts a variable, or an index/property chain rooted at
// a variable; anything else (a literal, a call, an operator) is rejected at
// parse time as in Rhai, and so is assigning to a constant. A qualified
// name (`m::x = 1`) is accepted, as Rhai does: it fails when it runs.
func (p *parser) checkAssignTarget(x Expr) {
	if id, ok := x.(*Ident); ok {
		if id.Namespace == "" && p.scope.isConst(id.Name) {
			p.errorf(id.P, "Cannot assign to constant '%s'", id.Name)
		}
		return
	}
	switch t := x.(type) {
	case *IndexExpr:
		if isPlace(t.X) {
			return
		}
	case *PropExpr:
		if isPlace(t.X) {
			return
		}
	}
	p.errorf(x.Position(), "Cannot assign to this expression: only a variable, an index or a property can be assigned")
}

// isPlace reports whether e names storage: a variable (qualified too) or
// an index or property chain rooted at one.
func isPlace(e Expr) bool {
	for {
		switch t := e.(type) {
		case *IndexExpr:
			e = t.X
		case *PropExpr:
			e = t.X
		case *Ident:
			return true
		default:
			return false
		}
	}
}

// opAssign rewrites `x = x op y` as `x op= y`, as Rhai's optimiser does for
// a plain variable: the compound form is what runs (so `b = b + "s"` on a
// BLOB appends, `a = a + 1` on an array pushes).
func opAssign(s *AssignStmt) *AssignStmt {
	t, ok := s.Target.(*Ident)
	if !ok || s.Op != "" || t.Namespace != "" {
		return s
	}
	b, ok := s.Value.(*BinaryExpr)
	if !ok {
		return s
	}
	switch b.Op {
	case "+", "-", "*", "/", "%", "**", "<<", ">>", "&", "|", "^":
	default:
		return s
	}
	if x, ok := b.X.(*Ident); ok && x.Namespace == "" && x.Name == t.Name {
		return &AssignStmt{P: s.P, Target: s.Target, Op: b.Op, Value: b.Y, OpP: b.P}
	}
	return s
}
