package syntax

import (
	"strconv"
	"strings"
)

// Dump renders a node (or a *Script) as a compact S-expression. Tests assert
// on it, and it is handy when debugging the evaluator. The format is stable
// but informal: `(op x y)` for operators, `(call f args...)`, `(block ...)`.
func Dump(n Node) string {
	var b strings.Builder
	dumpNode(&b, n)
	return b.String()
}

// DumpScript renders a whole script: its functions, then its statements.
func DumpScript(s *Script) string {
	var b strings.Builder
	for i, fn := range s.Fns {
		if i > 0 {
			b.WriteByte(' ')
		}
		dumpNode(&b, fn)
	}
	for i, st := range s.Stmts {
		if i > 0 || len(s.Fns) > 0 {
			b.WriteByte(' ')
		}
		dumpNode(&b, st)
	}
	return b.String()
}

func dumpList(b *strings.Builder, head string, parts ...any) {
	b.WriteByte('(')
	b.WriteString(head)
	for _, x := range parts {
		if v, ok := x.([]Expr); ok && len(v) == 0 {
			continue
		}
		b.WriteByte(' ')
		switch v := x.(type) {
		case string:
			b.WriteString(v)
		case Node:
			dumpNode(b, v)
		case []Expr:
			for i, e := range v {
				if i > 0 {
					b.WriteByte(' ')
				}
				dumpNode(b, e)
			}
		}
	}
	b.WriteByte(')')
}

func optional(e Expr) any {
	if e == nil {
		return "_"
	}
	return e
}

func dumpStmts(b *strings.Builder, head string, stmts []Stmt) {
	b.WriteByte('(')
	b.WriteString(head)
	for _, s := range stmts {
		b.WriteByte(' ')
		dumpNode(b, s)
	}
	b.WriteByte(')')
}

