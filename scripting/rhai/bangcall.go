package rhai

import (
	"reflect"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// bangBudget bounds the `f!()` bodies one function may hold compiled
// inline: a recursive f!() is unrolled only so far (see bangDepth).
const bangBudget = 1024

// bangDepth is how deep a recursive `f!()` of def is unrolled: Rhai's call
// depth (64) when the body calls itself once, less when it does so in
// several places, so that the unrolled bodies stay within bangBudget.
func bangDepth(def *syntax.FnDef) int {
	k := countBangs(reflect.ValueOf(def.Body), def.Name, len(def.Params))
	depth, total, level := 0, 0, 1
	for depth < 64 {
		level *= max(k, 1)
		if total+level > bangBudget {
			break
		}
		total += level
		depth++
	}
	return depth
}

// countBangs counts the `name!(…)` calls with n arguments under v.
func countBangs(v reflect.Value, name string, n int) int {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return 0
		}
		c := 0
		if call, ok := v.Interface().(*syntax.CallExpr); ok && v.Kind() == reflect.Pointer && call.Bang && call.Name == name && len(call.Args) == n {
			c = 1
		}
		return c + countBangs(v.Elem(), name, n)
	case reflect.Struct:
		c := 0
		for i := 0; i < v.NumField(); i++ {
			c += countBangs(v.Field(i), name, n)
		}
		return c
	case reflect.Slice:
		c := 0
		for i := 0; i < v.Len(); i++ {
			c += countBangs(v.Index(i), name, n)
		}
		return c
	}
	return 0
}

// inlineBody compiles the body of def inline at the current point, as
// `def!(…)` does: its parameters become variables of the caller's frame.
func (fc *fnComp) inlineBody(def *syntax.FnDef) (params []*scopeVar, body evalFn) {
	mark, loops := len(fc.vars), fc.loops
	fc.scopes++
	fc.loops = 0
	fc.inlining = append(fc.inlining, def)
	fc.inlined++
	params = make([]*scopeVar, len(def.Params))
	for i, p := range def.Params {
		params[i] = fc.declare(p, false)
	}
	body = fc.blockBody(def.Body.Stmts)
	fc.inlining = fc.inlining[:len(fc.inlining)-1]
	fc.vars, fc.loops = fc.vars[:mark], loops
	fc.scopes--
	return params, body
}

// callBang compiles `call!(fp, args…)`: the script function fp names runs
// in the caller's scope, as `name!(args…)` does. Each script function fp
// may name (curried arguments included) is compiled inline here; a
// closure or a native is called the ordinary way.
func (fc *fnComp) callBang(e *syntax.CallExpr) evalFn {
	type inlined struct {
		params []*scopeVar
		body   evalFn
	}
	fnArg := fc.expr(e.Args[0])
	args := fc.argList(e.Args[1:], false)
	bodies := map[fnKey]inlined{}
	for _, d := range fc.c.defs {
		if len(d.Params) < len(args) {
			continue
		}
		k := fnKey{d.Name, len(d.Params)}
		if _, done := bodies[k]; done || fc.bangTooDeep(d) {
			continue
		}
		p, b := fc.inlineBody(d)
		bodies[k] = inlined{p, b}
	}
	pos, argPos := e.P, e.Args[0].Position()
	return func(f *frame) (Value, error) {
		fv, err := fnArg(f)
		if err != nil {
			return Unit, err
		}
		if fv.k != KindFnPtr {
			return Unit, errAt(ErrMismatchedType, argPos, "Data type incorrect: %s (expecting Fn)", fv.TypeName())
		}
		vals, err := evalArgs(f, args, 0)
		if err != nil {
			return Unit, err
		}
		fp := fv.AsFnPtr()
		in, ok := bodies[fnKey{fp.Name, len(fp.Curry) + len(vals)}]
		if !ok || fp.Closure != nil {
			return f.rt.callFnPtr(fv, vals, nil, pos)
		}
		all := append(append(make([]Value, 0, len(fp.Curry)+len(vals)), fp.Curry...), vals...)
		for i, v := range all {
			setSlot(f, in.params[i].slot, in.params[i].boxed, v)
		}
		if err := f.rt.tick(); err != nil {
			return Unit, withPos(err, pos)
		}
		v, err := in.body(f)
		if err == errReturn {
			v, err = f.ret, nil
			f.ret = Unit
		}
		return v, err
	}
}

// bangTooDeep reports whether def, being compiled inline already, is to be
// unrolled no further.
func (fc *fnComp) bangTooDeep(def *syntax.FnDef) bool {
	if len(fc.inlining) == 0 || len(fc.inlining) < bangDepth(def) && fc.inlined < bangBudget {
		return false
	}
	for _, d := range fc.inlining {
		if d == def {
			return true
		}
	}
	return false
}
