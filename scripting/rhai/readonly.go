package rhai

import "github.com/circles-actor/circles-actor/scripting/rhai/syntax"

// `for p in pts { sum += p.x }` gives p a copy of each element, as Rhai
// does; copying a map or an array for every iteration costs more than the
// body. When the body only ever reads p, nobody can tell p shares storage
// with the element, and the loop hands it over uncopied. readOnlyIn decides
// that from the body's syntax, bluntly: every use of the name must be a
// read whose result is either a new value or copied before being stored
// (let, assignment, arguments of script functions and of methods), or
// passed by reference only to natives registered as Pure (len, contains,
// to_string, ...) or to print, debug and type_of. Anything else — an
// assignment to p or into it, a method on it that is not such a native, a
// `return p`, `throw`, `break` with a value, a closure, eval or `f!()`,
// an import, a call through a namespace — and the loop copies as before.
// A script function called as a method on p counts as a reader when its
// own body only reads `this` (checked the same way). A map may hold a
// closure under a method's name, which the call would run instead with
// `this` bound to the element: the loop copies any element that holds one
// (hasMethodProp).

// readOnlyScanLimit bounds the nodes one check visits.
const readOnlyScanLimit = 4096

// readOnlyIn reports whether body only reads the variable name, and the
// natives it relies on being read-only (the loop checks at run time that
// the host has not replaced any of them).
// methods are the names of the methods the body calls.
func (fc *fnComp) readOnlyIn(body *syntax.BlockExpr, name string) (ok bool, natives, methods []string) {
	s := &readOnlyScan{fc: fc, name: name, budget: readOnlyScanLimit, shared: &readOnlyShared{}}
	ok = s.block(body, true)
	return ok && s.budget > 0, s.shared.natives, s.shared.methods
}

type readOnlyScan struct {
	fc     *fnComp
	name   string
	budget int
	shared *readOnlyShared
}

// readOnlyShared is what the scan of a loop body and of the methods it
// calls collect together.
type readOnlyShared struct {
	natives []string
	methods []string
	// checking are the script methods whose bodies are being checked: a
	// recursive call of one counts as a reader (its body is the one
	// being checked).
	checking []*syntax.FnDef
}

// scriptReader reports whether `recv.name(args)` with n arguments calls a
// script function that only reads `this`.
func (s *readOnlyScan) scriptReader(name string, n int) bool {
	c := s.fc.c
	if _, ok := c.fns[fnKey{name, n}]; !ok {
		return false
	}
	for k := range c.typed {
		if k.name == name {
			return false
		}
	}
	var def *syntax.FnDef
	for _, d := range c.defs {
		if d.Name == name && len(d.Params) == n && d.ThisType == "" {
			def = d
		}
	}
	if def == nil {
		return false
	}
	for _, d := range s.shared.checking {
		if d == def {
			return true
		}
	}
	s.shared.checking = append(s.shared.checking, def)
	in := &readOnlyScan{fc: s.fc, name: "this", budget: s.budget, shared: s.shared}
	ok := in.block(def.Body, true)
	s.budget = in.budget
	s.shared.checking = s.shared.checking[:len(s.shared.checking)-1]
	return ok
}

// pureReader reports whether the native name never changes its first
// argument: every registration of it is Pure, or it is print, debug or
// type_of; and no script function of that name could be called instead.
func (s *readOnlyScan) pureReader(name string) bool {
	c := s.fc.c
	for k := range c.fns {
		if k.name == name {
			return false
		}
	}
	for k := range c.typed {
		if k.name == name {
			return false
		}
	}
	defs := c.eng.natives[name]
	if len(defs) == 0 {
		return false
	}
	switch name {
	case "print", "debug", "type_of":
	default:
		for _, d := range defs {
			if d.Flags&Pure == 0 {
				return false
			}
		}
	}
	s.shared.natives = append(s.shared.natives, name)
	return true
}

func (s *readOnlyScan) block(b *syntax.BlockExpr, ref bool) bool {
	for _, st := range b.Stmts {
		if !s.stmt(st, ref) {
			return false
		}
	}
	return true
}

// stmt checks a statement; ref says whether a reference to the variable
// may be the statement's value (the value of a block is used as is).
func (s *readOnlyScan) stmt(st syntax.Stmt, ref bool) bool {
	if s.budget--; s.budget <= 0 {
		return false
	}
	switch st := st.(type) {
	case *syntax.LetStmt:
		return st.Value == nil || s.expr(st.Value, true) // copied by valueExpr
	case *syntax.ExprStmt:
		return s.expr(st.X, ref)
	case *syntax.AssignStmt:
		return s.target(st.Target) && s.expr(st.Value, true)
	case *syntax.WhileStmt:
		return s.expr(st.Cond, true) && s.block(st.Body, true)
	case *syntax.LoopStmt:
		return s.block(st.Body, true)
	case *syntax.DoStmt:
		return s.expr(st.Cond, true) && s.block(st.Body, true)
	case *syntax.ForStmt:
		return st.Var != s.name && st.Counter != s.name && s.expr(st.Iter, true) && s.block(st.Body, true)
	case *syntax.BreakStmt:
		return st.Value == nil
	case *syntax.ContinueStmt:
		return true
	case *syntax.ReturnStmt:
		if st.Value == nil {
			return true
		}
		if id, ok := st.Value.(*syntax.Ident); ok {
			return id.Name != s.name // `return p` hands over the slot's value
		}
		return s.expr(st.Value, true) // copied by valueExpr
	case *syntax.TryStmt:
		return st.ErrVar != s.name && s.block(st.Body, true) && s.block(st.Catch, true)
	}
	return false // throw, import, export
}

