package rhai

import "github.com/circles-actor/circles-actor/scripting/rhai/syntax"

// Rhai decides what a closure captures while parsing it: every variable the
// body names (read or assigned, in code the optimiser later removes too)
// that is not declared inside the closure before that point, and is not the
// name of a script function defined earlier, is captured. Making the closure
// shares each captured variable of the creating scope, and fails with
// "Variable not found" at the name's first appearance when the scope has no
// such variable. The compiler resolves captured variables it can see
// lexically; freeVar records the others, which the closure looks for by
// name when it is made (host constants, variables declared by eval).

// freeVar is a name a closure captures that no enclosing frame declares.
type freeVar struct {
	name string
	pos  syntax.Pos
}

// captureScan walks a closure in source order, as Rhai's parser does.
type captureScan struct {
	fc     *fnComp
	at     syntax.Pos    // the closure: functions defined before it are known names
	encl   *syntax.FnDef // the function being compiled, not yet known by name
	scopes [][]string    // names declared inside the closure, innermost last
	free   []freeVar     // in order of first appearance
	all    []string      // every captured name, in order of first appearance
	seen   map[string]bool
}

// freeVars lists the variables closure e captures that neither the closure
// itself nor any enclosing frame (at the closure's position) declares.
// It also lists every name the closure captures, found or not.
func (fc *fnComp) freeVars(e *syntax.ClosureExpr) (free []freeVar, all []string) {
	s := &captureScan{fc: fc, at: e.P}
	root := fc
	for root.parent != nil {
		root = root.parent
	}
	s.encl, _ = root.node.(*syntax.FnDef)
	s.closure(e)
	return s.free, s.all
}

func posBefore(a, b syntax.Pos) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
}

func (s *captureScan) push(names ...string) { s.scopes = append(s.scopes, names) }
func (s *captureScan) pop()                 { s.scopes = s.scopes[:len(s.scopes)-1] }

func (s *captureScan) declare(name string) {
	if name != "" {
		top := len(s.scopes) - 1
		s.scopes[top] = append(s.scopes[top], name)
	}
}

// use notes a variable named in the closure.
func (s *captureScan) use(name string, pos syntax.Pos) {
	if name == "this" || s.seen[name] {
		return
	}
	for i := len(s.scopes) - 1; i >= 0; i-- {
		for _, n := range s.scopes[i] {
			if n == name {
				return
			}
		}
	}
	for _, d := range s.fc.c.defs {
		if d.Name == name && d != s.encl && posBefore(d.P, s.at) {
			return
		}
	}
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	s.seen[name] = true
	s.all = append(s.all, name)
	for c := s.fc; c != nil; c = c.parent {
		for _, v := range c.vars {
			if v.name == name {
				return
			}
		}
		for _, n := range c.capNames {
			if n == name {
				return
			}
		}
	}
	s.free = append(s.free, freeVar{name, pos})
}

func (s *captureScan) closure(e *syntax.ClosureExpr) {
	s.push(e.Params...)
	s.expr(e.Body)
	s.pop()
}

func (s *captureScan) block(b *syntax.BlockExpr) {
	if b == nil {
		return
	}
	s.push()
	for _, st := range b.Stmts {
		s.stmt(st)
	}
	s.pop()
}

func (s *captureScan) stmt(st syntax.Stmt) {
	switch st := st.(type) {
	case *syntax.LetStmt:
		s.expr(st.Value)
		s.declare(st.Name)
	case *syntax.ExprStmt:
		s.expr(st.X)
	case *syntax.AssignStmt:
		s.expr(st.Target)
		s.expr(st.Value)
	case *syntax.WhileStmt:
		s.expr(st.Cond)
		s.block(st.Body)
	case *syntax.LoopStmt:
		s.block(st.Body)
	case *syntax.DoStmt:
		s.block(st.Body)
		s.expr(st.Cond)
	case *syntax.ForStmt:
		s.expr(st.Iter)
		s.push(st.Var)
		s.declare(st.Counter)
		s.block(st.Body)
		s.pop()
	case *syntax.BreakStmt:
		s.expr(st.Value)
	case *syntax.ReturnStmt:
		s.expr(st.Value)
	case *syntax.ThrowStmt:
		s.expr(st.Value)
	case *syntax.TryStmt:
		s.block(st.Body)
		s.push(st.ErrVar)
		s.block(st.Catch)
		s.pop()
	case *syntax.ImportStmt:
		s.expr(st.Path)
	}
}

func (s *captureScan) exprs(xs []syntax.Expr) {
	for _, x := range xs {
		s.expr(x)
	}
}

func (s *captureScan) expr(e syntax.Expr) {
	switch e := e.(type) {
	case *syntax.Ident:
		if e.Namespace == "" {
			s.use(e.Name, e.P)
		}
	case *syntax.InterpString:
		for _, x := range e.Exprs {
			s.push()
			s.expr(x)
			s.pop()
		}
	case *syntax.ArrayLit:
		s.exprs(e.Elems)
	case *syntax.MapLit:
		s.exprs(e.Values)
	case *syntax.UnaryExpr:
		s.expr(e.X)
	case *syntax.BinaryExpr:
		s.expr(e.X)
		s.expr(e.Y)
	case *syntax.IndexExpr:
		s.expr(e.X)
		s.expr(e.Index)
	case *syntax.PropExpr:
		s.expr(e.X)
	case *syntax.CallExpr:
		s.exprs(e.Args)
	case *syntax.MethodCallExpr:
		s.expr(e.Recv)
		s.exprs(e.Args)
	case *syntax.ClosureExpr:
		s.closure(e)
	case *syntax.BlockExpr:
		s.block(e)
	case *syntax.IfExpr:
		s.expr(e.Cond)
		s.block(e.Then)
		s.expr(e.Else)
	case *syntax.SwitchExpr:
		s.expr(e.X)
		for _, c := range e.Cases {
			s.exprs(c.Values)
			s.expr(c.Cond)
			s.expr(c.Body)
		}
	case *syntax.StmtExpr:
		s.stmt(e.Stmt)
	}
}
