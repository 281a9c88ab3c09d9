package rhai

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// checkClean reports what a pooled run state still holds of an earlier run.
func checkClean(r *runState) error {
	switch {
	case r.eng != nil || r.prog != nil || r.ctx != nil:
		return errors.New("engine, program or context kept")
	case r.print != nil || r.debug != nil:
		return errors.New("print or debug callback kept")
	case r.hostConsts != nil || r.hostStrings != nil || r.constMap != nil || r.globals != nil || r.dynVars != nil:
		return errors.New("a name map kept")
	case len(r.constCache) != 0:
		return errors.New("constant cache not emptied")
	case r.sp != 0 || r.depth != 0 || r.evalDepth != 0 || r.nativeDepth != 0:
		return fmt.Errorf("not unwound: sp=%d depth=%d eval=%d native=%d", r.sp, r.depth, r.evalDepth, r.nativeDepth)
	case r.used != 0 || r.budget != 0 || r.granted != 0:
		return errors.New("operation count kept")
	case len(r.stack) > maxPooledStackSlots || len(r.frames) > maxPooledFrames || len(r.calls) > maxPooledCalls:
		return errors.New("pooled state too large")
	}
	for _, c := range r.constCache[:cap(r.constCache)] {
		if c != (namedValue{}) {
			return fmt.Errorf("constant %q kept", c.name)
		}
	}
	for i, v := range r.stack {
		if v != Unit {
			return fmt.Errorf("stack slot %d holds %s", i, ToDebug(v))
		}
	}
	for i, f := range r.frames {
		if f.slots != nil || f.cells != nil || f.this != nil || f.ret != Unit || f.rt != r {
			return fmt.Errorf("frame %d not cleared", i)
		}
	}
	for i, c := range r.calls {
		if c.Name != "" || c.rt != Runtime(r) {
			return fmt.Errorf("call %d not cleared", i)
		}
	}
	return nil
}

// TestPooledRunStateIsClean runs scripts that end in every way a run can
// end and checks that whatever the pool then holds carries nothing over.
func TestPooledRunStateIsClean(t *testing.T) {
	e := NewEngine()
	e.RegisterNative(NativeDef{Name: "boom", Arity: 0, Fn: func(*Call, []Value) (Value, error) { panic("boom") }})
	e.RegisterNative(NativeDef{Name: "twice", Arity: 1, Fn: func(c *Call, args []Value) (Value, error) {
		v, err := c.CallFn(args[0], Int(1))
		if err != nil {
			return Unit, err
		}
		return c.CallFn(args[0], v)
	}})
	consts := map[string]Value{}
	for i := range 12 {
		consts[fmt.Sprintf("C%d", i)] = String(strings.Repeat("x", i))
	}
	consts["ARR"] = NewArray([]Value{Int(1), Int(2)})
	lim := DefaultLimits()
	lim.MaxOperations = 50_000
	scripts := []string{
		`40 + 2`,
		`let x = 10; x * 2`,
		`C1 + C2 + C3 + C4 + C5 + C6 + C7 + C8 + C9 + C10 + C11 + ARR.len()`,
		`fn fib(n) { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } } fib(15)`,
		`fn deep(n) { if n == 0 { throw "bottom" } let a = [n]; deep(n - 1) } deep(300)`,
		`fn down(n) { down(n + 1) } down(0)`,
		`loop {}`,
		`let a = [3, 1, 2]; a.sort(|x, y| x - y); a.map(|x| x * 2).filter(|x| x > 2)`,
		`let k = 5; let f = |x| x + k; twice(f)`,
		`twice(|x| { boom() })`,
		`eval("let z = C1 + 1;"); z`,
		`const G = [1, 2]; fn g() { global::G } g()`,
		`let s = C3; s += "more"; print(s); debug(s); s`,
		`boom()`,
		`let t = #{a: 1, f: || this.a}; t.f()`,
	}
	reused := 0
	for _, src := range scripts {
		p, err := e.Compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		for range 2 {
			_, _ = e.Run(context.Background(), p, &RunOptions{Limits: &lim, Constants: consts, Strings: []NamedString{{"S", "s"}}, Print: func(string) {}, Debug: func(string) {}})
			r := runStates.Get().(*runState)
			if err := checkClean(r); err != nil {
				t.Fatalf("after %s: %v", src, err)
			}
			if len(r.frames) > 0 {
				reused++
			}
			runStates.Put(r)
		}
	}
	if reused == 0 {
		t.Fatal("the pool never handed back a used run state: nothing was checked")
	}
	cancelled, cancel := context.WithCancel(context.Background())
	p, err := e.Compile(`let a = []; loop { a.push(1); }`)
	if err != nil {
		t.Fatal(err)
	}
	go cancel()
	unlimited := DefaultLimits()
	unlimited.MaxOperations, unlimited.MaxArrayLen = 0, 0
	if _, err := e.Run(cancelled, p, &RunOptions{Limits: &unlimited}); err == nil || err.(*Error).Kind != ErrCancelled {
		t.Fatalf("got %v, want cancelled", err)
	}
	r := runStates.Get().(*runState)
	if err := checkClean(r); err != nil {
		t.Fatalf("after a cancelled run: %v", err)
	}
	runStates.Put(r)
}

