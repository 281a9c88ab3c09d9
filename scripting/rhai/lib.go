package rhai

import (
	"errors"
	"math"
	"strings"
)

// Stdlib returns the registrations of Rhai's standard library: the core,
// maths, string, array, map, BLOB, time and JSON packages. The engine
// registers them first, so host functions of the same name and arity
// override them.
//
// Property getters are registered as "get$name" (the evaluator maps `x.len`
// to `get$len`). Functions that replace their first argument (all string
// mutators, set_bit, ...) carry the Mutating flag; arrays, maps and BLOBs
// are changed in place.
//
// There is one registration per name and arity: overloads for different
// argument types (len of a string, an array, a BLOB) are merged into one
// function that tries each in turn until one does not answer ErrNoMatch.
func Stdlib() []NativeDef {
	type key struct {
		name  string
		arity int
	}
	var order []key
	groups := map[key][]NativeDef{}
	for _, lib := range stdlibParts {
		for _, d := range lib() {
			k := key{d.Name, d.Arity}
			if _, seen := groups[k]; !seen {
				order = append(order, k)
			}
			groups[k] = append(groups[k], d)
		}
	}
	defs := make([]NativeDef, 0, len(order))
	for _, k := range order {
		defs = append(defs, mergeOverloads(groups[k]))
	}
	return defs
}

// mergeOverloads joins registrations of one name and arity. The result is
// Mutating if any part is, and Pure only if all parts are.
func mergeOverloads(ds []NativeDef) NativeDef {
	if len(ds) == 1 {
		return ds[0]
	}
	merged := NativeDef{Name: ds[0].Name, Arity: ds[0].Arity, Flags: Pure}
	fns := make([]NativeFunc, len(ds))
	for i, d := range ds {
		fns[i] = d.Fn
		merged.Flags |= d.Flags & Mutating
		if d.Flags&Pure == 0 {
			merged.Flags &^= Pure
		}
	}
	merged.Fn = func(c *Call, args []Value) (Value, error) {
		for _, f := range fns {
			v, err := f(c, args)
			if err != ErrNoMatch {
				return v, err
			}
		}
		return Unit, ErrNoMatch
	}
	return merged
}

// stdlibParts lists the package constructors, one per lib_*.go file.
var stdlibParts = []func() []NativeDef{
	coreLib,
	mathLib,
	bitLib,
	stringLib,
	arrayLib,
	mapLib,
	blobLib,
	tagLib,
	timeLib,
	jsonLib,
	u8Lib,
}

// fnDef is a registration with side effects (printing, calling back).
func fnDef(name string, arity int, fn NativeFunc) NativeDef {
	return NativeDef{Name: name, Arity: arity, Fn: fn}
}

// pureDef is a registration without side effects.
func pureDef(name string, arity int, fn NativeFunc) NativeDef {
	return NativeDef{Name: name, Arity: arity, Fn: fn, Flags: Pure}
}

// mutDef is a registration that replaces its first argument.
func mutDef(name string, arity int, fn NativeFunc) NativeDef {
	return NativeDef{Name: name, Arity: arity, Fn: fn, Flags: Mutating}
}

// getterDefs registers fn both as a method `name(x)` and as the property
// getter `x.name`.
func getterDefs(name string, fn NativeFunc) []NativeDef {
	return []NativeDef{pureDef(name, 1, fn), pureDef("get$"+name, 1, fn)}
}

// FnCaller is an optional extension of Runtime that the library uses to
// call function pointers the way Rhai does: a closure declared with fewer
// parameters than the library passes gets the element bound to `this`
// instead (`a.map(|| this + 1)`, `a.for_each(|| this *= 2)`).
type FnCaller interface {
	// CallFnThis calls fn with `this` bound to *this: assignments to `this`
	// inside fn write through to *this.
	CallFnThis(fn Value, this *Value, args []Value) (Value, error)
	// FnArity is the number of arguments fn takes after its curried ones,
	// or -1 when unknown (a native function named by a pointer).
	FnArity(fn Value) int
}

