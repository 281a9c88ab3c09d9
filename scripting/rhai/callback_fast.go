package rhai

import "github.com/circles-actor/circles-actor/scripting/rhai/syntax"

// The library's array methods call their callback once per element (map,
// filter, reduce, sort comparators): for a closure that takes exactly the
// arguments given, the call goes straight into its body, without the
// argument slice and the generic function-pointer dispatch, with the same
// result as callFnPtr (which does the same for such a closure).

// direct records the closure behind cb.fn when the evaluator runs it.
func (cb *callback) direct() {
	r, ok := cb.c.rt.(*runState)
	if !ok || cb.fn.k != KindFnPtr {
		return
	}
	fp := cb.fn.AsFnPtr()
	if cl, ok := fp.Closure.(*closure); ok && len(fp.Curry) == 0 {
		cb.rt, cb.cl = r, cl
	}
}

// invoke runs the closure with the arguments pre, item, extra; their
// number is its parameter count.
func (cb *callback) invoke(pre []Value, item Value, extra []Value) (Value, error) {
	r, p := cb.rt, cb.cl.proto
	slots := r.allocSlots(p.nslots)
	i := copy(slots, pre)
	slots[i] = item
	copy(slots[i+1:], extra)
	return r.invoke(p, slots, nil, cb.cl.cells, syntax.Pos{})
}

// callPlain2 is callPlain(a, b) (sort comparators) without an argument
// slice for a closure of two parameters.
func (cb *callback) callPlain2(a, b Value) (Value, error) {
	if cb.cl != nil && len(cb.cl.proto.params) == 2 {
		return cb.invoke(nil, a, []Value{b})
	}
	return cb.c.CallFn(cb.fn, a, b)
}

// callThisCopy calls the callback with `this` bound to a copy of *item that
// is written back afterwards, and a copy of pre: the callers' per-element
// variables then stay on the stack instead of escaping through the
// FnCaller interface on every call.
func (cb *callback) callThisCopy(item *Value, pre []Value) (Value, error) {
	this := new(Value)
	*this = *item
	v, err := cb.fc.CallFnThis(cb.fn, this, append([]Value(nil), pre...))
	*item = *this
	return v, err
}
