package rhai_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// eval runs src with default options and a bounded deadline.
func eval(t *testing.T, src string) (rhai.Value, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return rhai.NewEngine().Eval(ctx, src, nil)
}

func errKind(err error) rhai.ErrorKind {
	var e *rhai.Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// TestSemantics checks the language rules the evaluator owns, by the
// debug form of each script's value.
func TestSemantics(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, src, want string }{
		{"block value with semicolon", `let x = { 1; 2; }; x`, "2"},
		{"array value semantics on let", `let a = [1, 2]; let b = a; b[0] = 9; a`, "[1, 2]"},
		{"array value semantics on call", `fn f(x) { x.push(3); x } let a = [1]; let b = f(a); [a, b]`, "[[1], [1, 3]]"},
		{"map value semantics", `let a = #{x: 1}; let b = a; b.x = 2; a.x`, "1"},
		{"nested index assign", `let a = [[1, 2], [3, 4]]; a[1][0] = 7; a`, "[[1, 2], [7, 4]]"},
		{"map nested prop assign", `let m = #{a: #{b: 1}}; m.a.b += 41; m.a.b`, "42"},
		{"string char index assign", `let s = "abc"; s[1] = 'X'; s`, `"aXc"`},
		{"string in array assign", `let a = ["abc"]; a[0][0] = 'z'; a[0]`, `"zbc"`},
		{"bit fields", `let x = 0; x[3] = true; x[0..2] = 3; [x, x[3], x[1]]`, "[11, true, true]"},
		{"negative index", `[1, 2, 3][-1]`, "3"},
		{"string append in place", `let s = "a"; let t = s; s += "b"; t += "c"; [s, t]`, `["ab", "ac"]`},
		{"string plus anything", `"n=" + 42 + ' ' + true`, `"n=42 true"`},
		{"char plus string", `'a' + "bc"`, `"abc"`},
		{"int float mix", `1 + 2.5`, "3.5"},
		{"power", `2 ** 10`, "1024"},
		{"mixed equality", `[1 == 1.0, "1" == 1, () == ()]`, "[true, false, true]"},
		{"coalesce", `let x = (); x ?? 5`, "5"},
		{"elvis", `let x = (); x?.foo`, "()"},
		{"in", `[2 in [1, 2], "b" in "abc", 'z' in "abc", "k" in #{k: 1}, 3 in 1..5]`, "[true, true, false, true, true]"},
		{"switch", `let x = 7; switch x { 1 | 2 => "low", 3..=9 if x > 5 => "mid", _ => "other" }`, `"mid"`},
		{"closure shares variable", `let n = 1; let f = || n += 1; f.call(); f.call(); n`, "3"},
		{"closures share the loop variable", `let fs = []; for i in 0..3 { fs.push(|| i) } fs.map(|f| f.call())`, "[2, 2, 2]"},
		{"closure per iteration", `let fs = []; for i in 0..3 { let j = i; fs.push(|| j) } fs.map(|f| f.call())`, "[0, 1, 2]"},
		{"closure captures nested", `let x = 1; let f = || { let g = || x * 10; g.call() }; x = 4; f.call()`, "40"},
		{"curry", `let add = |a, b| a + b; add.curry(40).call(2)`, "42"},
		{"call function", `fn twice(x) { x * 2 } call(Fn("twice"), 21)`, "42"},
		{"method this", `fn inc(n) { this += n } let x = 40; x.inc(2); x`, "42"},
		{"overload by arity", `fn f() { 0 } fn f(a) { a } fn f(a, b) { a + b } f() + f(1) + f(1, 2)`, "4"},
		{"fn cannot see outer vars", `let x = 1; fn f() { is_def_var("x") } f()`, "false"},
		{"global constant", `const K = 5; fn f() { global::K } f()`, "5"},
		{"is_def_fn", `fn f(a) {} [is_def_fn("f", 1), is_def_fn("f", 2)]`, "[true, false]"},
		{"type_of", `[type_of(1), type_of(1.0), type_of("s"), type_of('c'), type_of([]), type_of(#{}), type_of(()), type_of(|| 1)]`,
			`["i64", "f64", "string", "char", "array", "map", "()", "Fn"]`},
		{"return at top level", `let x = 1; if x == 1 { return 42; } 0`, "42"},
		{"loop break value", `let i = 0; loop { i += 1; if i == 5 { break i * 2; } }`, "10"},
		{"do until", `let i = 0; do { i += 1 } until i >= 3; i`, "3"},
		{"for with counter", `let s = 0; for (x, i) in [10, 20] { s += x * i } s`, "20"},
		{"for over string", `let n = 0; for c in "héllo" { n += 1 } n`, "5"},
		{"try catch throw", `let r; try { throw "boom" } catch (e) { r = e } r`, `"boom"`},
		{"try is a statement", `try { throw "boom" } catch (e) { e }`, `()`},
		{"try catch arithmetic", `let r; try { 1 / 0 } catch (e) { r = [type_of(e), e.error, e.message] } r`, `["map", "ErrorArithmetic", "Division by zero: 1 / 0"]`},
		{"interpolation", "let x = 6; `x*7 = ${x * 7}!`", `"x*7 = 42!"`},
		{"string range index", `"hello"[1..3]`, `"el"`},
		{"f bang", `fn f() { x += 1 } let x = 1; f!(); x`, "2"},
		{"array concat", `[1] + [2, 3]`, "[1, 2, 3]"},
		{"array plus assign", `let a = [1]; a += 2; a += [3]; a`, "[1, 2, 3]"},
		{"mutating native write back", `let a = [1, 2, 3]; pad(a, 5, 0); a.len()`, "5"},
		{"non mutating native", `let x = -1; x.abs(); x`, "-1"},
		{"getter", `let a = [1, 2]; a.len`, "2"},
		{"map property fn ptr", `let o = #{v: 1, inc: || this.v += 1}; o.inc(); o.v`, "2"},
		{"shadowing", `let x = 1; let x = x + 1; x`, "2"},
		{"bare fn name pointer", `fn dbl(x) { x * 2 } let f = dbl; [1, 2].map(f)`, "[2, 4]"},
		{"const pure method", `const A = [1, 2]; A.len()`, "2"},
		{"block scope", `let x = 1; { let x = 5; } x`, "1"},
		{"eval reads and writes caller scope", `let x = 1; eval("x += 41"); x`, "42"},
		{"eval let replaces same-block variable", `let foo = 42; eval("let foo = 123"); eval("let xyz = 10"); foo + xyz`, "133"},
		{"eval let in inner block", `let foo = 42; { eval("let foo = 123"); } foo`, "42"},
		{"eval in function", `fn f(x) { eval("x * 2") } f(21)`, "42"},
		{"eval global const", `eval("const C = 9;"); fn g() { global::C } g()`, "9"},
		{"eval in loop", `let n = 0; for i in 0..5 { eval("n += i") } n`, "10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := eval(t, tt.src)
			if err != nil {
				t.Fatalf("%s: %v", tt.src, err)
			}
			if got := rhai.ToDebug(v); got != tt.want {
				t.Errorf("%s\n got %s\nwant %s", tt.src, got, tt.want)
			}
		})
	}
}

