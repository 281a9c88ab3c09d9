package rhai_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// TestHostileScripts: each must end quickly with its own error kind.
func TestHostileScripts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		kind rhai.ErrorKind
	}{
		{"infinite loop", `loop {}`, rhai.ErrTooManyOps},
		{"infinite while", `let i = 0; while true { i += 1; }`, rhai.ErrTooManyOps},
		{"unbounded recursion", `fn f() { f() } f()`, rhai.ErrStackOverflow},
		{"mutual recursion", `fn a(n) { b(n) } fn b(n) { a(n) } a(1)`, rhai.ErrStackOverflow},
		{"closure recursion", `let f = 0; f = || f.call(); f.call()`, rhai.ErrStackOverflow},
		{"string doubling", `let s = "x"; loop { s += s }`, rhai.ErrDataTooLarge},
		{"array growth", `let a = [1]; loop { a += a }`, rhai.ErrDataTooLarge},
		{"nested doubling", `let a = [1]; loop { a.push(a) }`, rhai.ErrDataTooLarge},
		{"nested literal doubling", `let a = [1]; loop { a = [a, a] }`, rhai.ErrDataTooLarge},
		{"nested map doubling", `let m = #{}; let i = 0; loop { i += 1; m["k" + i] = m }`, rhai.ErrDataTooLarge},
		{"deep parens", strings.Repeat("(", 10000) + "1" + strings.Repeat(")", 10000), rhai.ErrParse},
		{"deep blocks", strings.Repeat("{", 10000) + strings.Repeat("}", 10000), rhai.ErrParse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := rhai.DefaultLimits()
			lim.MaxOperations = 2_000_000
			lim.MaxArrayLen, lim.MaxMapLen = 100_000, 100_000
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			_, err := rhai.NewEngine().Eval(ctx, tt.src, &rhai.RunOptions{Limits: &lim})
			if errKind(err) != tt.kind {
				t.Fatalf("got %v (%s), want kind %s", err, errKind(err), tt.kind)
			}
			if d := time.Since(start); d > 15*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestCancellation(t *testing.T) {
	t.Parallel()
	lim := rhai.DefaultLimits()
	lim.MaxOperations = 0 // unlimited: only the context stops it
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := rhai.NewEngine().Eval(ctx, `loop {}`, &rhai.RunOptions{Limits: &lim})
	if errKind(err) != rhai.ErrCancelled || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want cancelled by deadline", err)
	}
	done, stop := context.WithCancel(context.Background())
	stop()
	if _, err := rhai.NewEngine().Eval(done, `1`, nil); errKind(err) != rhai.ErrCancelled {
		t.Fatalf("already-cancelled context: got %v", err)
	}
}

func TestSizeLimits(t *testing.T) {
	t.Parallel()
	lim := rhai.DefaultLimits()
	lim.MaxStringLen, lim.MaxArrayLen, lim.MaxMapLen = 10, 5, 3
	tests := []string{
		`"abcdef" + "ghijkl"`,
		`[1, 2, 3, 4, 5, 6]`,
		`let a = []; for i in 0..10 { a.push(i) }`,
		`let m = #{}; for i in 0..10 { m["k" + i] = i }`,
		`let s = ""; for i in 0..20 { s += "a" }`,
	}
	for _, src := range tests {
		_, err := rhai.NewEngine().Eval(context.Background(), src, &rhai.RunOptions{Limits: &lim})
		if errKind(err) != rhai.ErrDataTooLarge {
			t.Errorf("%s: got %v, want data too large", src, err)
		}
	}
	lim = rhai.DefaultLimits()
	lim.MaxScriptBytes = 10
	if _, err := rhai.NewEngine().Eval(context.Background(), `let x = 1234567890;`, &rhai.RunOptions{Limits: &lim}); errKind(err) != rhai.ErrDataTooLarge {
		t.Errorf("long script: got %v", err)
	}
}

func TestCallDepthLimit(t *testing.T) {
	t.Parallel()
	lim := rhai.DefaultLimits()
	lim.MaxCallDepth = 10
	src := `fn down(n) { if n == 0 { 0 } else { 1 + down(n - 1) } } down(%d)`
	e := rhai.NewEngine()
	if v, err := e.Eval(context.Background(), fmt.Sprintf(src, 9), &rhai.RunOptions{Limits: &lim}); err != nil || v.AsInt() != 9 {
		t.Fatalf("depth 9: %v %v", rhai.ToDebug(v), err)
	}
	if _, err := e.Eval(context.Background(), fmt.Sprintf(src, 20), &rhai.RunOptions{Limits: &lim}); errKind(err) != rhai.ErrStackOverflow {
		t.Fatalf("depth 20: got %v", err)
	}
}

func TestHostPanic(t *testing.T) {
	t.Parallel()
	e := rhai.NewEngine()
	e.RegisterNative(rhai.NativeDef{Name: "boom", Arity: 0, Fn: func(*rhai.Call, []rhai.Value) (rhai.Value, error) {
		panic("kaboom")
	}})
	if err := e.RegisterFn("boom2", func(x int64) int64 { return 10 / x }); err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{`boom()`, `boom2(0)`, `try { boom() } catch { 1 }`} {
		_, err := e.Eval(context.Background(), src, nil)
		if src == `try { boom() } catch { 1 }` {
			if err != nil {
				t.Errorf("%s: a caught host error should not fail: %v", src, err)
			}
			continue
		}
		if errKind(err) != rhai.ErrHost || !strings.Contains(err.Error(), "panicked") {
			t.Errorf("%s: got %v, want a host error", src, err)
		}
	}
}

// TestConcurrentRuns shares one Engine and Program between goroutines (run
// with -race): each run has its own state and sees its own constants.
func TestConcurrentRuns(t *testing.T) {
	t.Parallel()
	e := rhai.NewEngine()
	p, err := e.Compile(`let s = "id:" + ID; let a = []; for i in 0..200 { a.push(i); s += "." } eval("let n = a.len();"); [s.len(), n, ID]`)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprint(g)
			for range 20 {
				v, err := e.Run(context.Background(), p, &rhai.RunOptions{Constants: map[string]rhai.Value{"ID": rhai.String(id)}})
				if err != nil {
					errs <- err
					return
				}
				want := fmt.Sprintf(`[%d, 200, "%s"]`, 3+len(id)+200, id)
				if got := rhai.ToDebug(v); got != want {
					errs <- fmt.Errorf("got %s, want %s", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
