package boltstore

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

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

func TestSecondProcessIsRefusedFast(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	start := time.Now()
	_, err = Open(dir, Options{LockTimeout: 100 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second open: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("second open took %s", d)
	}
}

func TestCorruptFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	junk := make([]byte, 64<<10)
	for i := range junk {
		junk[i] = byte(i * 7)
	}
	if err := os.WriteFile(filepath.Join(dir, File), junk, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "not a readable state database") {
		t.Fatalf("open of a junk file: %v", err)
	}
}

func TestOtherFormatIsRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, File)
	// A bbolt file from "another version": a different marker.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		m, _ := tx.CreateBucket(bucketMeta)
		return m.Put(keyFormat, []byte("circles-actor state v0"))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), `format "circles-actor state v0"`) {
		t.Fatalf("open of another format: %v", err)
	}

	// A bbolt file without a marker: not ours.
	dir2 := t.TempDir()
	db, err = bolt.Open(filepath.Join(dir2, File), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("x")); return err })
	db.Close()
	if _, err := Open(dir2, Options{}); err == nil || !strings.Contains(err.Error(), "no format marker") {
		t.Fatalf("open of an unmarked file: %v", err)
	}
}

// TestFullDiskFailsTheStore fills a small tmpfs: the commit that cannot be
// written fails with "disk full", the store refuses later commits with the
// same cause, and what was committed before is still there after a
// restart. It needs mount(2) (root); elsewhere it skips.
func TestFullDiskFailsTheStore(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
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
