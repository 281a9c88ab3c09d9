// Package syntax is the Rhai front end: a scanner, a recursive-descent parser
// and the AST it produces. Every node carries the position of its first
// token, except the nodes whose run-time errors Rhai reports at an operator:
// a BinaryExpr carries its operator's position, an IndexExpr its `[`, and a
// PropExpr or MethodCallExpr the property or method name.
// It imports nothing of the evaluator.
package syntax

import "fmt"

// Pos is a 1-based line and column (in characters) in the source.
type Pos struct{ Line, Col int32 }

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Node is any AST node.
type Node interface{ Position() Pos }

// Expr is an expression node.
type Expr interface {
	Node
	exprNode()
}

// Stmt is a statement node.
type Stmt interface {
	Node
	stmtNode()
}

// Script is a parsed program: top-level statements plus the fn definitions
// (hoisted: callable from anywhere in the script, as in Rhai).
type Script struct {
	Stmts []Stmt
	Fns   []*FnDef
}

// FnDef is `fn name(params) { body }`; Private for `private fn`.
// ThisType is set for a method bound to one type, `fn int.name()` or
// `fn "MyType".name()`: "i64" for int, "f64" for float, else as written.
type FnDef struct {
	P        Pos
	Name     string
	Params   []string
	Body     *BlockExpr
	Private  bool
	Doc      string // collected /// doc comments, informational
	ThisType string
}

// ---- Statements ----

type (
	// LetStmt is `let name = value;` or `const name = value;` (Value nil: `let x;` is unit).
	LetStmt struct {
		P     Pos
		Name  string
		Value Expr
		Const bool
	}
	// ExprStmt is an expression used as a statement; Semi reports a trailing `;`.
	ExprStmt struct {
		P    Pos
		X    Expr
		Semi bool
	}
	// AssignStmt is `target = value` or a compound `target op= value`; Op is
	// "" for plain `=`, else the binary operator ("+", "<<", "**", "??", ...).
	AssignStmt struct {
		P      Pos
		Target Expr // *Ident, *IndexExpr or *PropExpr (possibly nested)
		Op     string
		Value  Expr
		OpP    Pos // the `=` or `op=`: Rhai reports a compound's errors there
	}
	// WhileStmt is `while cond { body }`.
	WhileStmt struct {
		P    Pos
		Cond Expr
		Body *BlockExpr
	}
	// LoopStmt is `loop { body }`.
	LoopStmt struct {
		P    Pos
		Body *BlockExpr
	}
	// DoStmt is `do { body } while cond` (Until false) or `do { body } until cond`.
	DoStmt struct {
		P     Pos
		Body  *BlockExpr
		Cond  Expr
		Until bool
	}
	// ForStmt is `for x in iter { }` or `for (x, i) in iter { }` (Counter != "").
	ForStmt struct {
		P       Pos
		Var     string
		Counter string
		Iter    Expr
		Body    *BlockExpr
	}
	// BreakStmt is `break` or `break value`.
	BreakStmt struct {
		P     Pos
		Value Expr // nil when absent
	}
	// ContinueStmt is `continue`.
	ContinueStmt struct{ P Pos }
	// ReturnStmt is `return` or `return value`.
	ReturnStmt struct {
		P     Pos
		Value Expr // nil when absent
	}
	// ThrowStmt is `throw` or `throw value`.
	ThrowStmt struct {
		P     Pos
		Value Expr // nil when absent
	}
	// TryStmt is `try { } catch (e) { }`; ErrVar is "" for `catch { }`.
	TryStmt struct {
		P      Pos
		Body   *BlockExpr
		ErrVar string
		Catch  *BlockExpr
	}
	// ImportStmt is `import "path" as name;` (parsed; the evaluator may reject it).
	ImportStmt struct {
		P     Pos
		Path  Expr
		Alias string
	}
	// ExportStmt is `export x;`, `export x as y;` or `export let x = ...`:
	// in a module, the variables Names are visible to importers as
	// Aliases (parallel to Names; "" keeps the name).
	ExportStmt struct {
		P       Pos
		Names   []string
		Aliases []string
	}
)

// ---- Expressions ----

