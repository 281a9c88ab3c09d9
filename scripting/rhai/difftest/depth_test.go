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

// depthShapes nest one construct n times; the scripts only have to parse
// alike (their run-time errors are not compared).
var depthShapes = map[string]func(n int) string{
	"parens":      func(n int) string { return strings.Repeat("(", n) + "1" + strings.Repeat(")", n) },
	"paren-plus":  func(n int) string { return strings.Repeat("(1+", n) + "1" + strings.Repeat(")", n) },
	"plus-chain":  func(n int) string { return "1" + strings.Repeat(" + 1", n) },
	"mul-chain":   func(n int) string { return "1" + strings.Repeat(" * 1", n) },
	"cmp-chain":   func(n int) string { return "1" + strings.Repeat(" < 1", n) },
	"eq-chain":    func(n int) string { return "1" + strings.Repeat(" == 1", n) },
	"pow-chain":   func(n int) string { return "1" + strings.Repeat(" ** 1", n) },
	"and-chain":   func(n int) string { return "true" + strings.Repeat(" && true", n) },
	"or-chain":    func(n int) string { return "true" + strings.Repeat(" || true", n) },
	"coalesce":    func(n int) string { return "1" + strings.Repeat(" ?? 1", n) },
	"bitor-chain": func(n int) string { return "1" + strings.Repeat(" | 1", n) },
	"mixed-prec":  func(n int) string { return "1" + strings.Repeat(" + 2 * 3", n) },
	"mixed-prec2": func(n int) string { return "1" + strings.Repeat(" * 2 + 3", n) },
	"mixed-prec3": func(n int) string { return "1" + strings.Repeat(" == 2 + 3 * 4", n) },
	"neg":         func(n int) string { return strings.Repeat("- ", n) + "x" },
	"not":         func(n int) string { return strings.Repeat("!", n) + "true" },
	"neg-lit":     func(n int) string { return strings.Repeat("- ", n) + "1" },
	"array":       func(n int) string { return strings.Repeat("[", n) + "1" + strings.Repeat("]", n) },
	"array2":      func(n int) string { return strings.Repeat("[0, ", n) + "1" + strings.Repeat("]", n) },
	"map":         func(n int) string { return strings.Repeat("#{a: ", n) + "1" + strings.Repeat("}", n) },
	"block":       func(n int) string { return strings.Repeat("{ ", n) + "1" + strings.Repeat(" }", n) },
	"if":          func(n int) string { return strings.Repeat("if true { ", n) + "1" + strings.Repeat(" }", n) },
	"if-cond":     func(n int) string { return strings.Repeat("if ", n) + "true" + strings.Repeat(" { 1 } else { 2 }", n) },
	"else-if":     func(n int) string { return strings.Repeat("if false { 1 } else ", n) + "{ 2 }" },
	"switch":      func(n int) string { return strings.Repeat("switch 1 { _ => ", n) + "1" + strings.Repeat(" }", n) },
	"switch-item": func(n int) string { return strings.Repeat("switch ", n) + "1" + strings.Repeat(" { _ => 1 }", n) },
	"while":       func(n int) string { return strings.Repeat("while false { ", n) + strings.Repeat("}", n) },
	"loop":        func(n int) string { return strings.Repeat("loop { ", n) + "break;" + strings.Repeat(" break; }", n) },
	"for":         func(n int) string { return strings.Repeat("for i in 0..1 { ", n) + strings.Repeat("}", n) },
	"do":          func(n int) string { return strings.Repeat("do { ", n) + strings.Repeat("} while false;", n) },
	"try":         func(n int) string { return strings.Repeat("try { ", n) + strings.Repeat("} catch { }", n) },
	"calls":       func(n int) string { return strings.Repeat("abs(", n) + "1" + strings.Repeat(")", n) },
	"calls2":      func(n int) string { return strings.Repeat("max(1, ", n) + "1" + strings.Repeat(")", n) },
	"ns-calls":    func(n int) string { return strings.Repeat("global::g(", n) + "1" + strings.Repeat(")", n) },
	"methods":     func(n int) string { return "1" + strings.Repeat(".abs()", n) },
	"methods2":    func(n int) string { return "1" + strings.Repeat(".max(1)", n) },
	"props":       func(n int) string { return "x" + strings.Repeat(".a", n) },
	"index":       func(n int) string { return "x" + strings.Repeat("[0]", n) },
	"prop-index":  func(n int) string { return "x" + strings.Repeat(".a[0]", n) },
	"index-arg":   func(n int) string { return strings.Repeat("x[", n) + "0" + strings.Repeat("]", n) },
	"call-prop":   func(n int) string { return "abs(1)" + strings.Repeat(".a", n) },
	"interp":      func(n int) string { return strings.Repeat("`${", n) + "1" + strings.Repeat("}`", n) },
	"interp-emp":  func(n int) string { return strings.Repeat("`${} ${", n) + "1" + strings.Repeat("}`", n) },
	"closures":    func(n int) string { return strings.Repeat("|| ", n) + "1" },
	"closures1":   func(n int) string { return strings.Repeat("|x| ", n) + "x" },
	"range":       func(n int) string { return strings.Repeat("(..", n) + "1" + strings.Repeat(")", n) },
	"paren-and":   func(n int) string { return strings.Repeat("(true && ", n) + "true" + strings.Repeat(")", n) },
	"lets":        func(n int) string { return strings.Repeat("let y = 1; ", n) + "1" },
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
