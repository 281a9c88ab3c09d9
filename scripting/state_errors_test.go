package scripting

import (
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/scripting/state"
)

// longFn defines long(n), a string of n bytes.
const longFn = `fn long(n) { let s = ""; for i in 0..n { s += "x" } s }
`

// Every bad use of state fails the run with its own error kind and a
// message naming the problem, and commits none of the run's writes.
func TestStateBadInputsCommitNothing(t *testing.T) {
	st := state.NewMemory()
	defer st.Close()
	lim := state.Limits{MaxKeyBytes: 16, MaxValueBytes: 64, MaxKeys: 3, MaxTotalBytes: 1 << 10}
	e := NewEngine(rhai.DefaultLimits(), 2*time.Second, WithState(st, lim))
	for _, c := range []struct{ name, script, kind, msg string }{
		{"value too large", `state.set("w", 1); state.set("big", long(100))`, state.KindLimit, "value size 1"},
		{"too many keys", `state.set("w", 1); for i in 0..5 { state.set("k" + i, i) }`, state.KindLimit, "keys 4 is over the limit of 3"},
		{"key too long", `state.set("w", 1); state.set(long(20), 1)`, state.KindLimit, "key length 20"},
		{"function pointer", `state.set("w", 1); state.set("f", Fn("abs"))`, "runtime", "type Fn cannot be stored"},
		{"timestamp", `state.set("w", 1); state.set("t", timestamp())`, "runtime", "cannot be stored"},
		{"state itself", `state.set("w", 1); state.set("s", [state])`, "runtime", "type State cannot be stored"},
		{"key of the wrong type", `state.set("w", 1); state.set(42, 1)`, "mismatched_type", "state key must be a string, not i64"},
		{"empty key", `state.set("w", 1); state.set("", 1)`, "runtime", "must not be empty"},
		{"write then throw", `state.set("w", 1); throw "changed my mind"`, "runtime", "changed my mind"},
		{"limit caught by try", `state.set("w", 1); try { state.set("big", long(100)) } catch { 0 }`, state.KindLimit, "value size"},
	} {
		r := e.Execute(t.Context(), Task{ID: "t", CircleID: "c", Script: longFn + c.script})
		if r.Err == nil || r.Err.Kind != c.kind || !strings.Contains(r.Err.Message, c.msg) {
			t.Errorf("%s: got %+v, want kind %s with %q", c.name, r.Err, c.kind, c.msg)
		}
		if r := e.Execute(t.Context(), Task{ID: "t", CircleID: "c", Script: `state.len()`}); r.Output != "0" {
			t.Fatalf("%s: the failed run committed (%s keys)", c.name, r.Output)
		}
	}
	// The circle keeps working.
	if r := e.Execute(t.Context(), Task{ID: "t", CircleID: "c", Script: `state.set("ok", 1); state.len()`}); r.Err != nil || r.Output != "1" {
		t.Fatalf("after the failures: %+v", r)
	}
}

// A play that returns state shows its type name only.
func TestStateAsResultShowsNoInternals(t *testing.T) {
	st := state.NewMemory()
	defer st.Close()
	e := NewEngine(rhai.DefaultLimits(), 2*time.Second, WithState(st, state.DefaultLimits()))
	r := e.Execute(t.Context(), Task{ID: "t", CircleID: "c", Script: `state.set("secret", 1); state`})
	if r.Err != nil || r.Type != "State" || strings.Contains(r.Output, "secret") || strings.Contains(r.Output, "0x") {
		t.Fatalf("returning state: %+v", r)
	}
}

// A host function that panics after the run took the circle's lock fails
// the run, which releases the lock: the next run does not wait, and the
// failed run's write is not committed.
func TestStatePanicReleasesTheLock(t *testing.T) {
	st := state.NewMemory()
	defer st.Close()
	e := NewEngine(rhai.DefaultLimits(), 2*time.Second, WithState(st, state.DefaultLimits()))
	if err := e.RegisterFn("boom", func() int64 { panic("host bug") }); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() { _ = recover() }()
		e.Execute(t.Context(), Task{ID: "t", CircleID: "c", Script: `state.set("a", 1); boom()`})
	}()
	r := e.Execute(t.Context(), Task{ID: "t", CircleID: "c", Script: `state.set("b", 1); state.contains("a")`})
	if r.Err != nil || r.Output != "false" {
		t.Fatalf("after a panicking run: %+v", r)
	}
}

// Listing more keys than the sandbox's array limit fails the run on that
// limit instead of building a huge array.
func TestStateKeysBoundedByArrayLimit(t *testing.T) {
	st := state.NewMemory()
	defer st.Close()
	lim := rhai.DefaultLimits()
	lim.MaxArrayLen = 5
	e := NewEngine(lim, 2*time.Second, WithState(st, state.DefaultLimits()))
	if r := e.Execute(t.Context(), Task{ID: "t", CircleID: "c", Script: `for i in 0..8 { state.set("k" + i, i) } state.keys("k", 3).len()`}); r.Err != nil || r.Output != "3" {
		t.Fatalf("seeding: %+v", r)
	}
	r := e.Execute(t.Context(), Task{ID: "t", CircleID: "c", Script: `state.keys().len()`})
	if r.Err == nil {
		t.Fatalf("keys() of 8 keys under an array limit of 5: %+v", r)
	}
}
