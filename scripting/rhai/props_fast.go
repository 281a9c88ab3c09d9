package rhai

import "github.com/circles-actor/circles-actor/scripting/rhai/syntax"

// Object maps held in an array are read and updated as `a[i].name` and
// `a[i].name op= v`. For a local array the index and the property are
// reached in one step here, with the generic path's results: any other
// shape of value falls back to the same steps the generic path takes, in
// the same order, without evaluating anything twice.

// elemPropGet compiles `a[i].name` for a local a, or returns nil.
func (fc *fnComp) elemPropGet(e *syntax.PropExpr, getter string) evalFn {
	ix, ok := e.X.(*syntax.IndexExpr)
	if !ok || e.Safe || inSafeChain(e) {
		return nil
	}
	xr := fc.localSlot(ix.X)
	if xr < 0 {
		return nil
	}
	idx := fc.expr(ix.Index)
	name, pos, bpos, ipos := e.Name, e.P, ix.P, ix.Index.Position()
	if ir := fc.localSlot(ix.Index); ir >= 0 {
		// a[i] with a local i, the usual loop: read i's slot directly.
		return func(f *frame) (Value, error) {
			b, i := f.slots[xr], f.slots[ir]
			if b.k == KindArray && i.k == KindInt {
				el := b.AsArray().Elems
				if n := i.AsInt(); n >= 0 && n < int64(len(el)) {
					if m := el[n]; m.k == KindMap {
						return m.AsMap().At(name), nil
					}
				}
			}
			v, err := indexGet(f.rt, b, i, bpos)
			if err != nil {
				return Unit, atIndex(err, ipos)
			}
			return f.rt.propGet(v, name, getter, pos)
		}
	}
	return func(f *frame) (Value, error) {
		i, err := idx(f)
		if err != nil {
			return Unit, err
		}
		b := f.slots[xr]
		if b.k == KindArray && i.k == KindInt {
			el := b.AsArray().Elems
			if n := i.AsInt(); n >= 0 && n < int64(len(el)) {
				if m := el[n]; m.k == KindMap {
					return m.AsMap().At(name), nil
				}
			}
		}
		v, err := indexGet(f.rt, b, i, bpos)
		if err != nil {
			return Unit, atIndex(err, ipos)
		}
		return f.rt.propGet(v, name, getter, pos)
	}
}

// elemPropAssign compiles `a[i].name op= rhs` for a local, non-constant
// a, or returns nil; opPos is where the operator's errors are reported.
func (fc *fnComp) elemPropAssign(p *place, op opcode, rhs evalFn, index syntax.Expr, opPos syntax.Pos) evalFn {
	if p.kind != placeProp || p.isConst || p.base.kind != placeIndex || p.base.isConst ||
		p.base.base.kind != placeVar || p.base.base.ref.kind != refLocal {
		return nil
	}
	ir := fc.localSlot(index)
	slot, idx, name, pos, bpos, ipos := p.base.base.ref.idx, p.base.idx, p.name, p.pos, p.base.pos, p.base.ipos
	return func(f *frame) (Value, error) {
		v, err := rhs(f)
		if err != nil {
			return Unit, err
		}
		b := f.slots[slot]
		var i Value
		if ir >= 0 {
			i = f.slots[ir] // a local index: no closure to call
		} else if i, err = idx(f); err != nil {
			return Unit, err
		}
		if b.k == KindArray && i.k == KindInt {
			el := b.AsArray().Elems
			if n := i.AsInt(); n >= 0 && n < int64(len(el)) && el[n].k == KindMap {
				return Unit, mapPropUpdate(f.rt, el[n], name, op, v, opPos, pos)
			}
		}
		e, err := indexGet(f.rt, b, i, bpos)
		if err != nil {
			return Unit, atIndex(err, ipos)
		}
		return Unit, p.updatePropOf(f, e, op, v)
	}
}

