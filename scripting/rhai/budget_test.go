package rhai_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// expensiveScripts are loops whose every operation is big: a copy of a
// million values, a sort of a million, a string padded to the limit, a
// large JSON encoding. Each must stop at its deadline, not many seconds
// later (issue 15).
var expensiveScripts = []struct {
	name, src string
}{
	{"array clone loop", `let a = []; a.pad(1000000, 0); loop { let b = a; b[0] = 1; }`},
	{"map clone loop", `let m = #{}; for i in 0..1000000 { m["k" + i] = i; } loop { let b = m; b.x = 1; }`},
	{"sort loop", `let a = []; for i in 0..1000000 { a.push((i * 7919) % 1000003); } loop { let b = a; b.sort(); }`},
	{"pad loop", `loop { let s = ""; s.pad(4194304, 'x'); }`},
	{"string build loop", `let s = ""; s.pad(4000000, 'x'); loop { let t = s + "y"; }`},
	{"string slice loop", `let s = ""; s.pad(4000000, 'x'); loop { let t = s; t[0..0] = "y"; }`},
	{"json loop", `let m = #{}; for i in 0..150000 { m["k" + i] = [i, "v"]; } loop { let j = m.to_json(); }`},
	{"keys loop", `let m = #{}; for i in 0..1000000 { m["k" + i] = i; } loop { let k = m.keys(); }`},
	{"print loop", `let m = #{}; for i in 0..1000000 { m["k" + i] = i; } loop { print(m); }`},
	{"interpolation loop", `let m = #{}; for i in 0..1000000 { m["k" + i] = i; } loop { let s = ` + "`${m}`" + `; }`},
}

// deadlineSlack is how late after its deadline a run may end. The issue
// asks for 100 ms; the race detector slows the copying loops several
// times, so it gets more.
func deadlineSlack() time.Duration {
	if raceEnabled {
		return 500 * time.Millisecond
	}
	return 100 * time.Millisecond
}

// TestExpensiveOperationsHonourDeadline: with neither an operation nor a
// memory limit, only the wall clock stops these loops, and it does within
// the slack of the deadline. The machine is shared, so a run that ends late
// is tried again (up to three times) before the test fails: one late run
// can be a scheduler's doing, three in a row are ours.
func TestExpensiveOperationsHonourDeadline(t *testing.T) {
	for _, tt := range expensiveScripts {
		t.Run(tt.name, func(t *testing.T) {
			var lates []time.Duration
			for attempt := 0; attempt < 3; attempt++ {
				late := runPastDeadline(t, tt.src)
				lates = append(lates, late)
				if late <= deadlineSlack() {
					t.Logf("ended %v after the deadline", late.Round(time.Millisecond))
					return
				}
			}
			t.Errorf("ended %v after the deadline, want at most %v", lates, deadlineSlack())
		})
	}
}

// runPastDeadline runs src without operation or memory limits until its
// deadline and returns how late after the deadline it ended.
func runPastDeadline(t *testing.T, src string) time.Duration {
	t.Helper()
	timeout := 1500 * time.Millisecond
	if raceEnabled {
		timeout = 6 * time.Second // building the million-key map takes a while
	}
	late, err := runUntil(src, timeout, 0)
	if errKind(err) != rhai.ErrCancelled {
		t.Fatalf("got %v (%s), want kind cancelled", err, errKind(err))
	}
	return late
}

// runUntil runs src with no operation or string-length limit, the given
// memory budget and timeout, and returns how late after the deadline it
// ended. The string limit goes too: the interpolation loop's text (about
// 17 MB) is over the default 4 MiB, and data_too_large would end it on its
// first pass whenever the map is built before the deadline.
func runUntil(src string, timeout time.Duration, maxBytes int64) (time.Duration, error) {
	lim := rhai.DefaultLimits()
	lim.MaxOperations, lim.MaxRunBytes, lim.MaxStringLen = 0, maxBytes, 0
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	_, err := rhai.NewEngine().Eval(ctx, src, &rhai.RunOptions{Limits: &lim})
	return time.Since(deadline), err
}

// TestRunMemoryBudget: under a 64 MiB budget the same loops end with
// memory_limit (or, for those whose copies are small, the operation
// limit), never by running to the deadline.
func TestRunMemoryBudget(t *testing.T) {
	for _, tt := range expensiveScripts {
		t.Run(tt.name, func(t *testing.T) {
			lim := rhai.DefaultLimits()
			lim.MaxRunBytes = 64 << 20
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, err := rhai.NewEngine().Eval(ctx, tt.src, &rhai.RunOptions{Limits: &lim})
			if k := errKind(err); k != rhai.ErrMemoryLimit {
				t.Fatalf("got %v (%s), want kind memory_limit", err, k)
			}
		})
	}
}

