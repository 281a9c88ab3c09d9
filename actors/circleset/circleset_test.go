package circleset_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/actors/circleset"
	"github.com/circles-actor/circles-actor/config"
)

const (
	fixedPK = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	pkA     = "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
	pkB     = "02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9"
)

func newSystem(t *testing.T) *actors.System {
	t.Helper()
	cfg := config.Default()
	cfg.PublicKeys = []string{fixedPK}
	sys, err := actors.NewSystem(cfg, actors.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = sys.Shutdown(ctx)
	})
	return sys
}

// TestFileSurvivesRestart: circles added through a Manager on a File come
// back, with their added_at, in a new System on the same directory; a
// removed one does not; -k circles are never written.
func TestFileSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	f, err := circleset.NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	sys := newSystem(t)
	m := circleset.NewManager(sys, f, nil)
	for _, pk := range []string{pkA, pkB} {
		if added, err := m.Add(ctx, pk); err != nil || !added {
			t.Fatalf("Add(%s) = %v, %v", pk[:8], added, err)
		}
	}
	if added, err := m.Add(ctx, fixedPK); err != nil || added {
		t.Fatalf("Add(-k) = %v, %v", added, err)
	}
	if err := m.Remove(ctx, fixedPK); !errors.Is(err, actors.ErrFixedCircle) {
		t.Fatalf("Remove(-k) = %v", err)
	}
	if err := m.Remove(ctx, pkB); err != nil {
		t.Fatal(err)
	}
	if err := m.Remove(ctx, pkB); !errors.Is(err, actors.ErrUnknownCircle) {
		t.Fatalf("Remove twice = %v", err)
	}
	infoA, _ := sys.Circle(ctx, pkA)

	f2, err := circleset.NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	sys2 := newSystem(t)
	if err := circleset.NewManager(sys2, f2, nil).Restore(ctx); err != nil {
		t.Fatal(err)
	}
	got := sys2.Circles()
	if len(got) != 2 || !sys2.HasCircle(pkA) || sys2.HasCircle(pkB) {
		t.Fatalf("after restart: %v", got)
	}
	info, _ := sys2.Circle(ctx, pkA)
	if info.Source != actors.SourceAPI || !info.AddedAt.Equal(infoA.AddedAt) {
		t.Fatalf("restored %+v, want source api and added_at %v", info, infoA.AddedAt)
	}
	entries, err := f2.Load(ctx)
	if err != nil || len(entries) != 1 {
		t.Fatalf("file holds %v, %v", entries, err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".circles.json.*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// TestFileRefusesDamage: a torn or foreign file is an error that names the
// file, and nothing is served from it.
func TestFileRefusesDamage(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, circleset.FileName), []byte(`{"circles":[{"public_key":"02zz"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	f, _ := circleset.NewFile(dir)
	err := circleset.NewManager(newSystem(t), f, nil).Restore(context.Background())
	if err == nil || !strings.Contains(err.Error(), circleset.FileName) {
		t.Fatalf("Restore of a damaged file = %v", err)
	}
}

// TestSync: Sync makes the added circles equal the given set and leaves -k
// circles alone.
func TestSync(t *testing.T) {
	sys := newSystem(t)
	m := circleset.NewManager(sys, nil, nil)
	if a, r := m.Sync([]circleset.Entry{{PublicKey: pkA}, {PublicKey: pkB}}, nil); a != 2 || r != 0 {
		t.Fatalf("Sync = %d, %d", a, r)
	}
	if a, r := m.Sync([]circleset.Entry{{PublicKey: pkB}}, nil); a != 0 || r != 1 {
		t.Fatalf("Sync = %d, %d", a, r)
	}
	if a, r := m.Sync(nil, func() bool { return false }); a+r != 0 || !sys.HasCircle(pkB) {
		t.Fatalf("Sync of a stale read = %d, %d; circles %v", a, r, sys.Circles())
	}
	if a, r := m.Sync(nil, nil); a != 0 || r != 1 || !sys.HasCircle(fixedPK) || len(sys.Circles()) != 1 {
		t.Fatalf("Sync(nil) = %d, %d; circles %v", a, r, sys.Circles())
	}
}

// FuzzParseFile: any file content parses to canonical, unique keys or
// fails.
func FuzzParseFile(f *testing.F) {
	f.Add([]byte(`{"circles":[{"public_key":"` + pkA + `","added_at":"2026-01-02T03:04:05Z"}]}`))
	f.Add([]byte(`{"circles":[{"public_key":"` + strings.ToUpper(pkA) + `"},{"public_key":"` + pkA + `"}]}`))
	f.Add([]byte(`{"circles":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := circleset.ParseFile(b)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, e := range entries {
			if c, err := config.CanonicalKey(e.PublicKey); err != nil || c != e.PublicKey || seen[c] {
				t.Fatalf("entry %q not canonical and unique", e.PublicKey)
			}
			seen[e.PublicKey] = true
		}
	})
}
