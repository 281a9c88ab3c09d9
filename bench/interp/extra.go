package interp

import (
	"fmt"
	"slices"
)

// Ordinary is the second set of workloads (issue 11, "Speed that holds on
// ordinary scripts"): kinds of script the public five do not exercise,
// each an idiomatic Rhai script and its idiomatic Lua equivalent.
var Ordinary = []Workload{
	load("mandel", 120, wantMandel),
	load("closures", 20_000, wantClosures),
	load("methods", 200_000, wantMethods),
	load("objects", 2_000, wantObjects),
	load("qsort", 20_000, wantQsort),
	load("sortcmp", 20_000, wantSortcmp),
	load("parse", 50_000, wantParse),
}

// Sets names the workload sets interpratio can run.
var Sets = map[string][]Workload{"public": Workloads, "ordinary": Ordinary, "all": append(slices.Clip(Workloads), Ordinary...)}

func wantMandel(n int) int64 {
	var total int64
	nf := float64(n)
	for py := range n {
		// The conversions round each product, as the interpreters do (no
		// fused multiply-add).
		y0 := float64(float64(py)*2.0)/nf - 1.0
		for px := range n {
			x0 := float64(float64(px)*3.0)/nf - 2.0
			x, y := 0.0, 0.0
			i := int64(0)
			for i < 64 && float64(x*x)+float64(y*y) <= 4.0 {
				xt := float64(float64(x*x)-float64(y*y)) + x0
				y = float64(float64(2.0*x)*y) + y0
				x = xt
				i++
			}
			total += i
		}
	}
	return total
}

func wantClosures(n int) int64 {
	var total int64
	for r := int64(0); r < 10; r++ {
		for x := int64(0); x < int64(n); x++ {
			if v := x*3 + r; v%2 == 0 {
				total += v
			}
		}
	}
	return total
}

func wantMethods(n int) int64 {
	var s, count, total int64
	for i := int64(0); i < int64(n); i++ {
		s += i + 1
		count += i % 3
		total += count
	}
	return s + total
}

func wantObjects(n int) int64 {
	type pt struct{ x, y, vx, vy int64 }
	pts := make([]pt, 100)
	for i := range pts {
		pts[i] = pt{x: int64(i), vx: int64(i%7 - 3), vy: 1}
	}
	for range n {
		for i := range pts {
			p := &pts[i]
			p.x += p.vx
			p.y += p.vy
			if p.x < 0 || p.x > 100 {
				p.vx = -p.vx
			}
			if p.y > 50 {
				p.vy = -1
			} else if p.y < -50 {
				p.vy = 1
			}
		}
	}
	var sum int64
	for _, p := range pts {
		sum += p.x*1000 + p.y
	}
	return sum
}

// parkMiller returns n values of the Park-Miller generator from seed,
// each reduced mod 1,000,000.
func parkMiller(seed int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		seed = seed * 16807 % 2147483647
		out[i] = seed % 1_000_000
	}
	return out
}

func sortedChecksum(a []int64) int64 {
	slices.Sort(a)
	var sum int64
	for i, x := range a {
		sum += x % 1000 * int64(i%100)
	}
	return sum
}

func wantQsort(n int) int64   { return sortedChecksum(parkMiller(42, n)) }
func wantSortcmp(n int) int64 { return sortedChecksum(parkMiller(7, n)) }

func wantParse(n int) int64 {
	var total int64
	for i := range n {
		total += int64(i) + int64(i*7%1000) + int64(len(fmt.Sprintf("item%d", i%10)))
	}
	return total
}
