// Package interp compares our Rhai interpreter (scripting/rhai) with
// gopher-lua on five workloads (issue 2, "Speed"). Each workload exists as
// an idiomatic Rhai script and an idiomatic Lua script computing the same
// checksum, so a run proves both interpreters did the same work before it
// reports how long they took.
package interp

import "fmt"

// Workload is one benchmark program in both languages. Size is the problem
// size the scripts are instantiated with (fmt verb %d in Rhai and Lua), so
// tests can check checksums on small sizes and benchmarks run the full ones.
type Workload struct {
	// Name is the sub-benchmark name: fib, loop, sieve, strings, map.
	Name string
	// Size is the full problem size used by the benchmarks.
	Size int
	// Rhai and Lua are format strings taking Size exactly once.
	Rhai, Lua string
	// Want computes the expected checksum for a size in Go, independently
	// of both interpreters.
	Want func(n int) int64
}

// RhaiSource is the Rhai script for size n.
func (w Workload) RhaiSource(n int) string { return fmt.Sprintf(w.Rhai, n) }

// LuaSource is the Lua script for size n.
func (w Workload) LuaSource(n int) string { return fmt.Sprintf(w.Lua, n) }

// Workloads are the five programs of issue 2 at their full sizes.
var Workloads = []Workload{
	{
		Name: "fib",
		Size: 27,
		Rhai: `
fn fib(n) {
    if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
}
fib(%d)`,
		Lua: `
local function fib(n)
    if n < 2 then return n end
    return fib(n - 1) + fib(n - 2)
end
return fib(%d)`,
		Want: wantFib,
	},
	{
		Name: "loop",
		Size: 5_000_000,
		Rhai: `
let sum = 0;
for i in 1..=%d {
    if i %% 2 == 0 { sum += i; } else { sum -= i; }
}
sum`,
		Lua: `
local sum = 0
for i = 1, %d do
    if i %% 2 == 0 then sum = sum + i else sum = sum - i end
end
return sum`,
		Want: wantLoop,
	},
	{
		Name: "sieve",
		Size: 1_000_000,
		Rhai: `
let n = %d;
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
count`,
		Lua: `
local n = %d
local flags = {}
for i = 1, n do flags[i] = true end
local count = 0
for i = 2, n do
    if flags[i] then
        count = count + 1
        for j = i * i, n, i do
            flags[j] = false
        end
    end
end
return count`,
		Want: wantSieve,
	},
	{
		// Rhai appends in place; idiomatic Lua collects the pieces in a
		// table and concatenates once (s = s .. piece is quadratic there).
		Name: "strings",
		Size: 200_000,
		Rhai: `
let s = "";
for i in 0..%d {
    if i %% 3 == 0 { s += "abc"; } else { s += "ba"; }
}
let count = 0;
for ch in s {
    if ch == 'a' { count += 1; }
}
s.len() * 1000000 + count`,
		Lua: `
local parts = {}
for i = 0, %d - 1 do
    if i %% 3 == 0 then parts[#parts + 1] = "abc" else parts[#parts + 1] = "ba" end
end
local s = table.concat(parts)
local count = 0
local byte = string.byte
for i = 1, #s do
    if byte(s, i) == 97 then count = count + 1 end
end
return #s * 1000000 + count`,
		Want: wantStrings,
	},
	{
		Name: "map",
		Size: 200_000,
		Rhai: `
let n = %d;
let m = #{};
for i in 0..n {
    m["k" + i] = i;
}
let sum = 0;
for i in 0..n {
    sum += m["k" + i];
}
sum`,
		Lua: `
local n = %d
local m = {}
for i = 0, n - 1 do
    m["k" .. i] = i
end
local sum = 0
for i = 0, n - 1 do
    sum = sum + m["k" .. i]
end
return sum`,
		Want: wantMap,
	},
}

// Lookup returns the workload called name.
func Lookup(name string) (Workload, bool) {
	for _, w := range Workloads {
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