// varPropGet compiles `x.name` for a plain local x or `this`: a map's
// property is read at once, anything else goes the generic way.
func (fc *fnComp) varPropGet(e *syntax.PropExpr, generic evalFn) evalFn {
	id, ok := e.X.(*syntax.Ident)
	if !ok || e.Safe || id.Namespace != "" {
		return generic
	}
	name := e.Name
	if id.Name == "this" {
		return func(f *frame) (Value, error) {
			if t := f.this; t != nil && t.k == KindMap {
				return t.AsMap().At(name), nil
			}
			return generic(f)
		}
	}
	xr := fc.localSlot(id)
	if xr < 0 {
		return generic
	}
	return func(f *frame) (Value, error) {
		if b := f.slots[xr]; b.k == KindMap {
			return b.AsMap().At(name), nil
		}
		return generic(f)
	}
}

// varPropAssign compiles `x.name op= rhs` for a plain local, non-constant
// x or `this` holding a map, or returns nil. Loading x has no effects, so
// the generic path may load it again when the value is not a map. opPos is
// where the operator's errors are reported.
func (fc *fnComp) varPropAssign(p *place, op opcode, rhs evalFn, opPos syntax.Pos) evalFn {
	if p.kind != placeProp || p.isConst || p.base.isConst {
		return nil
	}
	b := p.base
	if b.kind != placeThis && !(b.kind == placeVar && b.ref.kind == refLocal) {
		return nil
	}
	this, slot, name, pos := b.kind == placeThis, b.ref.idx, p.name, p.pos
	return func(f *frame) (Value, error) {
		v, err := rhs(f)
		if err != nil {
			return Unit, err
		}
		var m Value
		if this {
			if f.this != nil {
				m = *f.this
			}
		} else {
			m = f.slots[slot]
		}
		if m.k != KindMap {
			return Unit, p.update(f, op, v)
		}
		return Unit, mapPropUpdate(f.rt, m, name, op, v, opPos, pos)
	}
}

// mapPropUpdate applies `m.name op= v` (op == opNone: plain assignment) to
// the object map m in place: the shared step of both property fast paths.
func mapPropUpdate(r *runState, m Value, name string, op opcode, v Value, opPos, pos syntax.Pos) error {
	mm := m.AsMap()
	if p := mm.ptr(name); p != nil {
		// An existing property of a small map, updated where it lives.
		if op == opNone {
			*p = v
			return nil
		}
		if p.k == KindInt && v.k == KindInt {
			if x, ok := fastInt(op, p.AsInt(), v.AsInt()); ok {
				*p = x
				return nil
			}
		} else if p.k == KindFloat && v.k == KindFloat && op <= opDiv {
			if x, ok := fastFloat(op, p.AsFloat(), v.AsFloat()); ok {
				*p = x
				return nil
			}
		}
		nv, err := compound(r, op, *p, v, opPos)
		if err != nil {
			return err
		}
		// compound may run script code (an overloaded operator) that
		// changes the map: store by name again.
		mm.Set(name, nv)
		return r.checkSize(m, pos)
	}
	nv := v
	if op != opNone {
		old, ok := mm.Get(name)
		if !ok {
			// Rhai makes the property () before it updates it: a failing
			// update leaves it there.
			mm.Set(name, Unit)
		}
		if old.k == KindInt && v.k == KindInt {
			if x, ok := fastInt(op, old.AsInt(), v.AsInt()); ok {
				mm.Set(name, x)
				return nil
			}
		}
		var err error
		if nv, err = compound(r, op, old, v, opPos); err != nil {
			return err
		}
	}
	mm.Set(name, nv)
	return r.checkSize(m, pos)
}

// elemIndex is the index expression of a target `a[i].name`, or nil.
func elemIndex(target syntax.Expr) syntax.Expr {
	if pe, ok := target.(*syntax.PropExpr); ok {
		if ix, ok := pe.X.(*syntax.IndexExpr); ok {
			return ix.Index
		}
	}
	return nil
}
