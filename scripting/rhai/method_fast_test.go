package rhai_test

import (
	"context"
	"testing"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// TestFastMethodsAgree runs scripts through the method shortcuts and, by
// defining a decoy so the shortcut stands aside, through the generic path:
// values and errors must be the same.
func TestFastMethodsAgree(t *testing.T) {
	lim := rhai.DefaultLimits()
	lim.MaxArrayLen = 5
	for _, src := range []string{
		`let a = [1]; a.push(2); a.push([3]); a`,
		`let a = [1, 2, 3, 4]; a.push({ a.push(9); 5 }); a`,
		`let a = [1, 2, 3, 4, 5]; a.push(a.pop()); a`,
		`let a = [1, 2, 3, 4, 5]; a.push(6)`,
		`let b = [1]; let a = [b]; a[0].push(2); [a, b]`,
		`let m = #{a: [1]}; m.a.push(2); m`,
		`fn bump(d) { this.n += d; this.n } let m = #{n: 1}; [m.bump(2), m]`,
		`fn plus(x) { this + x } let i = 4; i.plus(3)`,
		`fn set(x) { this = x; } let i = 4; i.set("s"); i`,
		`fn set(x) { this = x; } let a = [[1]]; a[0].set(2); a`,
		`fn f(x) { throw x } let i = 1; try { i.f(7) } catch (e) { e }`,
		`fn f(x) { x } let m = #{f: |x| x * 10}; m.f(2)`,
		`fn f() { this.len() } let s = "abc"; s.f()`,
		`fn f(a, b) { this + a + b } let n = 1; n.f(n.f(1, 1), 2)`,
		`fn push(x) { this.len() + x } let a = [1]; [a.push(5), a]`,
	} {
		fast, ferr := rhai.NewEngine().Eval(context.Background(), src, &rhai.RunOptions{Limits: &lim})
		// A typed method turns the script-method shortcut off; a host push
		// turns the push shortcut off.
		slowEng := rhai.NewEngine()
		slowEng.RegisterNative(rhai.NativeDef{Name: "push", Arity: 7, Fn: func(*rhai.Call, []rhai.Value) (rhai.Value, error) { return rhai.Unit, nil }})
		slow, serr := slowEng.Eval(context.Background(), "fn \"decoy\".zzz() { 0 }\n"+src, &rhai.RunOptions{Limits: &lim})
		if rhai.ToString(fast) != rhai.ToString(slow) || (ferr == nil) != (serr == nil) || ferr != nil && !sameError(ferr, serr) {
			t.Errorf("%s:\n fast %s, %v\n slow %s, %v", src, rhai.ToString(fast), ferr, rhai.ToString(slow), serr)
		}
	}
}

// sameError compares kind, message and column (the decoy shifts lines).
func sameError(a, b error) bool {
	ea, oka := a.(*rhai.Error)
	eb, okb := b.(*rhai.Error)
	return oka && okb && ea.Kind == eb.Kind && ea.Message == eb.Message && ea.Column == eb.Column && ea.Line+1 == eb.Line
}
