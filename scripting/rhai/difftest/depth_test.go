package difftest

import (
	"flag"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

var flagDepth = flag.Bool("difftest.depth", false, "compare nested shapes around the expression-depth limits")

// wrap nests open…close n times around inner.
func wrap(open, inner, close string) func(int) string {
	return func(n int) string { return strings.Repeat(open, n) + inner + strings.Repeat(close, n) }
}

// chain is first followed by step n times.
func chain(first, step string) func(int) string {
	return func(n int) string { return first + strings.Repeat(step, n) }
}

// depthShapes nest one construct n times; the scripts only have to parse
// alike (their run-time errors are not compared).
var depthShapes = map[string]func(n int) string{
	"parens":      wrap("(", "1", ")"),
	"paren-plus":  wrap("(1+", "1", ")"),
	"plus-chain":  chain("1", " + 1"),
	"mul-chain":   chain("1", " * 1"),
	"cmp-chain":   chain("1", " < 1"),
	"eq-chain":    chain("1", " == 1"),
	"pow-chain":   chain("1", " ** 1"),
	"and-chain":   chain("true", " && true"),
	"or-chain":    chain("true", " || true"),
	"coalesce":    chain("1", " ?? 1"),
	"bitor-chain": chain("1", " | 1"),
	"mixed-prec":  chain("1", " + 2 * 3"),
	"mixed-prec2": chain("1", " * 2 + 3"),
	"mixed-prec3": chain("1", " == 2 + 3 * 4"),
	"neg":         wrap("- ", "x", ""),
	"not":         wrap("!", "true", ""),
	"neg-lit":     wrap("- ", "1", ""),
	"array":       wrap("[", "1", "]"),
	"array2":      wrap("[0, ", "1", "]"),
	"map":         wrap("#{a: ", "1", "}"),
	"block":       wrap("{ ", "1", " }"),
	"if":          wrap("if true { ", "1", " }"),
	"if-cond":     wrap("if ", "true", " { 1 } else { 2 }"),
	"else-if":     wrap("if false { 1 } else ", "{ 2 }", ""),
	"switch":      wrap("switch 1 { _ => ", "1", " }"),
	"switch-item": wrap("switch ", "1", " { _ => 1 }"),
	"while":       func(n int) string { return strings.Repeat("while false { ", n) + strings.Repeat("}", n) },
	"loop":        wrap("loop { ", "break;", " break; }"),
	"for":         func(n int) string { return strings.Repeat("for i in 0..1 { ", n) + strings.Repeat("}", n) },
	"do":          func(n int) string { return strings.Repeat("do { ", n) + strings.Repeat("} while false;", n) },
	"try":         func(n int) string { return strings.Repeat("try { ", n) + strings.Repeat("} catch { }", n) },
	"calls":       wrap("abs(", "1", ")"),
	"calls2":      wrap("max(1, ", "1", ")"),
	"ns-calls":    wrap("global::g(", "1", ")"),
	"methods":     chain("1", ".abs()"),
	"methods2":    chain("1", ".max(1)"),
	"props":       chain("x", ".a"),
	"index":       chain("x", "[0]"),
	"prop-index":  chain("x", ".a[0]"),
	"index-arg":   wrap("x[", "0", "]"),
	"call-prop":   chain("abs(1)", ".a"),
	"interp":      wrap("`${", "1", "}`"),
	"interp-emp":  wrap("`${} ${", "1", "}`"),
	"closures":    wrap("|| ", "1", ""),
	"closures1":   wrap("|x| ", "x", ""),
	"range":       wrap("(..", "1", ")"),
	"paren-and":   wrap("(true && ", "true", ")"),
	"lets":        wrap("let y = 1; ", "1", ""),
	"seq-blocks":  func(n int) string { return "{" + strings.Repeat(" { 1 }", n) + " }" },
	"ret": func(n int) string {
		return "{ " + strings.Repeat("return ", 1) + strings.Repeat("(", n) + "1" + strings.Repeat(")", n) + " }"
	},
}

// depthContexts places a shape where the limits differ.
var depthContexts = map[string]func(e string) string{
	"global":     func(e string) string { return "let x = #{}; let a = " + e + "; a" },
	"stmt":       func(e string) string { return "let x = #{}; " + e + ";" },
	"fn":         func(e string) string { return "fn f(x) { " + e + " } f(1)" },
	"closure":    func(e string) string { return "let x = 1; let c = || " + e + "; c.call()" },
	"fn-closure": func(e string) string { return "fn f(x) { let c = || " + e + "; c.call() } f(1)" },
	"fn-assign":  func(e string) string { return "fn f(x) { x = " + e + "; x } f(1)" },
}

// TestDepthLimits compares, around Rhai's expression-depth limits, whether
// each nested shape parses and where it fails. It is slow (a reference
// process per script), so it runs only with -difftest.depth.
func TestDepthLimits(t *testing.T) {
	if !*flagDepth {
		t.Skip("run with -difftest.depth")
	}
	bin := requireRef(t)
	eng := rhai.NewEngine()
	tooDeep := func(src string) bool {
		r := runRef(bin, src)
		return r.Kind == "parse" && strings.Contains(r.Msg, "maximum complexity")
	}
	type pair struct{ shape, ctx string }
	var pairs []pair
	for sname := range depthShapes {
		for cname := range depthContexts {
			pairs = append(pairs, pair{sname, cname})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		return pairs[i].shape+"/"+pairs[i].ctx < pairs[j].shape+"/"+pairs[j].ctx
	})
	var mu sync.Mutex
	bad, total, work := 0, 0, make(chan pair)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for pr := range work {
				shape, ctx := depthShapes[pr.shape], depthContexts[pr.ctx]
				// The least n Rhai refuses as too deep (80 when none is).
				lo, hi := 1, 80
				for lo < hi {
					if mid := (lo + hi) / 2; tooDeep(ctx(shape(mid))) {
						hi = mid
					} else {
						lo = mid + 1
					}
				}
				for n := max(1, lo-2); n <= lo+1; n++ {
					src := ctx(shape(n))
					ref, ours := runRef(bin, src), runOurs(eng, src)
					refMsg := strings.TrimPrefix(ref.Msg, "Syntax error: ")
					mu.Lock()
					total++
					deep := strings.Contains(refMsg, "maximum complexity") || strings.Contains(ours.Msg, "maximum complexity")
					if (ref.Kind == "parse") != (ours.Kind == "parse") || deep && refMsg != ours.Msg {
						bad++
						t.Errorf("%s/%s n=%d:\n  %s\n  rhai: %s\n  ours: %s", pr.shape, pr.ctx, n, src, depthShow(ref), depthShow(ours))
						n = lo + 2
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, pr := range pairs {
		work <- pr
	}
	close(work)
	wg.Wait()
	t.Logf("%d scripts compared around the limits, %d disagree", total, bad)
}

func depthShow(r result) string {
	if r.Kind == "parse" {
		return r.Msg
	}
	return fmt.Sprintf("parsed (%s)", r.Kind)
}
