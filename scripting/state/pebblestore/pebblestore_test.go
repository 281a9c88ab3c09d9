package pebblestore

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/scripting/state"
)

func openLocal(t *testing.T, dir string) *state.Local {
	t.Helper()
	b, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return state.NewLocal(b)
}

// update runs fn in one committed, durable transaction on circle.
func update(t *testing.T, st state.Store, circle string, fn func(*state.Tx) error) error {
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
	d, err := tx.Commit(context.Background())
	if err != nil || d == nil {
		return err
	}
	return d()
}

func TestStateSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	st := openLocal(t, dir)
	err := update(t, st, "c1", func(tx *state.Tx) error {
		for i := range 600 { // more than one scan chunk
			if err := tx.Set(fmt.Sprintf("k%04d", i), rhai.Int(int64(i))); err != nil {
				return err
			}
		}
		return tx.Set("other", rhai.String("x"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := update(t, st, "c1", func(tx *state.Tx) error { _, err := tx.Remove("k0000"); return err }); err != nil {
		t.Fatal(err)
	}
	if err := update(t, st, "c2", func(tx *state.Tx) error { return tx.Set("k0000", rhai.Bool(true)) }); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st = openLocal(t, dir)
	defer st.Close()
	err = update(t, st, "c1", func(tx *state.Tx) error {
		keys, err := tx.Keys("k", 0)
		if err != nil {
			return err
		}
		if len(keys) != 599 || keys[0] != "k0001" || keys[598] != "k0599" {
			return fmt.Errorf("keys after reopen: %d, first %q", len(keys), keys[0])
		}
		n, err := tx.Len()
		if err != nil || n != 600 {
			return fmt.Errorf("len after reopen = %d, %v; want 600", n, err)
		}
		v, ok, err := tx.Get("k0599")
		if err != nil || !ok || v.Kind() != rhai.KindInt || v.AsInt() != 599 {
			return fmt.Errorf("k0599 = %v %v %v", v, ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b := st.Backend().(*Store)
	s2, err := b.Stats("c2")
	if err != nil || s2.Keys != 1 {
		t.Fatalf("c2 stats %+v %v", s2, err)
	}
}

// TestKeysInOrder: scans come back in byte order, by prefix, after a
// delete, with the totals.
func TestKeysInOrder(t *testing.T) {
	p, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := state.NewLocal(p)
	defer st.Close()
	ctx := context.Background()
	err = state.Update(ctx, st, "c", state.DefaultLimits(), func(tx *state.Tx) error {
		for _, k := range []string{"b", "a", "p:2", "p:1"} {
			if err := tx.Set(k, rhai.String(k)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = state.Update(ctx, st, "c", state.DefaultLimits(), func(tx *state.Tx) error { _, err := tx.Remove("b"); return err })
	err = state.View(ctx, st, "c", func(tx *state.Tx) error {
		keys, _ := tx.Keys("", 0)
		pk, _ := tx.Keys("p:", 0)
		n, _ := tx.Len()
		if !slices.Equal(keys, []string{"a", "p:1", "p:2"}) || !slices.Equal(pk, []string{"p:1", "p:2"}) || n != 3 {
			t.Errorf("keys %v, p: %v, len %d", keys, pk, n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSecondOpenIsRefusedFast(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = Open(dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second open: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("second open took %s", d)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := Open(dir, Options{}) // the lock is released at Close
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
}

// TestSecondProcessIsRefused opens the dir from a child process (this test
// binary) while this one holds it: pebble's LOCK is a POSIX lock, which
// only another process sees.
func TestSecondProcessIsRefused(t *testing.T) {
	if dir := os.Getenv("PEBBLESTORE_CHILD_DIR"); dir != "" {
		_, err := Open(dir, Options{})
		fmt.Println("child:", err)
		return
	}
	dir := t.TempDir()
	a, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestSecondProcessIsRefused$")
	cmd.Env = append(os.Environ(), "PEBBLESTORE_CHILD_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "in use") {
		t.Fatalf("child open: %v\n%s", err, out)
	}
}

func TestCorruptStoreIsRefused(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	manifests, _ := filepath.Glob(filepath.Join(dir, Dir, "MANIFEST-*"))
	if len(manifests) == 0 {
		t.Fatal("no MANIFEST written")
	}
	junk := make([]byte, 4<<10)
	for i := range junk {
		junk[i] = byte(i * 7)
	}
	for _, m := range manifests {
		if err := os.WriteFile(m, junk, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	_, err = Open(dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "not a readable state store") {
		t.Fatalf("open of a corrupt store: %v", err)
	}
}

func TestOtherFormatIsRefused(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.db.Set(keyFormat, []byte("circles-actor state v0"), nil); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), `format "circles-actor state v0"`) {
		t.Fatalf("open of another format: %v", err)
	}

	// A store without a marker: not ours.
	dir2 := t.TempDir()
	st, err = Open(dir2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_ = st.db.Delete(keyFormat, nil)
	_ = st.db.Set([]byte("x"), []byte("y"), nil)
	st.Close()
	if _, err := Open(dir2, Options{}); err == nil || !strings.Contains(err.Error(), "no format marker") {
		t.Fatalf("open of an unmarked store: %v", err)
	}
}

// TestLegacyBboltFileIsRefused: a data dir that holds the older bbolt
// store's file does not start empty beside it.
func TestLegacyBboltFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, LegacyFile), []byte("bbolt"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "older circles-actor") || !strings.Contains(err.Error(), "state export") {
		t.Fatalf("open beside a bbolt file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, Dir)); !os.IsNotExist(err) {
		t.Fatalf("a store was created beside the bbolt file: %v", err)
	}
}

// TestFullDiskFailsTheStore fills a small tmpfs: the commit that cannot be
// written fails with "disk full", the store refuses later commits with the
// same cause, and what was committed before is still there after a
// restart, which fails fast while the disk is still full. It needs mount(2) (root); elsewhere it skips.
func TestFullDiskFailsTheStore(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	filler := filepath.Join(dir, "filler")
	if err := os.WriteFile(filler, make([]byte, 5<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	st := openLocal(t, dir)
	if err := update(t, st, "c", func(tx *state.Tx) error { return tx.Set("kept", rhai.Int(1)) }); err != nil {
		t.Fatal(err)
	}
	big := rhai.String(strings.Repeat("x", 64<<10))
	var failed error
	for i := 0; i < 64 && failed == nil; i++ {
		failed = update(t, st, "c", func(tx *state.Tx) error { return tx.Set(fmt.Sprintf("big%d", i), big) })
	}
	if failed == nil || !strings.Contains(failed.Error(), "disk full") {
		t.Fatalf("filling the disk: %v", failed)
	}
	err := update(t, st, "c", func(tx *state.Tx) error { return tx.Set("after", rhai.Int(1)) })
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("commit after the failure: %v", err)
	}
	st.Close()
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("open on the full disk: %v", err)
	}
	if err := os.Remove(filler); err != nil { // the operator frees space
		t.Fatal(err)
	}
	st = openLocal(t, dir)
	defer st.Close()
	if err := update(t, st, "c", func(tx *state.Tx) error {
		if ok, err := tx.Contains("kept"); err != nil || !ok {
			return fmt.Errorf("kept is gone after the full disk: %v", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Get reads through a cached iterator: it must see every Apply at once,
// writes and deletions alike, and fail cleanly after Close.
func TestGetSeesEachApply(t *testing.T) {
	s, err := Open(t.TempDir(), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	get := func(k string) string {
		t.Helper()
		v, ok, err := s.Get("c", k)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return "<absent>"
		}
		return string(v)
	}
	apply := func(ws ...state.Write) {
		t.Helper()
		if err := s.Apply([]state.Batch{{Circle: "c", Writes: ws}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := get("a"); got != "<absent>" {
		t.Fatalf("a before any write: %s", got)
	}
	apply(state.Write{Key: "a", Val: []byte("1")})
	if got := get("a"); got != "1" {
		t.Fatalf("a after its write: %s", got)
	}
	apply(state.Write{Key: "a", Val: []byte("2")}, state.Write{Key: "ab", Val: []byte("3")})
	if got := get("a") + get("ab"); got != "23" {
		t.Fatalf("a, ab after the second write: %s", got)
	}
	apply(state.Write{Key: "a", Delete: true})
	if got := get("a") + get("ab"); got != "<absent>3" {
		t.Fatalf("after deleting a: %s", got)
	}
	if _, _, err := s.Get("other", "ab"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get("c", "ab"); err == nil {
		t.Fatal("Get after Close succeeded")
	}
}
