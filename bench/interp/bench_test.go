package interp

import (
	"context"
	"testing"
)

// BenchmarkInterp runs every workload at full size on our interpreter and
// on gopher-lua: BenchmarkInterp/<workload>/{rhai,lua}. Every iteration's
// checksum is checked. For the ratio table use `go run ./cmd/interpratio`.
func BenchmarkInterp(b *testing.B) { benchSet(b, Workloads) }

// BenchmarkOrdinary is BenchmarkInterp for the ordinary workloads.
func BenchmarkOrdinary(b *testing.B) { benchSet(b, Ordinary) }

func benchSet(b *testing.B, ws []Workload) {
	for _, w := range ws {
		b.Run(w.Name, func(b *testing.B) {
			rh, lu, err := Runners(w, w.Size)
			if err != nil {
				b.Fatal(err)
			}
			want := w.Want(w.Size)
			for _, side := range []struct {
				name string
				r    Runner
			}{{"rhai", rh}, {"lua", lu}} {
				b.Run(side.name, func(b *testing.B) {
					ctx := context.Background()
					b.ReportAllocs()
					for b.Loop() {
						got, err := side.r.Run(ctx)
						if err != nil {
							b.Fatal(err)
						}
						if got != want {
							b.Fatalf("checksum %d, want %d", got, want)
						}
					}
				})
			}
		})
	}
}
