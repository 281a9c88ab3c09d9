package difftest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// bitFieldCalls are calls of the bit-field functions (get_bits, set_bits,
// bits) with the positions and ranges where their bounds rules differ:
// past either end, negative, empty and reversed ranges, inclusive and
// exclusive, and the ends of the integer range.
func bitFieldCalls(seed uint64, n int) []string {
	r := rand.New(rand.NewPCG(seed, 0xb175))
	edges := []string{"0", "63", "64", "-64", "-65", "9223372036854775807", "-9223372036854775808"}
	pos := func() string {
		if r.IntN(3) == 0 {
			return edges[r.IntN(len(edges))]
		}
		return fmt.Sprint(r.IntN(141) - 70)
	}
	values := []string{"10", "-1", "0", "123456789", "-9223372036854775808"}
	// The value, two positions and a new field value, by argument index.
	forms := []string{
		"%[1]s.get_bits(%[2]s..%[3]s)",
		"%[1]s.get_bits(%[2]s..=%[3]s)",
		"%[1]s.get_bits(%[2]s, %[3]s)",
		"let x = %[1]s; x.set_bits(%[2]s..%[3]s, %[4]d); x",
		"let x = %[1]s; x.set_bits(%[2]s..=%[3]s, %[4]d); x",
		"let x = %[1]s; x.set_bits(%[2]s, %[3]s, %[4]d); x",
		"let r = []; for q in %[1]s.bits(%[2]s..%[3]s) { r.push(q) } r",
		"let r = []; for q in %[1]s.bits(%[2]s..=%[3]s) { r.push(q) } r",
		"let r = []; for q in %[1]s.bits(%[2]s, %[3]s) { r.push(q) } r",
		"let r = []; for q in %[1]s.bits(%[2]s) { r.push(q) } r",
	}
	calls := make([]string, n)
	for i := range calls {
		v, a, b, c := values[r.IntN(len(values))], pos(), pos(), r.IntN(24)-3
		calls[i] = fmt.Sprintf(forms[r.IntN(len(forms))], v, a, b, c)
	}
	return calls
}

// TestBitFieldEdges runs 3,000 bit-field calls, in programs of 500 that
// print each call's value or error, and requires every line to be stock
// Rhai's.
func TestBitFieldEdges(t *testing.T) {
	bin := requireRef(t)
	calls := bitFieldCalls(*flagSeed, 3000)
	eng := rhai.NewEngine()
	bad := 0
	for len(calls) > 0 {
		chunk := calls[:min(500, len(calls))]
		calls = calls[len(chunk):]
		var src strings.Builder
		for _, c := range chunk {
			fmt.Fprintf(&src, "try { print({ %s }); } catch (err) { print(err); }\n", c)
		}
		ours, ref := runOurs(eng, src.String()), runRef(bin, src.String())
		if !ours.OK || !ref.OK {
			t.Fatalf("a program failed: ours %q; rhai %q", ours.Msg, ref.Msg)
		}
		got, want := strings.Split(ours.Stdout, "\n"), strings.Split(ref.Stdout, "\n")
		if len(got) != len(want) {
			t.Fatalf("%d lines printed, Rhai printed %d", len(got), len(want))
		}
		for i, c := range chunk {
			if got[i] != want[i] {
				if bad++; bad <= 10 {
					t.Errorf("%s\n  ours: %s\n  rhai: %s", c, got[i], want[i])
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of 3000 calls differ from Rhai", bad)
	}
}

// sortPrograms are sorts of up to 20 mixed values with comparers that log
// their calls and may be inconsistent, fail or answer a non-integer: the
// results and the order of the calls depend on the sort algorithm itself.
func sortPrograms(seed uint64, n int) []string {
	r := rand.New(rand.NewPCG(seed, 0x5027))
	values := []string{"9223372036854775807", "-9223372036854775807", `"a"`, "1.5", "0"}
	bodies := []string{"y - x", "x - y", "if x == 0 { throw 1 } else { x - y }", "x % 3 - y % 3", "(x * y) % 2",
		"x > y", "x < y", `"s"`, "()", "type_of(x) < type_of(y)"}
	progs := make([]string, n)
	for i := range progs {
		elems := make([]string, r.IntN(21))
		for j := range elems {
			if r.IntN(2) == 0 {
				elems[j] = fmt.Sprint(r.IntN(11) - 5)
			} else {
				elems[j] = values[r.IntN(len(values))]
			}
		}
		progs[i] = fmt.Sprintf("let a = [%s]; let log = []; a.sort(|x, y| { log.push([x, y]); %s }); [a, log]",
			strings.Join(elems, ", "), bodies[r.IntN(len(bodies))])
	}
	return progs
}

// TestSortComparers requires stock Rhai's results and comparer calls for
// 300 sorts of up to 20 elements (Rust's insertion sort at that size).
func TestSortComparers(t *testing.T) {
	bin := requireRef(t)
	rate := report(t, "sorts with logging comparers", compareAll(t, bin, sortPrograms(*flagSeed, 300)))
	if rate < 1 {
		t.Errorf("agreement %.2f%%: every sort must agree", 100*rate)
	}
}
