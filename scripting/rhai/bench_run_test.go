package rhai_test

import (
	"context"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// benchRun mirrors how the server's scripting.Engine runs a cached play
// script: a precompiled program, the five task constants, print and debug
// sinks, explicit limits and a context with a deadline. It measures the
// fixed cost of one Run, which dominates tiny scripts.
// An empty src measures the harness alone (constants, context), the part
// of the figures that is not Run.
func benchRun(b *testing.B, src string, want int64) {
	b.Helper()
	e := rhai.NewEngine()
	p, err := e.Compile(src)
	if err != nil {
		b.Fatal(err)
	}
	harness := src == ""
	var printed int
	print := func(s string) { printed += len(s) }
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		consts := map[string]rhai.Value{
			"CONTEXT_ID":        rhai.String("02a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"),
			"CIRCLE_PUBLIC_KEY": rhai.String("02a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"),
			"CALLER_ID":         rhai.String("03ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"),
			"CALLER_PUBLIC_KEY": rhai.String("03ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"),
			"TASK_ID":           rhai.String("task-0000000000000001"),
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		lim := rhai.DefaultLimits()
		if harness {
			cancel()
			continue
		}
		v, err := e.Run(ctx, p, &rhai.RunOptions{Limits: &lim, Constants: consts, Print: print, Debug: print})
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		if v.AsInt() != want {
			b.Fatalf("got %d, want %d", v.AsInt(), want)
		}
	}
}

// BenchmarkRunTinyStrings is BenchmarkRunTiny with the task constants
// passed as RunOptions.Strings, which needs no map and no string values.
func BenchmarkRunTinyStrings(b *testing.B) {
	e := rhai.NewEngine()
	p, err := e.Compile(`40 + 2`)
	if err != nil {
		b.Fatal(err)
	}
	var printed int
	print := func(s string) { printed += len(s) }
	circle := "02a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
	caller := "03ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
	b.ReportAllocs()
	for b.Loop() {
		strs := []rhai.NamedString{
			{Name: "CONTEXT_ID", Value: circle}, {Name: "CIRCLE_PUBLIC_KEY", Value: circle},
			{Name: "CALLER_ID", Value: caller}, {Name: "CALLER_PUBLIC_KEY", Value: caller},
			{Name: "TASK_ID", Value: "task-0000000000000001"},
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		lim := rhai.DefaultLimits()
		v, err := e.Run(ctx, p, &rhai.RunOptions{Limits: &lim, Strings: strs, Print: print, Debug: print})
		cancel()
		if err != nil || v.AsInt() != 42 {
			b.Fatal(v, err)
		}
	}
}

func BenchmarkRunHarness(b *testing.B) { benchRun(b, ``, 0) }
func BenchmarkRunTiny(b *testing.B)    { benchRun(b, `40 + 2`, 42) }
func BenchmarkRunLet(b *testing.B)     { benchRun(b, `let x = 10; x * 2`, 20) }
func BenchmarkRunConst(b *testing.B)   { benchRun(b, `CALLER_ID.len() + 0`, 66) }

// sieveRangeScript is the bench module's sieve: the inner loop is
// `for j in range(...)`, which the evaluator runs as a counting loop.
const sieveRangeScript = `
let n = 100000;
let flags = [];
flags.pad(n + 1, true);
let count = 0;
for i in 2..=n {
    if flags[i] {
        count += 1;
        for j in range(i * i, n + 1, i) {
            flags[j] = false;
        }
    }
}
count`

func BenchmarkSieveRange(b *testing.B) { benchScript(b, sieveRangeScript, 9592) }
