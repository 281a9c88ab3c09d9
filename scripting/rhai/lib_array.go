package rhai

import (
	"bytes"
	"errors"
	"slices"
)

// arrayLib is Rhai's BasicArrayPackage. Arrays are changed in place through
// their pointer; elements stored into an array are cloned so that arrays and
// maps keep value semantics.
func arrayLib() []NativeDef {
	defs := []NativeDef{
		pureDef("get", 2, arrGet),
		fnDef("set", 3, arrSet),
		fnDef("push", 2, arrPush),
		fnDef("append", 2, arrAppend),
		fnDef("insert", 3, arrInsert),
		fnDef("pop", 1, arrEnds(true)),
		fnDef("shift", 1, arrEnds(false)),
		fnDef("remove", 2, arrRemove),
		fnDef("reverse", 1, arrFn(func(_ *Call, a *Array, _ []Value) (Value, error) {
			slices.Reverse(a.Elems)
			return Unit, nil
		})),
		fnDef("clear", 1, arrFn(func(_ *Call, a *Array, _ []Value) (Value, error) {
			clear(a.Elems)
			a.Elems = a.Elems[:0]
			return Unit, nil
		})),
		fnDef("pad", 3, arrPad),
		fnDef("truncate", 2, arrTruncate),
		fnDef("chop", 2, arrChop),
		fnDef("split", 2, arrSplit),
		pureDef("extract", 2, arrExtract),
		pureDef("extract", 3, arrExtract),
		fnDef("drain", 2, arrDrain),
		fnDef("drain", 3, arrDrain),
		fnDef("retain", 2, arrRetain),
		fnDef("retain", 3, arrRetain),
		fnDef("splice", 3, arrSplice),
		fnDef("splice", 4, arrSplice),
		pureDef("contains", 2, arrContains),
		fnDef("index_of", 2, arrIndexOf),
		fnDef("index_of", 3, arrIndexOf),
		fnDef("find", 2, arrFind(false)),
		fnDef("find", 3, arrFind(false)),
		fnDef("find_map", 2, arrFind(true)),
		fnDef("find_map", 3, arrFind(true)),
		fnDef("for_each", 2, arrForEach),
		fnDef("map", 2, arrMap),
		fnDef("filter", 2, arrFilter),
		fnDef("some", 2, arrSomeAll(true)),
		fnDef("all", 2, arrSomeAll(false)),
		fnDef("reduce", 2, arrReduce(false)),
		fnDef("reduce", 3, arrReduce(false)),
		fnDef("reduce_rev", 2, arrReduce(true)),
		fnDef("reduce_rev", 3, arrReduce(true)),
		fnDef("zip", 3, arrZip),
		fnDef("dedup", 1, arrDedup),
		fnDef("dedup", 2, arrDedup),
		fnDef("sort", 1, arrSort),
		fnDef("sort", 2, arrSortBy),
		fnDef("sort_by", 2, arrSortBy),
		fnDef("sort_desc", 1, arrSortDesc),
		fnDef("order", 1, arrOrdered(arrSort)),
		fnDef("order_by", 2, arrOrdered(arrSortBy)),
		fnDef("order_desc", 1, arrOrdered(arrSortDesc)),
	}
	defs = append(defs, getterDefs("len", arrFn(func(_ *Call, a *Array, _ []Value) (Value, error) {
		return Int(int64(len(a.Elems))), nil
	}))...)
	defs = append(defs, getterDefs("is_empty", arrFn(func(_ *Call, a *Array, _ []Value) (Value, error) {
		return Bool(len(a.Elems) == 0), nil
	}))...)
	return defs
}

// arrFn adapts a function whose first argument is an array.
func arrFn(f func(c *Call, a *Array, rest []Value) (Value, error)) NativeFunc {
	return func(c *Call, args []Value) (Value, error) {
		if args[0].k != KindArray {
			return Unit, ErrNoMatch
		}
		return f(c, args[0].AsArray(), args[1:])
	}
}

