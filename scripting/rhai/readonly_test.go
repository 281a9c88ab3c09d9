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

// TestForLoopMethodsOnElements: script methods that only read `this`
// share the element; one that changes it, a method whose result is then
// changed, and a closure stored under a method's name all see a copy.
func TestForLoopMethodsOnElements(t *testing.T) {
	v, err := NewEngine().Eval(t.Context(), `
fn area() { this.w * this.h }
fn grow(d) { this.w += d; }
fn items() { this.list }
fn deep() { this.area() + this.deep2() }
fn deep2() { if this.w > 100 { this.deep() } else { 0 } }
let rs = [#{w: 1, h: 2, list: [1]}, #{w: 3, h: 4, list: [2], len: || { this.w = 50; 9 }}];
let out = [];
let t = 0;
for r in rs { t += r.area() + r.deep(); }
out.push(t);
for r in rs { r.grow(10); }
out.push(rs[0].w);
for r in rs { r.items().push(5); }
out.push(rs[0].list.len());
for r in rs { let l = r.items(); l.push(5); }
out.push(rs[0].list.len());
let n = 0;
for r in rs { n += r.len(); }
out.push(n);
out.push(rs[1].w);
out
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ToString(v), "[28, 1, 1, 1, 12, 3]"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