type (
	// Ident is a variable reference; `this` is an Ident named "this".
	// Namespace is set for a qualified name: "global" for `global::NAME`,
	// "a::b" for `a::b::NAME`.
	Ident struct {
		P         Pos
		Name      string
		Namespace string
	}
	// IntLit, FloatLit, BoolLit, CharLit, StringLit, UnitLit are literals.
	IntLit struct {
		P     Pos
		Value int64
	}
	FloatLit struct {
		P     Pos
		Value float64
	}
	BoolLit struct {
		P     Pos
		Value bool
	}
	CharLit struct {
		P     Pos
		Value rune
	}
	StringLit struct {
		P     Pos
		Value string
	}
	UnitLit struct{ P Pos }
	// InterpString is a back-tick string: literal Parts interleaved with Exprs
	// (len(Parts) == len(Exprs)+1).
	InterpString struct {
		P     Pos
		Parts []string
		Exprs []Expr
	}
	// ArrayLit is `[a, b, c]`.
	ArrayLit struct {
		P     Pos
		Elems []Expr
	}
	// MapLit is `#{a: 1, "b c": 2}`; Keys and Values are parallel.
	MapLit struct {
		P      Pos
		Keys   []string
		Values []Expr
	}
	// UnaryExpr is `-x`, `+x` or `!x` (Op is "-", "+", "!").
	UnaryExpr struct {
		P  Pos
		Op string
		X  Expr
	}
	// BinaryExpr is `x op y` for arithmetic, bitwise, comparison, `&&`, `||`,
	// `??`, `in`, `..` and `..=`. `&&`, `||` and `??` short-circuit.
	// `x !in y` is parsed as `!(x in y)`. For the open ranges `..b`, `a..`
	// and `..` (Rhai allows them, e.g. `s[..2]`), X and/or Y are nil.
	// P is the operator's position: Rhai reports operator errors there.
	BinaryExpr struct {
		P    Pos
		Op   string
		X, Y Expr
	}
	// IndexExpr is `x[i]`, or `x?[i]` when Safe.
	IndexExpr struct {
		P     Pos
		X     Expr
		Index Expr
		Safe  bool
	}
	// PropExpr is `x.name`, or `x?.name` when Safe.
	PropExpr struct {
		P    Pos
		X    Expr
		Name string
		Safe bool
		Dot  Pos // the `.` or `?.`
	}
	// CallExpr is `name(args)`. Bang is set for `name!(args)` (call in caller's scope).
	// Namespace is "global" for `global::name`, etc.
	CallExpr struct {
		P         Pos
		Namespace string
		Name      string
		Args      []Expr
		Bang      bool
	}
	// MethodCallExpr is `recv.name(args)`, or `recv?.name(args)` when Safe.
	MethodCallExpr struct {
		P    Pos
		Recv Expr
		Name string
		Args []Expr
		Safe bool
		Dot  Pos // the `.` or `?.`
	}
	// ClosureExpr is `|a, b| body`; the evaluator finds the outer variables
	// it captures. As in Rhai the body is one statement: an expression, a
	// *BlockExpr, or a *StmtExpr for other statements (`|| x = 1` holds an
	// AssignStmt, `|| return 1` a ReturnStmt). `break`/`continue` inside it
	// never refer to loops outside it (a parse error).
	ClosureExpr struct {
		P      Pos
		Params []string
		Body   Expr
	}
	// BlockExpr is `{ stmts }`. Per the Rhai book ("Statement Expression"),
	// its value is its last statement's value whether or not that statement
	// ends in `;` (ExprStmt.Semi records it); statements without a value
	// (let, assignment, loops without break value) give ().
	BlockExpr struct {
		P     Pos
		Stmts []Stmt
	}
	// IfExpr is `if cond { } else if ... else { }`; Else is nil, *BlockExpr or *IfExpr.
	IfExpr struct {
		P    Pos
		Cond Expr
		Then *BlockExpr
		Else Expr
	}
	// SwitchExpr is `switch x { cases }`.
	SwitchExpr struct {
		P     Pos
		X     Expr
		Cases []*SwitchCase
	}
	// SwitchCase is one arm. Values holds literal alternatives (`1 | 2`), or
	// is empty for the default arm `_`; a value may be a BinaryExpr range
	// (`1..5`, `1..=5`). Cond is the optional `if` guard. Body is the arm's
	// expression (a *BlockExpr for `{ }` arms, a *StmtExpr for statement arms
	// such as `1 => x = 2` or `_ => return`).
	SwitchCase struct {
		P       Pos
		Values  []Expr
		Default bool
		Cond    Expr
		Body    Expr
	}
	// StmtExpr wraps statements allowed in expression position (e.g.
	// `let x = loop { break 5; }`, `while` used as a value).
	StmtExpr struct {
		P    Pos
		Stmt Stmt
	}
)

