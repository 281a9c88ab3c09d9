package interp

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"
)

// smallSizes keep the default test run fast while still exercising every
// branch of every workload.
var smallSizes = map[string]int{"fib": 15, "loop": 10_001, "sieve": 10_000, "strings": 3_001, "map": 3_000}

// TestChecksums runs every workload at a small size on both interpreters and
// checks that both return the checksum computed in Go.
func TestChecksums(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, w := range Workloads {
		t.Run(w.Name, func(t *testing.T) {
			n, ok := smallSizes[w.Name]
			if !ok {
				t.Fatalf("no small size for %s", w.Name)
			}
			rh, lu, err := Runners(w, n)
			if err != nil {
				t.Fatal(err)
			}
			want := w.Want(n)
			got, err := rh.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("rhai checksum %d, want %d", got, want)
			}
			if got, err = lu.Run(ctx); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("lua checksum %d, want %d", got, want)
			}
		})
	}
}

// TestKnownChecksums pins the full-size checksums to independently known
// values, so a mistake in a Want function cannot hide a mistake in a script.
func TestKnownChecksums(t *testing.T) {
	known := map[string]int64{
		"fib":     196_418,         // fib(27)
		"loop":    2_500_000,       // 2,500,000 pairs of (-odd + even)
		"sieve":   78_498,          // primes below 1,000,000
		"strings": 466_667_200_000, // length 66,667*3 + 133,333*2 = 466,667 and 200,000 'a'
		"map":     19_999_900_000,  // 0 + 1 + ... + 199,999
	}
	for _, w := range Workloads {
		if got := w.Want(w.Size); got != known[w.Name] {
			t.Errorf("%s: Want(%d) = %d, known %d", w.Name, w.Size, got, known[w.Name])
		}
	}
}

func TestLookup(t *testing.T) {
	if _, ok := Lookup("sieve"); !ok {
		t.Error("sieve not found")
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("unknown workload found")
	}
}

func TestMeasureSmall(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var ts []Timing
	for _, w := range Workloads {
		tm, err := Measure(ctx, w, MeasureOptions{Runs: 2, Size: smallSizes[w.Name]})
		if err != nil {
			t.Fatal(err)
		}
		if tm.Rhai <= 0 || tm.Lua <= 0 || tm.Runs != 2 {
			t.Fatalf("%s: bad timing %+v", w.Name, tm)
		}
		ts = append(ts, tm)
	}
	var sb strings.Builder
	if err := WriteTable(&sb, ts); err != nil {
		t.Fatal(err)
	}
	for _, w := range append(Workloads, Workload{Name: "geomean"}) {
		if !strings.Contains(sb.String(), w.Name) {
			t.Errorf("table lacks %s:\n%s", w.Name, sb.String())
		}
	}
}

func TestGeoMeanAndMedian(t *testing.T) {
	ts := []Timing{{Rhai: 2, Lua: 1}, {Rhai: 1, Lua: 2}, {Rhai: 4, Lua: 1}}
	if g := GeoMean(ts); math.Abs(g-math.Cbrt(4)) > 1e-9 {
		t.Errorf("GeoMean = %v, want %v", g, math.Cbrt(4))
	}
	if g := GeoMean(nil); g != 1 {
		t.Errorf("GeoMean(nil) = %v", g)
	}
	if m := median([]time.Duration{5, 1, 3}); m != 3 {
		t.Errorf("median odd = %v", m)
	}
	if m := median([]time.Duration{4, 1, 3, 2}); m != 2 {
		t.Errorf("median even = %v", m)
	}
}
