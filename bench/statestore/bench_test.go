package statestore

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/bench/statestore/boltstore"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/scripting/state"
	"github.com/circles-actor/circles-actor/scripting/state/pebblestore"
)

const circle = "c"

type backend struct {
	name string
	open func(dir string) (state.Backend, error)
	size func(b state.Backend, dir string) int64
}

var backends = []backend{
	{"bbolt", func(dir string) (state.Backend, error) { return boltstore.Open(dir, boltstore.Options{}) },
		func(_ state.Backend, dir string) int64 { return dirSize(dir) }},
	{"pebble", func(dir string) (state.Backend, error) { return pebblestore.Open(dir, pebblestore.Options{}) },
		func(b state.Backend, dir string) int64 { b.(*pebblestore.Store).Settle(); return dirSize(dir) }},
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// BenchmarkStores runs the read-modify-write play of the server benchmark
// (a counter and a new key per play) and a random-key update from 64
// goroutines on one Engine (no transport: the store's own cost), on each
// backend, on a circle of 10 and of 1,000,000 keys; and reports bytes per
// key of the 1M-key store.
//
//	cd bench && go test -run '^$' -bench Stores -benchtime 3x ./statestore/
func BenchmarkStores(b *testing.B) {
	const perRound, clients = 4000, 64
	for _, be := range backends {
		for _, size := range []int{10, 1_000_000} {
			dir := b.TempDir()
			bk, err := be.open(dir)
			if err != nil {
				b.Fatal(err)
			}
			st := state.NewLocal(bk)
			preload(b, st, size)
			lim := state.Limits{}
			e := scripting.NewEngine(rhai.DefaultLimits(), 10*time.Second, scripting.WithState(st, lim))
			for _, w := range []struct{ name, script string }{
				{"rmw", `let n = (state.get("n") ?? 0) + 1; state.set("n", n); state.set("c" + TASK_ID, n); n`},
				{"randkey", `let n = (state.get("n") ?? 0) + 1; state.set("n", n); let k = "k" + (n * 7919 % SIZE); state[k] += 1; n`},
			} {
				name := be.name + "/" + w.name + "/" + strconv.Itoa(size)
				script := w.script
				if size > 0 {
					script = "const SIZE = " + strconv.Itoa(size) + "; " + script
				}
				b.Run(name, func(b *testing.B) {
					var lat []time.Duration
					var mu sync.Mutex
					var took time.Duration
					var id atomic.Int64
					for range b.N {
						var next atomic.Int64
						start := time.Now()
						var wg sync.WaitGroup
						for range clients {
							wg.Add(1)
							go func() {
								defer wg.Done()
								var mine []time.Duration
								for next.Add(1) <= perRound {
									t0 := time.Now()
									r := e.Execute(context.Background(), scripting.Task{ID: strconv.FormatInt(id.Add(1), 36), CircleID: circle, Script: script})
									if r.Err != nil {
										b.Error(r.Err)
										return
									}
									mine = append(mine, time.Since(t0))
								}
								mu.Lock()
								lat = append(lat, mine...)
								mu.Unlock()
							}()
						}
						wg.Wait()
						took += time.Since(start)
					}
					slices.Sort(lat)
					b.ReportMetric(float64(perRound*b.N)/took.Seconds(), "plays/s")
					b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-us")
					b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-us")
				})
			}
			if size == 1_000_000 {
				total, _ := st.CircleStats(circle)
				b.Logf("%s: %.1f bytes/key on disk with %d keys", be.name, float64(be.size(bk, dir))/float64(total.Keys), total.Keys)
			}
			st.Close()
			os.RemoveAll(dir)
		}
	}
}

func preload(b *testing.B, st state.Store, n int) {
	for from := 0; from < n; from += 50_000 {
		err := state.Update(context.Background(), st, circle, state.Limits{}, func(tx *state.Tx) error {
			for i := from; i < min(n, from+50_000); i++ {
				if err := tx.Set("k"+strconv.Itoa(i), rhai.Int(int64(i))); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
