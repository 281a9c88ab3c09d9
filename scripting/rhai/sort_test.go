package rhai

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestStableSortMatchesSlices: same order as slices.SortStableFunc (ties
// keep their order) on random data with many ties, within n·log2(n)
// comparisons.
func TestStableSortMatchesSlices(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 7, 8, 100, 1000, 4097} {
		s := make([]Value, n)
		for i := range s {
			s[i] = NewArray([]Value{Int(rng.Int64N(int64(n/4 + 1))), Int(int64(i))})
		}
		byKey := func(a, b Value) int {
			return cmpInt(a.AsArray().Elems[0].AsInt(), b.AsArray().Elems[0].AsInt())
		}
		want := slices.Clone(s)
		slices.SortStableFunc(want, byKey)
		compares := 0
		stableSort(s, func(a, b Value) int { compares++; return byKey(a, b) })
		for i := range s {
			if s[i].AsArray() != want[i].AsArray() {
				t.Fatalf("n=%d: element %d differs", n, i)
			}
		}
		if bound := n * (bitsLen(n) + 1); compares > bound {
			t.Errorf("n=%d: %d comparisons, more than %d", n, compares, bound)
		}
	}
}

func bitsLen(n int) int {
	b := 0
	for ; n > 0; n >>= 1 {
		b++
	}
	return b
}
