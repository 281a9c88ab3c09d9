package rhai

// mapLib is Rhai's BasicMapPackage. Maps are changed in place through their
// pointer; keys iterate in sorted order.
func mapLib() []NativeDef {
	return []NativeDef{
		pureDef("len", 1, mapFn(func(_ *Call, m *Map, _ []Value) (Value, error) { return Int(int64(m.Len())), nil })),
		pureDef("is_empty", 1, mapFn(func(_ *Call, m *Map, _ []Value) (Value, error) { return Bool(m.Len() == 0), nil })),
		pureDef("keys", 1, mapFn(mapKeys)),
		pureDef("values", 1, mapFn(mapValues)),
		pureDef("contains", 2, mapFn(func(_ *Call, m *Map, a []Value) (Value, error) {
			if a[0].k != KindString {
				return Unit, ErrNoMatch
			}
			return Bool(m.Has(a[0].AsStr())), nil
		})),
		pureDef("get", 2, mapFn(func(c *Call, m *Map, a []Value) (Value, error) {
			if a[0].k != KindString {
				return Unit, ErrNoMatch
			}
			return cloneFor(c, m.At(a[0].AsStr()))
		})),
		fnDef("set", 3, mapFn(func(c *Call, m *Map, a []Value) (Value, error) {
			if a[0].k != KindString {
				return Unit, ErrNoMatch
			}
			k := a[0].AsStr()
			if !m.Has(k) {
				if err := checkMapLen(c, m.Len()+1); err != nil {
					return Unit, err
				}
			}
			v, err := cloneFor(c, a[1])
			if err != nil {
				return Unit, err
			}
			m.Set(k, v)
			return Unit, chargeBytes(c, mapEntryBytes)
		})),
		fnDef("remove", 2, mapFn(func(_ *Call, m *Map, a []Value) (Value, error) {
			if a[0].k != KindString {
				return Unit, ErrNoMatch
			}
			k := a[0].AsStr()
			v, _ := m.Delete(k)
			return v, nil
		})),
		fnDef("clear", 1, mapFn(func(_ *Call, m *Map, _ []Value) (Value, error) {
			m.Clear()
			return Unit, nil
		})),
		fnDef("mixin", 2, mapMerge(true)),
		fnDef("fill_with", 2, mapMerge(false)),
		fnDef("filter", 2, mapFn(func(c *Call, m *Map, a []Value) (Value, error) {
			keep, _, err := mapPartition(c, m, a[0])
			if err != nil {
				return Unit, err
			}
			// The source map keeps its values.
			return cloneFor(c, NewMap(keep))
		})),
		fnDef("map", 2, mapFn(mapMap)),
		fnDef("drain", 2, mapFn(func(c *Call, m *Map, a []Value) (Value, error) {
			removed, kept, err := mapPartition(c, m, a[0])
			if err != nil {
				return Unit, err
			}
			m.replace(kept)
			return NewMap(removed), nil
		})),
		fnDef("retain", 2, mapFn(func(c *Call, m *Map, a []Value) (Value, error) {
			kept, removed, err := mapPartition(c, m, a[0])
			if err != nil {
				return Unit, err
			}
			m.replace(kept)
			return NewMap(removed), nil
		})),
	}
}

// mapFn adapts a function whose first argument is a map.
func mapFn(f func(c *Call, m *Map, rest []Value) (Value, error)) NativeFunc {
	return func(c *Call, args []Value) (Value, error) {
		if args[0].k != KindMap {
			return Unit, ErrNoMatch
		}
		return f(c, args[0].AsMap(), args[1:])
	}
}

func mapKeys(c *Call, m *Map, _ []Value) (Value, error) {
	if err := c.Tick(m.Len()); err != nil {
		return Unit, err
	}
	keys, err := sortedKeysFor(c, m)
	if err != nil {
		return Unit, err
	}
	if err := chargeBytes(c, len(keys)*(valueBytes+16)); err != nil {
		return Unit, err
	}
	elems := make([]Value, len(keys))
	for i, k := range keys {
		elems[i] = String(k)
	}
	return NewArray(elems), nil
}

func mapValues(c *Call, m *Map, _ []Value) (Value, error) {
	if err := c.Tick(m.Len()); err != nil {
		return Unit, err
	}
	keys, err := sortedKeysFor(c, m)
	if err != nil {
		return Unit, err
	}
	elems := make([]Value, len(keys))
	for i, k := range keys {
		elems[i] = m.At(k)
	}
	return cloneFor(c, NewArray(elems))
}

// mapMerge is mixin (the second map's values win) or fill_with (only
// missing properties are added).
func mapMerge(overwrite bool) NativeFunc {
	return mapFn(func(c *Call, m *Map, a []Value) (Value, error) {
		if a[0].k != KindMap {
			return Unit, ErrNoMatch
		}
		src := a[0].AsMap()
		if err := c.Tick(src.Len()); err != nil {
			return Unit, err
		}
		var err error
		src.Range(func(k string, v Value) bool {
			if ok := m.Has(k); ok && !overwrite {
				return true
			} else if !ok {
				if err = checkMapLen(c, m.Len()+1); err != nil {
					return false
				}
			}
			if v, err = cloneFor(c, v); err != nil {
				return false
			}
			m.Set(k, v)
			return true
		})
		return Unit, err
	})
}

// mapPartition splits m by a predicate called with (key, value), or with
// the key and the value bound to `this`: yes holds the accepted
// properties, no the others.
func mapPartition(c *Call, m *Map, fn Value) (yes, no map[string]Value, err error) {
	cb, err := newCallback(c, fn)
	if err != nil {
		return nil, nil, err
	}
	yes, no = map[string]Value{}, map[string]Value{}
	keys, err := sortedKeysFor(c, m)
	if err != nil {
		return nil, nil, err
	}
	for _, k := range keys {
		v := m.At(k)
		item, err := cloneFor(c, v)
		if err != nil {
			return nil, nil, err
		}
		r, err := cb.call([]Value{String(k)}, &item)
		if err != nil {
			return nil, nil, err
		}
		if r.k == KindBool && r.AsBool() {
			yes[k] = v
		} else {
			no[k] = v
		}
	}
	return yes, no, nil
}

// mapMap returns a new map with every value replaced by the function's
// result, called with (key, value), or the key with the value bound to
// `this`.
func mapMap(c *Call, m *Map, a []Value) (Value, error) {
	cb, err := newCallback(c, a[0])
	if err != nil {
		return Unit, err
	}
	out := make(map[string]Value, m.Len())
	keys, err := sortedKeysFor(c, m)
	if err != nil {
		return Unit, err
	}
	for _, k := range keys {
		item, err := cloneFor(c, m.At(k))
		if err != nil {
			return Unit, err
		}
		v, err := cb.call([]Value{String(k)}, &item)
		if err != nil {
			return Unit, err
		}
		out[k] = v
	}
	return NewMap(out), nil
}