func dumpNode(b *strings.Builder, n Node) {
	switch n := n.(type) {
	case nil:
		b.WriteString("<nil>")
	case *FnDef:
		head := "fn"
		if n.Private {
			head = "private-fn"
		}
		name := n.Name
		if n.ThisType != "" {
			name = strconv.Quote(n.ThisType) + "." + name
		}
		dumpList(b, head, name, "("+strings.Join(n.Params, " ")+")", n.Body)
	case *LetStmt:
		head := "let"
		if n.Const {
			head = "const"
		}
		if n.Value == nil {
			dumpList(b, head, n.Name)
		} else {
			dumpList(b, head, n.Name, n.Value)
		}
	case *ExprStmt:
		dumpNode(b, n.X)
		if n.Semi {
			b.WriteByte(';')
		}
	case *AssignStmt:
		dumpList(b, n.Op+"=", n.Target, n.Value)
	case *WhileStmt:
		dumpList(b, "while", n.Cond, n.Body)
	case *LoopStmt:
		dumpList(b, "loop", n.Body)
	case *DoStmt:
		kw := "while"
		if n.Until {
			kw = "until"
		}
		dumpList(b, "do", n.Body, kw, n.Cond)
	case *ForStmt:
		vars := n.Var
		if n.Counter != "" {
			vars = "(" + n.Var + " " + n.Counter + ")"
		}
		dumpList(b, "for", vars, n.Iter, n.Body)
	case *BreakStmt:
		if n.Value == nil {
			b.WriteString("(break)")
		} else {
			dumpList(b, "break", n.Value)
		}
	case *ContinueStmt:
		b.WriteString("(continue)")
	case *ReturnStmt:
		if n.Value == nil {
			b.WriteString("(return)")
		} else {
			dumpList(b, "return", n.Value)
		}
	case *ThrowStmt:
		if n.Value == nil {
			b.WriteString("(throw)")
		} else {
			dumpList(b, "throw", n.Value)
		}
	case *TryStmt:
		v := n.ErrVar
		if v == "" {
			v = "_"
		}
		dumpList(b, "try", n.Body, v, n.Catch)
	case *ImportStmt:
		if n.Alias == "" {
			dumpList(b, "import", n.Path)
		} else {
			dumpList(b, "import", n.Path, n.Alias)
		}
	case *ExportStmt:
		dumpList(b, "export", strings.Join(n.Names, " "))

	case *Ident:
		if n.Namespace != "" {
			b.WriteString(n.Namespace)
			b.WriteString("::")
		}
		b.WriteString(n.Name)
	case *IntLit:
		b.WriteString(strconv.FormatInt(n.Value, 10))
	case *FloatLit:
		s := strconv.FormatFloat(n.Value, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEIN") {
			s += ".0"
		}
		b.WriteString(s)
	case *BoolLit:
		b.WriteString(strconv.FormatBool(n.Value))
	case *CharLit:
		b.WriteString(strconv.QuoteRune(n.Value))
	case *StringLit:
		b.WriteString(strconv.Quote(n.Value))
	case *UnitLit:
		b.WriteString("()")
	case *InterpString:
		b.WriteString("(interp")
		for i, part := range n.Parts {
			b.WriteByte(' ')
			b.WriteString(strconv.Quote(part))
			if i < len(n.Exprs) {
				b.WriteByte(' ')
				dumpNode(b, n.Exprs[i])
			}
		}
		b.WriteByte(')')
	case *ArrayLit:
		b.WriteByte('[')
		for i, e := range n.Elems {
			if i > 0 {
				b.WriteByte(' ')
			}
			dumpNode(b, e)
		}
		b.WriteByte(']')
	case *MapLit:
		b.WriteString("#{")
		for i, k := range n.Keys {
			if i > 0 {
				b.WriteByte(' ')
			}
			if isPlainName(k) {
				b.WriteString(k)
			} else {
				b.WriteString(strconv.Quote(k))
			}
			b.WriteString(": ")
			dumpNode(b, n.Values[i])
		}
		b.WriteByte('}')
	case *UnaryExpr:
		dumpList(b, n.Op, n.X)
	case *BinaryExpr:
		dumpList(b, n.Op, optional(n.X), optional(n.Y))
	case *IndexExpr:
		head := "index"
		if n.Safe {
			head = "index?"
		}
		dumpList(b, head, n.X, n.Index)
	case *PropExpr:
		head := "."
		if n.Safe {
			head = "?."
		}
		dumpList(b, head, n.X, n.Name)
	case *CallExpr:
		name := n.Name
		if n.Namespace != "" {
			name = n.Namespace + "::" + name
		}
		if n.Bang {
			name += "!"
		}
		dumpList(b, "call", name, n.Args)
	case *MethodCallExpr:
		head := "method"
		if n.Safe {
			head = "method?"
		}
		dumpList(b, head, n.Recv, n.Name, n.Args)
	case *ClosureExpr:
		dumpList(b, "closure", "("+strings.Join(n.Params, " ")+")", n.Body)
	case *BlockExpr:
		dumpStmts(b, "block", n.Stmts)
	case *IfExpr:
		if n.Else == nil {
			dumpList(b, "if", n.Cond, n.Then)
		} else {
			dumpList(b, "if", n.Cond, n.Then, n.Else)
		}
	case *SwitchExpr:
		b.WriteString("(switch ")
		dumpNode(b, n.X)
		for _, c := range n.Cases {
			b.WriteByte(' ')
			dumpCase(b, c)
		}
		b.WriteByte(')')
	case *StmtExpr:
		dumpNode(b, n.Stmt)
	default:
		b.WriteString("<?>")
	}
}

// dumpCase renders a switch arm as `(1|2 if cond => body)` or `(_ => body)`.
func dumpCase(b *strings.Builder, c *SwitchCase) {
	b.WriteByte('(')
	if c.Default {
		b.WriteByte('_')
	}
	for i, v := range c.Values {
		if i > 0 {
			b.WriteByte('|')
		}
		dumpNode(b, v)
	}
	if c.Cond != nil {
		b.WriteString(" if ")
		dumpNode(b, c.Cond)
	}
	b.WriteString(" => ")
	dumpNode(b, c.Body)
	b.WriteByte(')')
}

func isPlainName(s string) bool {
	if s == "" || isDigit(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIdentByte(s[i]) {
			return false
		}
	}
	return true
}
