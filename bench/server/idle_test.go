package server

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMeasureIdleSmall runs the idle-memory protocol end to end with a few
// connections: both servers keep at least one goroutine per connection and
// grow when connections are added.
func TestMeasureIdleSmall(t *testing.T) {
	if _, err := os.Stat("/proc/self/statm"); err != nil {
		t.Skip("needs /proc/self/statm")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, kind := range []string{"bare", "ours"} {
		r, err := MeasureIdle(ctx, kind, childCommand(ctx, kind, 200), IdleOptions{Conns: 40, Warm: 2, Dialers: 4})
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if r.Before.RSS == 0 || r.Before.GoMem == 0 || r.After.GoMem <= r.Before.GoMem {
			t.Errorf("%s: samples %+v -> %+v", kind, r.Before, r.After)
		}
		if g := r.GoroutinesPerConn(); g < 1 {
			t.Errorf("%s: %.2f goroutines per connection, want >= 1", kind, g)
		}
	}
}

func TestWriteFigures(t *testing.T) {
	var sb strings.Builder
	err := WriteFigures(&sb, []Figure{{Name: "play", Unit: "/s", Bare: 1000, Ours: 800, Target: ">= 0.7"}, {Name: "mem", Unit: "KB", Bare: 30, Ours: 33}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1000/s", "800/s", "0.80", "30.0 KB", "1.10", ">= 0.7"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, sb.String())
		}
	}
	if m := medianF([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median = %v", m)
	}
}