// callback is a function-pointer argument of a library function, with its
// arity looked up once.
type callback struct {
	c     *Call
	fn    Value
	fc    FnCaller
	arity int
	// rt and cl are set for a closure without curried arguments run by
	// the evaluator: calls that pass it exactly its parameters go straight
	// to its body (callback_fast.go), as callFnPtr would.
	rt *runState
	cl *closure
}

// newCallback accepts a function pointer or, as Rhai does, a string naming
// a function; anything else is ErrNoMatch.
func newCallback(c *Call, fn Value) (*callback, error) {
	switch fn.k {
	case KindFnPtr:
	case KindString:
		fn = NewFnPtr(&FnPtr{Name: fn.AsStr()})
	default:
		return nil, ErrNoMatch
	}
	cb := &callback{c: c, fn: fn, arity: -1}
	if fc, ok := c.rt.(FnCaller); ok {
		cb.fc = fc
		cb.arity = fc.FnArity(fn)
	}
	cb.direct()
	return cb, nil
}

// call invokes the callback for one element: pre are the leading arguments
// (the accumulator of reduce), item the element, extra the optional
// trailing ones (the index). Following Rhai, the function receives pre+item
// when it takes that many parameters, pre+item+extra when it takes all of
// them, and pre with item bound to `this` when it takes only pre.
func (cb *callback) call(pre []Value, item *Value, extra ...Value) (Value, error) {
	n := len(pre)
	if cb.cl != nil {
		switch len(cb.cl.proto.params) {
		case n + 1:
			return cb.invoke(pre, *item, nil)
		case n + 1 + len(extra):
			return cb.invoke(pre, *item, extra)
		}
	}
	switch {
	case cb.arity == n && cb.fc != nil:
		return cb.callThisCopy(item, pre)
	case cb.arity == n+1+len(extra) && len(extra) > 0:
		return cb.c.CallFn(cb.fn, joinArgs(pre, *item, extra)...)
	case cb.arity >= 0:
		return cb.c.CallFn(cb.fn, joinArgs(pre, *item, nil)...)
	}
	v, err := cb.c.CallFn(cb.fn, joinArgs(pre, *item, nil)...)
	if len(extra) > 0 && cb.isSelfNotFound(err) {
		return cb.c.CallFn(cb.fn, joinArgs(pre, *item, extra)...)
	}
	return v, err
}

// callThis calls the callback with `this` bound to *item and, when the
// function takes one parameter, the index (for_each). Without FnCaller, or
// for a named function that takes no `this`, the item is passed instead.
func (cb *callback) callThis(item *Value, index Value) (Value, error) {
	if cb.fc != nil {
		switch {
		case cb.arity == 1:
			return cb.fc.CallFnThis(cb.fn, item, []Value{index})
		case cb.arity == 0:
			return cb.fc.CallFnThis(cb.fn, item, nil)
		case cb.arity < 0 && cb.c.IsDefFn(cb.fn.AsFnPtr().Name, len(cb.fn.AsFnPtr().Curry)):
			return cb.fc.CallFnThis(cb.fn, item, nil)
		}
	}
	return cb.c.CallFn(cb.fn, *item)
}

// callPlain calls the callback with exactly args (comparers, zip, dedup).
func (cb *callback) callPlain(args ...Value) (Value, error) {
	return cb.c.CallFn(cb.fn, args...)
}

// test calls a predicate and reads its result as a bool, as Rhai's
// filter/some/all do: a non-bool result counts as false.
func (cb *callback) test(item *Value, index int) (bool, error) {
	v, err := cb.call(nil, item, Int(int64(index)))
	if err != nil {
		return false, err
	}
	return v.k == KindBool && v.AsBool(), nil
}

func joinArgs(pre []Value, item Value, extra []Value) []Value {
	args := make([]Value, 0, len(pre)+1+len(extra))
	args = append(args, pre...)
	args = append(args, item)
	return append(args, extra...)
}

