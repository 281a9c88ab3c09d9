package syntax_test

import (
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

func mustParse(t *testing.T, src string) string {
	t.Helper()
	s, err := syntax.Parse(src, nil)
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	return syntax.DumpScript(s)
}

type shapeCase struct{ src, want string }

func checkShapes(t *testing.T, tests []shapeCase) {
	t.Helper()
	for _, tt := range tests {
		s, err := syntax.Parse(tt.src, nil)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.src, err)
			continue
		}
		if got := syntax.DumpScript(s); got != tt.want {
			t.Errorf("Parse(%q)\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

func TestParsePrecedence(t *testing.T) {
	t.Parallel()
	checkShapes(t, []shapeCase{
		{"1 + 2 * 3", "(+ 1 (* 2 3))"},
		{"1 - 2 - 3", "(- (- 1 2) 3)"},
		{"2 ** 3 ** 2", "(** 2 (** 3 2))"},
		{"2 * 3 ** 2", "(* 2 (** 3 2))"},
		{"1 << 2 ** 3", "(** (<< 1 2) 3)"},
		{"1 + 2 << 3", "(+ 1 (<< 2 3))"},
		{"a || b && c", "(|| a (&& b c))"},
		{"a | b & c", "(| a (& b c))"},
		{"a ^ b && c", "(^ a (&& b c))"},
		{"a || b ^ c | d", "(| (^ (|| a b) c) d)"},
		{"a == b && c != d", "(&& (== a b) (!= c d))"},
		{"a < b == c >= d", "(== (< a b) (>= c d))"},
		{"x in a == true", "(== (in x a) true)"},
		{"x in 1..5", "(in x (.. 1 5))"},
		{"a ?? b < c", "(< (?? a b) c)"},
		{"a ?? b ?? c", "(?? (?? a b) c)"},
		{"1 + 2 .. 3 * 4", "(.. (+ 1 2) (* 3 4))"},
		{"a ?? 1..=3", "(?? a (..= 1 3))"},
		{"-a ** 2", "(** (- a) 2)"},
		{"!a && b", "(&& (! a) b)"},
		{"-x.y", "(- (. x y))"},
		{"!f(x)[0]", "(! (index (call f x) 0))"},
		{"x !in y", "(! (in x y))"},
		{"a % b / c * d", "(* (/ (% a b) c) d)"},
		{"(1 + 2) * 3", "(* (+ 1 2) 3)"},
		{"- - 5", "5"},
		{"-(5)", "-5"},
		{"+5", "5"},
		{"-x", "(- x)"},
		{"-1.5", "-1.5"},
	})
}

func TestParseLiterals(t *testing.T) {
	t.Parallel()
	checkShapes(t, []shapeCase{
		{"42", "42"},
		{"-9223372036854775808", "-9223372036854775808"},
		{"9223372036854775807", "9223372036854775807"},
		{"0xffffffffffffffff", "-1"},
		{"0x7fffffffffffffff", "9223372036854775807"},
		{"1_000", "1000"},
		{"1.5e3", "1500.0"},
		{"1.", "1.0"},
		{"1.abs()", "(method 1 abs)"},
		{"1..5", "(.. 1 5)"},
		{"true; false; ()", "true; false; ()"},
		{"'x'", "'x'"},
		{`"a\u2764b"`, `"a❤b"`},
		{"`x`", `"x"`},
		{"`a${x}b`", `(interp "a" x "b")`},
		{"`${x}${y}`", `(interp "" x "" y "")`},
		{"`a${}b`", `"ab"`},
		{"`a${ let y = 1; y + 1 }b`", `(interp "a" (block (let y 1) (+ y 1)) "b")`},
		{"`outer ${ `inner ${x}` } end`", `(interp "outer " (interp "inner " x "") " end")`},
		{"[1, 2, 3,]", "[1 2 3]"},
		{"[]", "[]"},
		{`#{a: 1, "b c": 2, "if": 3,}`, `#{a: 1 "b c": 2 if: 3}`},
		{"#{}", "#{}"},
		{"#{`k`: 1}", "#{k: 1}"},
		{`#"raw\n"#`, `"raw\\n"`},
	})
}

func TestParseExpressions(t *testing.T) {
	t.Parallel()
	checkShapes(t, []shapeCase{
		{"a.b.c", "(. (. a b) c)"},
		{"a.b(1).c[2]", "(index (. (method a b 1) c) 2)"},
		{"a?.b?[0]?.c()", "(method? (index? (?. a b) 0) c)"},
		{"f()", "(call f)"},
		{"f(1, g(2),)", "(call f 1 (call g 2))"},
		{"f!(x)", "(call f! x)"},
		{"foo!()", "(call foo!)"},
		{"call!(f, 1)", "(call call! f 1)"},
		{"global::X", "global::X"},
		{"global::f(1)", "(call global::f 1)"},
		{"a::b::c(1)", "(call a::b::c 1)"},
		{"|| this.x", "(closure () (. this x))"},
		{"Fn(\"f\").call(1)", `(method (call Fn "f") call 1)`},
		{"|x| x + 1", "(closure (x) (+ x 1))"},
		{"|| 42", "(closure () 42)"},
		{"|a, b| { a + b }", "(closure (a b) (block (+ a b)))"},
		{"|x| { x }.curry(1)", "(method (closure (x) (block x)) curry 1)"},
		{"|| x = 1", "(closure () (= x 1))"},
		{"xs.map(|x| x * 2).filter(|x| x > 2)", "(method (method xs map (closure (x) (* x 2))) filter (closure (x) (> x 2)))"},
		{"y[..2]", "(index y (.. _ 2))"},
		{"y[1..]", "(index y (.. 1 _))"},
		{"y[..=]", "(index y (..= _ _))"},
		{"crop(y, ..)", "(call crop y (.. _ _))"},
		{"{ let x = 1; x }", "(block (let x 1) x)"},
		{"let x = { 1; 2 };", "(let x (block 1; 2))"},
		{"if a { 1 } else if b { 2 } else { 3 }", "(if a (block 1) (if b (block 2) (block 3)))"},
		{"let v = if a { 1 } else { 2 };", "(let v (if a (block 1) (block 2)))"},
		{"let v = loop { break 5; };", "(let v (loop (block (break 5))))"},
		{"let v = while x { break; };", "(let v (while x (block (break))))"},
		{"let v = for x in y { break x; };", "(let v (for x y (block (break x))))"},
		{"let v = do { break 1; } while true;", "(let v (do (block (break 1)) while true))"},
		{"x.type_of()", "(method x type_of)"},
		{"x.len", "(. x len)"},
	})
}

func TestParseStatements(t *testing.T) {
	t.Parallel()
	checkShapes(t, []shapeCase{
		{"let x; const Y = 1; let z = x", "(let x) (const Y 1) (let z x)"},
		{"x = 1; x += 2", "(= x 1) (+= x 2)"},
		{"x -= 1; x *= 2; x /= 3; x %= 4; x **= 5; x <<= 6; x >>= 7; x &= 8; x |= 9; x ^= 10",
			"(-= x 1) (*= x 2) (/= x 3) (%= x 4) (**= x 5) (<<= x 6) (>>= x 7) (&= x 8) (|= x 9) (^= x 10)"},
		{"a[0].b = 1; (y.a).z = 3; fn f() { this.x = 2 }", "(fn f () (block (= (. this x) 2))) (= (. (index a 0) b) 1) (= (. (. y a) z) 3)"},
		{"if a { b } c", "(if a (block b)) c"},
		{"if a { b } else { c } -1", "(if a (block b) (block c)) -1"},
		{"while x < 10 { x += 1 } x", "(while (< x 10) (block (+= x 1))) x"},
		{"loop { break; } x", "(loop (block (break))) x"},
		{"do { x += 1; } while x < 5; x", "(do (block (+= x 1)) while (< x 5)) x"},
		{"do { x += 1 } until x >= 5", "(do (block (+= x 1)) until (>= x 5))"},
		{"for x in 0..10 { continue; }", "(for x (.. 0 10) (block (continue)))"},
		{"for (x, i) in arr { s += x * i }", "(for (x i) arr (block (+= s (* x i))))"},
		{"for i in 0..n { break }", "(for i (.. 0 n) (block (break)))"},
		{"let v = x ?? return 0;", "(let v (?? x (return 0)))"},
		{"loop { let v = m.get(1) ?? break; }", "(loop (block (let v (?? (method m get 1) (break)))))"},
		{"let v = a ?? throw \"missing\";", `(let v (?? a (throw "missing")))`},
		{"return; return 1", "(return) (return 1)"},
		{"throw; throw \"e\"", `(throw) (throw "e")`},
		{"try { f() } catch (e) { g(e) } x", "(try (block (call f)) e (block (call g e))) x"},
		{"try { f() } catch { g() }", "(try (block (call f)) _ (block (call g)))"},
		{"{ 1 } { 2 }", "(block 1) (block 2)"},
		{";;x;;", "x;"},
		{"import \"m\" as m; import \"n\";", `(import "m" m) (import "n")`},
		{"let x = 1; export x; export y as z, w;", "(let x 1) (export x) (export y w)"},
		{"export const X = 1;", "(const X 1) (export X)"},
		{"switch x { 1 => a, 2 | 3 => b, 4..6 if c => { d } _ => e }",
			"(switch x (1 => a) (2|3 => b) ((.. 4 6) if c => (block d)) (_ => e))"},
		{"switch x { 'a' => 1, \"s\" => 2, [1, 2] => 3, #{a: 1} => 4, () => 5, -1 => 6, true => 7 }",
			`(switch x ('a' => 1) ("s" => 2) ([1 2] => 3) (#{a: 1} => 4) (() => 5) (-1 => 6) (true => 7))`},
		{"switch x { 42 => 'x', 10..20 => 1, 'w' => 2 }", "(switch x (42 => 'x') ((.. 10 20) => 1) ('w' => 2))"},
		{"switch x { }", "(switch x)"},
		{"let v = switch x { 1 => 2, _ => 3 };", "(let v (switch x (1 => 2) (_ => 3)))"},
		{"x // comment", "x"},
		{"x /* a /* nested */ comment */ + 1", "(+ x 1)"},
	})
}

func TestParseFunctions(t *testing.T) {
	t.Parallel()
	s, err := syntax.Parse(`
/// Adds.
/// Twice.
fn add(a, b) { a + b }
private fn secret() { 42 }
fn add(a) { a }
fn noargs() { return; }
add(1, 2)
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := syntax.DumpScript(s), "(fn add (a b) (block (+ a b))) (private-fn secret () (block 42)) (fn add (a) (block a)) (fn noargs () (block (return))) (call add 1 2)"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if s.Fns[0].Doc != "Adds.\nTwice." {
		t.Errorf("doc = %q", s.Fns[0].Doc)
	}
	if !s.Fns[1].Private || s.Fns[0].Private {
		t.Errorf("private flags wrong")
	}
	if p := s.Fns[2].P; p.Line != 6 || p.Col != 1 {
		t.Errorf("fn position = %v, want 6:1", p)
	}
}

func TestParseTypedMethods(t *testing.T) {
	t.Parallel()
	got := mustParse(t, `fn int.double() { this * 2 } fn float.half() { this / 2.0 } fn "MyType".f(a) { a } fn double() { 0 }`)
	want := `(fn "i64".double () (block (* this 2))) (fn "f64".half () (block (/ this 2.0))) (fn "MyType".f (a) (block a)) (fn double () (block 0))`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if _, err := syntax.Parse("fn int.f() {} fn int.f() {}", nil); err == nil {
		t.Error("duplicate typed method: want an error")
	}
	if _, err := syntax.Parse(`fn "T" f() {}`, nil); err == nil {
		t.Error("missing '.': want an error")
	}
}

func TestParseSemicolons(t *testing.T) {
	t.Parallel()
	s, err := syntax.Parse("let x = 1; x; x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if es := s.Stmts[1].(*syntax.ExprStmt); !es.Semi {
		t.Errorf("second statement: Semi = false, want true")
	}
	if es := s.Stmts[2].(*syntax.ExprStmt); es.Semi {
		t.Errorf("last statement: Semi = true, want false")
	}
}

func TestParsePositions(t *testing.T) {
	t.Parallel()
	s, err := syntax.Parse("let x = 1;\n  foo(x,\n\t\"❤\" + y)", nil)
	if err != nil {
		t.Fatal(err)
	}
	call := s.Stmts[1].(*syntax.ExprStmt).X.(*syntax.CallExpr)
	if call.P != (syntax.Pos{Line: 2, Col: 3}) {
		t.Errorf("call at %v, want 2:3", call.P)
	}
	bin := call.Args[1].(*syntax.BinaryExpr)
	if bin.P != (syntax.Pos{Line: 3, Col: 6}) {
		t.Errorf("'+' at %v, want 3:6", bin.P)
	}
	if p := bin.X.Position(); p != (syntax.Pos{Line: 3, Col: 2}) {
		t.Errorf("string at %v, want 3:2", p)
	}
	if p := bin.Y.Position(); p != (syntax.Pos{Line: 3, Col: 8}) {
		t.Errorf("y at %v, want 3:8", p)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src       string
		msg       string
		line, col int32
	}{
		{"fn f(a, b { }", "Expecting ')' to close the parameters list of function 'f'", 1, 11},
		{"fn f(a, a) { }", "Duplicated parameter 'a'", 1, 9},
		{"y.foo!();", "Expecting ';' to terminate this statement", 1, 6},
		{"fn f() {} fn f() {}", "Function 'f' with 0 parameter(s) is defined more than once", 1, 11},
		{"fn f { }", "Expecting '(' to start the parameters list of function 'f'", 1, 6},
		{"{ fn f() {} }", "Functions can only be defined at global level", 1, 3},
		{"fn f() { fn g() {} }", "Functions can only be defined at global level", 1, 10},
		{"let x = 1 let y = 2", "Expecting ';' to terminate this statement", 1, 11},
		{"f(1, 2", "Script is incomplete: expecting ')' to close the arguments list", 1, 7},
		{"f(1 2)", "Expecting ')' to close the arguments list, found an integer literal", 1, 5},
		{"(1 + 2", "Expecting ')' to close the parenthesized expression", 1, 7},
		{"[1, 2", "Script is incomplete: expecting ',' or ']' in the array literal", 1, 6},
		{"#{a 1}", "Expecting ':' after the property name 'a'", 1, 5},
		{"#{a: 1, a: 2}", "Duplicated property for object map literal: a", 1, 9},
		{"this", "'this' can only be used in functions", 1, 1},
		{"x.Fn()", "'Fn' is a reserved keyword", 1, 3},
		{"let r = 1..", "Script is incomplete", 1, 12},
		{"x..", "Script is incomplete", 1, 4},
		{"if 1 { }", "Expecting a boolean expression, not a number", 1, 4},
		{"while \"x\" { }", "Expecting a boolean expression, not a string", 1, 7},
		{"do { } until ();", "Expecting a boolean expression, not ()", 1, 14},
		{"if { true } { }", "Expecting a boolean expression", 1, 4},
		{"switch x { 1 if 2 => 3 }", "Expecting a boolean expression, not a number", 1, 17},
		{"true && (false || 123)", "Expecting a boolean expression, not a number", 1, 19},
		{"123 && x", "Expecting a boolean expression, not a number", 1, 1},
		{"for x in 42 { }", "Expecting an iterable expression, not a number", 1, 10},
		{"for x in #{a: 1} { }", "Expecting an iterable expression, not an object map", 1, 10},
		{"for x in { [1] } { }", "Expecting a boolean expression", 1, 10}, // Rhai's words
		{"{ this.x = 1 }", "'this' can only be used in functions", 1, 3},
		{"#{if: 1}", "Expecting '}' to end this object map literal", 1, 3},
		{"#{default: 1}", "'default' is a reserved keyword", 1, 3},
		{"#{print: 1}", "'print' is a reserved keyword", 1, 3},
		{"#{_a: 1}", "Variable name is not proper: '_a'", 1, 3},
		{"let _x = 1", "Variable name is not proper: '_x'", 1, 5},
		{"x.in", "Expecting name of a property", 1, 3},
		{"#{1: 2}", "Expecting a property name (an identifier or a string) in the object map literal, found an integer literal", 1, 3},
		{"#{`a${1}`: 1}", "An interpolated string cannot be an object map key", 1, 3},
		{"x[1", "Expecting ']' to close the index expression", 1, 4},
		{"{ x", "Expecting '}' to close the statements block", 1, 4},
		{"if x { 1 } else 2", "Expecting '{' or 'if' after 'else'", 1, 17},
		{"if x 1", "Expecting '{' to start the body of the if statement", 1, 6},
		{"if x = 1 { }", "Possibly a typo of '=='?", 1, 6},
		{"a = b = c", "Possibly a typo of '=='?", 1, 7},
		{"let = 1", "Expecting the name of a variable, found '='", 1, 5},
		{"let if = 1", "Expecting name of a variable", 1, 5},
		{"let var = 1", "'var' is a reserved keyword", 1, 5},
		{"let print = 1", "'print' is a reserved keyword", 1, 5},
		{"fn this() {}", "'this' is a reserved keyword", 1, 4},
		{"(x + y) = 42", "Cannot assign to this expression", 1, 4},
		{"true = 42", "Cannot assign to this expression", 1, 1},
		{"x.foo() = 42", "Cannot assign to this expression", 1, 3},
		{"x.foo().y = 42", "Cannot assign to this expression", 1, 9},
		{"const x = 1; x = 2;", "Cannot assign to constant 'x'", 1, 14},
		{"const x = 1; x += 2;", "Cannot assign to constant 'x'", 1, 14},
		{"break;", "'break' can only be used inside a loop", 1, 1},
		{"loop { let f = || { break; }; }", "'break' can only be used inside a loop", 1, 21},
		{"loop { fn_call(); } continue", "'continue' can only be used inside a loop", 1, 21},
		{"while true { } break", "'break' can only be used inside a loop", 1, 16},
		{"{ export x; }", "'export' can only be used at global level", 1, 3},
		{"do { } x", "Expecting 'while' or 'until' after the body of the do loop", 1, 8},
		{"for x 1 { }", "Expecting 'in' after the for loop variable", 1, 7},
		{"for (x, x) in y { }", "Duplicated variable 'x' in the for loop", 1, 9},
		{"try { } x", "Expecting 'catch' after the body of the try block", 1, 9},
		{"switch x { _ => 1, 2 => 3 }", "The default case '_' must be the last case", 1, 20},
		{"switch x { _ if y => 1 }", "The default case '_' of a switch cannot have a condition", 1, 14},
		{"switch x { 1..3 => 1, 4 => 2 }", "A numeric switch case cannot follow a range case", 1, 23},
		{"switch x { 1..3 => 1, 4.0 => 2 }", "A numeric switch case cannot follow a range case", 1, 23},
		{"switch x { y => 1 }", "Expecting a constant value for the switch case", 1, 12},
		{"switch x { 1.. => 1 }", "Expecting a constant value for the switch case", 1, 13},
		{"switch x { 1 => 2 3 => 4 }", "Expecting ',' to separate the switch cases", 1, 19},
		{"switch x { 1 2 }", "Expecting '=>' after the switch case", 1, 14},
		{"[1, 2][1.5]", "Array, string or bit-field expects an integer index, not a floating-point number", 1, 8},
		{"#{a: 1}[1]", "Object map expects a string index, not a number", 1, 9},
		{"#{a: 1}['x']", "not a character", 1, 9},
		{"#{a: 1}[()]", "not ()", 1, 9},
		{"#{a: 1}[true && false]", "not a boolean", 1, 14},
		{"[1][\"a\"]", "Array, string or bit-field expects an integer index, not a string", 1, 5},
		{"\"abc\"[true]", "not a boolean", 1, 7},
		{"10[\"a\"]", "not a string", 1, 4},
		{"0o77.123", "Expecting the name of a property or method after '.', found an integer literal", 1, 6},
		{"123.456e1.23", "Expecting the name of a property or method after '.', found an integer literal", 1, 11},
		{"abc.def::xyz()", "Expecting ';' to terminate this statement", 1, 8},
		{"let x = ( ); x", "Unexpected ')'", 1, 11},
		{"x +", "Script is incomplete", 1, 4},
		{"f!x", "Expecting '(' after 'f!'", 1, 3},
		{"|a, a| a", "Duplicated parameter 'a' in the closure", 1, 5},
		{"|a b| a", "Expecting ',' or '|' in the closure parameters", 1, 4},
		{"private let x = 1;", "Expecting 'fn' after 'private'", 1, 9},
		{"let x = fn", "Unexpected 'fn'", 1, 9},
		{"x\n  .", "Script is incomplete: expecting the name of a property or method", 2, 4},
		{"\"\xff\"", "Invalid UTF-8 in script", 1, 2},
		{"a\nb\xc0", "Invalid UTF-8 in script", 2, 2},
		{"fn/*\x00\u201e", "expecting the name of the function", 1, 7}, // an open comment ends with the script
		{"x = ", "Script is incomplete", 1, 5},
		{"x ? y", "Unknown operator: '?'", 1, 3},
	}
	for _, tt := range tests {
		_, err := syntax.Parse(tt.src, nil)
		var se *syntax.Error
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q): got %v, want *syntax.Error %q", tt.src, err, tt.msg)
			continue
		}
		if !strings.Contains(se.Msg, tt.msg) || se.Pos.Line != tt.line || se.Pos.Col != tt.col {
			t.Errorf("Parse(%q):\n got %q at %d:%d\nwant %q at %d:%d", tt.src, se.Msg, se.Pos.Line, se.Pos.Col, tt.msg, tt.line, tt.col)
		}
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	_, err := syntax.Parse("fn f(a b) {}", nil)
	if err == nil {
		t.Fatal("no error")
	}
	if got, want := err.Error(), "Expecting ')' to close the parameters list of function 'f' (line 1, position 8)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestNestingLimit checks that pathological nesting fails fast with a parse
// error instead of exhausting the stack.
func TestNestingLimit(t *testing.T) {
	t.Parallel()
	deep := 10000
	tests := map[string]string{
		"parens":   strings.Repeat("(", deep) + "1" + strings.Repeat(")", deep),
		"blocks":   strings.Repeat("{", deep) + strings.Repeat("}", deep),
		"arrays":   strings.Repeat("[", deep) + strings.Repeat("]", deep),
		"maps":     strings.Repeat("#{a:", deep) + "1" + strings.Repeat("}", deep),
		"unary":    strings.Repeat("- ", deep) + "x",
		"not":      strings.Repeat("!", deep) + "x",
		"power":    strings.Repeat("1**", deep) + "1",
		"chain":    strings.Repeat("1+", deep) + "1",
		"postfix":  "x" + strings.Repeat(".a", deep),
		"index":    "x" + strings.Repeat("[0]", deep),
		"calls":    strings.Repeat("f(", deep) + strings.Repeat(")", deep),
		"ifelse":   strings.Repeat("if a { 1 } else ", deep) + "{ 2 }",
		"closures": strings.Repeat("|| ", deep) + "1",
		"loops":    strings.Repeat("loop { ", deep) + strings.Repeat("}", deep),
		"template": strings.Repeat("`${", deep) + strings.Repeat("}`", deep),
		"switch":   strings.Repeat("switch x { _ => ", deep) + strings.Repeat("}", deep),
		"unclosed": strings.Repeat("(", deep),
	}
	for name, src := range tests {
		start := time.Now()
		_, err := syntax.Parse(src, nil)
		var se *syntax.Error
		if !errors.As(err, &se) || !strings.Contains(se.Msg, "maximum complexity") {
			t.Errorf("%s: got %v, want a nesting error", name, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
	}
}

func TestNestingOption(t *testing.T) {
	t.Parallel()
	src := "((((1))))"
	if _, err := syntax.Parse(src, &syntax.Options{MaxExprDepth: 4}); err == nil {
		t.Error("depth 4: want an error")
	}
	if _, err := syntax.Parse(src, &syntax.Options{MaxExprDepth: 32}); err != nil {
		t.Errorf("depth 32: %v", err)
	}
	// A moderately nested realistic script fits the default comfortably
	// (each nested `if` statement counts three of Rhai's 64 levels).
	src = strings.Repeat("if a { ", 15) + "f(g([1, #{a: (1 + 2) * 3}]))" + strings.Repeat(" }", 15)
	if _, err := syntax.Parse(src, nil); err != nil {
		t.Errorf("15 nested ifs: %v", err)
	}
}

func TestConstantScopes(t *testing.T) {
	t.Parallel()
	ok := []string{
		"const x = 1; { let x = 2; x = 3; }",
		"const x = 1; fn f() { x = 2 }",
		"const x = 1; fn f(x) { x = 2 }",
		"let x = 1; { const x = 2; } x = 3;",
		"const x = 1; for x in y { x = 2 }",
		"const x = 1; let f = |x| x = 2;",
		"const x = 1; let f = || x = 2;", // closures capture at run time, as in Rhai
		"const x = 1; try { } catch (x) { x = 2 }",
		"const x = [1]; x[0] = 2;",
	}
	for _, src := range ok {
		if _, err := syntax.Parse(src, nil); err != nil {
			t.Errorf("Parse(%q): %v", src, err)
		}
	}
	bad := []string{
		"const x = 1; { let x = 2; } x = 3;",
		"const x = 1; { x = 3; }",
		"const x = 1; for y in z { x += 1 }",
		"let x = 1; const x = 2; x = 3;",
	}
	for _, src := range bad {
		if _, err := syntax.Parse(src, nil); err == nil || !strings.Contains(err.Error(), "Cannot assign to constant 'x'") {
			t.Errorf("Parse(%q): got %v, want a constant error", src, err)
		}
	}
}

// TestLargeInputsLinear guards against quadratic behaviour on large but
// shallow inputs (duplicate checks, constant lookups, template joining):
// 16 times the input must not take anywhere near 256 times as long. Linear
// code measures about 16 (up to a few times that on a loaded machine, from
// caches and GC); the bound of 100 leaves room for that noise.
func TestLargeInputsLinear(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("timing test: skipped in -short and -race runs")
	}
	gen := map[string]func(n int) string{
		"map": func(n int) string {
			var b strings.Builder
			b.WriteString("#{")
			for i := 0; i < n; i++ {
				b.WriteString("k" + strconv.Itoa(i) + ": 1,")
			}
			return b.String() + "}"
		},
		"lets": func(n int) string {
			var b strings.Builder
			b.WriteString("const c = 1;")
			for i := 0; i < n; i++ {
				b.WriteString("let k" + strconv.Itoa(i) + " = 1;")
			}
			for i := 0; i < n; i++ {
				b.WriteString("k" + strconv.Itoa(i) + " = 2;")
			}
			return b.String()
		},
		"template": func(n int) string { return "`" + strings.Repeat("ab${}", n) + "`" },
		"params": func(n int) string {
			var b strings.Builder
			b.WriteString("|")
			for i := 0; i < n; i++ {
				b.WriteString("k" + strconv.Itoa(i) + ",")
			}
			return b.String() + "| 1"
		},
	}
	// best returns the fastest of five parses, to damp scheduling noise.
	best := func(src string) time.Duration {
		d := time.Duration(1<<63 - 1)
		for i := 0; i < 5; i++ {
			runtime.GC()
			start := time.Now()
			if _, err := syntax.Parse(src, nil); err != nil {
				t.Fatal(err)
			}
			d = min(d, time.Since(start))
		}
		return d
	}
	const n = 2_000
	for name, g := range gen {
		smallSrc, largeSrc := g(n), g(16*n)
		var ratios []float64
		for attempt := 0; attempt < 3; attempt++ {
			small, large := best(smallSrc), best(largeSrc)
			r := float64(large) / float64(max(small, time.Microsecond))
			ratios = append(ratios, r)
			if r < 100 {
				break
			}
		}
		if last := ratios[len(ratios)-1]; last >= 100 {
			t.Errorf("%s: parse time grows faster than linearly: 16x input took %v times longer", name, ratios)
		}
	}
}

func TestIndexChecksOnlyLiterals(t *testing.T) {
	t.Parallel()
	// Only literal containers are checked at parse time, as in Rhai.
	for _, src := range []string{"x[1.5]", "x['c']", "x[true]", "f()[()]", "[1][0][\"a\"]", "#{a: [1]}[\"a\"][0]", "y[..2]", "s[x]"} {
		if _, err := syntax.Parse(src, nil); err != nil {
			t.Errorf("Parse(%q): %v", src, err)
		}
	}
}

// TestConstantScopesMany crosses the size at which the scope switches from a
// linear scan to a map, with shadowing on both sides of it.
func TestConstantScopesMany(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("const x = 1;")
	for i := 0; i < 40; i++ {
		b.WriteString("let v" + strconv.Itoa(i) + " = 1;")
	}
	b.WriteString("{ let x = 2; x = 3; for i in 0..100 { let w = 1; } } v1 = 2;")
	if _, err := syntax.Parse(b.String(), nil); err != nil {
		t.Fatalf("shadowed constant: %v", err)
	}
	b.WriteString("x = 4;")
	_, err := syntax.Parse(b.String(), nil)
	if err == nil || !strings.Contains(err.Error(), "Cannot assign to constant 'x'") {
		t.Fatalf("got %v, want a constant error", err)
	}
}
