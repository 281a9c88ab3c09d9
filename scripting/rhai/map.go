package rhai

import (
	"slices"
	"sort"
)

// An object map takes one of two forms. Most maps are records with a few
// properties (`#{x: 1, y: 2}`), read and updated by name in loops: those
// keep their keys sorted in a slice and their values in a parallel one,
// and a property is found by comparing a handful of short strings, several
// times faster than hashing the name into a Go map. The keys slice is never
// changed in place, so copies of a map and the maps one literal makes share
// it; the values are each map's own. A map that grows past smallMapMax
// properties moves to a Go map for good.

// smallMapMax is the most properties a map keeps in the small form.
const smallMapMax = 16

// mapOf builds a map holding m's properties.
func mapOf(m map[string]Value) *Map {
	if len(m) > smallMapMax {
		big := make(map[string]Value, len(m))
		for k, v := range m {
			big[k] = v
		}
		return &Map{big: big}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	vals := make([]Value, len(keys))
	for i, k := range keys {
		vals[i] = m[k]
	}
	return &Map{keys: keys, vals: vals}
}

// Len is the number of properties.
func (m *Map) Len() int {
	if m.big != nil {
		return len(m.big)
	}
	return len(m.keys)
}

// index is the position of k in the small form, or -1.
func (m *Map) index(k string) int {
	for i, x := range m.keys {
		if x == k {
			return i
		}
	}
	return -1
}

// Get returns the property k and whether the map has it.
func (m *Map) Get(k string) (Value, bool) {
	if m.big != nil {
		v, ok := m.big[k]
		return v, ok
	}
	if i := m.index(k); i >= 0 {
		return m.vals[i], true
	}
	return Unit, false
}

// At returns the property k, or () when the map has none.
func (m *Map) At(k string) Value {
	v, _ := m.Get(k)
	return v
}

// atBytes is At for a key given as bytes, without allocating it.
func (m *Map) atBytes(k []byte) Value {
	if m.big != nil {
		return m.big[string(k)]
	}
	for i, x := range m.keys {
		if x == string(k) {
			return m.vals[i]
		}
	}
	return Unit
}

// Has reports whether the map has the property k.
func (m *Map) Has(k string) bool {
	_, ok := m.Get(k)
	return ok
}

// ptr returns where the small form keeps the property k, or nil (no such
// property, or the large form). The pointer is good until the map's set of
// keys changes.
func (m *Map) ptr(k string) *Value {
	if m.big == nil {
		if i := m.index(k); i >= 0 {
			return &m.vals[i]
		}
	}
	return nil
}

// Set sets the property k to v, adding it when missing.
func (m *Map) Set(k string, v Value) {
	if m.big != nil {
		m.big[k] = v
		return
	}
	if i := m.index(k); i >= 0 {
		m.vals[i] = v
		return
	}
	if len(m.keys) >= smallMapMax {
		big := make(map[string]Value, 2*smallMapMax)
		for i, x := range m.keys {
			big[x] = m.vals[i]
		}
		big[k] = v
		*m = Map{big: big, tag: m.tag}
		return
	}
	i := sort.SearchStrings(m.keys, k)
	keys := make([]string, len(m.keys)+1)
	copy(keys, m.keys[:i])
	keys[i] = k
	copy(keys[i+1:], m.keys[i:])
	m.keys = keys
	m.vals = slices.Insert(m.vals, i, v)
}

// Delete removes the property k, returning its value and whether it was
// there.
func (m *Map) Delete(k string) (Value, bool) {
	if m.big != nil {
		v, ok := m.big[k]
		delete(m.big, k)
		return v, ok
	}
	i := m.index(k)
	if i < 0 {
		return Unit, false
	}
	v := m.vals[i]
	m.keys = slices.Concat(m.keys[:i], m.keys[i+1:])
	m.vals = slices.Delete(m.vals, i, i+1)
	return v, true
}

// replace makes m hold exactly the properties of props, keeping its tag.
func (m *Map) replace(props map[string]Value) {
	n := mapOf(props)
	n.tag = m.tag
	*m = *n
}

// Clear removes every property.
func (m *Map) Clear() {
	*m = Map{tag: m.tag}
}

// Range calls fn with every property until it returns false: in key order
// for a small map, in no particular order for a large one. fn may change
// the values of existing properties, not the set of keys.
func (m *Map) Range(fn func(k string, v Value) bool) {
	if m.big != nil {
		for k, v := range m.big {
			if !fn(k, v) {
				return
			}
		}
		return
	}
	for i, k := range m.keys {
		if !fn(k, m.vals[i]) {
			return
		}
	}
}

// GoMap returns the properties as a new Go map.
func (m *Map) GoMap() map[string]Value {
	out := make(map[string]Value, m.Len())
	m.Range(func(k string, v Value) bool {
		out[k] = v
		return true
	})
	return out
}

// SortedKeys returns the keys in Rhai's (BTreeMap) iteration order.
func (m *Map) SortedKeys() []string {
	if m.big == nil {
		return slices.Clone(m.keys)
	}
	return SortedKeys(m.big)
}

// copyShallow is a new map with the same properties (values not cloned)
// and tag.
func (m *Map) copyShallow() *Map {
	if m.big != nil {
		big := make(map[string]Value, len(m.big))
		for k, v := range m.big {
			big[k] = v
		}
		return &Map{big: big, tag: m.tag}
	}
	return &Map{keys: m.keys, vals: slices.Clone(m.vals), tag: m.tag}
}
