package rhai_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// FuzzEval runs arbitrary source under tight limits: it must never panic or
// hang, only return a value or an *Error. Seeded with the conformance
// scripts and the hostile ones.
func FuzzEval(f *testing.F) {
	for _, s := range []string{
		`loop {}`, `fn f() { f() } f()`, `let s = "x"; loop { s += s }`,
		`let a = [1, 2]; a[5] = 1`, `let f = |x| x + 1; f.call(1)`, "`${1 + 2}`",
		`switch 3 { 1..5 => 1, _ => 2 }`, `let x = 5; x[1..3] = 2; x`,
	} {
		f.Add(s)
	}
	for _, c := range loadConformanceSeeds() {
		f.Add(c)
	}
	e := rhai.NewEngine()
	lim := rhai.Limits{
		MaxOperations: 10_000, MaxCallDepth: 32, MaxExprDepth: 64,
		MaxStringLen: 4 << 10, MaxArrayLen: 1 << 10, MaxMapLen: 1 << 10, MaxBlobLen: 4 << 10,
		MaxScriptBytes: 64 << 10,
	}
	f.Fuzz(func(t *testing.T, src string) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		done := make(chan error, 1)
		go func() {
			_, err := e.Eval(ctx, src, &rhai.RunOptions{Limits: &lim})
			done <- err
		}()
		var err error
		select {
		case err = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("script did not stop within 5s of a 100ms deadline: %q", src)
		}
		if err != nil {
			re, ok := err.(*rhai.Error)
			if !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			// Panics recovered by the evaluator (parser bugs are the
			// parser's own fuzz target's business).
			if strings.HasPrefix(re.Message, "internal error") || strings.HasPrefix(re.Message, "internal compiler error") {
				t.Fatalf("evaluator bug on %q: %v\n%v", src, err, re.Cause)
			}
		}
	})
}

func loadConformanceSeeds() []string {
	cases, _ := readConformance()
	out := make([]string, 0, len(cases))
	for _, c := range cases {
		out = append(out, c.Script)
	}
	return out
}
