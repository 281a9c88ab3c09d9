package state

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// gatedBackend is a memory backend whose Apply waits for a gate, like a
// slow sync: Local then runs its committer and not-yet-durable overlay.
type gatedBackend struct {
	m    *MemoryBackend
	gate chan struct{}
	fail error
}

func (g *gatedBackend) Get(c, k string) ([]byte, bool, error) { return g.m.Get(c, k) }
func (g *gatedBackend) Scan(c, p, a string, fn func(string, []byte) bool) error {
	return g.m.Scan(c, p, a, fn)
}
func (g *gatedBackend) Stats(c string) (Stats, error) { return g.m.Stats(c) }
func (g *gatedBackend) Close() error                  { return nil }
func (g *gatedBackend) Apply(b []Batch) error {
	if g.gate != nil {
		<-g.gate
	}
	if g.fail != nil {
		return g.fail
	}
	return g.m.Apply(b)
}

func stores(t *testing.T) map[string]*Local {
	gb := &gatedBackend{m: NewMemoryBackend()}
	out := map[string]*Local{"memory": NewMemory(), "synced": NewLocal(gb)}
	for _, s := range out {
		t.Cleanup(func() { s.Close() })
	}
	return out
}

func set(t *testing.T, st Store, kv ...any) {
	t.Helper()
	err := Update(context.Background(), st, "c", DefaultLimits(), func(tx *Tx) error {
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				if _, err := tx.Remove(kv[i].(string)); err != nil {
					return err
				}
				continue
			}
			if err := tx.Set(kv[i].(string), rhai.Int(int64(kv[i+1].(int)))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestKeysMergeOwnWritesAndDeletes(t *testing.T) {
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			set(t, st, "a", 1, "b", 1, "d", 1, "p:2", 1, "p:4", 1, "z", 1)
			err := View(context.Background(), st, "c", func(tx *Tx) error {
				_ = tx.Set("c", rhai.Int(1))
				_ = tx.Set("p:1", rhai.Int(1))
				_ = tx.Set("p:3", rhai.Int(1))
				_ = tx.Set("a", rhai.Int(2)) // overwrite: listed once
				if _, err := tx.Remove("d"); err != nil {
					return err
				}
				if _, err := tx.Remove("p:4"); err != nil {
					return err
				}
				for _, c := range []struct {
					prefix string
					limit  int
					want   []string
				}{
					{"", 0, []string{"a", "b", "c", "p:1", "p:2", "p:3", "z"}},
					{"p:", 0, []string{"p:1", "p:2", "p:3"}},
					{"p:", 2, []string{"p:1", "p:2"}},
					{"", 3, []string{"a", "b", "c"}},
					{"q", 0, nil},
				} {
					got, err := tx.Keys(c.prefix, c.limit)
					if err != nil || !reflect.DeepEqual(got, c.want) {
						return fmt.Errorf("keys(%q, %d) = %v, %v; want %v", c.prefix, c.limit, got, err, c.want)
					}
				}
				if n, _ := tx.Len(); n != 7 {
					return fmt.Errorf("len = %d, want 7", n)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestTxUseAfterEnd(t *testing.T) {
	st := NewMemory()
	defer st.Close()
	var kept *Tx
	_ = Update(context.Background(), st, "c", DefaultLimits(), func(tx *Tx) error { kept = tx; return tx.Set("a", rhai.Int(1)) })
	if _, _, err := kept.Get("a"); !errors.Is(err, ErrClosed) {
		t.Fatalf("get after the end: %v", err)
	}
	if err := kept.Set("a", rhai.Int(2)); !errors.Is(err, ErrClosed) {
		t.Fatalf("set after the end: %v", err)
	}
	if _, err := kept.Keys("", 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("keys after the end: %v", err)
	}
	if _, err := kept.Commit(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("second commit: %v", err)
	}
	kept.Abort() // safe
}

func TestLimitsAreEnforcedAndNamed(t *testing.T) {
	st := NewMemory()
	defer st.Close()
	lim := Limits{MaxKeyBytes: 4, MaxValueBytes: 16, MaxKeys: 3, MaxTotalBytes: 40}
	up := func(fn func(*Tx) error) error { return Update(context.Background(), st, "c", lim, fn) }
	check := func(err error, limit string) {
		t.Helper()
		var le *LimitError
		if !errors.As(err, &le) || le.Limit != limit || !strings.Contains(err.Error(), limit) {
			t.Fatalf("want a %q limit error, got %v", limit, err)
		}
	}
	check(up(func(tx *Tx) error { return tx.Set("long!", rhai.Int(1)) }), "key length")
	check(up(func(tx *Tx) error { return tx.Set("k", rhai.String(strings.Repeat("x", 20))) }), "value size")
	check(up(func(tx *Tx) error {
		for _, k := range []string{"a", "b", "c", "d"} {
			if err := tx.Set(k, rhai.Int(1)); err != nil {
				return err
			}
		}
		return nil
	}), "keys")
	check(up(func(tx *Tx) error {
		for _, k := range []string{"a", "b", "c"} {
			if err := tx.Set(k, rhai.String(strings.Repeat("x", 12))); err != nil {
				return err
			}
		}
		return nil
	}), "total bytes")
	// Nothing of the failed runs was committed; a run within the limits works,
	// and replacing a key does not count it twice.
	if err := up(func(tx *Tx) error {
		for range 5 {
			if err := tx.Set("a", rhai.Int(1)); err != nil {
				return err
			}
		}
		return tx.Set("b", rhai.Int(2))
	}); err != nil {
		t.Fatal(err)
	}
	_ = View(context.Background(), st, "c", func(tx *Tx) error {
		st, _ := tx.Stats()
		if st.Keys != 2 {
			t.Errorf("stats %+v after the failed runs, want 2 keys", st)
		}
		return nil
	})
	if _, _, err := NewTx(nil, lim).Get(""); !errors.Is(err, ErrBadKey) {
		t.Fatalf("empty key: %v", err)
	}
	if _, _, err := NewTx(nil, lim).Get("\xff"); !errors.Is(err, ErrBadKey) {
		t.Fatalf("non-UTF-8 key: %v", err)
	}
}

// A commit is visible to the circle's next run before it is durable, its
// Durable waits for the sync, and commits queued during one sync share the
// next.
func TestLocalOverlayAndGroupCommit(t *testing.T) {
	gb := &gatedBackend{m: NewMemoryBackend(), gate: make(chan struct{})}
	st := NewLocal(gb)
	defer st.Close()
	ctx := context.Background()
	commit := func(k string, v int) Durable {
		sess, err := st.Begin(ctx, "c")
		if err != nil {
			t.Fatal(err)
		}
		tx := NewTx(sess, DefaultLimits())
		if err := tx.Set(k, rhai.Int(int64(v))); err != nil {
			t.Fatal(err)
		}
		d, err := tx.Commit(ctx)
		if err != nil || d == nil {
			t.Fatalf("commit: %v %v", d, err)
		}
		return d
	}
	d1 := commit("a", 1)
	d2 := commit("a", 2) // sees a=1 in the overlay, replaces it
	d3 := commit("b", 3)
	_ = View(ctx, st, "c", func(tx *Tx) error {
		v, _, _ := tx.Get("a")
		keys, _ := tx.Keys("", 0)
		if v.AsInt() != 2 || !reflect.DeepEqual(keys, []string{"a", "b"}) {
			t.Errorf("before the sync: a=%s keys=%v", rhai.ToString(v), keys)
		}
		return nil
	})
	done := make(chan error, 3)
	for _, d := range []Durable{d1, d2, d3} {
		go func() { done <- d() }()
	}
	select {
	case <-done:
		t.Fatal("a commit was durable before its sync")
	case <-time.After(20 * time.Millisecond):
	}
	close(gb.gate)
	for range 3 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if v, _, _ := gb.m.Get("c", "a"); string(v) == "" {
		t.Fatal("a not in the backend after the sync")
	}
	// The first commit may have gone alone; the two queued behind its sync
	// share the next.
	if syncs, commits := st.Syncs(); commits != 3 || syncs < 1 || syncs > 2 {
		t.Fatalf("syncs %d, commits %d: want 3 commits in 1 or 2 syncs", syncs, commits)
	}
}

// CommitThen reports each commit of a group once, after its sync, and
// not at all when there is nothing to wait for.
func TestCommitThenCallsBackOnceAfterTheSync(t *testing.T) {
	gb := &gatedBackend{m: NewMemoryBackend(), gate: make(chan struct{})}
	st := NewLocal(gb)
	defer st.Close()
	ctx := context.Background()
	calls := make(chan error, 8)
	for i := range 3 {
		sess, err := st.Begin(ctx, "c")
		if err != nil {
			t.Fatal(err)
		}
		tx := NewTx(sess, DefaultLimits())
		if err := tx.Set(fmt.Sprint("k", i), rhai.Int(int64(i))); err != nil {
			t.Fatal(err)
		}
		pending, err := tx.CommitThen(ctx, func(err error) { calls <- err })
		if err != nil || !pending {
			t.Fatalf("commit %d: pending %v, %v", i, pending, err)
		}
	}
	select {
	case err := <-calls:
		t.Fatalf("called back before the sync: %v", err)
	default:
	}
	close(gb.gate)
	for range 3 {
		if err := <-calls; err != nil {
			t.Fatal(err)
		}
	}
	// A read-only run, and a run on the memory store: nothing pending.
	mem := NewMemory()
	defer mem.Close()
	for _, s := range []Store{st, mem} {
		sess, err := s.Begin(ctx, "c")
		if err != nil {
			t.Fatal(err)
		}
		tx := NewTx(sess, DefaultLimits())
		if _, _, err := tx.Get("k0"); err != nil {
			t.Fatal(err)
		}
		if s == mem {
			if err := tx.Set("k", rhai.Int(1)); err != nil {
				t.Fatal(err)
			}
		}
		pending, err := tx.CommitThen(ctx, func(err error) { calls <- err })
		if err != nil || pending {
			t.Fatalf("pending %v, %v: want nothing to wait for", pending, err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-calls:
		t.Fatalf("a commit was called back twice or without being pending: %v", err)
	default:
	}
}

func TestLocalRefusesCommitsAfterAFailedWrite(t *testing.T) {
	gb := &gatedBackend{m: NewMemoryBackend(), fail: errors.New("no space left on device")}
	st := NewLocal(gb)
	defer st.Close()
	err := Update(context.Background(), st, "c", DefaultLimits(), func(tx *Tx) error { return tx.Set("a", rhai.Int(1)) })
	if err == nil || !strings.Contains(err.Error(), "no space") {
		t.Fatalf("failed write: %v", err)
	}
	err = Update(context.Background(), st, "c", DefaultLimits(), func(tx *Tx) error { return tx.Set("b", rhai.Int(1)) })
	if err == nil || !strings.Contains(err.Error(), "restart the server") {
		t.Fatalf("commit after a failed write: %v", err)
	}
}

// The circle lock serialises read-modify-write transactions.
func TestLocalSerialisesReadModifyWrite(t *testing.T) {
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 50 {
						err := Update(context.Background(), st, "c", DefaultLimits(), func(tx *Tx) error {
							v, _, err := tx.Get("n")
							if err != nil {
								return err
							}
							n := int64(0)
							if v.Kind() == rhai.KindInt {
								n = v.AsInt()
							}
							return tx.Set("n", rhai.Int(n+1))
						})
						if err != nil {
							t.Error(err)
						}
					}
				}()
			}
			wg.Wait()
			_ = View(context.Background(), st, "c", func(tx *Tx) error {
				if v, _, _ := tx.Get("n"); v.AsInt() != 400 {
					t.Errorf("n = %s, want 400", rhai.ToString(v))
				}
				return nil
			})
		})
	}
}