func arrGet(c *Call, args []Value) (Value, error) {
	if args[0].k != KindArray || args[1].k != KindInt {
		return Unit, ErrNoMatch
	}
	elems := args[0].AsArray().Elems
	i, _ := calcOffsetLen(len(elems), args[1].AsInt(), 0)
	if i >= len(elems) {
		return Unit, nil
	}
	return cloneFor(c, elems[i])
}

func arrSet(c *Call, args []Value) (Value, error) {
	if args[0].k != KindArray || args[1].k != KindInt {
		return Unit, ErrNoMatch
	}
	elems := args[0].AsArray().Elems
	if i, _ := calcOffsetLen(len(elems), args[1].AsInt(), 0); i < len(elems) {
		e, err := cloneFor(c, args[2])
		if err != nil {
			return Unit, err
		}
		elems[i] = e
	}
	return Unit, nil
}

func arrPush(c *Call, args []Value) (Value, error) {
	if args[0].k != KindArray {
		return Unit, ErrNoMatch
	}
	a := args[0].AsArray()
	if err := checkArrayLen(c, len(a.Elems)+1); err != nil {
		return Unit, err
	}
	e, err := cloneFor(c, args[1])
	if err != nil {
		return Unit, err
	}
	a.Elems = append(a.Elems, e)
	return Unit, chargeBytes(c, 2*valueBytes)
}

func arrAppend(c *Call, args []Value) (Value, error) {
	if args[0].k != KindArray || args[1].k != KindArray {
		return Unit, ErrNoMatch
	}
	a, b := args[0].AsArray(), args[1].AsArray().Elems
	if err := checkArrayLen(c, len(a.Elems)+len(b)); err != nil {
		return Unit, err
	}
	add, err := cloneElems(c, b)
	if err != nil {
		return Unit, err
	}
	a.Elems = append(a.Elems, add...)
	return Unit, nil
}

// arrInsert inserts at a position (negative from the end); past the end
// appends.
func arrInsert(c *Call, args []Value) (Value, error) {
	if args[0].k != KindArray || args[1].k != KindInt {
		return Unit, ErrNoMatch
	}
	a := args[0].AsArray()
	if err := checkArrayLen(c, len(a.Elems)+1); err != nil {
		return Unit, err
	}
	i, _ := calcOffsetLen(len(a.Elems), args[1].AsInt(), 0)
	e, err := cloneFor(c, args[2])
	if err != nil {
		return Unit, err
	}
	a.Elems = slices.Insert(a.Elems, i, e)
	return Unit, nil
}

// arrEnds is pop (last) or shift (first): () on an empty array.
func arrEnds(last bool) NativeFunc {
	return arrFn(func(_ *Call, a *Array, _ []Value) (Value, error) {
		n := len(a.Elems)
		if n == 0 {
			return Unit, nil
		}
		if last {
			v := a.Elems[n-1]
			a.Elems[n-1] = Unit
			a.Elems = a.Elems[:n-1]
			return v, nil
		}
		v := a.Elems[0]
		a.Elems = slices.Delete(a.Elems, 0, 1)
		return v, nil
	})
}

func arrRemove(_ *Call, args []Value) (Value, error) {
	if args[0].k != KindArray || args[1].k != KindInt {
		return Unit, ErrNoMatch
	}
	a := args[0].AsArray()
	i, ok := calcIndex(len(a.Elems), args[1].AsInt())
	if !ok {
		return Unit, nil
	}
	v := a.Elems[i]
	a.Elems = slices.Delete(a.Elems, i, i+1)
	return v, nil
}

func arrPad(c *Call, args []Value) (Value, error) {
	if args[0].k != KindArray || args[1].k != KindInt {
		return Unit, ErrNoMatch
	}
	a, n := args[0].AsArray(), args[1].AsInt()
	if n <= int64(len(a.Elems)) {
		return Unit, nil
	}
	if err := checkArrayLen(c, int(min(n, 1<<40))); err != nil {
		return Unit, err
	}
	if err := c.Tick(int(n) - len(a.Elems)); err != nil {
		return Unit, err
	}
	if err := chargeBytes(c, (int(n)-len(a.Elems))*valueBytes); err != nil {
		return Unit, err
	}
	a.Elems = slices.Grow(a.Elems, int(n)-len(a.Elems))
	for int64(len(a.Elems)) < n {
		e, err := cloneFor(c, args[2])
		if err != nil {
			return Unit, err
		}
		a.Elems = append(a.Elems, e)
	}
	return Unit, nil
}

