package scripting

import (
	"context"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/scripting/state"
)

func stateEngine(t *testing.T) *Engine {
	t.Helper()
	st := state.NewMemory()
	t.Cleanup(func() { st.Close() })
	return NewEngine(rhai.DefaultLimits(), 2*time.Second, WithState(st, state.DefaultLimits()))
}

func run(t *testing.T, e *Engine, script string) Result {
	t.Helper()
	return e.Execute(context.Background(), Task{ID: "t", CircleID: "c1", Script: script})
}

func TestStateScriptAPI(t *testing.T) {
	e := stateEngine(t)
	cases := []struct{ script, out, typ string }{
		{`state.set("a", 1); state.get("a")`, "1", "i64"},
		{`state.get("a")`, "1", "i64"},
		{`state.get("missing")`, "", "()"},
		{`state.get("missing", 7)`, "7", "i64"},
		{`state["b"] = [1, 'x', #{k: 2.5}, blob(2, 7)]; state["b"]`, `[1, x, #{"k": 2.5}, [0707]]`, "array"}, // Rhai 1.26 writes chars bare
		{`state["a"] += 41; state["a"]`, "42", "i64"},
		{`state.contains("a") && !contains(state, "zz")`, "true", "bool"},
		{`state.len()`, "2", "i64"},
		{`state.set("p:1", 1); state.set("p:2", 2); state.keys("p:")`, `["p:1", "p:2"]`, "array"},
		{`state.keys()`, `["a", "b", "p:1", "p:2"]`, "array"},
		{`state.keys("p:", 1)`, `["p:1"]`, "array"},
		{`state.remove("p:1")`, "1", "i64"},
		{`state.remove("p:1")`, "", "()"},
		{`let n = state.get("n") ?? 0; state.set("n", n + 1); state.get("n")`, "1", "i64"},
		{`type_of(state)`, "State", "string"},
		{`state.set(9223372036854775807.to_string(), 9223372036854775807); state.get("9223372036854775807")`, "9223372036854775807", "i64"},
	}
	for _, c := range cases {
		r := run(t, e, c.script)
		if r.Err != nil || r.Output != c.out || r.Type != c.typ {
			t.Errorf("%s = %q (%s), %v; want %q (%s)", c.script, r.Output, r.Type, r.Err, c.out, c.typ)
		}
	}
}

func TestStateFailedRunCommitsNothing(t *testing.T) {
	e := stateEngine(t)
	for _, s := range []string{
		`state.set("x", 1); throw "no"`,
		`state.set("x", 1); let a = [1]; a[5]`,
		`state.set("x", 1); loop {}`,
	} {
		if r := run(t, e, s); r.Err == nil {
			t.Fatalf("%s: want an error", s)
		}
	}
	if r := run(t, e, `state.contains("x")`); r.Output != "false" {
		t.Fatalf("a failed run's write is visible: %+v", r)
	}
	r := run(t, e, `state.set("f", Fn("abs"))`)
	if r.Err == nil || r.Err.Kind != "runtime" {
		t.Fatalf("storing a function pointer: %+v", r.Err)
	}
	r = run(t, e, `state.set("s", state)`)
	if r.Err == nil {
		t.Fatalf("storing state itself succeeded")
	}
	r = run(t, e, `state.set(1, 2)`)
	if r.Err == nil || r.Err.Kind != "mismatched_type" {
		t.Fatalf("an i64 key: %+v", r.Err)
	}
}

func TestStateLimitIsFatal(t *testing.T) {
	st := state.NewMemory()
	defer st.Close()
	e := NewEngine(rhai.DefaultLimits(), 2*time.Second, WithState(st, state.Limits{MaxKeys: 2}))
	r := run(t, e, `try { state.set("a", 1); state.set("b", 1); state.set("c", 1) } catch { 0 }`)
	if r.Err == nil || r.Err.Kind != state.KindLimit {
		t.Fatalf("want %s, got %+v", state.KindLimit, r.Err)
	}
	if r := run(t, e, `state.len()`); r.Output != "0" {
		t.Fatalf("limit run committed: %+v", r)
	}
}
