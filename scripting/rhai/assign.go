package rhai

import (
	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// placeKind says what a place is rooted in.
type placeKind uint8

const (
	placeVar placeKind = iota
	placeThis
	placeIndex
	placeProp
	placeDyn  // an undeclared name: only host constants, never writable
	placeQual // a qualified name (global::x, m::x): read-only
)

// place is an assignable location: a variable, `this`, or an index or
// property of another place. Loads return containers by reference, so an
// assignment into an array or map element changes it in place; strings and
// integers (bit fields) are rebuilt and stored back into their own place.
type place struct {
	kind    placeKind
	ref     varRef
	base    *place
	idx     evalFn
	name    string
	pos     syntax.Pos
	ipos    syntax.Pos // an index's expression, where Rhai reports a bad index
	opPos   syntax.Pos // the operator of `place op= v`, where Rhai reports its errors
	eqPos   syntax.Pos // the `=` or `op=` of an assignment to the place
	isConst bool       // the root variable is a constant
	// safe is set from a `?[` or `?.` link down: when a base in the chain
	// is (), reading gives () and assigning does nothing.
	safe bool
	// placeQual: the namespace, the read, and whether global:: sees the
	// top-level constants (in functions only, as in Rhai).
	ns     string
	read   evalFn
	inFunc bool
}

// placeOf compiles e as a place, or returns nil when e is not assignable.
func (fc *fnComp) placeOf(e syntax.Expr) *place {
	switch e := e.(type) {
	case *syntax.Ident:
		if e.Namespace != "" {
			return &place{kind: placeQual, ns: e.Namespace, name: e.Name, pos: e.P, isConst: true,
				read: fc.qualified(e), inFunc: !fc.isTop || fc.parent != nil}
		}
		if e.Name == "this" {
			return &place{kind: placeThis, pos: e.P}
		}
		r := fc.lookup(e.Name)
		if r.kind == refNone {
			return &place{kind: placeDyn, name: e.Name, pos: e.P, isConst: true}
		}
		return &place{kind: placeVar, ref: r, name: e.Name, pos: e.P, isConst: r.isConst}
	case *syntax.IndexExpr:
		b := fc.placeOf(e.X)
		if b == nil {
			return nil
		}
		return &place{kind: placeIndex, base: b, idx: fc.expr(e.Index), pos: e.P, ipos: e.Index.Position(), isConst: b.isConst, safe: e.Safe || b.safe}
	case *syntax.PropExpr:
		b := fc.placeOf(e.X)
		if b == nil {
			return nil
		}
		return &place{kind: placeProp, base: b, name: e.Name, pos: e.P, isConst: b.isConst, safe: e.Safe || b.safe}
	}
	return nil
}

// hostIndexed reports whether p is an index or property of a host value
// (KindCustom): its indexers and setters change the host object, not the
// constant that holds it, so they work on constants (a circle's `state`).
func (p *place) hostIndexed(f *frame) bool {
	if p.kind != placeIndex && p.kind != placeProp {
		return false
	}
	b, err := p.base.load(f)
	return err == nil && b.k == KindCustom
}

// rootName is the variable a place is rooted in, for messages.
// root is the variable the place is inside of.
func (p *place) root() *place {
	for p.base != nil {
		p = p.base
	}
	return p
}

func (p *place) rootName() string {
	p = p.root()
	if p.kind == placeThis {
		return "this"
	}
	return p.name
}

// load reads the place's current value (containers by reference).
func (p *place) load(f *frame) (Value, error) {
	switch p.kind {
	case placeVar:
		if p.ref.kind == refCap && f.cells[p.ref.idx] == raceCell {
			return Unit, errDataRace()
		}
		return p.readVar(f), nil
	case placeThis:
		if f.this == nil {
			return Unit, errAt(ErrRuntime, p.pos, "'this' not bound")
		}
		return *f.this, nil
	case placeDyn:
		if v, ok := f.rt.constant(p.name); ok {
			return v, nil
		}
		return Unit, errAt(ErrVariableNotFound, p.pos, "Variable not found: %s", p.name)
	case placeQual:
		return p.read(f)
	case placeIndex:
		b, err := p.base.load(f)
		if err != nil || p.safe && b.k == KindUnit {
			return Unit, err
		}
		i, err := p.idx(f)
		if err != nil {
			return Unit, err
		}
		v, err := indexGet(f.rt, b, i, p.pos)
		if err != nil {
			err = atIndex(err, p.ipos)
		}
		return v, err
	}
	b, err := p.base.load(f)
	if err != nil || p.safe && b.k == KindUnit {
		return Unit, err
	}
	return f.rt.propGet(b, p.name, "get$"+p.name, p.pos)
}

func (p *place) readVar(f *frame) Value {
	switch p.ref.kind {
	case refLocal:
		return f.slots[p.ref.idx]
	case refBoxed:
		return *f.slots[p.ref.idx].p.(*Value)
	}
	return *f.cells[p.ref.idx]
}

func (p *place) varPtr(f *frame) *Value {
	switch p.ref.kind {
	case refLocal:
		return &f.slots[p.ref.idx]
	case refBoxed:
		return f.slots[p.ref.idx].p.(*Value)
	}
	return f.cells[p.ref.idx]
}

// qualFound is the error of a qualified place whose variable does not
// exist (its module missing first), as Rhai reports an assignment to it.
func (p *place) qualFound(f *frame) error {
	if p.ns == "global" {
		_, ok := f.rt.globals[p.name]
		if !ok {
			_, ok = f.rt.constant(p.name)
		}
		if ok && p.inFunc {
			return nil
		}
	} else {
		inst, err := f.rt.findModule(p.ns, p.pos)
		if err != nil {
			return err
		}
		if _, ok := inst.vars[p.name]; ok {
			return nil
		}
		if _, ok := inst.mod.consts[p.name]; ok {
			return nil
		}
	}
	return errAt(ErrVariableNotFound, p.pos, "Variable not found: %s::%s", p.ns, p.name)
}

// opAt is where a compound assignment's operator reports an error.
func (p *place) opAt() syntax.Pos {
	if p.opPos.Line > 0 {
		return p.opPos
	}
	return p.pos
}

// update applies `place op= rhs` (op == opNone: plain assignment).
func (p *place) update(f *frame, op opcode, rhs Value) error {
	if p.isConst && !p.hostIndexed(f) {
		root := p.root()
		switch root.kind {
		case placeDyn:
			if _, ok := f.rt.constant(root.name); !ok { // no such variable at all
				return errAt(ErrVariableNotFound, root.pos, "Variable not found: %s", root.name)
			}
		case placeQual:
			if err := root.qualFound(f); err != nil {
				return err
			}
		}
		if p.kind == placeProp {
			// Rhai looks for a setter first: a constant's property is
			// refused as any other non-map's.
			if b, err := p.base.load(f); err != nil || b.k != KindMap {
				if err != nil {
					return err
				}
				return p.updatePropOf(f, b, op, rhs)
			}
		}
		at := root.pos
		if p == root && root.kind == placeQual {
			at.Col += int32(len(root.ns) + 2) // Rhai's position: the name after ns::
		}
		return errAt(ErrRuntime, at, "Cannot modify constant %s", p.rootName())
	}
	switch p.kind {
	case placeVar:
		ptr := p.varPtr(f)
		if ptr == raceCell {
			return errDataRace()
		}
		nv, err := compound(f.rt, op, *ptr, rhs, p.opAt())
		if err != nil {
			return err
		}
		*ptr = nv
		return nil
	case placeThis:
		if f.this == nil {
			return errAt(ErrRuntime, p.pos, "'this' not bound")
		}
		nv, err := compound(f.rt, op, *f.this, rhs, p.opAt())
		if err != nil {
			return err
		}
		*f.this = nv
		return nil
	case placeIndex:
		return p.updateIndex(f, op, rhs)
	case placeProp:
		return p.updateProp(f, op, rhs)
	}
	return errAt(ErrVariableNotFound, p.pos, "Variable not found: %s", p.name)
}

func (p *place) updateIndex(f *frame, op opcode, rhs Value) error {
	b, err := p.base.load(f)
	if err != nil || p.safe && b.k == KindUnit {
		return err
	}
	i, err := p.idx(f)
	if err != nil {
		return err
	}
	nv := rhs
	if op != opNone {
		if b.k == KindMap && i.k == KindString && !b.AsMap().Has(i.AsStr()) {
			b.AsMap().Set(i.AsStr(), Unit) // as for a property (updatePropOf)
		}
		old, err := indexGet(f.rt, b, i, p.pos)
		if err != nil {
			return atIndex(err, p.ipos)
		}
		if nv, err = compound(f.rt, op, old, rhs, p.opAt()); err != nil {
			return err
		}
	}
	nb, replaced, err := indexSet(f.rt, b, i, nv, p.pos)
	if be, ok := err.(*storedTypeErr); ok {
		at := p.pos
		if p.eqPos.Line > 0 {
			at = p.eqPos
		}
		return errAt(ErrMismatchedType, at, "%s", be.Error())
	}
	if err != nil {
		return atIndex(err, p.ipos)
	}
	if replaced {
		return p.base.update(f, opNone, nb)
	}
	return nil
}

func (p *place) updateProp(f *frame, op opcode, rhs Value) error {
	b, err := p.base.load(f)
	if err != nil || p.safe && b.k == KindUnit {
		return err
	}
	return p.updatePropOf(f, b, op, rhs)
}

// updatePropOf is updateProp once the base b is loaded.
func (p *place) updatePropOf(f *frame, b Value, op opcode, rhs Value) (err error) {
	nv := rhs
	if b.k == KindMap {
		// A map's property is read and written in place: no getter name
		// to build on every compound update.
		m := b.AsMap()
		if op != opNone {
			old, ok := m.Get(p.name)
			if !ok {
				// Rhai makes the property () before it updates it: a failing
				// update leaves it there.
				m.Set(p.name, Unit)
			}
			if nv, err = compound(f.rt, op, old, rhs, p.opAt()); err != nil {
				return err
			}
		}
		m.Set(p.name, nv)
		return f.rt.checkSize(b, p.pos)
	}
	if op != opNone {
		old, err := f.rt.propGet(b, p.name, "get$"+p.name, p.pos)
		if err != nil {
			return err
		}
		if nv, err = compound(f.rt, op, old, rhs, p.opAt()); err != nil {
			return err
		}
	}
	args := []Value{b, nv}
	_, found, err := f.rt.callNative("set$"+p.name, args, p.pos)
	if err != nil {
		return err
	}
	if !found {
		return errAt(ErrPropertyNotFound, p.pos, "No writable property '%s' - a setter is not registered for type '%s' to handle '%s'", p.name, b.TypeName(), nv.TypeName())
	}
	if !sameValue(args[0], b) {
		return p.base.update(f, opNone, args[0])
	}
	return nil
}

// sameValue reports identity (same bits, same reference).
func sameValue(a, b Value) bool { return a.k == b.k && a.n == b.n && a.p == b.p }

// compound computes the new value of `old op= rhs`. Strings, arrays, maps
// and blobs grow in place where Rhai's semantics allow it. rhs is the
// caller's own value (assign evaluates it with valueExpr, which copies
// whatever it reads from elsewhere), so arrays and maps take its elements
// without copying them again.
func compound(r *runState, op opcode, old, rhs Value, pos syntax.Pos) (Value, error) {
	switch op {
	case opNone:
		return rhs, nil
	case opAdd:
		switch {
		case old.k == KindInt && rhs.k == KindInt:
			if v, ok := fastInt(op, old.AsInt(), rhs.AsInt()); ok {
				return v, nil
			}
		case old.k == KindArray:
			a := old.AsArray()
			if max := r.lim.MaxArrayLen; max > 0 && rhs.k == KindArray && len(a.Elems)+len(rhs.AsArray().Elems) > max {
				return Unit, errAt(ErrDataTooLarge, pos, "Size of array too large")
			}
			if rhs.k == KindArray {
				a.Elems = append(a.Elems, rhs.AsArray().Elems...)
			} else {
				a.Elems = append(a.Elems, rhs)
			}
			return old, r.checkSize(old, pos)
		case old.k == KindMap && rhs.k == KindMap:
			m := old.AsMap()
			rhs.AsMap().Range(func(k string, v Value) bool {
				m.Set(k, v)
				return true
			})
			return old, r.checkSize(old, pos)
		case old.k == KindBlob && (rhs.k == KindBlob || rhs.k == KindInt || rhs.k == KindString):
			b := old.AsBlob()
			if rhs.k == KindBlob {
				b.B = append(b.B, rhs.AsBlob().B...)
			} else if rhs.k == KindString {
				b.B = append(b.B, rhs.StrBytes()...) // its UTF-8 bytes, as Rhai's +=
			} else {
				b.B = append(b.B, byte(rhs.AsInt()))
			}
			return old, r.checkSize(old, pos)
		}
	default:
		if old.k == KindInt && rhs.k == KindInt {
			if v, ok := fastInt(op, old.AsInt(), rhs.AsInt()); ok {
				return v, nil
			}
		}
	}
	return binSlow(r, op, old, rhs, pos)
}

// assign compiles `target = value` and `target op= value`.
func (fc *fnComp) assign(s *syntax.AssignStmt) evalFn {
	op := opNone
	if s.Op != "" {
		o, ok := opcodes[s.Op]
		if !ok {
			fc.fail(s.P, "unknown assignment operator %s=", s.Op)
		}
		op = o
	}
	switch s.Target.(type) {
	case *syntax.IndexExpr, *syntax.PropExpr:
		if fc.needHoist(s.Target) {
			return fc.hoistChain(s.Target, s.Value, func() evalFn { return fc.assignTo(s, op) })
		}
	}
	return fc.assignTo(s, op)
}

// assignTo compiles `target op= value` once assign has chosen the order.
func (fc *fnComp) assignTo(s *syntax.AssignStmt, op opcode) evalFn {
	rhs := fc.valueExpr(s.Value)
	p := fc.placeOf(s.Target)
	if p == nil {
		fc.fail(s.Target.Position(), "Assignment to an unsupported left-hand side expression")
	}
	if p.kind == placeVar && p.isConst {
		fc.fail(s.P, "Cannot assign to constant: %s", p.name)
	}
	pos := s.P
	if op != opNone && s.OpP.Line > 0 {
		pos = s.OpP // where Rhai reports an overflow of `x op= y`
	}
	if op != opNone {
		p.opPos = pos
	}
	p.eqPos = s.OpP
	if p.kind == placeVar && p.ref.kind == refLocal {
		slot := p.ref.idx
		if k, ok := intLit(s.Value); ok && (op == opAdd || op == opSub) {
			// `i += 1`, `n -= 1`: the counters of loops.
			return func(f *frame) (Value, error) {
				ptr := &f.slots[slot]
				if ptr.k == KindInt {
					x := ptr.AsInt()
					if s := x + k; op == opAdd && (s > x) == (k > 0) {
						*ptr = Int(s)
						return Unit, nil
					}
					if s := x - k; op == opSub && (s < x) == (k > 0) {
						*ptr = Int(s)
						return Unit, nil
					}
				}
				nv, err := compound(f.rt, op, *ptr, Int(k), pos)
				if err != nil {
					return Unit, err
				}
				*ptr = nv
				return Unit, nil
			}
		}
		return func(f *frame) (Value, error) {
			v, err := rhs(f)
			if err != nil {
				return Unit, err
			}
			ptr := &f.slots[slot]
			if op == opNone {
				*ptr = v
				return Unit, nil
			}
			if ptr.k == KindInt && v.k == KindInt {
				if nv, ok := fastInt(op, ptr.AsInt(), v.AsInt()); ok {
					*ptr = nv
					return Unit, nil
				}
			} else if ptr.k == KindFloat && v.k == KindFloat && op <= opDiv {
				// opAdd..opDiv: fastFloat's arithmetic, which cannot fail.
				if nv, ok := fastFloat(op, ptr.AsFloat(), v.AsFloat()); ok {
					*ptr = nv
					return Unit, nil
				}
			}
			nv, err := compound(f.rt, op, *ptr, v, pos)
			if err != nil {
				return Unit, err
			}
			*ptr = nv
			return Unit, nil
		}
	}
	if p.kind == placeIndex && op == opNone && !p.isConst && p.base.kind == placeVar && p.base.ref.kind == refLocal {
		// arr[i] = v on a local array: the sieve's inner loop.
		slot, idx := p.base.ref.idx, p.idx
		return func(f *frame) (Value, error) {
			v, err := rhs(f)
			if err != nil {
				return Unit, err
			}
			b := f.slots[slot]
			if b.k != KindArray {
				return Unit, p.update(f, op, v)
			}
			i, err := idx(f)
			if err != nil {
				return Unit, err
			}
			el := b.AsArray().Elems
			if n := i.AsInt(); i.k == KindInt && n >= 0 && n < int64(len(el)) {
				el[n] = v
				return Unit, nil
			}
			if _, _, err = indexSet(f.rt, b, i, v, p.pos); err != nil {
				err = atIndex(err, p.ipos)
			}
			return Unit, err
		}
	}
	if x := fc.elemPropAssign(p, op, rhs, elemIndex(s.Target), pos); x != nil {
		return x
	}
	if x := fc.varPropAssign(p, op, rhs, pos); x != nil {
		return x
	}
	return func(f *frame) (Value, error) {
		v, err := rhs(f)
		if err != nil {
			return Unit, err
		}
		err = p.update(f, op, v)
		if e, ok := err.(*Error); ok && op != opNone && e.Kind == ErrArithmetic {
			c := *e
			c.Line, c.Column = int(pos.Line), int(pos.Col)
			err = &c
		}
		return Unit, err
	}
}