func arrTruncate(_ *Call, args []Value) (Value, error) {
	if args[0].k != KindArray || args[1].k != KindInt {
		return Unit, ErrNoMatch
	}
	a, n := args[0].AsArray(), args[1].AsInt()
	if n < int64(len(a.Elems)) {
		n = max(n, 0)
		clear(a.Elems[n:])
		a.Elems = a.Elems[:n]
	}
	return Unit, nil
}

// arrChop keeps only the last n elements.
func arrChop(_ *Call, args []Value) (Value, error) {
	if args[0].k != KindArray || args[1].k != KindInt {
		return Unit, ErrNoMatch
	}
	a, n := args[0].AsArray(), args[1].AsInt()
	if n < int64(len(a.Elems)) {
		n = max(n, 0)
		a.Elems = slices.Delete(a.Elems, 0, len(a.Elems)-int(n))
	}
	return Unit, nil
}

// arrSplit cuts the array at a position, keeping the head and returning the
// tail.
func arrSplit(_ *Call, args []Value) (Value, error) {
	if args[0].k != KindArray || args[1].k != KindInt {
		return Unit, ErrNoMatch
	}
	a := args[0].AsArray()
	i, _ := calcOffsetLen(len(a.Elems), args[1].AsInt(), 0)
	tail := slices.Clone(a.Elems[i:])
	clear(a.Elems[i:])
	a.Elems = a.Elems[:i]
	return NewArray(tail), nil
}

// arrWindow reads (start[, len]) or (range) after the array; a missing
// length means to the end.
func arrWindow(n int, rest []Value) (int, int, bool) {
	start, length, ok := window(append([]Value{Unit}, rest...))
	if !ok {
		return 0, 0, false
	}
	s, l := calcOffsetLen(n, start, length)
	return s, l, true
}

// cloneElems copies elements for a new array, charged to the run.
func cloneElems(c *Call, elems []Value) ([]Value, error) {
	out, err := cloneFor(c, NewArray(elems))
	if err != nil {
		return nil, err
	}
	return out.AsArray().Elems, nil
}

func arrExtract(c *Call, args []Value) (Value, error) {
	if args[0].k != KindArray {
		return Unit, ErrNoMatch
	}
	elems := args[0].AsArray().Elems
	s, l, ok := arrWindow(len(elems), args[1:])
	if !ok {
		return Unit, ErrNoMatch
	}
	out, err := cloneElems(c, elems[s:s+l])
	if err != nil {
		return Unit, err
	}
	return NewArray(out), nil
}

// arrDrain removes the elements a predicate accepts, or a window, and
// returns them.
func arrDrain(c *Call, args []Value) (Value, error) {
	if args[0].k != KindArray {
		return Unit, ErrNoMatch
	}
	a := args[0].AsArray()
	if len(args) == 2 && args[1].k != KindRange {
		return filterOut(c, a, args[1], true)
	}
	s, l, ok := arrWindow(len(a.Elems), args[1:])
	if !ok {
		return Unit, ErrNoMatch
	}
	out := slices.Clone(a.Elems[s : s+l])
	a.Elems = slices.Delete(a.Elems, s, s+l)
	return NewArray(out), nil
}

