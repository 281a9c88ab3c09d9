package rhai_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// The five workloads of the speed comparison (issue 2), with short inputs:
// the gopher-lua comparison at full size lives in the bench module.
const (
	fibScript = `fn fib(n) { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } } fib(%d)`

	loopScript = `
let sum = 0;
for i in 1..=%d {
    if i %% 2 == 0 { sum += i; } else { sum -= i; }
}
sum`

	sieveScript = `
let n = %d;
let flags = [];
flags.pad(n + 1, true);
let count = 0;
let i = 2;
while i <= n {
    if flags[i] {
        count += 1;
        let j = i * i;
        while j <= n {
            flags[j] = false;
            j += i;
        }
    }
    i += 1;
}
count`

	stringScript = `
let s = "";
for i in 0..%d { s += "ab"; }
let c = 0;
for ch in s { if ch == 'a' { c += 1; } }
c`

	mapScript = `
let m = #{};
for i in 0..%d { m["k" + i] = i; }
let sum = 0;
for k in m.keys() { sum += m[k]; }
sum`
)

func benchScript(b *testing.B, script string, want int64) {
	b.Helper()
	e := rhai.NewEngine()
	p, err := e.Compile(script)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		v, err := e.Run(context.Background(), p, nil)
		if err != nil {
			b.Fatal(err)
		}
		if v.AsInt() != want {
			b.Fatalf("got %d, want %d", v.AsInt(), want)
		}
	}
}

func BenchmarkFib(b *testing.B)  { benchScript(b, fmt.Sprintf(fibScript, 20), 6765) }
func BenchmarkLoop(b *testing.B) { benchScript(b, fmt.Sprintf(loopScript, 100_000), 50_000) }
func BenchmarkSieve(b *testing.B) {
	benchScript(b, fmt.Sprintf(sieveScript, 100_000), 9592)
}
func BenchmarkStrings(b *testing.B) { benchScript(b, fmt.Sprintf(stringScript, 20_000), 20_000) }
func BenchmarkMap(b *testing.B)     { benchScript(b, fmt.Sprintf(mapScript, 20_000), 199_990_000) }
