package interp

import (
	"context"
	"testing"
	"time"
)

// ordinarySizes are small sizes of the ordinary workloads for tests.
var ordinarySizes = map[string]int{"mandel": 20, "closures": 500, "methods": 1_000, "objects": 200, "qsort": 500, "sortcmp": 500, "parse": 500}

// TestOrdinaryChecksums runs every ordinary workload at a small size on
// both interpreters against the checksum computed in Go.
func TestOrdinaryChecksums(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, w := range Ordinary {
		t.Run(w.Name, func(t *testing.T) {
			n, ok := ordinarySizes[w.Name]
			if !ok {
				t.Fatalf("no small size for %s", w.Name)
			}
			rh, lu, err := Runners(w, n)
			if err != nil {
				t.Fatal(err)
			}
			want := w.Want(n)
			if got, err := rh.Run(ctx); err != nil || got != want {
				t.Errorf("rhai checksum %d (%v), want %d", got, err, want)
			}
			if got, err := lu.Run(ctx); err != nil || got != want {
				t.Errorf("lua checksum %d (%v), want %d", got, err, want)
			}
		})
	}
}

// TestOrdinaryKnownChecksums pins full-size checksums, so a mistake in a
// Want function cannot hide one in a script.
func TestOrdinaryKnownChecksums(t *testing.T) {
	for _, w := range Ordinary {
		if got := w.Want(w.Size); got <= 0 {
			t.Errorf("%s: checksum %d at full size", w.Name, got)
		}
	}
	// 10 rounds of the even values among 3x+r for x < 20,000.
	if got, want := wantClosures(20_000), int64(3_000_300_000); got != want {
		t.Errorf("closures: %d, want %d", got, want)
	}
	if got, want := wantMethods(4), int64(1+2+3+4)+(0+1+3+3); got != want {
		t.Errorf("methods(4): %d, want %d", got, want)
	}
}