// arrRetain keeps the elements a predicate accepts, or a window, and
// returns the others. An empty window changes nothing (as in Rhai).
func arrRetain(c *Call, args []Value) (Value, error) {
	if args[0].k != KindArray {
		return Unit, ErrNoMatch
	}
	a := args[0].AsArray()
	if len(args) == 2 && args[1].k != KindRange {
		return filterOut(c, a, args[1], false)
	}
	s, l, ok := arrWindow(len(a.Elems), args[1:])
	if !ok {
		return Unit, ErrNoMatch
	}
	if l == 0 {
		return NewArray(nil), nil
	}
	out := append(slices.Clone(a.Elems[:s]), a.Elems[s+l:]...)
	a.Elems = slices.Clone(a.Elems[s : s+l])
	return NewArray(out), nil
}

// filterOut removes from a the elements for which the predicate equals
// want and returns them; the index passed is the original position.
func filterOut(c *Call, a *Array, fn Value, want bool) (Value, error) {
	cb, err := newCallback(c, fn)
	if err != nil {
		return Unit, err
	}
	var kept, removed []Value
	for i := 0; i < len(a.Elems); i++ {
		item := a.Elems[i]
		ok, err := cb.test(&item, i)
		if err != nil {
			return Unit, err
		}
		if ok == want {
			removed = append(removed, item)
		} else {
			kept = append(kept, item)
		}
	}
	a.Elems = kept
	return NewArray(removed), nil
}

func arrSplice(c *Call, args []Value) (Value, error) {
	if args[0].k != KindArray {
		return Unit, ErrNoMatch
	}
	last := args[len(args)-1]
	if last.k != KindArray {
		return Unit, ErrNoMatch
	}
	a := args[0].AsArray()
	s, l, ok := arrWindow(len(a.Elems), args[1:len(args)-1])
	if !ok {
		return Unit, ErrNoMatch
	}
	ins, err := cloneElems(c, last.AsArray().Elems)
	if err != nil {
		return Unit, err
	}
	if err := checkArrayLen(c, len(a.Elems)-l+len(ins)); err != nil {
		return Unit, err
	}
	a.Elems = slices.Replace(a.Elems, s, s+l, ins...)
	return Unit, nil
}

func arrContains(c *Call, args []Value) (Value, error) {
	if args[0].k != KindArray {
		return Unit, ErrNoMatch
	}
	for i, e := range args[0].AsArray().Elems {
		if err := tickEvery(c, i); err != nil {
			return Unit, err
		}
		if Equal(e, args[1]) {
			return Bool(true), nil
		}
	}
	return Bool(false), nil
}

// searchStart resolves the optional start position of index_of and find:
// negative counts from the end; ok=false when it is past the end.
func searchStart(n int, args []Value) (int, bool, error) {
	if len(args) < 3 {
		return 0, n > 0, nil
	}
	if args[2].k != KindInt {
		return 0, false, ErrNoMatch
	}
	start := args[2].AsInt()
	switch {
	case start < 0:
		if start <= -int64(n) { // (-start overflows for the least int)
			return 0, n > 0, nil
		}
		return n + int(start), true, nil
	case start >= int64(n):
		return 0, false, nil
	}
	return int(start), true, nil
}

// isPredicate tells a predicate argument from a value to look for: a
// function pointer, or a string naming a script function.
func isPredicate(c *Call, v Value) bool {
	switch v.k {
	case KindFnPtr:
		return true
	case KindString:
		name := v.AsStr()
		return c.IsDefFn(name, 1) || c.IsDefFn(name, 2)
	}
	return false
}

func arrIndexOf(c *Call, args []Value) (Value, error) {
	if args[0].k != KindArray {
		return Unit, ErrNoMatch
	}
	a := args[0].AsArray()
	start, ok, err := searchStart(len(a.Elems), args)
	if err != nil || !ok {
		return Int(-1), err
	}
	if !isPredicate(c, args[1]) {
		for i := start; i < len(a.Elems); i++ {
			if err := tickEvery(c, i); err != nil {
				return Unit, err
			}
			if Equal(a.Elems[i], args[1]) {
				return Int(int64(i)), nil
			}
		}
		return Int(-1), nil
	}
	cb, err := newCallback(c, args[1])
	if err != nil {
		return Unit, err
	}
	for i := start; i < len(a.Elems); i++ {
		item := a.Elems[i]
		ok, err := cb.test(&item, i)
		if err != nil {
			return Unit, err
		}
		if ok {
			return Int(int64(i)), nil
		}
	}
	return Int(-1), nil
}

