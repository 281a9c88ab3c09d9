package rhai_test

import (
	"math"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// libTruthy is a callback accepting anything.
var libTruthy = goFn(func(args []rhai.Value) (rhai.Value, error) { return rhai.Bool(len(args) > 0), nil })

// libSamples are argument values of every kind, including edge cases.
func libSamples() []rhai.Value {
	return []rhai.Value{
		rhai.Unit, rhai.Bool(true), rhai.Int(0), rhai.Int(-1), rhai.Int(3), rhai.Int(70),
		rhai.Int(math.MinInt64), rhai.Int(math.MaxInt64), rhai.Float(math.NaN()), rhai.Float(-2.5),
		rhai.Float(math.Inf(1)), rhai.Char('é'), rhai.String(""), rhai.String("héllo, wörld"),
		ints(1, 2, 3), rhai.NewArray(nil), rhai.NewArray([]rhai.Value{rhai.Int(1), rhai.String("a")}),
		rhai.NewMap(map[string]rhai.Value{"a": rhai.Int(1)}), rhai.NewBlob([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}),
		rhai.NewRange(-5, 99, true), rhai.NewRange(2, 1, false), rhai.Timestamp(time.Unix(0, 0)),
		libTruthy,
		rhai.NewFnPtr(&rhai.FnPtr{Name: "no_such_fn"}),
		rhai.Custom("Thing", struct{}{}),
	}
}

// TestStdlibNoPanic calls every library function with many combinations of
// argument kinds: none may panic, whatever it returns.
func TestStdlibNoPanic(t *testing.T) {
	if testing.Short() {
		t.Skip("exhaustive argument combinations")
	}
	rt := newLibRuntime()
	rt.limits.MaxStringLen, rt.limits.MaxArrayLen, rt.limits.MaxBlobLen, rt.limits.MaxMapLen = 1<<12, 1<<12, 1<<12, 1<<12
	full := libSamples()
	small := []rhai.Value{rhai.Int(-1), rhai.Int(2), rhai.String("l"), rhai.Char('l'),
		rhai.NewRange(1, 3, false), ints(9), libTruthy, rhai.Unit}
	for _, d := range rhai.Stdlib() {
		if d.Arity < 0 || d.Name == "print" || d.Name == "debug" {
			continue
		}
		args := make([]rhai.Value, d.Arity)
		var rec func(i int)
		rec = func(i int) {
			if i == len(args) {
				// fresh copies: functions mutate their arguments
				call := make([]rhai.Value, len(args))
				for j, a := range args {
					call[j] = a.Clone()
					if a.Kind() == rhai.KindString {
						call[j] = rhai.String(a.AsStr())
					}
				}
				func() {
					defer func() {
						if p := recover(); p != nil {
							t.Fatalf("%s%s panicked: %v", d.Name, libArgTypes(args), p)
						}
					}()
					_, _ = d.Fn(rhai.NewCall(rt, d.Name, 1, 1), call)
				}()
				return
			}
			pool := full
			if i > 0 && d.Arity > 2 {
				pool = small
			}
			for _, v := range pool {
				args[i] = v
				rec(i + 1)
			}
		}
		rec(0)
	}
}

func libArgTypes(args []rhai.Value) string {
	s := "("
	for i, a := range args {
		if i > 0 {
			s += ", "
		}
		s += rhai.ToDebug(a)
	}
	return s + ")"
}
