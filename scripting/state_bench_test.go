package scripting

import (
	"context"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/scripting/state"
)

// BenchmarkEngineStateRMW is the state's own cost per run: the
// read-modify-write play against `40 + 2` on one Engine with a memory
// store, no transport.
func BenchmarkEngineStateRMW(b *testing.B) {
	for _, c := range []struct{ name, script string }{
		{"light", `40 + 2`},
		{"rmw", `let n = (state.get("n") ?? 0) + 1; state.set("n", n); state.set("c" + TASK_ID, n); n`},
		{"plain", `let s = #{}; let n = (s.get("n") ?? 0) + 1; s.set("n", n); s.set("c" + TASK_ID, n); n`},
	} {
		b.Run(c.name, func(b *testing.B) {
			st := state.NewMemory()
			defer st.Close()
			lim := state.DefaultLimits()
			lim.MaxKeys = 0
			e := NewEngine(rhai.DefaultLimits(), 2*time.Second, WithState(st, lim))
			ids := make([]string, 1024)
			for i := range ids {
				ids[i] = "t" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676))
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				r := e.Execute(context.Background(), Task{ID: ids[i%len(ids)], CircleID: "c", Script: c.script})
				if r.Err != nil {
					b.Fatal(r.Err)
				}
			}
		})
	}
}