// isFatal tells sandbox errors (limits, cancellation, host failures), which
// must always stop a script, from ordinary script errors that some library
// functions ignore as Rhai does (a failing sort comparer means "equal").
func isFatal(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return true
	}
	switch e.Kind {
	case ErrTooManyOps, ErrStackOverflow, ErrDataTooLarge, ErrMemoryLimit, ErrCancelled, ErrHost:
		return true
	}
	return false
}

// isSelfNotFound reports whether err says the callback itself has no
// overload for the arguments given (not some function called inside it,
// which must not make the callback run a second time).
func (cb *callback) isSelfNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == ErrFunctionNotFound &&
		strings.HasPrefix(e.Message, "Function not found: "+cb.fn.AsFnPtr().Name+" (")
}

// calcOffsetLen turns a (start, len) pair into a valid window of a sequence
// of length n, as Rhai's calc_offset_len: a negative start counts from the
// end (clamped to 0), a start past the end yields an empty window at the
// end, and len is clamped to what remains (none if <= 0).
func calcOffsetLen(n int, start, length int64) (int, int) {
	var s int
	switch {
	case start < 0:
		if -start >= int64(n) || start == math.MinInt64 {
			s = 0
		} else {
			s = n - int(-start)
		}
	case start >= int64(n):
		return n, 0
	default:
		s = int(start)
	}
	switch {
	case length <= 0:
		return s, 0
	case length > int64(n-s):
		return s, n - s
	}
	return s, int(length)
}

// calcIndex resolves a position into [0, n) as Rhai's calc_index: negative
// positions count from the end; ok=false when out of bounds.
func calcIndex(n int, pos int64) (int, bool) {
	if pos < 0 {
		if pos == math.MinInt64 || -pos > int64(n) {
			return 0, false
		}
		return n - int(-pos), true
	}
	if pos >= int64(n) {
		return 0, false
	}
	return int(pos), true
}

// rangeArg reads a range argument as the (start, len) pair Rhai derives
// from it: start clamped at 0, end at least start.
func rangeArg(v Value) (int64, int64, bool) {
	if v.k != KindRange {
		return 0, 0, false
	}
	r := v.AsRange()
	start := max(r.Start, 0)
	end := max(r.End, start)
	n := end - start
	if r.Inclusive && n < math.MaxInt64 {
		n++
	}
	return start, n, true
}

// emptyRangeArg is rangeArg where an inclusive range that ends before it
// starts is empty (Rhai: to = max(end, from-1)), as the bit functions and
// chars take it; the array functions, sub_string and crop take one element
// for it.
func emptyRangeArg(v Value) (int64, int64, bool) {
	start, n, ok := rangeArg(v)
	if ok && v.AsRange().Inclusive && v.AsRange().End < start {
		n = 0
	}
	return start, n, ok
}

// Limit checks. A zero limit means no limit.

func checkStringLen(c *Call, n int) error {
	if m := c.Limits().MaxStringLen; m > 0 && n > m {
		return Errorf(ErrDataTooLarge, "Length of string too large (%d > %d)", n, m)
	}
	return nil
}

func checkArrayLen(c *Call, n int) error {
	if m := c.Limits().MaxArrayLen; m > 0 && n > m {
		return Errorf(ErrDataTooLarge, "Size of array too large (%d > %d)", n, m)
	}
	return nil
}

func checkMapLen(c *Call, n int) error {
	if m := c.Limits().MaxMapLen; m > 0 && n > m {
		return Errorf(ErrDataTooLarge, "Size of object map too large (%d > %d)", n, m)
	}
	return nil
}

func checkBlobLen(c *Call, n int) error {
	if m := c.Limits().MaxBlobLen; m > 0 && n > m {
		return Errorf(ErrDataTooLarge, "Size of BLOB too large (%d > %d)", n, m)
	}
	return nil
}

// tickEvery charges the operation budget once per 256 iterations of a
// library loop, so a native working on a huge input still honours the
// operation limit and cancellation.
func tickEvery(c *Call, i int) error {
	if i&255 == 255 {
		return c.Tick(256)
	}
	return nil
}
