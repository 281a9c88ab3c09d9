package rhai

import (
	"fmt"
	"slices"
	"strings"
)

// A run's memory budget and the cost of big operations.
//
// The interpreter counts operations one statement, call or loop step at a
// time, but one operation can be expensive: copying a million-element
// array, padding a string to its limit, encoding a large map. So every
// place that creates a value of some size charges it with alloc: its bytes
// count against Limits.MaxRunBytes (bytes the run creates, freed or not:
// what a run makes is bounded, whatever it keeps), and one operation per
// bytesPerOp bytes counts against the operation budget, which also looks at
// the context, so a run of big operations still stops within a fraction of
// a millisecond of its deadline. Long copies charge as they go (cloneValue),
// not once at the end.

// bytesPerOp is how many bytes created cost one operation: copying 256
// bytes takes about as long as one interpreted operation.
const bytesPerOp = 256

// Approximate sizes of what values take in memory, for the budget; growing
// containers charge twice their element size, for the spare capacity and
// the copies that growth by doubling leaves behind.
const (
	valueBytes    = 32 // one Value in an array
	mapEntryBytes = 64 // one map entry: key header, Value, map overhead
	strBytes      = 32 // a new string's header and buffer rounding
)

// cloneChunk is how many elements a copy handles between two charges.
const cloneChunk = 1024

// errMemory is the error of a run over its memory budget: kind
// ErrMemoryLimit, which try/catch cannot intercept.
func errMemory(max int64) *Error {
	return &Error{Kind: ErrMemoryLimit, Message: fmt.Sprintf("Out of memory: the script created more than %d bytes of values", max)}
}

// alloc charges n bytes of newly created values: against the memory budget
// and, one operation per bytesPerOp, against the operation budget (which
// checks cancellation whenever a chunk of operations is used up).
func (r *runState) alloc(n int) error {
	r.made += int64(n)
	if m := r.lim.MaxRunBytes; m > 0 && r.made > m {
		r.budget = 0 // later ticks fail fast too
		return errMemory(m)
	}
	if ops := int64(n) / bytesPerOp; ops > 0 {
		r.budget -= ops
		if r.budget <= 0 {
			return r.slowTick()
		}
	}
	return nil
}

// memoryLeft reports whether the run is still under its memory budget; the
// slow tick uses it so a run whose budget ran out inside a native that
// ignored the error still stops.
func (r *runState) memoryLeft() error {
	if m := r.lim.MaxRunBytes; m > 0 && r.made > m {
		return errMemory(m)
	}
	return nil
}

// chargeBytes is alloc for natives: n bytes of values created by the call.
func chargeBytes(c *Call, n int) error {
	if r, ok := c.rt.(*runState); ok {
		return r.alloc(n)
	}
	return nil
}

// cloneFor is Value.Clone for natives: the copy is charged as it is made
// and stops at the run's limits.
func cloneFor(c *Call, v Value) (Value, error) {
	if !isContainer(v.k) {
		return v, nil
	}
	if r, ok := c.rt.(*runState); ok {
		return r.cloneValue(v, 0)
	}
	return v.Clone(), nil
}

// cloneValue deep-copies a container the way Value.Clone does, charging
// every chunk of cloneChunk elements as it goes, so that a copy of a huge
// value stops within microseconds of the deadline or the budget. When
// limit > 0, a value whose nested arrays and maps hold more than limit
// elements in total is refused with ErrDataTooLarge (see cloneChecked).
func (r *runState) cloneValue(v Value, limit int) (Value, error) {
	c := cloner{r: r, limit: limit}
	out, err := c.clone(v, 0)
	if err != nil {
		return Unit, err
	}
	return out, c.flush()
}

// cloner is one deep copy in progress.
type cloner struct {
	r       *runState
	limit   int // 0: no element-count limit
	count   int // elements copied so far
	pending int // bytes copied since the last charge
}

// reserve refuses, before anything is allocated, a copy that the memory
// budget cannot hold; the bytes are charged as the copy proceeds.
func (c *cloner) reserve(n int) error {
	r := c.r
	if m := r.lim.MaxRunBytes; m > 0 && r.made+int64(c.pending)+int64(n) > m {
		r.made = m + 1
		r.budget = 0
		return errMemory(m)
	}
	return nil
}

func (c *cloner) flush() error {
	n := c.pending
	c.pending = 0
	return c.r.alloc(n)
}

// step accounts for n more elements of size bytes each.
func (c *cloner) step(n, size int) error {
	c.count += n
	if c.limit > 0 && c.count > c.limit {
		return Errorf(ErrDataTooLarge, "Size of array too large")
	}
	c.pending += n * size
	if c.pending >= cloneChunk*valueBytes {
		return c.flush()
	}
	return nil
}

