package actors_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/scripting/state"
	"github.com/circles-actor/circles-actor/scripting/state/pebblestore"
)

// TestStateRunsAreSerializable runs read-modify-write plays from many
// goroutines through four workers per circle, on memory and on disk: the
// counter ends at the number of successful runs and no two runs saw the
// same value.
func TestStateRunsAreSerializable(t *testing.T) {
	for _, disk := range []bool{false, true} {
		name := map[bool]string{false: "memory", true: "disk"}[disk]
		t.Run(name, func(t *testing.T) {
			var opts []actors.Option
			if disk {
				b, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
				if err != nil {
					t.Fatal(err)
				}
				opts = append(opts, actors.WithStateStore(state.NewLocal(b)))
			}
			sys, circle := startSystem(t, func(c *config.Config) { c.WorkersPerCircle = 4 }, opts...)
			const goroutines, each = 8, 40
			var mu sync.Mutex
			seen := map[string]bool{}
			ok := 0
			var wg sync.WaitGroup
			for range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range each {
						res, err := sys.Dispatch(context.Background(), scripting.Task{CircleID: circle,
							Script: `let n = state.get("n") ?? 0; let m = n + 1; state.set("n", m); state.set("v" + m, n); m`})
						if err != nil || res.Err != nil {
							t.Errorf("run: %v %v", err, res.Err)
							return
						}
						mu.Lock()
						if seen[res.Output] {
							t.Errorf("two runs returned %s", res.Output)
						}
						seen[res.Output] = true
						ok++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			err := sys.ViewState(context.Background(), circle, func(tx *state.Tx) error {
				v, _, err := tx.Get("n")
				if err != nil {
					return err
				}
				if v.AsInt() != int64(ok) {
					t.Errorf("n = %d after %d successful runs", v.AsInt(), ok)
				}
				n, _ := tx.Len()
				if n != int64(ok)+1 {
					t.Errorf("%d keys after %d runs", n, ok)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// gated is a state backend whose Apply (the sync) waits until open is
// closed.
type gated struct {
	*state.MemoryBackend
	open    chan struct{}
	entered chan struct{} // an Apply has started (nil: not told)
}

func (g gated) Apply(b []state.Batch) error {
	if g.entered != nil {
		select {
		case g.entered <- struct{}{}:
		default:
		}
	}
	<-g.open
	return g.MemoryBackend.Apply(b)
}

// System.Dispatch (what webhooks call) returns only once the run's writes
// are durable.
func TestStateDispatchWaitsForDurability(t *testing.T) {
	g := gated{MemoryBackend: state.NewMemoryBackend(), open: make(chan struct{}), entered: make(chan struct{}, 1)}
	sys, circle := startSystem(t, nil, actors.WithStateStore(state.NewLocal(struct{ state.Backend }{g})))
	done := make(chan scripting.Result, 1)
	go func() {
		res, err := sys.Dispatch(context.Background(), scripting.Task{CircleID: circle, Script: `state.set("paid", true); "ok"`})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	<-g.entered // the commit is being synced
	select {
	case res := <-done:
		t.Fatalf("Dispatch returned before the sync: %+v", res)
	default:
	}
	close(g.open)
	if res := <-done; res.Err != nil || res.Output != "ok" {
		t.Fatalf("Dispatch: %+v", res)
	}
}

// A play's answer waits for its writes to be durable, and the circle's
// worker runs the next play meanwhile (it sees the committed write).
func TestStateAnswerWaitsForDurability(t *testing.T) {
	g := gated{MemoryBackend: state.NewMemoryBackend(), open: make(chan struct{})}
	st := state.NewLocal(struct{ state.Backend }{g}) // not inline: synced by the committer, like a disk

	sys, circle := startSystem(t, nil, actors.WithStateStore(st))
	writer, reader := open(t, sys, circle), open(t, sys, circle)
	writer.request("play", map[string]string{"script": `state.set("x", 41); "written"`})
	var r playRes
	reader.call("play", map[string]string{"script": `state.get("x") + 1`}, &r)
	if r.Output != "42" {
		t.Fatalf("the next run saw %q, want the committed 42", r.Output)
	}
	if writer.sink.Queued() != 0 {
		t.Fatal("the writer was answered before its writes were durable")
	}
	close(g.open)
	if resp := writer.next(); resp.Error != nil || !strings.Contains(string(resp.Result), "written") {
		t.Fatalf("writer: %+v", resp)
	}
}

func TestStateMetrics(t *testing.T) {
	sys, circle := startSystem(t, nil)
	for i := range 3 {
		res, err := sys.Dispatch(context.Background(), scripting.Task{CircleID: circle, Script: `state.set("k` + strconv.Itoa(i) + `", 1)`})
		if err != nil || res.Err != nil {
			t.Fatal(err, res.Err)
		}
	}
	fp := config.Fingerprint(circle)
	mfs, err := sys.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "circle" && l.GetValue() == fp {
					got[mf.GetName()] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
				}
			}
			if h := m.GetHistogram(); h != nil && mf.GetName() == "circles_state_commit_seconds" {
				got[mf.GetName()] = float64(h.GetSampleCount())
			}
		}
	}
	for name, want := range map[string]float64{
		"circles_state_keys": 3, "circles_state_bytes": 3 * (2 + 3), "circles_state_commits_total": 3,
		"circles_state_conflicts_total": 0, "circles_state_commit_seconds": 3,
	} {
		if got[name] != want {
			t.Errorf("%s = %v, want %v", name, got[name], want)
		}
	}
}

func TestUpdateStateIsOneTransaction(t *testing.T) {
	sys, circle := startSystem(t, nil)
	ctx := context.Background()
	err := sys.UpdateState(ctx, strings.ToUpper(circle), func(tx *state.Tx) error {
		if err := tx.Set("a", rhai.Int(1)); err != nil {
			return err
		}
		return context.Canceled // fails: nothing is written
	})
	if err != context.Canceled {
		t.Fatalf("UpdateState: %v", err)
	}
	_ = sys.ViewState(ctx, circle, func(tx *state.Tx) error {
		if ok, _ := tx.Contains("a"); ok {
			t.Error("a failed update was committed")
		}
		return nil
	})
	if err := sys.UpdateState(ctx, "02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9", func(*state.Tx) error { return nil }); err != actors.ErrUnknownCircle {
		t.Fatalf("unknown circle: %v", err)
	}
}

// config's state defaults are the store's (they are written twice, since
// config must not import the store).
func TestStateLimitsDefaultsMatch(t *testing.T) {
	if got, want := actors.StateLimits(config.Default()), state.DefaultLimits(); got != want {
		t.Fatalf("config's state limits %+v, the store's %+v", got, want)
	}
}