// TestRunConstantsArePrivate checks that the lazily copied constants keep
// value semantics: a run can change its copy, never the host's value or
// another run's.
func TestRunConstantsArePrivate(t *testing.T) {
	t.Parallel()
	e := NewEngine()
	consts := map[string]Value{"ARR": NewArray([]Value{Int(1), Int(2), Int(3)})}
	for i := range 20 {
		consts[fmt.Sprintf("S%d", i)] = String(fmt.Sprint("s", i))
	}
	tests := []struct{ src, want string }{
		{`let s = S1; s += "x"; s += "y"; s + S1`, `"s1xys1"`},
		{`let a = ARR; a.push(4); [a.len(), ARR.len()]`, `[4, 3]`},
		{`let t = ""; for i in 0..20 { t += eval("S" + i) } t.len()`, `50`},
		{`let n = 0; for i in 0..3 { n += S19.len() + S0.len() + S18.len() + S2.len() + S17.len() + S3.len() + S16.len() + S4.len() + S15.len() + S5.len() } n`, `75`},
		{`[is_def_var("S7"), is_def_var("S" + 8), is_def_var("NOPE"), global::S9]`, `[true, true, false, "s9"]`},
		{`fn f() { S11 } f() + S11`, `"s11s11"`},
	}
	for _, tc := range tests {
		for range 2 {
			v, err := e.Eval(context.Background(), tc.src, &RunOptions{Constants: consts})
			if err != nil {
				t.Fatalf("%s: %v", tc.src, err)
			}
			if got := ToDebug(v); got != tc.want {
				t.Fatalf("%s: got %s, want %s", tc.src, got, tc.want)
			}
		}
	}
	if got := ToDebug(consts["ARR"]); got != "[1, 2, 3]" {
		t.Fatalf("host array changed: %s", got)
	}
	if got := consts["S1"].AsStr(); got != "s1" {
		t.Fatalf("host string changed: %q", got)
	}
	if _, err := e.Eval(context.Background(), `S1 = "x";`, &RunOptions{Constants: consts}); err == nil {
		t.Fatal("assigning a host constant succeeded")
	}
}

// TestPooledConcurrentRuns mixes failing and succeeding runs of one engine
// on many goroutines (run with -race): pooled states move between them, and
// each run must still see only its own constants and output.
func TestPooledConcurrentRuns(t *testing.T) {
	t.Parallel()
	e := NewEngine()
	ok, err := e.Compile(`fn f(n) { if n == 0 { ID } else { f(n - 1) } } let s = f(20); s += "!"; print(s); s`)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := e.Compile(`fn f(n) { if n == 0 { throw ID } else { f(n - 1) } } f(30)`)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				id := fmt.Sprintf("g%d-%d", g, i)
				var printed []string
				opts := &RunOptions{Constants: map[string]Value{"ID": String(id)}, Print: func(s string) { printed = append(printed, s) }}
				if i%3 == 0 {
					_, err := e.Run(ctx, bad, opts)
					if err == nil || !strings.Contains(err.Error(), id) {
						errs <- fmt.Errorf("got %v, want an error carrying %s", err, id)
						return
					}
					continue
				}
				v, err := e.Run(ctx, ok, opts)
				if err != nil {
					errs <- err
					return
				}
				if v.AsStr() != id+"!" || len(printed) != 1 || printed[0] != id+"!" {
					errs <- fmt.Errorf("got %s and prints %q, want %s!", ToDebug(v), printed, id)
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

// TestRunStrings checks RunOptions.Strings: constants like Constants, copied
// on first read, never writable, and shadowed by Constants.
func TestRunStrings(t *testing.T) {
	t.Parallel()
	e := NewEngine()
	opts := &RunOptions{
		Constants: map[string]Value{"B": Int(2)},
		Strings:   []NamedString{{"A", "alpha"}, {"B", "beta"}, {"C", ""}},
	}
	tests := []struct{ src, want string }{
		{`let s = A; s += "!"; [s, A, B, C, global::A]`, `["alpha!", "alpha", 2, "", "alpha"]`},
		{`fn f() { A.len() } f() + eval("A").len()`, `10`},
		{`[is_def_var("A"), is_def_var("C"), is_def_var("D"), is_def_var("" + "A")]`, `[true, true, false, true]`},
	}
	for _, tc := range tests {
		v, err := e.Eval(context.Background(), tc.src, opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if got := ToDebug(v); got != tc.want {
			t.Fatalf("%s: got %s, want %s", tc.src, got, tc.want)
		}
	}
	for _, src := range []string{`A = "x";`, `A += "x";`, `D`} {
		if _, err := e.Eval(context.Background(), src, opts); err == nil {
			t.Fatalf("%s: succeeded", src)
		}
	}
}