// arrFind returns the first element a predicate accepts (find) or the first
// non-() result of the function (find_map); () when there is none.
func arrFind(mapping bool) NativeFunc {
	return func(c *Call, args []Value) (Value, error) {
		a, cb, err := arrayCallback(c, args)
		if err != nil {
			return Unit, err
		}
		start, ok, err := searchStart(len(a.Elems), args)
		if err != nil || !ok {
			return Unit, err
		}
		for i := start; i < len(a.Elems); i++ {
			item := a.Elems[i]
			if mapping {
				v, err := cb.call(nil, &item, Int(int64(i)))
				if err != nil || !v.IsUnit() {
					return v, err
				}
				continue
			}
			ok, err := cb.test(&item, i)
			if err != nil {
				return Unit, err
			}
			if ok {
				return cloneFor(c, item)
			}
		}
		return Unit, nil
	}
}

// arrForEach calls the function on every element bound to `this` (so
// `this += 1` changes the array); its only optional parameter is the index,
// as in Rhai: `a.for_each(|i| this *= i)`.
func arrForEach(c *Call, args []Value) (Value, error) {
	a, cb, err := arrayCallback(c, args)
	if err != nil {
		return Unit, err
	}
	for i := 0; i < len(a.Elems); i++ {
		item := a.Elems[i]
		if _, err := cb.callThis(&item, Int(int64(i))); err != nil {
			return Unit, err
		}
		if i < len(a.Elems) {
			a.Elems[i] = item
		}
	}
	return Unit, nil
}

func arrMap(c *Call, args []Value) (Value, error) {
	a, cb, err := arrayCallback(c, args)
	if err != nil {
		return Unit, err
	}
	out := make([]Value, 0, len(a.Elems))
	for i := 0; i < len(a.Elems); i++ {
		item, err := cloneFor(c, a.Elems[i])
		if err != nil {
			return Unit, err
		}
		v, err := cb.call(nil, &item, Int(int64(i)))
		if err != nil {
			return Unit, err
		}
		out = append(out, v)
	}
	return NewArray(out), nil
}

func arrFilter(c *Call, args []Value) (Value, error) {
	a, cb, err := arrayCallback(c, args)
	if err != nil {
		return Unit, err
	}
	var out []Value
	for i := 0; i < len(a.Elems); i++ {
		item, err := cloneFor(c, a.Elems[i])
		if err != nil {
			return Unit, err
		}
		ok, err := cb.test(&item, i)
		if err != nil {
			return Unit, err
		}
		if ok {
			e, err := cloneFor(c, a.Elems[i])
			if err != nil {
				return Unit, err
			}
			out = append(out, e)
		}
	}
	return NewArray(out), nil
}

// arrSomeAll is some (any accepts) or all (every one accepts).
func arrSomeAll(some bool) NativeFunc {
	return func(c *Call, args []Value) (Value, error) {
		a, cb, err := arrayCallback(c, args)
		if err != nil {
			return Unit, err
		}
		for i := 0; i < len(a.Elems); i++ {
			item, err := cloneFor(c, a.Elems[i])
			if err != nil {
				return Unit, err
			}
			ok, err := cb.test(&item, i)
			if err != nil {
				return Unit, err
			}
			if ok == some {
				return Bool(some), nil
			}
		}
		return Bool(!some), nil
	}
}

// arrReduce folds the array (from the end for reduce_rev) with an
// accumulator starting at () or the given initial value.
func arrReduce(rev bool) NativeFunc {
	return func(c *Call, args []Value) (Value, error) {
		a, cb, err := arrayCallback(c, args)
		if err != nil {
			return Unit, err
		}
		acc := Unit
		if len(args) == 3 {
			acc = args[2]
		}
		n := len(a.Elems)
		for k := 0; k < n && k < len(a.Elems); k++ {
			i := k
			if rev {
				i = n - 1 - k
				if i >= len(a.Elems) {
					continue
				}
			}
			item, err := cloneFor(c, a.Elems[i])
			if err != nil {
				return Unit, err
			}
			acc, err = cb.call([]Value{acc}, &item, Int(int64(i)))
			if err != nil {
				return Unit, err
			}
		}
		return acc, nil
	}
}

