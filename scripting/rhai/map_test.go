package rhai

import (
	"fmt"
	"slices"
	"testing"
)

// TestMapForms drives a map through the small form into the large one and
// back down by deletions, checking it against a Go map at every step, and
// checks that copies sharing the small form's keys never see each other's
// changes.
func TestMapForms(t *testing.T) {
	m := mapOf(nil)
	want := map[string]Value{}
	check := func(step string) {
		t.Helper()
		if m.Len() != len(want) {
			t.Fatalf("%s: Len %d, want %d", step, m.Len(), len(want))
		}
		for k, v := range want {
			if got, ok := m.Get(k); !ok || !Equal(got, v) {
				t.Fatalf("%s: Get(%q) = %v %v, want %v", step, k, got, ok, v)
			}
		}
		if m.Has("missing") {
			t.Fatalf("%s: Has(missing)", step)
		}
		keys := m.SortedKeys()
		if !slices.IsSorted(keys) || len(keys) != len(want) {
			t.Fatalf("%s: SortedKeys %v", step, keys)
		}
	}
	for i := range 2 * smallMapMax {
		k := fmt.Sprintf("k%02d", (i*7)%(2*smallMapMax))
		m.Set(k, Int(int64(i)))
		want[k] = Int(int64(i))
		check("set " + k)
	}
	if m.big == nil {
		t.Fatal("a map past smallMapMax stayed small")
	}
	for k := range want {
		if _, ok := m.Delete(k); !ok {
			t.Fatalf("Delete(%q) found nothing", k)
		}
		delete(want, k)
		check("delete " + k)
	}

	a := mapOf(map[string]Value{"x": Int(1), "y": Int(2)})
	b := a.copyShallow()
	b.Set("a", Int(3)) // a new key: b gets its own keys slice
	b.Set("x", Int(9))
	if _, ok := b.Delete("y"); !ok {
		t.Fatal("Delete(y) on the copy found nothing")
	}
	if got := a.SortedKeys(); !slices.Equal(got, []string{"x", "y"}) {
		t.Fatalf("original's keys changed to %v", got)
	}
	if a.At("x").AsInt() != 1 || a.At("y").AsInt() != 2 {
		t.Fatalf("original's values changed: x=%v y=%v", a.At("x"), a.At("y"))
	}
	if got := b.SortedKeys(); !slices.Equal(got, []string{"a", "x"}) {
		t.Fatalf("copy's keys %v", got)
	}
}

// TestMapLiteralsShareNoValues: two maps made by one literal share its
// keys, never their values.
func TestMapLiteralsShareNoValues(t *testing.T) {
	v, err := NewEngine().Eval(t.Context(), `
let a = [];
for i in 0..3 { a.push(#{y: i, x: i * 10}); }
a[0].x += 1; a[1].z = 5; a[2].remove("y");
a`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ToString(v), `[#{"x": 1, "y": 0}, #{"x": 10, "y": 1, "z": 5}, #{"x": 20}]`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