// target checks an assignment target: the variable may only appear in
// its indexes.
func (s *readOnlyScan) target(e syntax.Expr) bool {
	switch e := e.(type) {
	case *syntax.Ident:
		return e.Name != s.name
	case *syntax.IndexExpr:
		return s.target(e.X) && s.expr(e.Index, true)
	case *syntax.PropExpr:
		return s.target(e.X)
	}
	return false
}

// expr checks an expression; ref says whether its value may be a
// reference to the variable's storage (it is only read, or copied).
func (s *readOnlyScan) expr(e syntax.Expr, ref bool) bool {
	if s.budget--; s.budget <= 0 {
		return false
	}
	switch e := e.(type) {
	case nil:
		return true
	case *syntax.Ident:
		return e.Name != s.name || ref && e.Namespace == ""
	case *syntax.IntLit, *syntax.FloatLit, *syntax.BoolLit, *syntax.CharLit, *syntax.StringLit, *syntax.UnitLit:
		return true
	case *syntax.InterpString:
		return s.all(e.Exprs)
	case *syntax.ArrayLit:
		return s.all(e.Elems)
	case *syntax.MapLit:
		return s.all(e.Values)
	case *syntax.UnaryExpr:
		return s.expr(e.X, true)
	case *syntax.BinaryExpr:
		if e.Op == "??" {
			return s.expr(e.X, ref) && s.expr(e.Y, ref) // gives an operand itself
		}
		return s.expr(e.X, true) && s.expr(e.Y, true)
	case *syntax.IndexExpr:
		return s.expr(e.X, ref) && s.expr(e.Index, true)
	case *syntax.PropExpr:
		return s.expr(e.X, ref)
	case *syntax.CallExpr:
		if e.Bang || e.Namespace != "" || e.Name == "eval" || e.Name == "call" {
			return false
		}
		if len(e.Args) == 0 {
			return true
		}
		// A script function gets copies; a native its first argument by
		// reference, and a pure one might give it back as its result.
		first := true
		if _, script := s.fc.c.fns[fnKey{e.Name, len(e.Args)}]; !script {
			first = ref && s.pureReader(e.Name)
		}
		return s.expr(e.Args[0], first) && s.all(e.Args[1:])
	case *syntax.MethodCallExpr:
		if e.Name == "call" {
			return false
		}
		s.shared.methods = append(s.shared.methods, e.Name)
		reader := s.pureReader(e.Name) || s.scriptReader(e.Name, len(e.Args))
		return s.expr(e.Recv, ref && reader) && s.all(e.Args)
	case *syntax.ClosureExpr:
		// A closure that names the variable captures it, which makes the
		// loop copy anyway (a shared variable); one that does not cannot
		// reach it.
		return true
	case *syntax.BlockExpr:
		return s.block(e, ref)
	case *syntax.IfExpr:
		return s.expr(e.Cond, true) && s.block(e.Then, ref) && s.expr(e.Else, ref)
	case *syntax.SwitchExpr:
		if !s.expr(e.X, true) {
			return false
		}
		for _, c := range e.Cases {
			if !s.all(c.Values) || !s.expr(c.Cond, true) || !s.expr(c.Body, ref) {
				return false
			}
		}
		return true
	case *syntax.StmtExpr:
		return s.stmt(e.Stmt, ref)
	}
	return false
}

// hasMethodProp reports whether v holds, at any depth, an object map with
// a function pointer under one of the names.
func hasMethodProp(v Value, names []string, depth int) bool {
	if depth > maxCallDepthHard {
		return true
	}
	switch v.k {
	case KindArray:
		for _, e := range v.AsArray().Elems {
			if isContainer(e.k) && hasMethodProp(e, names, depth+1) {
				return true
			}
		}
	case KindMap:
		found := false
		v.AsMap().Range(func(k string, e Value) bool {
			if e.k == KindFnPtr {
				for _, n := range names {
					found = found || n == k
				}
			} else if isContainer(e.k) {
				found = hasMethodProp(e, names, depth+1)
			}
			return !found
		})
		return found
	}
	return false
}

// all checks expressions whose values are copied or only read.
func (s *readOnlyScan) all(es []syntax.Expr) bool {
	for _, e := range es {
		if !s.expr(e, true) {
			return false
		}
	}
	return true
}