// arrZip maps pairs of elements of two arrays, up to the shorter length.
func arrZip(c *Call, args []Value) (Value, error) {
	if args[0].k != KindArray || args[1].k != KindArray {
		return Unit, ErrNoMatch
	}
	x, y := args[0].AsArray(), args[1].AsArray()
	cb, err := newCallback(c, args[2])
	if err != nil {
		return Unit, err
	}
	var out []Value
	for i := 0; i < len(x.Elems) && i < len(y.Elems); i++ {
		var v, xi, yi Value
		if xi, err = cloneFor(c, x.Elems[i]); err != nil {
			return Unit, err
		}
		if yi, err = cloneFor(c, y.Elems[i]); err != nil {
			return Unit, err
		}
		if cb.arity == 3 {
			v, err = cb.callPlain(xi, yi, Int(int64(i)))
		} else {
			v, err = cb.callPlain(xi, yi)
		}
		if err != nil {
			return Unit, err
		}
		out = append(out, v)
	}
	return NewArray(out), nil
}

// arrDedup removes consecutive duplicates, by `==` or by a function called
// with (kept element, next element).
func arrDedup(c *Call, args []Value) (Value, error) {
	if args[0].k != KindArray {
		return Unit, ErrNoMatch
	}
	a := args[0].AsArray()
	var cb *callback
	if len(args) == 2 {
		var err error
		if cb, err = newCallback(c, args[1]); err != nil {
			return Unit, err
		}
	}
	if len(a.Elems) < 2 {
		return Unit, nil
	}
	out := a.Elems[:1]
	for i := 1; i < len(a.Elems); i++ {
		prev, cur := out[len(out)-1], a.Elems[i]
		same := false
		if cb == nil {
			if err := tickEvery(c, i); err != nil {
				return Unit, err
			}
			same = Equal(prev, cur)
		} else {
			v, err := cb.callPlain(prev, cur)
			if err != nil && isFatal(err) {
				return Unit, err
			}
			same = err == nil && v.k == KindBool && v.AsBool()
		}
		if !same {
			out = append(out, cur)
		}
	}
	clear(a.Elems[len(out):])
	a.Elems = out
	return Unit, nil
}

// arrSort sorts a homogeneous array of integers, floats, strings, chars,
// bools or units in natural order (floats by IEEE order, NaN equal to
// anything, as Rhai's partial_cmp fallback). Mixed or other types are an
// error, as in Rhai 1.24+.
func arrSort(c *Call, args []Value) (Value, error) {
	if args[0].k != KindArray {
		return Unit, ErrNoMatch
	}
	elems := args[0].AsArray().Elems
	if len(elems) < 2 {
		return Unit, nil
	}
	k := elems[0].k
	for _, e := range elems {
		if e.k != k {
			return Unit, Errorf(ErrFunctionNotFound, "Function not found: elements of different types cannot be sorted")
		}
	}
	if err := c.Tick(len(elems)); err != nil {
		return Unit, err
	}
	var less func(x, y Value) int
	switch k {
	case KindInt:
		less = func(x, y Value) int { return cmpInt(x.AsInt(), y.AsInt()) }
	case KindChar, KindBool:
		less = func(x, y Value) int { return cmpInt(int64(x.n), int64(y.n)) }
	case KindFloat:
		less = func(x, y Value) int {
			a, b := x.AsFloat(), y.AsFloat()
			switch {
			case a < b:
				return -1
			case a > b:
				return 1
			}
			return 0
		}
	case KindString:
		less = func(x, y Value) int { return bytes.Compare(x.StrBytes(), y.StrBytes()) }
	case KindUnit:
		return Unit, nil
	default:
		return Unit, Errorf(ErrFunctionNotFound, "Function not found: elements of %s cannot be sorted", elems[0].TypeName())
	}
	if len(elems) < checkEvery {
		slices.SortStableFunc(elems, less)
		return Unit, nil
	}
	return Unit, sortStable(runOf(c), elems, func(x, y Value) (int, error) { return less(x, y), nil })
}

