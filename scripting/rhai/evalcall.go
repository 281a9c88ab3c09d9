package rhai

import (
	"errors"
	"strings"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// evalSpareSlots is how many variables the code given to eval() may declare:
// a function that calls eval gets this many extra slots in its frame.
const evalSpareSlots = 64

// evalSite is what an eval() call site remembers of its compile-time scope,
// so that the evaluated text can be compiled at run time as if it had been
// written at the call site, running in the caller's frame.
type evalSite struct {
	c      *compiler
	vars   []scopeVar
	caps   []capInfo
	names  []string
	isTop  bool
	scopes int
	base   *int // first spare slot, known once the enclosing function is compiled
}

// evalCall compiles `eval(text)`. The text runs in the caller's scope: it
// reads and assigns the caller's variables; a `let` of a name declared in
// the same block replaces it, other new variables stay readable afterwards
// by name; top-level constants become global::NAME.
func (fc *fnComp) evalCall(e *syntax.CallExpr) evalFn {
	arg := fc.expr(e.Args[0])
	if fc.evalBase == nil {
		fc.evalBase = new(int)
	}
	site := &evalSite{c: fc.c, isTop: fc.isTop, scopes: fc.scopes, base: fc.evalBase,
		caps: append([]capInfo(nil), fc.caps...), names: append([]string(nil), fc.capNames...)}
	for _, v := range fc.vars {
		site.vars = append(site.vars, *v)
		if v.depth < fc.scopes {
			if fc.evalShadow == nil {
				fc.evalShadow = map[*scopeVar]int{}
			}
			if _, ok := fc.evalShadow[v]; !ok {
				fc.evalShadow[v] = fc.scopes
			}
		}
	}
	pos := e.Args[0].Position() // Rhai places eval's errors at its argument
	return func(f *frame) (Value, error) {
		v, err := arg(f)
		if err != nil {
			return Unit, err
		}
		if v.k != KindString {
			return Unit, errAt(ErrMismatchedType, pos, "eval expects a string, not %s", v.TypeName())
		}
		return site.run(f, v.AsStr(), pos)
	}
}

// run compiles src against the call site's scope and runs it in f.
func (s *evalSite) run(f *frame, src string, pos syntax.Pos) (Value, error) {
	r := f.rt
	if r.lim.MaxScriptBytes > 0 && len(src) > r.lim.MaxScriptBytes {
		return Unit, errAt(ErrDataTooLarge, pos, "Script is too large")
	}
	script, err := syntax.Parse(src, &syntax.Options{MaxExprDepth: r.lim.MaxExprDepth})
	if err != nil {
		var se *syntax.Error
		if errors.As(err, &se) {
			return Unit, evalSyntaxError(&Error{Kind: ErrParse, Message: se.Msg, Line: int(se.Pos.Line), Column: int(se.Pos.Col), Cause: err}, pos)
		}
		return Unit, evalSyntaxError(&Error{Kind: ErrParse, Message: err.Error(), Cause: err}, pos)
	}
	if len(script.Fns) > 0 {
		return Unit, evalSyntaxError(&Error{Kind: ErrParse, Message: "Function definitions must be at global level and cannot be inside a block or another function"}, pos)
	}
	code, fresh, err := s.compile(script)
	if err != nil {
		return Unit, evalSyntaxError(err, pos)
	}
	// eval("eval(...)") nests without a script call: bound it like calls.
	if r.depth+r.evalDepth >= r.lim.MaxCallDepth {
		return Unit, errAt(ErrStackOverflow, pos, "Stack overflow: too many nested eval calls")
	}
	// Charge the compilation too, so a loop of evals of long text ends.
	if err := r.Tick(1 + len(src)/8); err != nil {
		return Unit, withPos(err, pos)
	}
	r.evalDepth++
	v, err := code(f)
	r.evalDepth--
	if err == errReturn {
		v, err = f.ret, nil
		f.ret = Unit
	}
	if err != nil {
		// As Rhai: an error of the evaluated text is one of the eval call,
		// a syntax error raised at run time (Fn("print")) too.
		if e, ok := err.(*Error); ok && e.Kind == ErrParse && !e.Fatal {
			return Unit, evalSyntaxError(err, pos)
		}
		return Unit, inFunction(err, "eval", false, int(pos.Line), int(pos.Col))
	}
	for _, nv := range fresh {
		if r.dynVars == nil {
			r.dynVars = map[string]Value{}
		}
		r.dynVars[nv.name] = readSlot(f.slots[nv.slot])
	}
	return v, nil
}

// compile builds the evaluated statements in a compiler state copied from
// the call site. fresh lists the variables the text declared.
func (s *evalSite) compile(script *syntax.Script) (code evalFn, fresh []*scopeVar, err error) {
	defer func() {
		if x := recover(); x != nil {
			ce, ok := x.(*Error)
			if !ok {
				panic(x)
			}
			code, err = nil, ce
		}
	}()
	// A compiler of its own: runs of one Program may eval concurrently.
	c := &compiler{eng: s.c.eng, fns: s.c.fns, defs: s.c.defs, boxed: map[any]map[int]bool{}}
	fc := &fnComp{c: c, node: s, isTop: s.isTop, scopes: s.scopes, nslots: *s.base, evalLimit: *s.base + evalSpareSlots,
		caps: append([]capInfo(nil), s.caps...), capNames: append([]string(nil), s.names...)}
	for i := range s.vars {
		v := s.vars[i]
		v.inherited = true
		fc.vars = append(fc.vars, &v)
	}
	fc.evalScope = len(fc.vars)
	stmts := make([]evalFn, 0, len(script.Stmts))
	for _, st := range script.Stmts {
		stmts = append(stmts, fc.stmt(st))
	}
	for _, v := range fc.vars[min(fc.evalScope, len(fc.vars)):] {
		if !v.inherited {
			fresh = append(fresh, v)
		}
	}
	return seq(stmts), fresh, nil
}

// evalSyntaxError is how Rhai reports text given to eval() that does not
// compile: a runtime error of the eval call (a script may catch it), not a
// parse error of the script.
func evalSyntaxError(err error, pos syntax.Pos) error {
	e, ok := err.(*Error)
	if !ok || e.Kind != ErrParse {
		return withPos(err, pos)
	}
	c := *e
	msg := strings.TrimPrefix(e.Message, "Syntax error: ")
	if strings.HasPrefix(msg, "Script is incomplete") {
		msg = "Script is incomplete" // Rhai's words, without our hint
	}
	c.Kind, c.Message = ErrRuntime, "Syntax error: "+msg
	return inFunction(&c, "eval", false, int(pos.Line), int(pos.Col))
}

// evalShadowRead reads a variable of an outer block that an eval() in the
// current block may have declared again (`{ eval("let x = 1"); x }`): the
// eval's variable while its block lasts, else the slot.
func evalShadowRead(name string, r varRef) evalFn {
	slot, boxed := r.idx, r.kind == refBoxed
	return func(f *frame) (Value, error) {
		if v, ok := f.rt.dynVars[name]; ok {
			return v, nil
		}
		if boxed {
			return *f.slots[slot].p.(*Value), nil
		}
		return f.slots[slot], nil
	}
}
