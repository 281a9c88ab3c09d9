package rhai_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// libRuntime is a stand-in for the evaluator: it calls function pointers
// whose Closure is a Go func, finds natives of the standard library by name
// and records printed output.
type libRuntime struct {
	limits  rhai.Limits
	natives map[string][]rhai.NativeDef
	printed []string
	debuged []string
	ticks   int
}

// libFn is what libRuntime expects in FnPtr.Closure.
type libFn func(args []rhai.Value) (rhai.Value, error)

func newLibRuntime() *libRuntime {
	rt := &libRuntime{limits: rhai.DefaultLimits(), natives: map[string][]rhai.NativeDef{}}
	for _, d := range rhai.Stdlib() {
		rt.natives[d.Name] = append(rt.natives[d.Name], d)
	}
	return rt
}

func (rt *libRuntime) CallFn(fn rhai.Value, args []rhai.Value) (rhai.Value, error) {
	fp := fn.AsFnPtr()
	all := append(append([]rhai.Value(nil), fp.Curry...), args...)
	if f, ok := fp.Closure.(libFn); ok {
		return f(all)
	}
	return rt.CallFnName(fp.Name, all)
}

func (rt *libRuntime) CallFnName(name string, args []rhai.Value) (rhai.Value, error) {
	for _, d := range rt.natives[name] {
		if d.Arity != len(args) && d.Arity != -1 {
			continue
		}
		v, err := d.Fn(rhai.NewCall(rt, name, 0, 0), args)
		if errors.Is(err, rhai.ErrNoMatch) {
			continue
		}
		return v, err
	}
	return rhai.Unit, rhai.Errorf(rhai.ErrFunctionNotFound, "Function not found: %s", name)
}

func (rt *libRuntime) Limits() *rhai.Limits { return &rt.limits }
func (rt *libRuntime) Print(s string)       { rt.printed = append(rt.printed, s) }
func (rt *libRuntime) Debug(s string)       { rt.debuged = append(rt.debuged, s) }
func (rt *libRuntime) IsDefFn(name string, arity int) bool {
	return false
}
func (rt *libRuntime) Tick(n int) error { rt.ticks += n; return nil }

// mustCall runs name and fails the test on error.
func (rt *libRuntime) mustCall(t *testing.T, name string, args ...rhai.Value) rhai.Value {
	t.Helper()
	v, err := rt.CallFnName(name, args)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// goFn wraps a Go func as a function pointer for libRuntime.
func goFn(f func(args []rhai.Value) (rhai.Value, error)) rhai.Value {
	return rhai.NewFnPtr(&rhai.FnPtr{Name: "anon", Closure: libFn(f)})
}

func ints(xs ...int64) rhai.Value {
	elems := make([]rhai.Value, len(xs))
	for i, x := range xs {
		elems[i] = rhai.Int(x)
	}
	return rhai.NewArray(elems)
}

func TestStdlibNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range rhai.Stdlib() {
		key := fmt.Sprintf("%s/%d", d.Name, d.Arity)
		if seen[key] {
			t.Errorf("duplicate registration %s arity %d", d.Name, d.Arity)
		}
		seen[key] = true
		if strings.TrimSpace(d.Name) == "" || d.Fn == nil {
			t.Errorf("bad registration %+v", d)
		}
	}
}

func TestCorePrint(t *testing.T) {
	rt := newLibRuntime()
	rt.mustCall(t, "print", rhai.String("hi"))
	rt.mustCall(t, "print", rhai.Unit)
	rt.mustCall(t, "debug", rhai.String("hi"))
	if strings.Join(rt.printed, "|") != "hi|" {
		t.Errorf("printed %q", rt.printed)
	}
	if strings.Join(rt.debuged, "|") != `"hi"` {
		t.Errorf("debug %q", rt.debuged)
	}
	if got := rt.mustCall(t, "type_of", rhai.Float(1)).AsStr(); got != "f64" {
		t.Errorf("type_of = %q", got)
	}
}