// TestErrors checks error kinds and Rhai-like messages.
func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		kind      rhai.ErrorKind
		msg       string
	}{
		{"variable not found", `x + 1`, rhai.ErrVariableNotFound, "Variable not found: x"},
		{"fn ptr variable is not a function", `let f = |x| x * 2; f(21)`, rhai.ErrFunctionNotFound, "Function not found: f (i64)"},
		{"function not found", `foo(1, "a")`, rhai.ErrFunctionNotFound, "Function not found: foo (i64, &str | ImmutableString | String)"},
		{"index out of bounds", `let a = [1, 2, 3]; a[3]`, rhai.ErrIndexOutOfBounds, "Array index 3 out of bounds: only 3 elements in array"},
		{"overflow", `9223372036854775807 + 1`, rhai.ErrArithmetic, "Addition overflow"},
		{"division by zero", `1 / 0`, rhai.ErrArithmetic, "Division by zero"},
		{"bad operand", `true + 1`, rhai.ErrFunctionNotFound, "Function not found: + (bool, i64)"},
		{"const assign", `const x = 1; x = 2;`, rhai.ErrParse, "constant"},
		{"const index assign", `const x = [1]; x[0] = 2;`, rhai.ErrRuntime, "constant"},
		{"const mutating method", `const x = [1]; x.push(2);`, rhai.ErrRuntime, "constant"},
		{"break outside loop", `break;`, rhai.ErrParse, "loop"},
		{"throw", `throw 42`, rhai.ErrRuntime, "42"},
		{"if not bool", `let x = 1; if x { 2 }`, rhai.ErrMismatchedType, "Data type incorrect: i64 (expecting bool)"},
		{"parse", `let = ;`, rhai.ErrParse, ""},
		{"eval recursion", `let s = "eval(s)"; eval(s)`, rhai.ErrStackOverflow, "eval"},
		{"eval parse error", `eval("1 +")`, rhai.ErrRuntime, "Syntax error: Script is incomplete"},
		{"eval defines fn", `eval("fn z() {}")`, rhai.ErrRuntime, "Function definitions must be at global level"},
		{"property on int", `let x = 1; x.foo`, rhai.ErrPropertyNotFound, "foo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := eval(t, tt.src)
			if err == nil {
				t.Fatalf("%s: no error", tt.src)
			}
			if errKind(err) != tt.kind || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("%s: got %s %q, want %s containing %q", tt.src, errKind(err), err, tt.kind, tt.msg)
			}
		})
	}
}

func TestErrorPosition(t *testing.T) {
	t.Parallel()
	_, err := eval(t, "let a = 1;\nlet b = a + c;")
	var e *rhai.Error
	if !errors.As(err, &e) || e.Line != 2 || e.Column == 0 {
		t.Fatalf("got %#v, want an error on line 2", err)
	}
}

func TestPrintDebugConstants(t *testing.T) {
	t.Parallel()
	var prints, debugs []string
	opts := &rhai.RunOptions{
		Constants: map[string]rhai.Value{"CALLER_ID": rhai.String("abc")},
		Print:     func(s string) { prints = append(prints, s) },
		Debug:     func(s string) { debugs = append(debugs, s) },
	}
	v, err := rhai.NewEngine().Eval(context.Background(), `print("hi " + CALLER_ID); debug("x"); fn f() { CALLER_ID } f()`, opts)
	if err != nil {
		t.Fatal(err)
	}
	if v.AsStr() != "abc" || len(prints) != 1 || prints[0] != "hi abc" || len(debugs) != 1 || debugs[0] != `"x"` {
		t.Fatalf("got %v prints=%q debugs=%q", rhai.ToDebug(v), prints, debugs)
	}
	if _, err := rhai.NewEngine().Eval(context.Background(), `CALLER_ID = "x";`, opts); err == nil {
		t.Fatal("assigning a host constant succeeded")
	}
}
