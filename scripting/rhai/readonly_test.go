package rhai

import "testing"

// TestForLoopVariableIsACopy: whether the body of `for p in pts` only
// reads p (no copies made, readonly.go) or changes p, the array or its
// elements, every iteration sees its element as it was when the loop
// started and nothing done to p reaches the array: the results of the
// reference Rhai.
func TestForLoopVariableIsACopy(t *testing.T) {
	v, err := NewEngine().Eval(t.Context(), `
fn foo(m) { m.x = 100; m.x }
let pts = [#{x: 1, items: [1]}, #{x: 2, items: [2]}];
let out = [];
let sum = 0;
for p in pts { sum += p.x; }
out.push(sum);
for p in pts { p.x = 5; }
out.push(pts[0].x);
for p in pts { let q = p; q.x = 9; }
out.push(pts[0].x);
for p in pts { p.items.push(7); }
out.push(pts[0].items.len());
for p in pts { foo(p); }
out.push(pts[0].x);
let a = [];
for p in pts { a.push(p); }
a[0].x = 42;
out.push(pts[0].x);
let s = 0;
for p in pts { if p.items.len() > 0 && p.items.contains(1) { s += p.items[0]; } s += ("" + p.x).len(); }
out.push(s);
let b = [];
for p in pts { b += [p]; b[0].x = 11; }
out.push(pts[0].x);
for p in pts { let t = p.items; t.push(3); }
out.push(pts[0].items.len());
for p in pts { pts[1].x = 77; out.push(p.x); }
let r = for p in pts { if p.x > 0 { break; } };
out.push(r);
let c = 0;
for p in pts { c += p.items.reduce(|s, v| s + v, 0); }
out.push(c);
out
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ToString(v), "[3, 1, 1, 1, 1, 1, 3, 1, 1, 1, 2, (), 3]"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
