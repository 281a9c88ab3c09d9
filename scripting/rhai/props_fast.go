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
	name, pos, ipos := e.Name, e.P, ix.P
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
					return m.AsMap().M[name], nil
				}
			}
		}
		v, err := indexGet(f.rt, b, i, ipos)
		if err != nil {
			return Unit, err
		}
		return f.rt.propGet(v, name, getter, pos)
	}
}

// elemPropAssign compiles `a[i].name op= rhs` for a local, non-constant
// a, or returns nil.
func (fc *fnComp) elemPropAssign(p *place, op opcode, rhs evalFn) evalFn {
	if p.kind != placeProp || p.isConst || p.base.kind != placeIndex || p.base.isConst ||
		p.base.base.kind != placeVar || p.base.base.ref.kind != refLocal {
		return nil
	}
	slot, idx, name, pos, ipos := p.base.base.ref.idx, p.base.idx, p.name, p.pos, p.base.pos
	return func(f *frame) (Value, error) {
		v, err := rhs(f)
		if err != nil {
			return Unit, err
		}
		b := f.slots[slot]
		i, err := idx(f)
		if err != nil {
			return Unit, err
		}
		if b.k == KindArray && i.k == KindInt {
			el := b.AsArray().Elems
			if n := i.AsInt(); n >= 0 && n < int64(len(el)) && el[n].k == KindMap {
				m := el[n]
				mm := m.AsMap().M
				nv := v
				if op != opNone {
					old := mm[name]
					if old.k == KindInt && v.k == KindInt {
						if x, ok := fastInt(op, old.AsInt(), v.AsInt()); ok {
							mm[name] = x
							return Unit, nil
						}
					}
					if nv, err = compound(f.rt, op, old, v, pos); err != nil {
						return Unit, err
					}
				}
				mm[name] = nv
				return Unit, f.rt.checkSize(m, pos)
			}
		}
		e, err := indexGet(f.rt, b, i, ipos)
		if err != nil {
			return Unit, err
		}
		return Unit, p.updatePropOf(f, e, op, v)
	}
}