func (n *FnDef) Position() Pos        { return n.P }
func (n *LetStmt) Position() Pos      { return n.P }
func (n *ExprStmt) Position() Pos     { return n.P }
func (n *AssignStmt) Position() Pos   { return n.P }
func (n *WhileStmt) Position() Pos    { return n.P }
func (n *LoopStmt) Position() Pos     { return n.P }
func (n *DoStmt) Position() Pos       { return n.P }
func (n *ForStmt) Position() Pos      { return n.P }
func (n *BreakStmt) Position() Pos    { return n.P }
func (n *ContinueStmt) Position() Pos { return n.P }
func (n *ReturnStmt) Position() Pos   { return n.P }
func (n *ThrowStmt) Position() Pos    { return n.P }
func (n *TryStmt) Position() Pos      { return n.P }
func (n *ImportStmt) Position() Pos   { return n.P }
func (n *ExportStmt) Position() Pos   { return n.P }

func (*LetStmt) stmtNode()      {}
func (*ExprStmt) stmtNode()     {}
func (*AssignStmt) stmtNode()   {}
func (*WhileStmt) stmtNode()    {}
func (*LoopStmt) stmtNode()     {}
func (*DoStmt) stmtNode()       {}
func (*ForStmt) stmtNode()      {}
func (*BreakStmt) stmtNode()    {}
func (*ContinueStmt) stmtNode() {}
func (*ReturnStmt) stmtNode()   {}
func (*ThrowStmt) stmtNode()    {}
func (*TryStmt) stmtNode()      {}
func (*ImportStmt) stmtNode()   {}
func (*ExportStmt) stmtNode()   {}

func (n *Ident) Position() Pos          { return n.P }
func (n *IntLit) Position() Pos         { return n.P }
func (n *FloatLit) Position() Pos       { return n.P }
func (n *BoolLit) Position() Pos        { return n.P }
func (n *CharLit) Position() Pos        { return n.P }
func (n *StringLit) Position() Pos      { return n.P }
func (n *UnitLit) Position() Pos        { return n.P }
func (n *InterpString) Position() Pos   { return n.P }
func (n *ArrayLit) Position() Pos       { return n.P }
func (n *MapLit) Position() Pos         { return n.P }
func (n *UnaryExpr) Position() Pos      { return n.P }
func (n *BinaryExpr) Position() Pos     { return n.P }
func (n *IndexExpr) Position() Pos      { return n.P }
func (n *PropExpr) Position() Pos       { return n.P }
func (n *CallExpr) Position() Pos       { return n.P }
func (n *MethodCallExpr) Position() Pos { return n.P }
func (n *ClosureExpr) Position() Pos    { return n.P }
func (n *BlockExpr) Position() Pos      { return n.P }
func (n *IfExpr) Position() Pos         { return n.P }
func (n *SwitchExpr) Position() Pos     { return n.P }
func (n *StmtExpr) Position() Pos       { return n.P }

func (*Ident) exprNode()          {}
func (*IntLit) exprNode()         {}
func (*FloatLit) exprNode()       {}
func (*BoolLit) exprNode()        {}
func (*CharLit) exprNode()        {}
func (*StringLit) exprNode()      {}
func (*UnitLit) exprNode()        {}
func (*InterpString) exprNode()   {}
func (*ArrayLit) exprNode()       {}
func (*MapLit) exprNode()         {}
func (*UnaryExpr) exprNode()      {}
func (*BinaryExpr) exprNode()     {}
func (*IndexExpr) exprNode()      {}
func (*PropExpr) exprNode()       {}
func (*CallExpr) exprNode()       {}
func (*MethodCallExpr) exprNode() {}
func (*ClosureExpr) exprNode()    {}
func (*BlockExpr) exprNode()      {}
func (*IfExpr) exprNode()         {}
func (*SwitchExpr) exprNode()     {}
func (*StmtExpr) exprNode()       {}

// Error is a parse error with the position of the offending token.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (line %d, position %d)", e.Msg, e.Pos.Line, e.Pos.Col)
}

// Options bounds the parser. The zero value means the defaults.
type Options struct {
	// MaxExprDepth bounds expression and block nesting; 0 means 256.
	// Deeper input is a parse error, never a Go stack overflow.
	MaxExprDepth int
}
