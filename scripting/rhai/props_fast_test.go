package rhai_test

import (
	"context"
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// TestElemPropFastPathAgrees runs `a[i].name` reads and updates on a local
// array (the shortcut) and on the same array shared with a closure (the
// generic path): values and errors must be the same.
func TestElemPropFastPathAgrees(t *testing.T) {
	for _, body := range []string{
		`a[1].x += 5; a[-1].x *= 2; a[0].x = "s"; [a[0].x, a[1].x, a[-2].x]`,
		`a[0].y += 1`,
		`a[0].y = 3; a[0].y + a[0].x`,
		`a[0].zz`,
		`a[5].x`,
		`a[5].x = 1`,
		`a[2].len`,
		`a[3].x = 2`,
		`a[0].x += 9223372036854775807; a[0].x += 1`,
		`a[1].x /= 0`,
		`a[1].x -= 0.5; a[1].x`,
		`a[{ a.push(#{x: 7}); 4 }].x += 1; a`,
		`a["k"].x`,
		`let s = 0; for i in 0..2 { a[i].x += i; s += a[i].x; } s`,
	} {
		src := `let a = [#{x: 1}, #{x: 2}, "abc", 4]; ` + body
		shared := `let a = [#{x: 1}, #{x: 2}, "abc", 4]; let keep = || a; ` + body
		fast, ferr := rhai.NewEngine().Eval(context.Background(), src, nil)
		slow, serr := rhai.NewEngine().Eval(context.Background(), shared, nil)
		if rhai.ToString(fast) != rhai.ToString(slow) || (ferr == nil) != (serr == nil) ||
			ferr != nil && !sameErrorShifted(ferr, serr, len("let keep = || a; ")) {
			t.Errorf("%s:\n fast %s, %v\n slow %s, %v", body, rhai.ToString(fast), ferr, rhai.ToString(slow), serr)
		}
	}
}

// sameErrorShifted compares kind and message, and the position with the
// second's column shifted by d (text inserted before it on line 1).
func sameErrorShifted(a, b error, d int) bool {
	ea, oka := a.(*rhai.Error)
	eb, okb := b.(*rhai.Error)
	return oka && okb && ea.Kind == eb.Kind && strings.EqualFold(ea.Message, eb.Message) && ea.Line == eb.Line && ea.Column+d == eb.Column
}

// TestVarPropFastPath: `x.name` and `this.name` reads and updates give
// stock Rhai's values, on maps and on other receivers (error kinds only:
// the messages are the generic path's).
func TestVarPropFastPath(t *testing.T) {
	e := rhai.NewEngine()
	for src, want := range map[string]string{
		`fn bump(d) { this.n += d; this.m = this.n * 2; this.n } let a = #{n: 1}; [a.bump(2), a]`: `[3, #{"m": 6, "n": 3}]`,
		`fn get() { this.n } let a = #{}; a.get()`:                                                ``,
		`fn get() { this.len } let a = "abc"; a.get()`:                                            `3`,
		`let m = #{a: 1}; m.a += 2; m.b = 5; [m.a, m.b, m.zz]`:                                    `[3, 5, ()]`,
		`let s = "abc"; s.len`:                             `3`,
		`fn bump(d) { this.n += d; } let a = 5; a.bump(1)`: `error`,
		`let m = #{a: 1}; m.c += 1`:                        `error`,
	} {
		v, err := e.Eval(context.Background(), src, nil)
		got := rhai.ToString(v)
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("%s: got %s (%v), want %s", src, got, err, want)
		}
	}
}