// arrSortDesc is sort() in descending order.
func arrSortDesc(c *Call, args []Value) (Value, error) {
	if _, err := arrSort(c, args); err != nil {
		return Unit, err
	}
	slices.Reverse(args[0].AsArray().Elems)
	return Unit, nil
}

// arrOrdered turns an in-place sort into its copying form (order,
// order_by, order_desc): the array is left as it is and a sorted copy is
// returned.
func arrOrdered(sortFn NativeFunc) NativeFunc {
	return func(c *Call, args []Value) (Value, error) {
		if args[0].k != KindArray {
			return Unit, ErrNoMatch
		}
		elems, err := cloneElems(c, args[0].AsArray().Elems)
		if err != nil {
			return Unit, err
		}
		cp := NewArray(elems)
		sorted := append([]Value{cp}, args[1:]...)
		if _, err := sortFn(c, sorted); err != nil {
			return Unit, err
		}
		return cp, nil
	}
}

// arrSortBy sorts with a comparer returning an integer (< 0, 0, > 0) or a
// bool (true: x first). The sort is stable. As in Rhai, a comparer that
// fails or returns anything else orders the two values by type; only
// sandbox errors (limits, cancellation) stop it.
func arrSortBy(c *Call, args []Value) (Value, error) {
	a, cb, err := arrayCallback(c, args)
	if err != nil {
		return Unit, err
	}
	elems := slices.Clone(a.Elems)
	err = sortStable(runOf(c), elems, func(x, y Value) (int, error) {
		v, err := cb.callPlain2(x, y)
		if err != nil {
			// Rhai's sort ignores a comparer's error, a stack overflow too
			// (the recursion is over by then); the sandbox's limits stand.
			var e *Error
			if isFatal(err) && !(errors.As(err, &e) && e.Kind == ErrStackOverflow) {
				return 0, err
			}
			v = Unit
		}
		switch v.k {
		case KindInt:
			return cmpInt(v.AsInt(), 0), nil
		case KindBool:
			// A bool comparer says whether x comes first, as in Rhai.
			if v.AsBool() {
				return -1, nil
			}
			return 1, nil
		}
		// A comparer that fails or answers something else: Rhai orders
		// the two by their types (Rust's TypeId order in stock Rhai).
		return cmpInt(int64(sortTypeRank(x)), int64(sortTypeRank(y))), nil
	})
	if err != nil {
		return Unit, err
	}
	a.Elems = elems
	return Unit, nil
}

// sortTypeRank is the order stock Rhai 1.26 gives value types when a sort
// comparer cannot compare two values (measured on the reference build).
func sortTypeRank(v Value) int {
	switch v.k {
	case KindInt:
		return 0
	case KindFloat:
		return 1
	case KindRange:
		if v.AsRange().Inclusive {
			return 3
		}
		return 2
	case KindMap:
		return 4
	case KindString:
		return 5
	case KindChar:
		return 6
	case KindUnit:
		return 7
	case KindBool:
		return 8
	case KindBlob:
		return 9
	case KindFnPtr:
		return 10
	case KindTimestamp:
		return 11
	case KindArray:
		return 12
	}
	return 13
}

// arrayCallback is the prologue of the array methods that take a function:
// the array (ErrNoMatch when args[0] is not one, so another overload is
// tried) and the callback made of args[1].
func arrayCallback(c *Call, args []Value) (*Array, *callback, error) {
	if args[0].k != KindArray {
		return nil, nil, ErrNoMatch
	}
	cb, err := newCallback(c, args[1])
	if err != nil {
		return nil, nil, err
	}
	return args[0].AsArray(), cb, nil
}