// TestMemoryLimitUncatchable: try/catch cannot swallow the memory budget.
func TestMemoryLimitUncatchable(t *testing.T) {
	lim := rhai.DefaultLimits()
	lim.MaxRunBytes = 1 << 20
	src := `let n = 0; loop { try { let s = ""; s.pad(100000, 'x'); n += 1; } catch { } }`
	_, err := rhai.NewEngine().Eval(context.Background(), src, &rhai.RunOptions{Limits: &lim})
	if errKind(err) != rhai.ErrMemoryLimit {
		t.Fatalf("got %v (%s), want memory_limit", err, errKind(err))
	}
}

// TestMemoryBudgetAllowsOrdinaryScripts: the default budget leaves room
// for scripts that build moderate data many times over.
func TestMemoryBudgetAllowsOrdinaryScripts(t *testing.T) {
	src := `let total = 0;
for i in 0..2000 {
	let row = #{id: i, name: "item " + i, tags: ["a", "b", "c"]};
	let text = row.to_json();
	let rows = [row, row, row];
	total += text.len() + rows.len();
}
total`
	v, err := rhai.NewEngine().Eval(context.Background(), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.AsInt() < 2000 {
		t.Fatalf("total %d", v.AsInt())
	}
}

// TestGeneratedScriptsEndInTime runs scripts put together at random from
// expensive pieces (copies, sorts, pads, joins, encodings, nested loops)
// under tight limits, and asserts that each ends, by its result or its
// error, within its time bound.
func TestGeneratedScriptsEndInTime(t *testing.T) {
	pieces := []string{
		`a.pad(a.len() + 50000, i);`,
		`let b = a; b.push(i);`,
		`b = a; b.sort();`,
		`b = a; b.sort(|x, y| y - x);`,
		`s.pad(s.len() + 100000, 'z');`,
		`let t = s + s;`,
		`m["k" + i] = a;`,
		`let j = m.to_json();`,
		`let k = m.keys();`,
		`let c = m; c.x = i;`,
		`a = a.filter(|x| x % 3 != 0);`,
		`a = a.map(|x| x + 1);`,
		`let parts = s.split("z");`,
		`for x in a { if x > 999999 { break; } }`,
		`a += b;`,
		`m.mixin(#{y: a});`,
		`let v = m.values();`,
		`s.replace("z", "zz");`,
	}
	rng := rand.New(rand.NewPCG(15, 15))
	n := 40
	if testing.Short() {
		n = 10
	}
	for i := 0; i < n; i++ {
		var body strings.Builder
		for k := 1 + rng.IntN(6); k > 0; k-- {
			body.WriteString(pieces[rng.IntN(len(pieces))])
			body.WriteByte(' ')
		}
		src := fmt.Sprintf("let a = [1, 2, 3]; let b = []; let s = \"z\"; let m = #{}; let i = 0;\nloop { i += 1; %s }", body.String())
		timeout := time.Duration(50+rng.IntN(200)) * time.Millisecond
		late, err := runUntil(src, timeout, 128<<20)
		if err == nil {
			t.Fatalf("script %d ended without an error:\n%s", i, src)
		}
		if late > deadlineSlack() {
			// A second chance on a busy machine (see above).
			if late2, _ := runUntil(src, timeout, 128<<20); late2 > deadlineSlack() {
				t.Errorf("script %d ended %v and %v after its deadline (%v):\n%s", i, late, late2, err, src)
			}
		}
	}
}

// TestStringSliceGrowthIsCharged: a script that doubles a string through
// slice assignment (s[0..0] = s) once ran the process out of memory; it
// ends with memory_limit under the run's budget when there is no string
// limit, and with data_too_large under the string limit.
func TestStringSliceGrowthIsCharged(t *testing.T) {
	src := `let s = "ab"; for i in 0..40 { s[0..0] = s; } s.len()`
	lim := rhai.DefaultLimits()
	lim.MaxStringLen, lim.MaxRunBytes = 0, 64<<20
	_, err := rhai.NewEngine().Eval(context.Background(), src, &rhai.RunOptions{Limits: &lim})
	if errKind(err) != rhai.ErrMemoryLimit {
		t.Errorf("no string limit: got %v (%s), want memory_limit", err, errKind(err))
	}
	lim = rhai.DefaultLimits()
	_, err = rhai.NewEngine().Eval(context.Background(), src, &rhai.RunOptions{Limits: &lim})
	if errKind(err) != rhai.ErrDataTooLarge {
		t.Errorf("default limits: got %v (%s), want data_too_large", err, errKind(err))
	}
}
