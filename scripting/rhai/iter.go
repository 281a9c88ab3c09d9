package rhai

// iterator is what Rhai's chars(), bits() and range(from, to, step) return:
// a stream a script can only loop over. Its type_of is "range" and it prints
// as "range", as in Rhai; it has no length, indexing or comparison.
type iterator struct {
	rust  string // Rhai's Rust type, which rhai-json gives as the value
	elems []Value
}

// newIterator wraps the elements of a stream.
func newIterator(rust string, elems []Value) Value {
	return Custom("range", &iterator{rust: rust, elems: elems})
}

// iteratorOf returns the stream in v, or nil.
func iteratorOf(v Value) *iterator {
	if v.k != KindCustom {
		return nil
	}
	it, _ := v.AsCustom().(*iterator)
	return it
}

// asIterator returns a function turning the array a stream native built
// into the stream: asIterator(name)(build(...)).
func asIterator(rust string) func(Value, error) (Value, error) {
	return func(v Value, err error) (Value, error) {
		if err != nil || v.k != KindArray {
			return v, err
		}
		return newIterator(rust, v.AsArray().Elems), nil
	}
}
