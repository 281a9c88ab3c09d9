package rhai_test

import (
	"context"
	"testing"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// TestMovesAreInvisible: passing an array to a function without copying
// it (its last use) must never show; every case reads the variable again
// in some way a blunter analysis could miss. Expected values are stock
// Rhai's.
func TestMovesAreInvisible(t *testing.T) {
	e := rhai.NewEngine()
	for src, want := range map[string]string{
		`fn f(a) { a.push(9); a.len() } let x = [1]; f(x); x`:                                      "[1]",
		`fn f(a) { a.push(9); a.len() } let x = [1]; let n = 0; for i in 0..3 { n += f(x); } n`:    "6",
		`const A = [1]; fn f(a) { a.push(2); global::A.len() } f(A)`:                               "1",
		`fn f(a) { a.push(2); } let x = [1]; f(x); eval("x")`:                                      "[1]",
		`fn f(a) { a.push(2); a } let x = [1]; let y = f(x); y`:                                    "[1, 2]",
		`fn f(a, b) { a.push(2); b.len() } let x = [1]; f(x, x)`:                                   "1",
		`fn f(a) { a.push(2); } let x = [1]; let g = || x; f(x); g.call()`:                         "[1]",
		`fn f(a) { a.push(2); a.len() } fn g(x) { let k = f(x); k * 10 + x.len() } g([1])`:         "21",
		`fn f(a) { a.push(2); a.len() } fn g(x) { let k = f(x); k } g([1])`:                        "2",
		`fn f(a) { a.push(2); a.len() } let x = [1]; let n = 0; do { n += f(x); } while n < 4; n`:  "4",
		`fn f(a) { a.push(2); a.len() } let x = [1]; { let y = f(x); } x.len()`:                    "1",
		`fn f(a) { a.x = 2; } let m = #{x: 1}; f(m); m.x`:                                          "1",
		`const A = [1]; fn f() { global::A } let x = f(); x.push(2); [x, global::A]`:               "[[1, 2], [1]]",
		`const A = [1]; fn f() { if true { global::A } else { [] } } let x = f(); x.push(2); A`:    "[1]",
		`fn f() { HOST } let x = f(); x.push(2); [x, HOST]`:                                        "[[1, 2], [1]]",
		`fn f() { return HOST; } let x = f(); x.push(2); [x, HOST]`:                                "[[1, 2], [1]]",
		`fn f(a) { a } let x = [1]; let y = f(x); y.push(2); x`:                                    "[1]",
		`fn f() { let a = [1]; a } let y = f(); y.push(2); y`:                                      "[1, 2]",
		`fn g() { HOST } fn f() { g() } let y = f(); y.push(2); HOST`:                              "[1]",
		`fn f(a) { let b = a; b.push(1); return a } let x = [1]; let y = f(x); y.push(2); [x, y]`:  "[[1], [1, 2]]",
		`fn f(a) { if a.len() > 0 { return a; } [] } let x = [1]; let y = f(x); y.push(2); x`:      "[1]",
		`fn f() { let a = [1]; let g = || a; return a } let y = f(); y.push(2); y`:                 "[1, 2]",
		`fn f(a) { a.push(2); a.len() } let x = [1]; let n = f(x); let x = [5, 6, 7]; n + x.len()`: "5",
	} {
		opts := &rhai.RunOptions{Constants: map[string]rhai.Value{"HOST": rhai.NewArray([]rhai.Value{rhai.Int(1)})}}
		v, err := e.Eval(context.Background(), src, opts)
		if err != nil || rhai.ToString(v) != want {
			t.Errorf("%s: got %s, %v; want %s", src, rhai.ToString(v), err, want)
		}
	}
}

// TestMovesWithArgumentOrder: Rhai reads a first argument that is a
// variable after the other arguments (order.go), so a later argument that
// changes the variable is seen by the call; a move must not get in the
// way of that. Expected values are stock Rhai's.
func TestMovesWithArgumentOrder(t *testing.T) {
	e := rhai.NewEngine()
	for src, want := range map[string]string{
		`fn f(a, b) { a.push(b); a } fn g() { let x = [1]; f(x, {x.push(7); 2}) } g()`:                         "[1, 7, 2]",
		`fn f(a, b) { a.push(b); a } fn g() { let x = [1]; let y = 5; f(x, y + 1) } g()`:                       "[1, 6]",
		`fn f(a, b) { a.push(b); a.len() } fn g() { let x = [1]; f(x, {x = [1, 2, 3]; 0}) } g()`:               "4",
		`fn f(a, b) { a.push(b); a.len() } fn g(x) { let n = f(x, {x = [1, 2]; 0}); n * 10 + x.len() } g([1])`: "32",
		`fn f(a, b, c) { a + b + c } let x = 1; let y = 2; f(x, y, {x = 10; y = 20; 1})`:                       "13",
		`let x = []; x.push({x = [3]; 5}); x`:                                                                  "[3, 5]",
		`let x = [1, 2, 3]; x.pop().min(x.len())`:                                                              "3",
		`fn g() { let x = [[1]]; push(x[0], 5); x } g()`:                                                       "[[1]]",
	} {
		v, err := e.Eval(context.Background(), src, nil)
		if err != nil || rhai.ToString(v) != want {
			t.Errorf("%s: got %s, %v; want %s", src, rhai.ToString(v), err, want)
		}
	}
}
