package rhai_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

func TestRegisterFn(t *testing.T) {
	t.Parallel()
	e := rhai.NewEngine()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.RegisterFn("repeat", func(n int64, s string) (string, error) {
		if n < 0 {
			return "", errors.New("negative count")
		}
		return strings.Repeat(s, int(n)), nil
	}))
	must(e.RegisterFn("half", func(x float64) float64 { return x / 2 }))
	must(e.RegisterFn("count", func(args ...rhai.Value) rhai.Value { return rhai.Int(int64(len(args))) }))
	must(e.RegisterFn("upper", func(c rune) rune { return c - 'a' + 'A' }))
	must(e.RegisterFn("sum", func(xs []rhai.Value) int {
		n := 0
		for _, x := range xs {
			n += int(x.AsInt())
		}
		return n
	}))
	must(e.RegisterFn("keys", func(m map[string]rhai.Value) int { return len(m) }))
	must(e.RegisterFn("plain", func(v any) any { return v }))
	must(e.RegisterFn("shout", func(c *rhai.Call, s string) { c.Print(s + "!") }))
	must(e.RegisterFn("flag", func(b bool) bool { return !b }))
	if err := e.RegisterFn("bad", 42); err == nil {
		t.Error("registering a non-function succeeded")
	}
	if err := e.RegisterFn("bad", func(chan int) {}); err == nil {
		t.Error("registering an unsupported parameter type succeeded")
	}
	var printed []string
	opts := &rhai.RunOptions{Print: func(s string) { printed = append(printed, s) }}
	tests := []struct{ src, want string }{
		{`repeat(3, "ab")`, `"ababab"`},
		{`2.repeat("ab")`, `"abab"`},
		{`half(3)`, `1.5`},
		{`count(1, "a", [])`, `3`},
		{`count()`, `0`},
		{`upper('q')`, `Q`},
		{`sum([1, 2, 3])`, `6`},
		{`keys(#{a: 1, b: 2})`, `2`},
		{`plain(#{a: [1, 2.5, "x", true, ()]})`, `#{"a": [1, 2.5, "x", true, ()]}`},
		{`shout("hey")`, `()`},
		{`flag(false)`, `true`},
	}
	for _, tt := range tests {
		v, err := e.Eval(context.Background(), tt.src, opts)
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		if got := rhai.ToDebug(v); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.src, got, tt.want)
		}
	}
	if len(printed) != 1 || printed[0] != "hey!" {
		t.Errorf("printed %q", printed)
	}
	_, err := e.Eval(context.Background(), `repeat(-1, "x")`, nil)
	if errKind(err) != rhai.ErrHost || !strings.Contains(err.Error(), "negative count") {
		t.Errorf("error result: got %v", err)
	}
	_, err = e.Eval(context.Background(), `repeat("x", 1)`, nil)
	if errKind(err) != rhai.ErrFunctionNotFound || !strings.Contains(err.Error(), "repeat (&str | ImmutableString | String, i64)") {
		t.Errorf("wrong types: got %v", err)
	}
}

func TestRegisterNativeOverridesStdlib(t *testing.T) {
	t.Parallel()
	e := rhai.NewEngine()
	e.RegisterNative(rhai.NativeDef{Name: "len", Arity: 1, Fn: func(_ *rhai.Call, args []rhai.Value) (rhai.Value, error) {
		if args[0].Kind() != rhai.KindString {
			return rhai.Unit, rhai.ErrNoMatch
		}
		return rhai.Int(-1), nil
	}})
	v, err := e.Eval(context.Background(), `["abc".len(), [1, 2].len()]`, nil)
	if err != nil || rhai.ToDebug(v) != "[-1, 2]" {
		t.Fatalf("got %s, %v", rhai.ToDebug(v), err)
	}
}
