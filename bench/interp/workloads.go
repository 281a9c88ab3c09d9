// Package interp compares our Rhai interpreter (scripting/rhai) with
// gopher-lua on five workloads (issue 2, "Speed"). Each workload exists as
// an idiomatic Rhai script and an idiomatic Lua script (testdata/) that
// compute the same checksum, so a run proves both interpreters did the
// same work before it reports how long they took. Scripts are compiled
// once; the timed part is running them.
package interp

import "embed"

//go:embed testdata
var scripts embed.FS

// Workload is one benchmark program in both languages. The scripts live in
// testdata/<name>.rhai and testdata/<name>.lua; both read their problem
// size from the host constant N, so tests can check checksums at small
// sizes and benchmarks run the full ones.
type Workload struct {
	// Name is the sub-benchmark name: fib, loop, sieve, strings, map.
	Name string
	// Size is the full problem size used by the benchmarks.
	Size int
	// Rhai and Lua are the scripts' sources.
	Rhai, Lua string
	// Want computes the expected checksum for a size in Go, independently
	// of both interpreters.
	Want func(n int) int64
}

// Workloads are the five programs of issue 2 at their full sizes.
var Workloads = []Workload{
	load("fib", 27, wantFib),
	load("loop", 5_000_000, wantLoop),
	load("sieve", 1_000_000, wantSieve),
	load("strings", 200_000, wantStrings),
	load("map", 200_000, wantMap),
}

// load reads a workload's scripts; they are embedded, so a missing one is
// a build mistake and panics at start-up.
func load(name string, size int, want func(int) int64) Workload {
	rh, err := scripts.ReadFile("testdata/" + name + ".rhai")
	if err != nil {
		panic(err)
	}
	lu, err := scripts.ReadFile("testdata/" + name + ".lua")
	if err != nil {
		panic(err)
	}
	return Workload{Name: name, Size: size, Rhai: string(rh), Lua: string(lu), Want: want}
}

// Lookup returns the workload called name, public or ordinary.
func Lookup(name string) (Workload, bool) {
	for _, w := range Sets["all"] {
		if w.Name == name {
			return w, true
		}
	}
	return Workload{}, false
}

func wantFib(n int) int64 {
	a, b := int64(0), int64(1)
	for range n {
		a, b = b, a+b
	}
	return a
}

func wantLoop(n int) int64 {
	var sum int64
	for i := int64(1); i <= int64(n); i++ {
		if i%2 == 0 {
			sum += i
		} else {
			sum -= i
		}
	}
	return sum
}

func wantSieve(n int) int64 {
	composite := make([]bool, n+1)
	var count int64
	for i := 2; i <= n; i++ {
		if !composite[i] {
			count++
			for j := i * i; j <= n; j += i {
				composite[j] = true
			}
		}
	}
	return count
}

func wantStrings(n int) int64 {
	var length, count int64
	for i := range n {
		if i%3 == 0 {
			length += 3
		} else {
			length += 2
		}
		count++ // "abc" and "ba" hold one 'a' each
	}
	return length*1_000_000 + count
}

func wantMap(n int) int64 {
	return int64(n) * int64(n-1) / 2
}
