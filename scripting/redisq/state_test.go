package redisq_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/scripting/state"
)

// update runs fn in one standalone transaction of circle and commits it.
func update(t *testing.T, st state.Store, circle string, fn func(tx *state.Tx) error) error {
	t.Helper()
	sess, err := st.Begin(context.Background(), circle)
	if err != nil {
		return err
	}
	tx := state.NewTx(sess, state.DefaultLimits())
	if err := fn(tx); err != nil {
		tx.Abort()
		return err
	}
	_, err = tx.Commit(context.Background())
	return err
}

func TestStateStoreGetSetRemoveKeys(t *testing.T) {
	r := startRedis(t)
	st := redisq.NewStateStore(r.Client(), nil)
	err := update(t, st, circleA, func(tx *state.Tx) error {
		for _, k := range []string{"b", "a", "ab", "c", "é", "a\x00z"} {
			if err := tx.Set(k, rhai.String(k+"!")); err != nil {
				return err
			}
		}
		return tx.Set("n", rhai.Int(-1<<63))
	})
	if err != nil {
		t.Fatal(err)
	}
	err = update(t, st, circleA, func(tx *state.Tx) error {
		v, ok, err := tx.Get("n")
		if err != nil || !ok || v.TypeName() != "i64" || rhai.ToString(v) != strconv.FormatInt(-1<<63, 10) {
			t.Errorf("n = %v %v %v", v, ok, err)
		}
		keys, err := tx.Keys("", 0)
		if want := []string{"a", "a\x00z", "ab", "b", "c", "n", "é"}; err != nil || !slices.Equal(keys, want) {
			t.Errorf("keys = %q %v, want %q", keys, err, want)
		}
		keys, _ = tx.Keys("a", 2)
		if want := []string{"a", "a\x00z"}; !slices.Equal(keys, want) {
			t.Errorf("keys(a, 2) = %q, want %q", keys, want)
		}
		old, err := tx.Remove("b")
		if err != nil || rhai.ToString(old) != "b!" {
			t.Errorf("remove b = %v %v", old, err)
		}
		n, _ := tx.Len()
		if n != 6 {
			t.Errorf("len after remove = %d, want 6", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Totals are kept by the commit scripts and match the contents.
	var keys []string
	err = update(t, st, circleA, func(tx *state.Tx) error {
		st, err := tx.Stats()
		if err != nil {
			return err
		}
		keys, err = tx.Keys("", 0)
		if st.Keys != int64(len(keys)) || st.Keys != 6 {
			t.Errorf("stats %+v for keys %q", st, keys)
		}
		if ok, _ := tx.Contains("b"); ok {
			t.Error("b is still there")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c := r.Client()
	meta := hgetall(t, c, redisq.StateKeys(circleA)[2])
	vals := hgetall(t, c, redisq.StateKeys(circleA)[0])
	var bytes int
	for k, v := range vals {
		bytes += len(k) + len(v)
	}
	if meta["keys"] != "6" || meta["bytes"] != strconv.Itoa(bytes) || meta["version"] == "" {
		t.Errorf("meta %v, want 6 keys, %d bytes and a version", meta, bytes)
	}
}

func TestStateStoreLimits(t *testing.T) {
	r := startRedis(t)
	st := redisq.NewStateStore(r.Client(), nil)
	lim := state.Limits{MaxKeys: 2, MaxValueBytes: 64}
	sess, _ := st.Begin(context.Background(), circleA)
	tx := state.NewTx(sess, lim)
	_ = tx.Set("a", rhai.Int(1))
	_ = tx.Set("b", rhai.Int(2))
	if _, err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	sess, _ = st.Begin(context.Background(), circleA)
	tx = state.NewTx(sess, lim)
	var le *state.LimitError
	if err := tx.Set("c", rhai.Int(3)); !errors.As(err, &le) || le.Limit != "keys" {
		t.Fatalf("third key: %v, want the keys limit", err)
	}
	if err := tx.Set("a", rhai.String(string(make([]byte, 100)))); !errors.As(err, &le) || le.Limit != "value size" {
		t.Fatalf("big value: %v, want the value size limit", err)
	}
	tx.Abort()
}

func TestStateStoreConflict(t *testing.T) {
	r := startRedis(t)
	st := redisq.NewStateStore(r.Client(), nil)
	// Each transaction from a store of its own, as from processes of their
	// own: within one store a circle's transactions take turns.
	begin := func() *state.Tx {
		s, err := redisq.NewStateStore(r.Client(), nil).Begin(context.Background(), circleA)
		if err != nil {
			t.Fatal(err)
		}
		return state.NewTx(s, state.Limits{})
	}
	a, b := begin(), begin()
	if _, _, err := a.Get("n"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Get("n"); err != nil {
		t.Fatal(err)
	}
	_ = a.Set("n", rhai.Int(1))
	_ = b.Set("n", rhai.Int(2))
	if _, err := a.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Commit(context.Background()); !errors.Is(err, state.ErrConflict) {
		t.Fatalf("second commit: %v, want ErrConflict", err)
	}
	// A read after another commit is refused too: a run sees one snapshot.
	c := begin()
	if _, _, err := c.Get("n"); err != nil {
		t.Fatal(err)
	}
	if err := update(t, st, circleA, func(tx *state.Tx) error { return tx.Set("m", rhai.Int(1)) }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Get("other"); !errors.Is(err, state.ErrConflict) || !c.Conflicted() {
		t.Fatalf("read after a commit: %v, want ErrConflict", err)
	}
	c.Abort()
}

// TestStateEngineRerunsOnConflict: standalone runs through the Engine on
// many goroutines (the embedding API's path) lose no update.
func TestStateEngineRerunsOnConflict(t *testing.T) {
	r := startRedis(t)
	st := redisq.NewStateStore(r.Client(), nil)
	var conflicts sync.Map
	e := scripting.NewEngine(rhai.DefaultLimits(), 10*time.Second, scripting.WithState(st, state.DefaultLimits()),
		scripting.WithStateHooks(scripting.StateHooks{Conflict: func(string) { conflicts.Store("x", true) }}))
	const goroutines, each = 8, 25
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				res := e.Execute(context.Background(), scripting.Task{ID: fmt.Sprint(g, i), CircleID: circleA,
					Script: `let n = (state.get("n") ?? 0) + 1; state.set("n", n); n`})
				if res.Err != nil {
					t.Error(res.Err)
					return
				}
			}
		}()
	}
	wg.Wait()
	checkCounter(t, st, goroutines*each)
}

func checkCounter(t *testing.T, st state.Store, want int) {
	t.Helper()
	err := update(t, st, circleA, func(tx *state.Tx) error {
		v, _, err := tx.Get("n")
		if err != nil {
			return err
		}
		if rhai.ToString(v) != strconv.Itoa(want) {
			t.Errorf("n = %s, want %d", rhai.ToString(v), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestStateTasksSerializable: two consumers (as two worker processes) with
// four loops each run read-modify-write tasks of one circle from 16
// callers; every answer is a distinct counter value, the counter is the
// number of tasks, and each task's own key holds its answer.
func TestStateTasksSerializable(t *testing.T) {
	r := startRedis(t)
	d := newDispatcher(t, r.Client(), redisq.Options{})
	var workers []*redisq.StateStore
	// The metrics' view: every answered play is one commit, reported by the
	// answer step (not by the engine, whose commit only relays the writes),
	// and every lost race one conflict.
	var committed, conflicts, engineCommitted, engineConflicts atomic.Int64
	const clients, each = 16, 20
	// The step answers a task in Redis before the worker sees the step's
	// reply and reports its outcome: the last report may come after the
	// last answer.
	allCommitted := make(chan struct{})
	for range 2 {
		c := r.Client()
		st := redisq.NewStateStore(c, nil)
		st.Observe(scripting.StateHooks{
			Committed: func(circle string, writes int, d time.Duration) {
				if circle != circleA || writes != 2 || d < 0 {
					t.Errorf("Committed(%.8s, %d, %s), want circle A and 2 writes", circle, writes, d)
				}
				if committed.Add(1) == clients*each {
					close(allCommitted)
				}
			},
			Conflict: func(string) { conflicts.Add(1) },
		})
		workers = append(workers, st)
		e := scripting.NewEngine(rhai.DefaultLimits(), 10*time.Second, scripting.WithState(st, state.DefaultLimits()),
			scripting.WithStateHooks(scripting.StateHooks{
				Committed: func(string, int, time.Duration) { engineCommitted.Add(1) },
				Conflict:  func(string) { engineConflicts.Add(1) },
			}))
		newConsumer(t, c, e, redisq.ConsumerOptions{Concurrency: 4, State: st})
	}
	answers := make([][]string, clients)
	var wg sync.WaitGroup
	for cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				script := fmt.Sprintf(`let n = (state.get("n") ?? 0) + 1; state.set("n", n); state.set("c%d:%d", n); n`, cl, i)
				res, err := d.Dispatch(ctxT(t, 30*time.Second), scripting.Task{CircleID: circleA, Script: script})
				if err != nil || res.Err != nil {
					t.Errorf("play: %v %v", err, res.Err)
					return
				}
				answers[cl] = append(answers[cl], res.Output)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	checkCounter(t, workers[0], clients*each)
	select {
	case <-allCommitted:
	case <-time.After(10 * time.Second):
	}
	t.Logf("%d commits, %d conflicts at the answer step, %d in the engine", committed.Load(), conflicts.Load(), engineConflicts.Load())
	if n := committed.Load(); n != clients*each {
		t.Errorf("%d commits reported for %d answered plays", n, clients*each)
	}
	if n := engineCommitted.Load(); n != 0 {
		t.Errorf("the engine reported %d commits of relayed sessions, want 0 (the answer step reports them)", n)
	}
	seen := map[string]bool{}
	err := update(t, workers[1], circleA, func(tx *state.Tx) error {
		for cl, as := range answers {
			for i, a := range as {
				if seen[a] {
					t.Errorf("answer %s given twice", a)
				}
				seen[a] = true
				v, ok, err := tx.Get(fmt.Sprintf("c%d:%d", cl, i))
				if err != nil {
					return err
				}
				if !ok || rhai.ToString(v) != a {
					t.Errorf("c%d:%d = %v (%v), want %s", cl, i, v, ok, a)
				}
			}
		}
		n, err := tx.Len()
		if n != clients*each+1 {
			t.Errorf("%d keys, want %d", n, clients*each+1)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestStateFailedRunCommitsNothing: a task that writes and then throws
// leaves the state as it was, and the next task sees that.
func TestStateFailedRunCommitsNothing(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{})
	st := redisq.NewStateStore(c, nil)
	e := scripting.NewEngine(rhai.DefaultLimits(), 10*time.Second, scripting.WithState(st, state.Limits{MaxKeys: 3}))
	newConsumer(t, c, e, redisq.ConsumerOptions{State: st})
	play := func(script string) scripting.Result {
		res, err := d.Dispatch(ctxT(t, 10*time.Second), scripting.Task{CircleID: circleA, Script: script})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := play(`state.set("a", 1); throw "no"`); res.Err == nil {
		t.Fatal("throw succeeded")
	}
	if res := play(`state.set("x", 1); state.set("y", 2); state.set("z", 3); state.set("w", 4)`); res.Err == nil || res.Err.Kind != state.KindLimit {
		t.Fatalf("fourth key: %+v, want %s", res.Err, state.KindLimit)
	}
	if res := play(`state.len()`); res.Err != nil || res.Output != "0" {
		t.Fatalf("len = %s %v, want 0", res.Output, res.Err)
	}
	if res := play(`state["k"] = 1; state["k"] += 41; state["k"]`); res.Output != "42" {
		t.Fatalf("indexers: %s %v", res.Output, res.Err)
	}
	if res := play(`state.get("k")`); res.Output != "42" {
		t.Fatalf("next task: %s %v", res.Output, res.Err)
	}
}

// TestStateStaleClaimNotCommitted: an answer whose claim was recovered
// meanwhile (the task is another worker's now) commits nothing and is not
// delivered; the new claim's run commits once.
func TestStateStaleClaimNotCommitted(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{})
	release := make(chan struct{})
	started := make(chan struct{})
	var paused atomic.Bool
	engine := func(st state.Store) *scripting.Engine {
		e := scripting.NewEngine(rhai.DefaultLimits(), 10*time.Second, scripting.WithState(st, state.DefaultLimits()))
		_ = e.RegisterFn("pause", func() {
			if paused.CompareAndSwap(false, true) {
				close(started)
				<-release
			}
		})
		return e
	}
	st1 := redisq.NewStateStore(c, nil)
	newConsumer(t, c, engine(st1), redisq.ConsumerOptions{State: st1, WorkerID: "w1", RecoveryInterval: -1})
	res := make(chan scripting.Result, 1)
	go func() {
		r, _ := d.Dispatch(ctxT(t, 20*time.Second), scripting.Task{CircleID: circleA,
			Script: `let n = (state.get("n") ?? 0) + 1; pause(); state.set("n", n); n`})
		res <- r
	}()
	<-started
	// Take the task away from w1 as recovery would after its heartbeat
	// lapsed, and give it to a second worker.
	ids, err := c.Do(context.Background(), c.B().Lrange().Key(redisq.ProcessingKey("w1")).Start(0).Stop(-1).Build()).AsStrSlice()
	if err != nil || len(ids) != 1 {
		t.Fatalf("processing list %v %v", ids, err)
	}
	for _, cmd := range []rueidis.Completed{
		c.B().Del().Key(redisq.ProcessingKey("w1")).Build(),
		c.B().Hset().Key(redisq.DetailsKey(ids[0])).FieldValue().FieldValue("status", "pending").Build(),
		c.B().Rpush().Key(redisq.TasksKey(circleA)).Element(ids[0]).Build(),
	} {
		if err := c.Do(context.Background(), cmd).Error(); err != nil {
			t.Fatal(err)
		}
	}
	st2 := redisq.NewStateStore(c, nil)
	w2 := newConsumer(t, c, engine(st2), redisq.ConsumerOptions{State: st2, WorkerID: "w2", RecoveryInterval: -1})
	got := <-res // w2's run
	if got.Err != nil || got.Output != "1" {
		t.Fatalf("answer %q %v, want 1", got.Output, got.Err)
	}
	if err := w2.Stop(ctxT(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	// w1's stale run ends now and its answer step must refuse the commit;
	// w1 is the only worker left, so the next task runs after that step.
	close(release)
	r2, err := d.Dispatch(ctxT(t, 20*time.Second), scripting.Task{CircleID: circleA, Script: `state.get("n")`})
	if err != nil || r2.Output != "1" {
		t.Fatalf("n = %q %v %v, want 1 (one commit)", r2.Output, err, r2.Err)
	}
	if keys := hgetall(t, c, redisq.StateKeys(circleA)[2])["keys"]; keys != "1" {
		t.Fatalf("%s keys, want 1", keys)
	}
}

// TestStatePeekWrongGuessReruns: a write to a key the worker has not seen
// is accounted as a new key without reading it; when the key did exist,
// the answer step refuses the commit and the task runs again, reading it,
// so the answer and the totals are right.
func TestStatePeekWrongGuessReruns(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	st := redisq.NewStateStore(c, nil)
	if err := update(t, redisq.NewStateStore(c, nil), circleA, func(tx *state.Tx) error { return tx.Set("k", rhai.Int(1)) }); err != nil {
		t.Fatal(err)
	}
	d := newDispatcher(t, c, redisq.Options{})
	e := scripting.NewEngine(rhai.DefaultLimits(), 10*time.Second, scripting.WithState(st, state.DefaultLimits()))
	newConsumer(t, c, e, redisq.ConsumerOptions{State: st})
	res, err := d.Dispatch(ctxT(t, 10*time.Second), scripting.Task{CircleID: circleA, Script: `state.set("k", 2); state.len()`})
	if err != nil || res.Err != nil || res.Output != "1" {
		t.Fatalf("len after overwriting k = %q %v %v, want 1", res.Output, err, res.Err)
	}
	meta := hgetall(t, c, redisq.StateKeys(circleA)[2])
	if meta["keys"] != "1" {
		t.Fatalf("meta %v, want 1 key", meta)
	}
	checkKey := func(k, want string) {
		t.Helper()
		res, err := d.Dispatch(ctxT(t, 10*time.Second), scripting.Task{CircleID: circleA, Script: fmt.Sprintf(`state.get(%q)`, k)})
		if err != nil || res.Output != want {
			t.Fatalf("%s = %q %v, want %s", k, res.Output, err, want)
		}
	}
	checkKey("k", "2")
}

// TestStateTaskTotals: the answer step keeps the circle's key and byte
// totals (written once per step) equal to what the values hash holds,
// through batches of tasks that create, overwrite and remove keys, some
// of them assumed absent without a read.
func TestStateTaskTotals(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{})
	st := redisq.NewStateStore(c, nil)
	e := scripting.NewEngine(rhai.DefaultLimits(), 10*time.Second, scripting.WithState(st, state.DefaultLimits()))
	newConsumer(t, c, e, redisq.ConsumerOptions{State: st})
	var wg sync.WaitGroup
	for cl := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				// i%3 == 1 removes the key of the play before, 2 overwrites it.
				script := fmt.Sprintf(`state.set("k%d:%d", "%s"); state.set("shared", %d); let m = %d; `+
					`if m == 1 { state.remove("k%d:%d") } if m == 2 { state.set("k%d:%d", [1, 2, "%s"]) } state.len()`,
					cl, i, strings.Repeat("v", i*cl), i, i%3, cl, i-1, cl, i-1, strings.Repeat("w", cl))
				res, err := d.Dispatch(ctxT(t, 30*time.Second), scripting.Task{CircleID: circleA, Script: script})
				if err != nil || res.Err != nil {
					t.Errorf("play: %v %v", err, res.Err)
					return
				}
			}
		}()
	}
	wg.Wait()
	meta := hgetall(t, c, redisq.StateKeys(circleA)[2])
	vals := hgetall(t, c, redisq.StateKeys(circleA)[0])
	var bytes int
	for k, v := range vals {
		bytes += len(k) + len(v)
	}
	if meta["keys"] != strconv.Itoa(len(vals)) || meta["bytes"] != strconv.Itoa(bytes) {
		t.Errorf("meta %v, want %d keys and %d bytes", meta, len(vals), bytes)
	}
	if n, err := c.Do(ctxT(t, time.Second), c.B().Zcard().Key(redisq.StateKeys(circleA)[1]).Build()).AsInt64(); err != nil || n != int64(len(vals)) {
		t.Errorf("ordered key index holds %d keys (%v), the values hash %d", n, err, len(vals))
	}
	if len(vals) != 8*7+1 { // per client 10 keys, 3 removed; and "shared"
		t.Errorf("%d keys, want %d", len(vals), 8*7+1)
	}
}
