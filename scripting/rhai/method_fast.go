package rhai

import "github.com/circles-actor/circles-actor/scripting/rhai/syntax"

// Method calls are the commonest calls of ordinary scripts (`a.push(x)`,
// `acc.bump(d)`, `n.plus(1)`), and the generic path (methodCall's call)
// builds a heap slice of receiver and arguments for each. fastMethod
// takes two cases off it with the same result, falling back to it
// whenever anything differs:
//
//   - `array.push(x)` with the standard library's push (no script
//     function push, no host registration of push), appending in place;
//   - a script function called as a method, with `this` and the arguments
//     on the run's value stack, when the script defines no typed methods
//     (`fn int.name()`, whose dispatch is the generic path's business)
//     and the call is not inside a module.
//
// Neither applies to a constant receiver, whose checks the generic path
// makes.
type methodFn func(f *frame, obj Value) (Value, error)

func (fc *fnComp) fastMethod(e *syntax.MethodCallExpr, target *place, args []evalFn, slow methodFn) methodFn {
	prog := fc.c.prog
	if e.Name == "len" && len(args) == 0 {
		// Pure: a constant or a temporary receiver is fine too.
		shadowed := false
		for k := range fc.c.fns {
			shadowed = shadowed || k.name == "len"
		}
		for k := range fc.c.typed {
			shadowed = shadowed || k.name == "len"
		}
		return fastLen(prog, shadowed, slow)
	}
	if target == nil || target.isConst || e.Name == "call" {
		return slow
	}
	if e.Name == "push" && len(args) == 1 {
		shadowed := false
		for k := range fc.c.fns {
			shadowed = shadowed || k.name == "push"
		}
		return fastPush(args[0], fc.localSlot(e.Args[0]), e.P, prog, shadowed, slow)
	}
	for _, d := range fc.c.defs {
		if d.ThisType != "" {
			return slow
		}
	}
	name, n, pos := e.Name, len(args), e.P
	// The function is known now; at run time it is the one called when
	// the code runs as part of this program outside any module (prog and
	// main are then this program, and fns[{name, n}] is p).
	p := fc.c.fns[fnKey{name, n}]
	if p == nil || prog == nil {
		return slow
	}
	return func(f *frame, obj Value) (Value, error) {
		r := f.rt
		if r.prog != prog || r.main != prog {
			return slow(f, obj)
		}
		if obj.k == KindMap {
			if fp, ok := obj.AsMap().Get(name); ok && fp.k == KindFnPtr {
				return slow(f, obj)
			}
		}
		this := r.allocSlots(1)
		this[0] = obj
		slots := r.allocSlots(p.nslots)
		for i, a := range args {
			v, err := a(f)
			if err != nil {
				r.freeSlots(slots)
				r.freeSlots(this)
				return Unit, err
			}
			slots[i] = v
		}
		v, err := r.invoke(p, slots, &this[0], nil, pos)
		after := this[0]
		r.freeSlots(this)
		if err != nil {
			return Unit, err
		}
		if !sameValue(obj, after) {
			if err := target.update(f, opNone, after); err != nil {
				return Unit, err
			}
		}
		return v, nil
	}
}

// fastLen is the standard library's len of an array, map or BLOB (the
// condition of `while i < a.len()`), under fastPush's conditions; strings
// and everything else take the generic path.
func fastLen(prog *Program, shadowed bool, slow methodFn) methodFn {
	return func(f *frame, obj Value) (Value, error) {
		r := f.rt
		if r.eng.hostNames != nil && r.eng.hostNames["len"] {
			return slow(f, obj)
		}
		if r.prog == prog && r.main == prog {
			if shadowed {
				return slow(f, obj)
			}
		} else if r.hasFnNamed("len") {
			return slow(f, obj)
		}
		switch obj.k {
		case KindArray:
			return Int(int64(len(obj.AsArray().Elems))), nil
		case KindMap:
			if fp, ok := obj.AsMap().Get("len"); !ok || fp.k != KindFnPtr {
				return Int(int64(obj.AsMap().Len())), nil
			}
		case KindBlob:
			return Int(int64(len(obj.AsBlob().B))), nil
		}
		return slow(f, obj)
	}
}

// fastPush appends to an array receiver as arrPush does, with its error
// when the array would outgrow the limit.
// shadowed says whether prog defines a function push; ar is the slot of
// the argument when it is a plain local (-1 otherwise), read directly
// unless it holds a container (which arg copies).
func fastPush(arg evalFn, ar int, pos syntax.Pos, prog *Program, shadowed bool, slow methodFn) methodFn {
	return func(f *frame, obj Value) (Value, error) {
		r := f.rt
		if obj.k != KindArray || r.eng.hostNames["push"] {
			return slow(f, obj)
		}
		if r.prog == prog && r.main == prog {
			if shadowed {
				return slow(f, obj)
			}
		} else if r.hasFnNamed("push") {
			return slow(f, obj)
		}
		var v Value
		if ar >= 0 {
			v = f.slots[ar]
		}
		if ar < 0 || isContainer(v.k) {
			var err error
			if v, err = arg(f); err != nil {
				return Unit, err
			}
		}
		a := obj.AsArray()
		if m := r.lim.MaxArrayLen; m > 0 && len(a.Elems)+1 > m {
			return Unit, withPos(Errorf(ErrDataTooLarge, "Size of array too large (%d > %d)", len(a.Elems)+1, m), pos)
		}
		if cap(a.Elems) == 0 {
			// Arrays built by pushing start with room for a few: the
			// first steps of append's doubling (1, 2, 4) are where small
			// arrays spend their allocations.
			a.Elems = make([]Value, 0, 4)
		}
		a.Elems = append(a.Elems, v) // arg gives a value of its own (valueExpr)
		return Unit, nil
	}
}
