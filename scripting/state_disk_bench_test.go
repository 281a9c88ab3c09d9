package scripting

import (
	"context"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/scripting/state"
	"github.com/circles-actor/circles-actor/scripting/state/pebblestore"
)

// BenchmarkEngineStateDisk is the on-disk store's cost per run without a
// transport: one goroutine runs the read-modify-write play after another,
// as a circle's worker does, with up to 64 runs waiting for their sync
// (64 clients), so that commits group. ns/op is a play's share of the
// run loop; cpu is what the whole process spent per play.
func BenchmarkEngineStateDisk(b *testing.B) {
	for _, c := range []struct {
		name string
		sync bool
	}{{"sync", true}, {"nosync", false}} {
		b.Run(c.name, func(b *testing.B) {
			be, err := pebblestore.Open(b.TempDir(), pebblestore.Options{NoSync: !c.sync})
			if err != nil {
				b.Fatal(err)
			}
			st := state.NewLocal(be)
			defer st.Close()
			lim := state.DefaultLimits()
			lim.MaxKeys = 0
			e := NewEngine(rhai.DefaultLimits(), 5*time.Second, WithState(st, lim))
			const script = `let n = (state.get("n") ?? 0) + 1; state.set("n", n); state.set("c" + TASK_ID, n); n`
			slots := make(chan struct{}, 64)
			var wg sync.WaitGroup
			run := func(e *Engine, ctx context.Context, t Task, done func(Result)) {
				if r, pending := e.ExecuteAsync(ctx, t, done); !pending {
					done(r)
				}
			}
			g0, c0 := st.Syncs()
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := selfCPU()
			for i := 0; i < b.N; i++ {
				slots <- struct{}{}
				wg.Add(1)
				run(e, context.Background(), Task{ID: "t" + strconv.Itoa(i), CircleID: "c", Script: script}, func(r Result) {
					if r.Err != nil {
						b.Error(r.Err)
					}
					<-slots
					wg.Done()
				})
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(selfCPU()-cpu0)/1e3/float64(b.N), "cpu-us/op")
			g1, c1 := st.Syncs()
			if g1 > g0 {
				b.ReportMetric(float64(c1-c0)/float64(g1-g0), "plays/sync")
			}
		})
	}
}

// selfCPU is the user and system CPU this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
