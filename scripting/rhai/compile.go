package rhai

import (
	"fmt"
	"maps"
	"reflect"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// fnKey identifies a script function: Rhai overloads by arity.
type fnKey struct {
	name  string
	arity int
}

// fnProto is a compiled script function, closure body or the top level.
type fnProto struct {
	name   string
	params []string
	nslots int
	boxed  []int // parameter slots shared with closures: wrapped in cells on entry
	body   evalFn
	caps   []capInfo // closures: where the creating frame keeps each captured cell
	// externals are a closure's captured names in Rhai's order (first
	// appearance), which numbers them as the closure's leading arguments.
	externals []string
	pos       syntax.Pos
	private   bool
	// owned: the function's result never shares storage with anything
	// that outlives the call, so callers need not copy it (moves.go).
	owned bool
}

// capInfo says how a closure gets one captured variable from the frame that
// creates it: a boxed slot of that frame, or one of that frame's own cells.
type capInfo struct {
	name    string
	fromCap bool
	idx     int
	isConst bool
}

// compiler holds what is shared while compiling one script.
type compiler struct {
	eng   *Engine
	fns   map[fnKey]*fnProto
	typed map[typedKey]*fnProto // methods bound to a receiver type
	defs  []*syntax.FnDef
	// boxed remembers, per function node, which declarations (by their
	// order of appearance) closures capture; a function whose declarations
	// turn out captured during its compilation is compiled again with them
	// boxed from the start.
	boxed map[any]map[int]bool
	// prog is the Program being compiled (filled in at the end), so that
	// compiled code can tell at run time whether it runs as part of it.
	prog *Program
}

// scopeVar is a variable visible during compilation.
type scopeVar struct {
	name      string
	slot      int
	boxed     bool
	isConst   bool
	ord       int
	depth     int  // block nesting where it was declared
	inherited bool // seen by eval'd code: a variable of the caller's frame
	captured  bool // a closure compiled so far captures it (is_shared)
}

// fnComp compiles one function body.
type fnComp struct {
	c         *compiler
	node      any
	parent    *fnComp // enclosing function of a closure; nil otherwise
	vars      []*scopeVar
	nslots    int
	ordinal   int
	caps      []capInfo
	capNames  []string
	recompile bool
	isTop     bool
	loops     int
	scopes    int             // block nesting, to recognise the top-level scope
	inlining  []*syntax.FnDef // functions being compiled inline for `f!()`
	inlined   int             // `f!()` bodies compiled inline so far
	imports   int             // import statements compiled so far (modules.go)
	// caught are the hidden slots of the enclosing catch blocks' errors,
	// innermost last: a bare `throw;` in one rethrows its error (stmt.go).
	caught []caughtSlots
	// blocks are the blocks being compiled, outermost first, and
	// byName* cache whether the function reaches variables by name
	// (moves.go).
	blocks                   []blockCursor
	byNameKnown, byNameFound bool
	tailOwned                bool // the body's last statement gives an owned value
	// evalBase is set when the function calls eval(): the first of its
	// spare slots, filled in once the function is compiled.
	evalBase *int
	// evalLimit and evalScope are set when compiling the text given to
	// eval(): the slot limit, and how many variables came from the caller.
	evalLimit int
	evalScope int
	// evalShadow holds the variables of outer blocks that an eval() call
	// compiled so far may have shadowed with a `let` of its own: until the
	// eval's block ends, their reads look for the shadow first. The value
	// is the block nesting of the eval call.
	evalShadow map[*scopeVar]int
	// hoisted are the arguments of the chain being compiled that were
	// evaluated ahead, and their hidden slots (order.go).
	hoisted map[syntax.Expr]int
}

// compileScript compiles a parsed script into a Program.
func (e *Engine) compileScript(s *syntax.Script) (p *Program, err error) {
	c := &compiler{eng: e, fns: map[fnKey]*fnProto{}, defs: s.Fns, boxed: map[any]map[int]bool{}, prog: &Program{}}
	defer func() {
		if r := recover(); r != nil {
			ce, ok := r.(*Error)
			if !ok {
				ce = &Error{Kind: ErrParse, Message: fmt.Sprintf("internal compiler error: %v", r)}
			}
			p, err = nil, ce
		}
	}()
	for _, fd := range s.Fns {
		if fd.ThisType != "" {
			c.typedFn(fd)
			continue
		}
		k := fnKey{fd.Name, len(fd.Params)}
		if _, dup := c.fns[k]; dup {
			panic(errAt(ErrParse, fd.P, "Function '%s' with %d parameters already exists", fd.Name, len(fd.Params)))
		}
		c.fns[k] = &fnProto{name: fd.Name, params: fd.Params, pos: fd.P, private: fd.Private}
	}
	for _, fd := range s.Fns {
		proto := c.fns[fnKey{fd.Name, len(fd.Params)}]
		if fd.ThisType != "" {
			proto = c.typed[typedKey{fd.Name, len(fd.Params), fd.ThisType}]
		}
		c.compileFn(proto, fd, nil, fd.Params, func(fc *fnComp) evalFn { return fc.blockBody(fd.Body.Stmts) })
	}
	main := &fnProto{name: "", pos: syntax.Pos{Line: 1, Col: 1}}
	c.compileFn(main, s, nil, nil, func(fc *fnComp) evalFn {
		fc.isTop = true
		return fc.blockBody(s.Stmts)
	})
	names := map[string]bool{}
	for k := range c.fns {
		names[k.name] = true
	}
	for k := range c.typed {
		names[k.name] = true
	}
	*c.prog = Program{main: main, fns: c.fns, fnNames: names, typed: c.typed}
	return c.prog, nil
}

// typedKey identifies a method bound to one receiver type, `fn int.f(x)`:
// the receiver's type_of name ("i64", "string", ...).
type typedKey struct {
	name  string
	arity int
	typ   string
}

// typedFn declares a typed method. Calls as methods on a receiver of its
// type find it before a plain function of the same name and arity (the
// catch-all); it is never called as a plain function.
func (c *compiler) typedFn(fd *syntax.FnDef) {
	if c.typed == nil {
		c.typed = map[typedKey]*fnProto{}
	}
	c.typed[typedKey{fd.Name, len(fd.Params), fd.ThisType}] = &fnProto{name: fd.Name, params: fd.Params, pos: fd.P, private: fd.Private}
}

// compileFn compiles a function body into proto, repeating when closures
// inside turn out to capture variables declared before them.
func (c *compiler) compileFn(proto *fnProto, node any, parent *fnComp, params []string, body func(*fnComp) evalFn) {
	for {
		fc := &fnComp{c: c, node: node, parent: parent}
		proto.boxed = proto.boxed[:0]
		for _, p := range params {
			v := fc.declare(p, false)
			if v.boxed {
				proto.boxed = append(proto.boxed, v.slot)
			}
		}
		b := body(fc)
		if fc.recompile {
			continue
		}
		if fc.evalBase != nil {
			*fc.evalBase = fc.nslots
			fc.nslots += evalSpareSlots
		}
		proto.body, proto.nslots, proto.caps = b, fc.nslots, fc.caps
		_, isFn := node.(*syntax.FnDef)
		proto.owned = isFn && fc.tailOwned
		return
	}
}

func (fc *fnComp) fail(pos syntax.Pos, format string, args ...any) {
	panic(errAt(ErrParse, pos, format, args...))
}

// declare adds a variable to the innermost scope, in a new slot.
func (fc *fnComp) declare(name string, isConst bool) *scopeVar {
	ord := fc.ordinal
	fc.ordinal++
	if fc.evalLimit > 0 {
		// In eval'd text, a `let` of a variable declared in the same block
		// of the caller replaces it; others take one of the spare slots.
		for i := len(fc.vars) - 1; i >= 0; i-- {
			if v := fc.vars[i]; v.inherited && v.name == name && v.depth == fc.scopes && !v.boxed {
				v.isConst = isConst
				return v
			}
		}
		if fc.nslots >= fc.evalLimit {
			fc.fail(syntax.Pos{}, "eval declares too many variables (at most %d)", evalSpareSlots)
		}
	}
	v := &scopeVar{name: name, slot: fc.nslots, isConst: isConst, boxed: fc.c.boxed[fc.node][ord], depth: fc.scopes}
	fc.nslots++
	v.ord = ord
	fc.vars = append(fc.vars, v)
	return v
}

// varRef is how compiled code reaches a variable.
type varRef struct {
	kind    refKind
	idx     int
	isConst bool
	name    string
}

type refKind uint8

const (
	refNone  refKind = iota
	refLocal         // plain slot
	refBoxed         // slot holding a cell
	refCap           // frame.cells[idx]
)

// evalShadowed reports whether a read of name may find a variable that an
// eval() call in the current block declared over an outer block's one.
func (fc *fnComp) evalShadowed(name string) bool {
	for i := len(fc.vars) - 1; i >= 0; i-- {
		if v := fc.vars[i]; v.name == name {
			_, ok := fc.evalShadow[v]
			return ok
		}
	}
	return false
}

// lookup resolves a name to a local, boxed or captured variable.
func (fc *fnComp) lookup(name string) varRef {
	for i := len(fc.vars) - 1; i >= 0; i-- {
		v := fc.vars[i]
		if v.name == name {
			if v.boxed {
				return varRef{refBoxed, v.slot, v.isConst, name}
			}
			return varRef{refLocal, v.slot, v.isConst, name}
		}
	}
	for j, n := range fc.capNames {
		if n == name {
			return varRef{refCap, j, fc.caps[j].isConst, name}
		}
	}
	if fc.parent == nil {
		return varRef{kind: refNone, name: name}
	}
	r := fc.parent.lookupForCapture(name)
	if r.kind == refNone {
		return r
	}
	fc.caps = append(fc.caps, capInfo{name: name, fromCap: r.kind == refCap, idx: r.idx, isConst: r.isConst})
	fc.capNames = append(fc.capNames, name)
	return varRef{refCap, len(fc.caps) - 1, r.isConst, name}
}

// lookupForCapture resolves name for an inner closure, boxing the variable.
func (fc *fnComp) lookupForCapture(name string) varRef {
	for i := len(fc.vars) - 1; i >= 0; i-- {
		v := fc.vars[i]
		if v.name == name {
			if !v.boxed && v.inherited {
				fc.fail(syntax.Pos{}, "a closure in eval'd code cannot capture the caller's variable %s", name)
			}
			if !v.boxed {
				m := fc.c.boxed[fc.node]
				if m == nil {
					m = map[int]bool{}
					fc.c.boxed[fc.node] = m
				}
				m[v.ord] = true
				v.boxed = true
				fc.recompile = true
			}
			v.captured = true
			return varRef{refBoxed, v.slot, v.isConst, name}
		}
	}
	r := fc.lookup(name)
	return r
}

// blockBody compiles statements in a new scope; the value is the last
// statement's when it is an expression without `;`.
func (fc *fnComp) blockBody(stmts []syntax.Stmt) evalFn {
	return fc.stmtBlock(stmts, true)
}

// stmtBlock compiles a block; as Rhai's optimiser does, statements without
// effect are left out, the last one too unless the block's value is used
// (preserve).
func (fc *fnComp) stmtBlock(stmts []syntax.Stmt, preserve bool) evalFn {
	mark := len(fc.vars)
	fc.scopes++
	defer func() {
		fc.vars = fc.vars[:mark]
		for v, d := range fc.evalShadow {
			if d >= fc.scopes {
				delete(fc.evalShadow, v)
			}
		}
		fc.scopes--
	}()
	stmts = dropEmptyBlocks(stmts)
	code := make([]evalFn, 0, len(stmts))
	imports := fc.imports
	cur := len(fc.blocks)
	fc.blocks = append(fc.blocks, blockCursor{stmts: stmts})
	for i, s := range stmts {
		fc.blocks[cur].idx = i
		if _, isLet := s.(*syntax.LetStmt); !isLet && (i < len(stmts)-1 || !preserve) && pureStmt(s) {
			if i == len(stmts)-1 {
				code = append(code, unitFn)
			}
			continue
		}
		code = append(code, fc.stmt(s))
		if cur == 0 && i == len(stmts)-1 {
			fc.tailOwned = fc.ownedTail(s)
		}
	}
	fc.blocks = fc.blocks[:cur]
	if fc.imports != imports && !(fc.isTop && fc.scopes == 1) {
		return scopedImports(seq(code))
	}
	if fc.isTop && fc.scopes == 1 || !callsEval(stmts) {
		return seq(code)
	}
	return evalScoped(seq(code))
}

// dropEmptyBlocks leaves out the statements that are empty blocks ({},
// { {}; }): Rhai's optimiser removes them wherever they stand, so they do
// not even give a block its value (`x; {}` is x). Other statements with
// no effect are left to stmtBlock, which keeps the last one's ().
func dropEmptyBlocks(stmts []syntax.Stmt) []syntax.Stmt {
	for i, s := range stmts {
		if emptyBlock(s) {
			kept := append([]syntax.Stmt(nil), stmts[:i]...)
			for _, t := range stmts[i+1:] {
				if !emptyBlock(t) {
					kept = append(kept, t)
				}
			}
			return kept
		}
	}
	return stmts
}

func emptyBlock(s syntax.Stmt) bool {
	es, ok := s.(*syntax.ExprStmt)
	if !ok {
		return false
	}
	b, ok := es.X.(*syntax.BlockExpr)
	if !ok {
		return false
	}
	for _, t := range b.Stmts {
		if !emptyBlock(t) {
			return false
		}
	}
	return true
}

// callsEval reports whether statements contain an eval() call.
func callsEval(stmts []syntax.Stmt) bool {
	return mentions(reflect.ValueOf(stmts), "\x00eval")
}

// evalScoped runs a block in which eval() may declare variables: as in
// Rhai, they vanish when the block ends.
func evalScoped(body evalFn) evalFn {
	return func(f *frame) (Value, error) {
		before := f.rt.dynVars
		if before != nil {
			f.rt.dynVars = maps.Clone(before)
		}
		v, err := body(f)
		f.rt.dynVars = before
		return v, err
	}
}

// seq runs statements in order. As in Rhai, a block's value is its last
// statement's, with or without a `;` (let, assignments and loops without a
// break value give ()).
func seq(code []evalFn) evalFn {
	switch len(code) {
	case 0:
		return unitFn
	case 1:
		return code[0]
	}
	last := code[len(code)-1]
	init := code[:len(code)-1]
	return func(f *frame) (Value, error) {
		for _, c := range init {
			if _, err := c(f); err != nil {
				return Unit, err
			}
		}
		return last(f)
	}
}

func unitFn(*frame) (Value, error) { return Unit, nil }

func constFn(v Value) evalFn {
	return func(*frame) (Value, error) { return v, nil }
}

// describe is used in messages about AST nodes.
func describe(n syntax.Node) string { return fmt.Sprintf("%T", n) }

// sharedVar reports whether the variable name is shared with a closure at
// this point of the source: captured by a closure written before it, or
// itself a captured variable of the closure being compiled.
func (fc *fnComp) sharedVar(name string) bool {
	for i := len(fc.vars) - 1; i >= 0; i-- {
		if v := fc.vars[i]; v.name == name {
			return v.boxed && v.captured
		}
	}
	return fc.lookup(name).kind == refCap
}