func (c *cloner) clone(v Value, depth int) (Value, error) {
	if depth > maxCallDepthHard {
		return Unit, Errorf(ErrDataTooLarge, "Value nested too deeply")
	}
	switch v.k {
	case KindArray:
		src := v.AsArray().Elems
		if err := c.reserve(len(src) * valueBytes); err != nil {
			return Unit, err
		}
		dst := make([]Value, len(src))
		for i := 0; i < len(src); i += cloneChunk {
			end := min(i+cloneChunk, len(src))
			if err := c.step(end-i, valueBytes); err != nil {
				return Unit, err
			}
			for j := i; j < end; j++ {
				e := src[j]
				if isContainer(e.k) {
					var err error
					if e, err = c.clone(e, depth+1); err != nil {
						return Unit, err
					}
				}
				dst[j] = e
			}
		}
		return NewArray(dst), nil
	case KindMap:
		src := v.AsMap()
		size := src.Len()
		if err := c.reserve(size * mapEntryBytes); err != nil {
			return Unit, err
		}
		if src.big == nil {
			// The small form: the keys are shared, the values copied.
			if err := c.step(size, mapEntryBytes); err != nil {
				return Unit, err
			}
			vals := make([]Value, size)
			for i, e := range src.vals {
				if isContainer(e.k) {
					var err error
					if e, err = c.clone(e, depth+1); err != nil {
						return Unit, err
					}
				}
				vals[i] = e
			}
			return Value{k: KindMap, p: &Map{keys: src.keys, vals: vals}}, nil
		}
		dst := make(map[string]Value, size)
		n := 0
		for k, e := range src.big {
			if n%cloneChunk == 0 {
				if err := c.step(min(cloneChunk, size-n), mapEntryBytes); err != nil {
					return Unit, err
				}
			}
			n++
			if isContainer(e.k) {
				var err error
				if e, err = c.clone(e, depth+1); err != nil {
					return Unit, err
				}
			}
			dst[k] = e
		}
		return Value{k: KindMap, p: &Map{big: dst}}, nil
	case KindBlob:
		b := v.AsBlob().B
		c.pending += len(b)
		return NewBlob(append([]byte(nil), b...)), nil
	}
	return v, nil
}

// chargeString charges the string res that an operation made from a: the
// bytes added when a's buffer grew in place, the whole string when res is
// a new one.
func (r *runState) chargeString(a, res Value) error {
	if res.k != KindString {
		return nil
	}
	n := int(res.n) + strBytes
	if a.k == KindString && a.p == res.p {
		n = int(res.n - a.n)
	}
	return r.alloc(n)
}

// checkEvery is how many steps of a long native (comparisons of a sort)
// run between two looks at the deadline.
const checkEvery = 4096

// cancelled reports the error that ends the run now: its context is done
// or its memory budget is spent. Natives that work long without creating
// values (sorting) call it every checkEvery steps.
func (r *runState) cancelled() error {
	if err := r.memoryLeft(); err != nil {
		return err
	}
	if err := r.ctx.Err(); err != nil {
		return &Error{Kind: ErrCancelled, Message: "Script terminated: " + err.Error(), Cause: err}
	}
	return nil
}

// runOf is the run behind a native call (nil for a foreign Runtime).
func runOf(c *Call) *runState {
	r, _ := c.rt.(*runState)
	return r
}

// sortAbort carries a sandbox error out of a sort's comparison.
type sortAbort struct{ err error }

// sortStable is slices.SortStableFunc that stops, leaving elems partly
// sorted, when cmp fails or the run is cancelled (checked every checkEvery
// comparisons): sorting a million elements takes longer than the margin a
// deadline allows.
func sortStable[T any](r *runState, elems []T, cmp func(x, y T) (int, error)) error {
	return sortChecked(r, elems, cmp, stableSort[T])
}

// sortChecked runs sorter (slices.SortFunc or SortStableFunc) with cmp,
// stopping as sortStable does.
func sortChecked[T any](r *runState, elems []T, cmp func(x, y T) (int, error), sorter func([]T, func(x, y T) int)) (err error) {
	defer func() {
		if x := recover(); x != nil {
			a, ok := x.(sortAbort)
			if !ok {
				panic(x)
			}
			err = a.err
		}
	}()
	n := 0
	sorter(elems, func(x, y T) int {
		if n++; n%checkEvery == 0 && r != nil {
			if err := r.cancelled(); err != nil {
				panic(sortAbort{err})
			}
		}
		v, err := cmp(x, y)
		if err != nil {
			panic(sortAbort{err})
		}
		return v
	})
	return nil
}

// sortedKeys is SortedKeys for a run: a map's keys in order, the sort
// stopping when the run is cancelled.
// The keys of a small map are returned as they are: callers must not
// change them.
func (r *runState) sortedKeys(m *Map) ([]string, error) {
	if m.big == nil {
		return m.keys, nil
	}
	keys := make([]string, 0, len(m.big))
	for k := range m.big {
		keys = append(keys, k)
	}
	if len(keys) < checkEvery {
		slices.Sort(keys)
		return keys, nil
	}
	if err := r.alloc(len(keys) * 16); err != nil {
		return nil, err
	}
	err := sortChecked(r, keys, func(x, y string) (int, error) { return strings.Compare(x, y), nil }, slices.SortFunc[[]string, string])
	return keys, err
}

// sortedKeysFor is sortedKeys for natives.
func sortedKeysFor(c *Call, m *Map) ([]string, error) {
	if r := runOf(c); r != nil {
		return r.sortedKeys(m)
	}
	return m.SortedKeys(), nil
}

// formatValue is ToString of a container for a run: a huge one is
// formatted under the run's checks and charged.
func (r *runState) formatValue(v Value) (string, error) {
	f := formatter{run: r}
	f.value(v, 0, false)
	if f.err != nil {
		return "", f.err
	}
	return f.String(), r.alloc(f.b.Len())
}

// formatOperands turns the array and map operands of a string
// concatenation into their text under the run's checks (stringOp would
// format them without). A BLOB is left to stringOp: joined to a string it
// is its bytes as text, as in Rhai, not its formatted form.
func (r *runState) formatOperands(a, b Value) (Value, Value, error) {
	for _, x := range []*Value{&a, &b} {
		if x.k == KindArray || x.k == KindMap {
			s, err := r.formatValue(*x)
			if err != nil {
				return a, b, err
			}
			*x = String(s)
		}
	}
	return a, b, nil
}
