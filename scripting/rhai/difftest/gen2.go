package difftest

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Program2 returns the script of one seed from the second generator. Where
// Program builds typed expressions bottom-up, Program2 writes scripts the way
// users do: a few helper functions, then a sequence of scenarios (closures
// and function pointers, recursion, string, array, map and blob methods
// with edge arguments, ranges, switch, loops with break values, arithmetic
// errors caught and printed, conversions, bits, constants and shadowing,
// `this`, thrown values), each printing what it computes, the scenarios
// sharing a log array and a counter. Scripts are deterministic, finish
// quickly and stay within Rhai's default limits (call depth 64, expression
// depth 64, 32 inside functions).
func Program2(seed uint64) string {
	g := &gen2{r: rand.New(rand.NewPCG(seed^0x5bd1e995, seed+0x2545f4914f6cdd1d))}
	return g.program()
}

type gen2 struct {
	r      *rand.Rand
	fns    strings.Builder // top-level functions, written first
	body   strings.Builder
	indent int
	id     int
	fnDone map[string]bool
}

func (g *gen2) n(k int) int              { return g.r.IntN(k) }
func (g *gen2) chance(p int) bool        { return g.r.IntN(100) < p }
func (g *gen2) pick(xs ...string) string { return xs[g.n(len(xs))] }

// name gives a fresh variable name with a prefix.
func (g *gen2) name(prefix string) string {
	g.id++
	return fmt.Sprintf("%s%d", prefix, g.id)
}

func (g *gen2) line(format string, args ...any) {
	g.body.WriteString(strings.Repeat("    ", g.indent))
	fmt.Fprintf(&g.body, format, args...)
	g.body.WriteByte('\n')
}

// fn defines a top-level function once.
func (g *gen2) fn(key, text string) {
	if g.fnDone[key] {
		return
	}
	g.fnDone[key] = true
	g.fns.WriteString(text)
	g.fns.WriteByte('\n')
}

func (g *gen2) program() string {
	g.fnDone = map[string]bool{}
	g.line("let log = [];")
	g.line("let count = 0;")
	if g.chance(40) {
		g.line("const LIMIT = %d;", 2+g.n(8))
		g.fnDone["LIMIT"] = true
	}
	n := 4 + g.n(7)
	for i := 0; i < n; i++ {
		g.scenario()
	}
	// The final value: what the scenarios left behind.
	switch g.n(6) {
	case 0:
		g.line("log")
	case 1:
		g.line("[count, log.len(), type_of(log)]")
	case 2:
		g.line("#{count: count, log: log}")
	case 3:
		g.line("log.map(|x| type_of(x))")
	case 4:
		g.line("`${count}:${log}`")
	default:
		g.scenario()
	}
	return g.fns.String() + g.body.String()
}

// scenario writes one self-contained piece, sometimes inside a try block, a
// conditional or a loop.
func (g *gen2) scenario() {
	wrap := g.n(10)
	switch {
	case wrap == 0 && g.indent < 2:
		e := g.name("e")
		g.line("try {")
		g.indent++
		g.piece()
		g.indent--
		g.line("} catch (%s) {", e)
		g.indent++
		g.line("print(`caught ${type_of(%s)}`);", e)
		g.line("log.push(%s);", e)
		g.indent--
		g.line("}")
	case wrap == 1 && g.indent < 2:
		g.line("if count %s %d {", g.pick("<", ">=", "!=", "=="), g.n(4))
		g.indent++
		g.piece()
		g.indent--
		g.line("} else {")
		g.indent++
		g.line("count += 1;")
		g.indent--
		g.line("}")
	case wrap == 2 && g.indent < 2:
		g.line("{")
		g.indent++
		g.piece()
		g.indent--
		g.line("}")
	default:
		g.piece()
	}
}

func (g *gen2) piece() {
	pieces := []func(){
		g.closures, g.closures, g.recursion, g.strings, g.strings, g.chars,
		g.blobs, g.maps, g.maps, g.nested, g.arrays, g.arrays, g.arrays,
		g.ranges, g.switches, g.loops, g.arith, g.arith, g.floats,
		g.conversions, g.interp, g.optional, g.bits, g.typeOf, g.defs,
		g.consts, g.methods, g.throws, g.throws,
	}
	pieces[g.n(len(pieces))]()
}

// --- value pools ---

func (g *gen2) smallInt() string {
	return fmt.Sprint(g.n(21) - 10)
}

func (g *gen2) edgeInt() string {
	return g.pick("0", "1", "-1", "2", "3", "7", "-7", "10", "100", "255", "256", "-128",
		"9223372036854775807", "(-9223372036854775807 - 1)", "4611686018427387904", "65", "0x7f", "0b1010", "1_000_000")
}

func (g *gen2) idx() string {
	return g.pick("0", "1", "2", "3", "-1", "-2", "-3", "5", "10", "-10", "100")
}

func (g *gen2) str() string {
	return g.pick(`"hello"`, `"Hello, World!"`, `""`, `" padded  "`, `"a,b,,c"`, `"ünïcödé"`,
		`"x\ty"`, `"42"`, `"-17"`, `"3.25"`, `"AbCdE"`, `"aaa"`, `"line1\nline2"`, `"日本語"`, `"  "`,
		`"0x1F"`, `"ß"`, `"a-b-c"`, `"1e5"`, `"true"`)
}

func (g *gen2) char() string {
	return g.pick("'a'", "'Z'", "'0'", "'9'", "' '", "'ü'", "'ß'", "'\\n'", "'日'", "'-'", "'\\t'", "'A'")
}

func (g *gen2) float() string {
	return g.pick("0.0", "-0.0", "1.5", "-2.25", "0.1", "1e10", "1e16", "1e-7", "123.456", "1e300",
		"-1e-300", "3.0", "0.3333333333333333", "2.5e15", "1e15", "100.0", "0.5", "-7.75", "6.02e23", "1.0e-5")
}

func (g *gen2) intArr() string {
	return g.pick("[]", "[1]", "[3, 1, 2]", "[5, 5, 1, 1, 2]", "[-3, 0, 3, 6]", "[10, 20, 30, 40, 50]",
		"[7, -1, 7, 4, 0, 9]", "[2, 4, 6, 8]", "[1, 2, 3, 4, 5, 6, 7, 8]")
}

func (g *gen2) mixedArr() string {
	return g.pick(`[1, "a", 'b', 2.5, true, ()]`, `[[1, 2], [3], []]`, `[#{a: 1}, #{a: 2, b: 3}]`,
		`["b", "a", "c", "a"]`, `[1, 1.0, "1", '1']`, `[(), (), 0]`, `[true, false, true]`)
}

func (g *gen2) mapLit() string {
	return g.pick("#{}", "#{a: 1}", "#{a: 1, b: 2, c: 3}", `#{name: "x", tags: ["p", "q"], n: 2.5}`,
		"#{a: #{b: #{c: 4}}}", `#{"key with space": 1, z: ()}`, "#{x: [1, 2], y: #{z: 'c'}}")
}

// any is a literal of any type.
func (g *gen2) any() string {
	switch g.n(7) {
	case 0:
		return g.edgeInt()
	case 1:
		return g.str()
	case 2:
		return g.char()
	case 3:
		return g.float()
	case 4:
		return g.intArr()
	case 5:
		return g.mapLit()
	}
	return g.pick("true", "false", "()", "1..4", "0..=2", "blob(2, 7)", `Fn("abs")`, "|x| x + 1", g.mixedArr())
}

// show prints an expression and logs it, or only prints it.
func (g *gen2) show(expr string) {
	switch g.n(5) {
	case 0:
		g.line("log.push(%s);", expr)
	case 1:
		g.line("debug(%s);", expr)
	default:
		g.line("print(%s);", expr)
	}
}

// guarded prints an expression that may fail, catching the error.
func (g *gen2) guarded(expr string) {
	e := g.name("err")
	switch g.n(4) {
	case 0:
		g.line("try { print(%s); } catch (%s) { print(type_of(%s)); }", expr, e, e)
	case 1:
		g.line("try { log.push(%s); } catch { count += 1; }", expr)
	default:
		g.line("try { print(%s); } catch (%s) { print(%s); }", expr, e, e)
	}
}

// --- scenarios ---

func (g *gen2) closures() {
	x, f, h := g.name("x"), g.name("f"), g.name("h")
	switch g.n(8) {
	case 0:
		// Captured variable changed after the capture.
		g.line("let %s = %s;", x, g.smallInt())
		g.line("let %s = |a| a * %s + 1;", f, x)
		g.line("%s = %s;", x, g.smallInt())
		g.show(fmt.Sprintf("%s.call(%s)", f, g.smallInt()))
		g.show(x)
	case 1:
		// A closure mutating its capture.
		g.line("let %s = 0;", x)
		g.line("let %s = || { %s += %d; %s };", f, x, 1+g.n(5), x)
		g.line("%s.call(); %s.call();", f, f)
		g.show(fmt.Sprintf("[%s, %s.call()]", x, f))
	case 2:
		// curry
		g.line("let %s = |a, b, c| a * 100 + b * 10 + c;", f)
		g.line("let %s = %s.curry(%s);", h, f, g.smallInt())
		g.line("let %s = %s.curry(%s);", x, h, g.smallInt())
		g.show(fmt.Sprintf("[%s.call(%s, %s), %s.call(%s), type_of(%s)]", h, g.smallInt(), g.smallInt(), x, g.smallInt(), x))
		if g.chance(40) {
			g.guarded(fmt.Sprintf("%s.call()", x))
		}
	case 3:
		// Named function pointers and call().
		g.fn("twice", "fn twice(f, v) { f.call(f.call(v)) }")
		g.fn("inc", "fn inc(v) { v + 1 }")
		g.fn("dbl", "fn dbl(v) { v * 2 }")
		g.line("let %s = Fn(%s);", f, g.pick(`"inc"`, `"dbl"`, `"abs"`, `"to_string"`))
		g.show(fmt.Sprintf("twice(%s, %s)", f, g.smallInt()))
		g.show(fmt.Sprintf("[%s.name, %s.is_anonymous, call(%s, %s)]", f, f, f, g.smallInt()))
		g.show(fmt.Sprintf("twice(|v| v %s %s, %s)", g.pick("+", "*", "-"), g.smallInt(), g.smallInt()))
	case 4:
		// Closures returning closures.
		g.line("let %s = |n| |m| n + m;", f)
		g.line("let %s = %s.call(%s);", h, f, g.smallInt())
		g.show(fmt.Sprintf("%s.call(%s)", h, g.smallInt()))
		g.show(fmt.Sprintf("[1, 2, 3].map(%s)", h))
	case 5:
		// Closures in a loop, each capturing its own iteration value.
		g.line("let %s = [];", f)
		g.line("for %s in %s { %s.push(|| %s * %s); }", x, g.pick("0..3", "[4, 5]", "range(0, 9, 4)", `"ab".chars()`), f, x, g.pick("2", "\"-\"", "3"))
		g.show(fmt.Sprintf("%s.map(|c| c.call())", f))
	case 6:
		// A function pointer passed to script functions and array methods.
		g.fn("apply_all", "fn apply_all(fs, v) { let out = []; for f in fs { out.push(f.call(v)); } out }")
		g.show(fmt.Sprintf("apply_all([|v| v + 1, Fn(\"abs\"), |v| v * v, Fn(\"to_string\")], %s)", g.smallInt()))
	default:
		// Wrong arity or a missing function.
		g.line("let %s = |a, b| a + b;", f)
		g.guarded(g.pick(f+".call(1)", f+".call(1, 2, 3)", `Fn("no_such_fn").call(1)`, f+".curry(1).call(2)", `Fn("abs").call(-3, 1)`))
	}
}

func (g *gen2) recursion() {
	switch g.n(6) {
	case 0:
		g.fn("fib", "fn fib(n) { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }")
		g.show(fmt.Sprintf("fib(%d)", g.n(16)))
	case 1:
		g.fn("gcd", "fn gcd(a, b) { if b == 0 { a } else { gcd(b, a % b) } }")
		g.show(fmt.Sprintf("gcd(%d, %s)", g.n(200), g.pick("12", "0", "-8", "17", "36")))
	case 2:
		g.fn("is_even", "fn is_even(n) { if n == 0 { true } else { is_odd(n - 1) } }\nfn is_odd(n) { if n == 0 { false } else { is_even(n - 1) } }")
		g.show(fmt.Sprintf("[is_even(%d), is_odd(%d)]", g.n(20), g.n(20)))
	case 3:
		g.fn("sum_to", "fn sum_to(n) { if n <= 0 { 0 } else { n + sum_to(n - 1) } }")
		g.show(fmt.Sprintf("sum_to(%d)", g.n(40)))
	case 4:
		// Arrays and maps are passed by value: the caller's copy stays.
		g.fn("grow", "fn grow(a, n) { if n > 0 { a.push(n); grow(a, n - 1) } else { a } }")
		a := g.name("arr")
		g.line("let %s = %s;", a, g.intArr())
		g.show(fmt.Sprintf("[grow(%s, %d), %s]", a, g.n(5), a))
	default:
		// Recursion that goes too deep is an error.
		g.fn("deep", "fn deep(n) { if n == 0 { 0 } else { 1 + deep(n - 1) } }")
		g.guarded(fmt.Sprintf("deep(%s)", g.pick("10", "30", "100", "1000")))
	}
}

func (g *gen2) strings() {
	s := g.name("s")
	g.line("let %s = %s;", s, g.str())
	m := []string{
		"len()", "to_upper()", "to_lower()", "trim()", "chars()", "bytes", "len",
		"sub_string(%i)", "sub_string(%i, %i)", "sub_string(%r)", "split(%s)", "split(%s, %i)", "split(%i)",
		"split_rev(%s)", "index_of(%s)", "index_of(%c)", "index_of(%s, %i)", "contains(%s)", "contains(%c)",
		"starts_with(%s)", "ends_with(%s)", "replace(%s, %s)", "chars(%i)", "get(%i)", "to_chars()",
		"is_empty()", "to_blob().len()", "%[%i]", "%[%r]", "crop_view", "trim().len()", "split(\"\")",
	}
	for k := 0; k < 2+g.n(3); k++ {
		t := m[g.n(len(m))]
		if t == "crop_view" {
			v := g.name("t")
			g.line("let %s = %s; %s.%s; print(%s);", v, s, v, g.pick("crop(%i)", "crop(%i, %i)", "truncate(%i)", "pad(%n, %c)",
				"pad(%n, %s)", "make_upper()", "make_lower()", "trim()", "clear()", "replace(%s, %s)", "remove(%c)", "remove(%s)"), v)
			continue
		}
		if strings.HasPrefix(t, "%[") {
			g.guarded(s + g.fill(t[1:]))
			continue
		}
		g.guarded(s + "." + g.fill(t))
	}
	if g.chance(40) {
		g.show(fmt.Sprintf("%s + %s + %s", s, g.any(), g.pick(`""`, "1", "'x'", "2.5", "()")))
	}
	if g.chance(30) {
		g.show(fmt.Sprintf("%s %s %s", s, g.pick("==", "<", ">", "!=", "<=", ">="), g.str()))
	}
	if g.chance(30) {
		g.guarded(fmt.Sprintf("%s %s %s", s, g.pick("*", "-", "/"), g.pick("2", `"a"`, "'a'")))
	}
}

// fill replaces %i (index), %n (length), %s (string), %c (char) and %r
// (range) with edge values.
func (g *gen2) fill(t string) string {
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		if t[i] != '%' || i+1 == len(t) {
			b.WriteByte(t[i])
			continue
		}
		i++
		switch t[i] {
		case 'i':
			b.WriteString(g.idx())
		case 'n':
			b.WriteString(g.pick("0", "3", "8", "-2", "12"))
		case 's':
			// Not the empty string as a pad: Rhai loops forever on it.
			if strings.Contains(t, "pad(") {
				b.WriteString(g.pick(`"ab"`, `"-"`, `"xyz"`))
			} else {
				b.WriteString(g.pick(`"a"`, `","`, `""`, `"l"`, `"World"`, `"b,"`, `"ü"`, `" "`, `"aa"`))
			}
		case 'c':
			b.WriteString(g.pick("'a'", "'l'", "','", "' '", "'ü'", "'z'"))
		case 'r':
			b.WriteString(g.pick("1..3", "0..=2", "-3..-1", "2..", "..2", "5..1", "0..100", "-2..=10"))
		default:
			b.WriteByte('%')
			b.WriteByte(t[i])
		}
	}
	return b.String()
}

func (g *gen2) chars() {
	c := g.name("c")
	g.line("let %s = %s;", c, g.char())
	for k := 0; k < 2+g.n(3); k++ {
		g.guarded(g.pick(
			c+".to_int()", c+".to_upper()", c+".to_lower()", c+" + "+g.char(), c+" + \"s\"", "\"s\" + "+c,
			c+" == "+g.char(), c+" < "+g.char(), c+" == \""+"a\"", "to_char("+c+".to_int() + "+g.smallInt()+")",
			"("+c+".to_int() "+g.pick("+", "-", "*")+" "+g.smallInt()+").to_char()", c+".is_digit()", c+" in \"abc\"",
			"type_of("+c+")", c+".to_string()", c+".to_debug()", "`${"+c+"}`", c+" + "+g.smallInt(),
			"["+c+", "+g.char()+"].sort()", g.pick("0x41", "0x1F600", "-1", "0xD800", "1114112")+".to_char()",
		))
	}
	if g.chance(40) {
		s := g.name("w")
		g.line("let %s = \"\"; for ch in %s.chars() { %s += ch.to_upper(); %s += ch.to_int() %% 10; } print(%s);", s, g.str(), s, s, s)
	}
}

func (g *gen2) blobs() {
	b := g.name("b")
	g.line("let %s = blob(%d, %s);", b, g.n(5), g.pick("0", "1", "255", "256", "-1", "0x41"))
	for k := 0; k < 2+g.n(4); k++ {
		switch g.n(12) {
		case 0:
			g.line("%s.push(%s);", b, g.edgeInt())
		case 1:
			g.line("%s += blob(%d, %s);", b, g.n(3), g.pick("9", "300"))
		case 2:
			g.guarded(fmt.Sprintf("%s[%s]", b, g.idx()))
		case 3:
			g.line("try { %s[%s] = %s; } catch { print(\"set\"); }", b, g.idx(), g.edgeInt())
		case 4:
			g.show(fmt.Sprintf("[%s.len(), %s.to_string(), type_of(%s)]", b, b, b))
		case 5:
			g.guarded(fmt.Sprintf("%s.%s", b, g.fill(g.pick("extract(%i)", "extract(%i, %i)", "extract(%r)", "get(%i)", "contains(%i)", "index_of(%i)", "is_empty()", "to_array()", "as_string()"))))
		case 6:
			g.line("%s.%s;", b, g.fill(g.pick("insert(%i, 7)", "truncate(%i)", "chop(%i)", "reverse()", "clear()", "pad(%n, 1)", "splice(%i, %i, blob(1, 5))", "pop()", "shift()")))
		case 7:
			g.show(b)
		case 8:
			g.show(fmt.Sprintf("%s == %s", b, g.pick("blob()", "blob(1, 0)", b)))
		case 9:
			g.show(fmt.Sprintf("%s.to_blob()", g.str()))
		case 10:
			g.guarded(fmt.Sprintf("%s + %s", b, g.pick("blob(1, 2)", "[1]", `"x"`, "1")))
		default:
			g.line("for x in %s { count += x; }", b)
		}
	}
}

func (g *gen2) maps() {
	m := g.name("m")
	g.line("let %s = %s;", m, g.mapLit())
	for k := 0; k < 2+g.n(4); k++ {
		switch g.n(14) {
		case 0:
			g.show(fmt.Sprintf("%s.keys()", m))
		case 1:
			g.show(fmt.Sprintf("%s.values()", m))
		case 2:
			g.show(fmt.Sprintf("[%s.len(), %s.is_empty(), %s.contains(%s)]", m, m, m, g.pick(`"a"`, `"b"`, `"zz"`, `"key with space"`)))
		case 3:
			g.show(fmt.Sprintf("%s.remove(%s)", m, g.pick(`"a"`, `"zz"`, `"x"`)))
		case 4:
			g.line("%s.mixin(%s);", m, g.mapLit())
		case 5:
			g.line("%s.fill_with(%s);", m, g.mapLit())
		case 6:
			g.guarded(fmt.Sprintf("%s.to_json()", m))
		case 7:
			g.line("%s.%s = %s;", m, g.pick("a", "b", "new_key", "n"), g.any())
		case 8:
			g.line("%s[%s] = %s;", m, g.pick(`"a"`, `"q r"`, `"b"`), g.any())
		case 9:
			g.guarded(fmt.Sprintf("%s%s", m, g.pick(".a", ".zz", `["a"]`, `["zz"]`, ".a.b", "?.a?.b", `?["zz"]`, ".x[0]", ".a + 1")))
		case 10:
			g.show(fmt.Sprintf("%s.filter(|k, v| %s)", m, g.pick(`k != "a"`, "type_of(v) == \"i64\"", "true", "v == ()")))
		case 11:
			g.show(fmt.Sprintf("%s + %s", m, g.mapLit()))
		case 12:
			g.line("for k in %s.keys() { print(`${k}=${%s[k]}`); }", m, m)
		default:
			g.guarded(fmt.Sprintf("%s in %s", g.pick(`"a"`, `"b"`, `"zz"`), m))
		}
	}
	if g.chance(30) {
		g.show(m)
	}
}

func (g *gen2) nested() {
	d := g.name("d")
	g.line("let %s = #{list: [1, [2, 3], #{k: [4]}], meta: #{n: 0, tags: []}};", d)
	for k := 0; k < 2+g.n(4); k++ {
		g.line("try { %s; } catch (e) { print(e); }", g.pick(
			d+".list[0] += "+g.smallInt(),
			d+".list[1][0] = "+g.any(),
			d+".list[2].k.push("+g.smallInt()+")",
			d+".list[2][\"k\"][0] *= 2",
			d+".meta.n += 1",
			d+".meta.tags += ["+g.str()+"]",
			d+".meta.tags.push("+g.char()+")",
			d+".list[-1].k[-1] = "+g.smallInt(),
			d+".list["+g.idx()+"] = 0",
			d+".meta.extra = #{deep: [[]]}",
			d+".meta.extra.deep[0].push(1)",
			d+".list[1] += [9]",
			d+".list.remove(0)",
			d+".meta[\"n\"] -= 5",
			"let c = "+d+".list; c.push(99)",
			d+".list[1].len += 1",
		))
	}
	g.show(d)
}

func (g *gen2) arrays() {
	a := g.name("a")
	g.line("let %s = %s;", a, g.intArr())
	ops := []string{
		"map(|x| x * 2)", "map(|x, i| x + i)", "filter(|x| x %% 2 == 0)", "filter(|x, i| i > 0)",
		"reduce(|s, x| s + x, 0)", "reduce(|s, x| s + x)", "reduce(|s, x, i| s + x * i, 100)", "reduce_rev(|s, x| s * 10 + x, 0)",
		"some(|x| x > 3)", "all(|x| x > 0)", "none(|x| x == 0)", "find(|x| x < 0)", "find_map(|x| if x > 2 { x * 10 })",
		"index_of(|x| x > 2)", "index_of(%v)", "index_of(%v, %i)", "contains(%v)", "zip(%a, |p, q| p * q)",
		"sort(|p, q| q - p)", "sort(|p, q| p > q)", "order_by(|p, q| p - q)", "extract(%i)", "extract(%i, %i)", "extract(%r)",
		"split(%i)", "get(%i)", "len()", "is_empty()", "min()", "max()", "sum()", "reverse()", "dedup()", "dedup(|p, q| p == q + 1)",
		"sort_desc()", "collect()", "join(\",\")", "filter(Fn(\"is_odd\"))", "map(Fn(\"abs\"))", "map(\"to_string\")",
		"all(|x| type_of(x) == \"i64\")", "%[%i]", "%[%r]", "drain(|x| x > 2)", "retain(|x| x > 2)",
	}
	mut := []string{
		"push(%v)", "insert(%i, %v)", "remove(%i)", "pop()", "shift()", "truncate(%i)", "chop(%i)", "pad(%n, %v)",
		"splice(%i, %i, %a)", "splice(%r, %a)", "drain(%i, %i)", "drain(%r)", "retain(%r)", "retain(|x| x %% 3 != 0)",
		"sort()", "sort(|p, q| p - q)", "dedup()", "clear()", "append(%a)", "for_each(|| this *= 3)", "reverse()",
	}
	for k := 0; k < 2+g.n(4); k++ {
		if g.chance(40) {
			g.line("try { %s.%s; } catch (e) { print(\"mut: \" + e); }", a, g.fillArr(mut[g.n(len(mut))]))
			continue
		}
		t := ops[g.n(len(ops))]
		if strings.HasPrefix(t, "%[") {
			g.guarded(a + g.fillArr(t[1:]))
			continue
		}
		g.guarded(a + "." + g.fillArr(t))
	}
	if g.chance(40) {
		g.show(a)
	}
	if g.chance(25) {
		// Mixed element arrays.
		b := g.name("mx")
		g.line("let %s = %s;", b, g.mixedArr())
		g.guarded(b + "." + g.pick("sort()", "dedup()", "index_of(1)", "contains('b')", "map(|x| type_of(x))", "len()", "reverse()", "filter(|x| x != ())", "contains(())"))
		g.guarded(fmt.Sprintf("%s == %s", b, g.mixedArr()))
		g.guarded(fmt.Sprintf("%s in %s", g.any(), b))
	}
}

func (g *gen2) fillArr(t string) string {
	t = strings.ReplaceAll(t, "%%", "\x00")
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		if t[i] != '%' || i+1 == len(t) {
			b.WriteByte(t[i])
			continue
		}
		i++
		switch t[i] {
		case 'v':
			b.WriteString(g.pick("0", "1", "2", "5", "-1", "7", "1.0", `"a"`, "()"))
		case 'a':
			b.WriteString(g.pick("[]", "[9]", "[8, 9]", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"))
		case 'i':
			b.WriteString(g.idx())
		case 'n':
			b.WriteString(g.pick("0", "3", "8", "-2"))
		case 'r':
			b.WriteString(g.pick("1..3", "0..=2", "-3..-1", "2..", "..2", "5..1", "0..100", "-2..=10", "1..1"))
		default:
			b.WriteByte('%')
			b.WriteByte(t[i])
		}
	}
	return strings.ReplaceAll(b.String(), "\x00", "%")
}

func (g *gen2) ranges() {
	r := g.name("r")
	lo, hi := g.n(11)-5, g.n(11)-3
	op := g.pick("..", "..=")
	g.line("let %s = %d%s%d;", r, lo, op, hi)
	for k := 0; k < 1+g.n(3); k++ {
		switch g.n(8) {
		case 0:
			g.show(fmt.Sprintf("[%s.start, %s.end, %s.is_inclusive, %s.is_exclusive, %s.is_empty()]", r, r, r, r, r))
		case 1:
			g.line("for i in %s { count += 1; log.push(i); }", r)
		case 2:
			g.show(fmt.Sprintf("[%s in %s, %s.contains(%s)]", g.smallInt(), r, r, g.smallInt()))
		case 3:
			g.show(fmt.Sprintf("%s == %d%s%d", r, lo, g.pick("..", "..="), hi))
		case 4:
			g.line("let acc = []; for i in range(%d, %d, %s) { acc.push(i); } print(acc);", g.n(21)-10, g.n(21)-10, g.pick("1", "2", "3", "-1", "-3", "5"))
		case 5:
			g.line("let acc = []; for i in range(%s, %s) { acc.push(i); } print(acc);", r, g.pick("1", "2", "3"))
		case 6:
			g.guarded(fmt.Sprintf("%s.%s", r, g.pick("len()", "to_string()", "to_debug()", "map(|x| x)")))
		default:
			g.line("let acc = []; for (v, i) in %s { acc.push(v * i); } print(acc);", r)
		}
	}
	if g.chance(30) {
		g.line("let acc = []; for x in range(%s, %s, %s) { acc.push(x); } print(acc);", g.pick("0.0", "1.5", "-1.0"), g.pick("2.0", "3.0", "0.0"), g.pick("0.5", "1.0", "-0.5", "0.25"))
	}
	if g.chance(20) {
		g.show(fmt.Sprintf("[%s, type_of(%s)]", r, r))
	}
}

func (g *gen2) switches() {
	x := g.name("sw")
	g.line("let %s = %s;", x, g.pick(g.smallInt(), g.smallInt(), g.str(), g.char(), g.float(), "()", "true", "[1]"))
	g.line("let %s_r = switch %s {", x, x)
	g.indent++
	used := map[string]bool{}
	for k := 0; k < 1+g.n(4); k++ {
		lit := g.pick("0", "1", "2", "-3", `"hello"`, "'a'", "true", "()", "3.0")
		if used[lit] {
			continue
		}
		used[lit] = true
		if g.chance(30) {
			g.line("%s if %s => %s,", lit, g.pick("count > 0", "count == 0", "true", "false"), g.any())
		} else {
			alt := g.pick("5", "6", "7")
			if !used[alt] && g.chance(30) {
				used[alt] = true
				g.line("%s | %s => %s,", lit, alt, g.any())
			} else {
				g.line("%s => %s,", lit, g.any())
			}
		}
	}
	// Rhai wants range cases after the plain ones.
	for k := 0; k < g.n(3); k++ {
		lo := g.n(10) - 5
		g.line("%d%s%d => %s,", lo, g.pick("..", "..="), lo+g.n(6), g.pick(`"range"`, "1", "[]", x))
		if g.chance(20) {
			g.line("%d..%d if %s => \"guarded range\",", lo, lo+3, g.pick("count > 0", "true"))
		}
	}
	if g.chance(70) {
		if g.chance(30) {
			g.line("_ if %s => \"guarded default\",", g.pick("count > 100", "false"))
		}
		g.line("_ => %s", g.pick(`"default"`, "0", x, "{ count += 1; count }"))
	}
	g.indent--
	g.line("};")
	g.show(x + "_r")
}

func (g *gen2) loops() {
	i := g.name("i")
	switch g.n(6) {
	case 0:
		g.line("let %s = 0;", i)
		g.line("let %s_v = loop { %s += 1; if %s %% %d == 0 { continue; } if %s > %d { break %s; } };", i, i, i, 2+g.n(3), i, 3+g.n(8), g.pick(i, i+" * 2", `"done"`, "[1]", ""))
		g.show(fmt.Sprintf("[%s, %s_v]", i, i))
	case 1:
		g.line("let %s = %d;", i, g.n(10))
		g.line("let %s_v = while %s > 0 { %s -= %d; if %s == %d { break %s; } };", i, i, i, 1+g.n(3), i, g.n(5), g.pick(i, `"hit"`, "()"))
		g.show(fmt.Sprintf("[%s, %s_v]", i, i))
	case 2:
		g.line("let %s = 0;", i)
		// The condition always ends the loop: while below, until above.
		if g.chance(50) {
			g.line("do { %s += %d; count += 1; } while %s < %d;", i, 1+g.n(4), i, g.n(12))
		} else {
			g.line("do { %s += %d; count += 1; } until %s %s %d;", i, 1+g.n(4), i, g.pick(">", ">="), g.n(12))
		}
		g.show(i)
	case 3:
		g.line("let %s_v = for x in %s { if x > %d { break x * 10; } };", i, g.intArr(), g.n(6))
		g.show(i + "_v")
	case 4:
		// Nested loops with labels of control flow.
		g.line("let %s = [];", i)
		g.line("for a in 0..%d { for b in 0..%d { if b == a { continue; } if a + b > %d { break; } %s.push(a * 10 + b); } }", 2+g.n(3), 2+g.n(3), g.n(6), i)
		g.show(i)
	default:
		g.line("let %s = 0; let %s_n = 0;", i, i)
		g.line("while true { %s += 1; if %s > %d { break; } if %s %% 2 == 1 { continue; } %s_n += %s; }", i, i, g.n(12), i, i, i)
		g.show(fmt.Sprintf("%s_n", i))
	}
}

func (g *gen2) arith() {
	for k := 0; k < 2+g.n(3); k++ {
		a, b := g.edgeInt(), g.edgeInt()
		switch g.n(6) {
		case 0:
			g.guarded(fmt.Sprintf("%s %s %s", a, g.pick("+", "-", "*"), b))
		case 1:
			g.guarded(fmt.Sprintf("%s %s %s", a, g.pick("/", "%"), g.pick(b, "0", "-1")))
		case 2:
			g.guarded(fmt.Sprintf("%s ** %s", g.pick("2", "-2", "3", "10", "0", "-1"), g.pick("0", "1", "10", "62", "63", "64", "-1", "100")))
		case 3:
			g.guarded(fmt.Sprintf("%s %s %s", a, g.pick("<<", ">>"), g.pick("0", "1", "62", "63", "64", "-1", "65")))
		case 4:
			v := g.name("n")
			g.line("let %s = %s;", v, a)
			g.guarded(fmt.Sprintf("{ %s %s %s; %s }", v, g.pick("+=", "-=", "*=", "/=", "%=", "**="), g.pick(b, "2", "0"), v))
		default:
			g.guarded(fmt.Sprintf("%s(%s)", g.pick("abs", "sign", "-"), g.pick(a, "(-9223372036854775807 - 1)")))
		}
	}
	if g.chance(30) {
		g.guarded(fmt.Sprintf("%s %s %s", g.edgeInt(), g.pick("+", "-", "*", "/"), g.float()))
	}
}

func (g *gen2) floats() {
	for k := 0; k < 2+g.n(3); k++ {
		a, b := g.float(), g.float()
		switch g.n(8) {
		case 0:
			g.show(fmt.Sprintf("%s %s %s", a, g.pick("+", "-", "*", "/", "%"), b))
		case 1:
			g.show(fmt.Sprintf("%s.%s", a, g.pick("floor()", "ceiling()", "round()", "int()", "fraction()", "abs()", "sqrt()", "is_nan", "is_finite", "is_infinite", "to_int()", "to_string()", "to_debug()")))
		case 2:
			g.show(fmt.Sprintf("%s / %s", a, g.pick("0.0", "-0.0", "0")))
		case 3:
			g.show(fmt.Sprintf("[%s, -%s, %s * 1e300, %s / 1e300]", a, a, a, a))
		case 4:
			g.guarded(fmt.Sprintf("(%s / %s).to_int()", a, g.pick("0.0", "1e-300", "3.0")))
		case 5:
			g.show(fmt.Sprintf("`${%s} ${%s}`", a, b))
		case 6:
			g.show(fmt.Sprintf("[%s == %s, %s < %s, %s == %s]", a, b, a, b, g.pick("0.0", "1.0"), g.pick("0", "1", "-0.0")))
		default:
			g.show(fmt.Sprintf("%s(%s, %s)", g.pick("max", "min"), a, g.pick(b, g.smallInt())))
		}
	}
}

func (g *gen2) conversions() {
	for k := 0; k < 2+g.n(3); k++ {
		g.guarded(g.pick(
			"parse_int("+g.pick(`"42"`, `"-0"`, `" 7"`, `"+5"`, `"1_000"`, `"ff"`, `"9223372036854775808"`, `""`, `"0x10"`)+")",
			"parse_int("+g.pick(`"ff"`, `"FF"`, `"-101"`, `"z"`, `"777"`, `"10"`)+", "+g.pick("16", "2", "8", "36", "10", "1", "37")+")",
			"parse_float("+g.pick(`"1.5"`, `"-0"`, `"1e400"`, `"inf"`, `"NaN"`, `".5"`, `"5."`, `"1_0.5"`, `"abc"`, `" 2"`)+")",
			g.float()+".to_int()", g.edgeInt()+".to_float()", g.str()+".parse_int()", g.str()+".parse_float()",
			"to_int("+g.pick("1e19", "-1e19", "2.9", "-2.9", "0.0/0.0", "'a'", `"5"`)+")",
			"to_float("+g.pick("1", "'a'", `"5"`, "9223372036854775807")+")",
			g.edgeInt()+g.pick(".to_hex()", ".to_binary()", ".to_octal()", ".to_string()", ".to_char()", ".is_odd", ".is_even"),
			"to_string("+g.any()+")", g.any()+".to_debug()", "("+g.any()+").to_string().len()",
		))
	}
}

func (g *gen2) interp() {
	v := g.name("iv")
	g.line("let %s = %s;", v, g.any())
	g.show(g.pick(
		"`value: ${"+v+"}`",
		"`nested: ${`inner ${"+v+"} end`}!`",
		"`${"+v+"}${"+v+"}`",
		"`type ${type_of("+v+")} / ${count + 1} / ${[1, 2].map(|x| `${x}`)}`",
		"`${if count > 0 { \"pos\" } else { `zero ${count}` }}`",
		"`multi\nline ${"+v+"}`",
		"`${#{a: "+v+"}}`",
		"`${["+v+", 'c']}`",
		"`\\${not} ${1 + 1}`",
	))
}

func (g *gen2) optional() {
	m := g.name("o")
	g.line("let %s = %s;", m, g.pick("()", "#{a: 1}", "#{a: #{b: ()}}", "[1, [2]]", `#{a: [#{b: 5}]}`))
	for k := 0; k < 1+g.n(4); k++ {
		g.guarded(g.pick(
			m+"?.a", m+"?.a?.b", m+"?[0]", m+"?[1]?[0]", m+"?.a?[0]?.b", m+" ?? "+g.any(), "("+m+"?.zz) ?? \"dflt\"",
			m+"?.a ?? "+g.smallInt(), "() ?? () ?? "+g.smallInt(), g.smallInt()+" ?? 5", m+"?.a.b", m+"?[\"a\"]",
		))
	}
	if g.chance(30) {
		g.line("try { %s?.a = 5; print(%s); } catch (e) { print(e); }", m, m)
	}
}

func (g *gen2) bits() {
	x := g.name("bx")
	g.line("let %s = %s;", x, g.edgeInt())
	for k := 0; k < 1+g.n(4); k++ {
		switch g.n(7) {
		case 0:
			g.guarded(fmt.Sprintf("%s.get_bit(%s)", x, g.pick("0", "1", "63", "64", "-1", "-64", "-65")))
		case 1:
			g.guarded(fmt.Sprintf("{ let t = %s; t.set_bit(%s, %s); t }", x, g.pick("0", "3", "63", "64", "-1"), g.pick("true", "false")))
		case 2:
			g.guarded(fmt.Sprintf("%s.get_bits(%s)", x, g.fill(g.pick("%i, %i", "%r", "0, 64", "60, 10", "-4, 2"))))
		case 3:
			g.guarded(fmt.Sprintf("{ let t = %s; t.set_bits(%s, %s); t }", x, g.fill(g.pick("%i, %i", "%r", "0, 64", "-4, 2")), g.pick("0", "-1", "5")))
		case 4:
			g.guarded(fmt.Sprintf("%s.bits(%s).collect()", x, g.fill(g.pick("", "%i", "%i, %i", "%r"))))
		case 5:
			g.show(fmt.Sprintf("[%s & %s, %s | %s, %s ^ %s, !(%s == 0)]", x, g.edgeInt(), x, g.edgeInt(), x, g.edgeInt(), x))
		default:
			g.line("let bl = []; for b in %s.bits() { bl.push(b); } print(bl.filter(|b| b).len());", x)
		}
	}
}

func (g *gen2) typeOf() {
	var parts []string
	for k := 0; k < 3+g.n(4); k++ {
		parts = append(parts, "type_of("+g.any()+")")
	}
	parts = append(parts, "type_of("+g.pick("1 / 2", "1.0 / 2", "'a' + \"b\"", "[] + []", "#{} + #{}", "1..2", "|| 1", "print", "count", "log", "()")+")")
	g.show("[" + strings.Join(parts, ", ") + "]")
}

func (g *gen2) defs() {
	g.fn("helper", "fn helper(a) { a }\nfn helper(a, b) { a + b }")
	v := g.name("dv")
	g.line("let %s = 1;", v)
	g.show(fmt.Sprintf("[is_def_var(%q), is_def_var(%q), is_def_var(\"count\"), is_def_fn(\"helper\", %d), is_def_fn(%q, 1)]",
		v, g.pick("nope", "LIMIT", "log"), g.n(4), g.pick("helper", "abs", "fib", "nope")))
	if g.chance(40) {
		g.line("{ let inner = 2; print(is_def_var(\"inner\")); }")
		g.line("print(is_def_var(\"inner\"));")
	}
}

func (g *gen2) consts() {
	c := strings.ToUpper(g.name("k"))
	g.line("const %s = %s;", c, g.pick(g.smallInt(), g.str(), "[1, 2]", "#{a: 1}"))
	switch g.n(6) {
	case 0:
		g.line("try { %s = 5; } catch (e) { print(e); }", c)
	case 1:
		// Shadowing a constant with a variable.
		g.line("let %s = 5; %s += 1; print(%s);", c, c, c)
	case 2:
		g.fn("use_global", "fn use_global() { global::LIMIT * 2 }")
		if g.fnDone["LIMIT"] {
			g.show("use_global()")
		} else {
			g.guarded("use_global()")
		}
	case 3:
		g.line("try { %s.push(3); print(%s); } catch (e) { print(e); }", c, c)
	case 4:
		// A function cannot see the script's variables.
		g.fn("sees_count", "fn sees_count() { count }")
		g.guarded("sees_count()")
	default:
		v := g.name("sh")
		g.line("let %s = %s; let %s = %s + %s; { let %s = \"inner\"; print(%s); } print(%s);", v, g.smallInt(), v, v, g.smallInt(), v, v, v)
	}
	g.show(c)
}

func (g *gen2) methods() {
	switch g.n(5) {
	case 0:
		g.fn("map.describe", "fn map.describe() { `${this.name}: ${this.n}` }")
		g.fn("map.bump", "fn map.bump(by) { this.n += by; this.n }")
		o := g.name("obj")
		g.line("let %s = #{name: %s, n: %s};", o, g.str(), g.smallInt())
		g.show(fmt.Sprintf("%s.describe()", o))
		g.show(fmt.Sprintf("[%s.bump(%s), %s.n]", o, g.smallInt(), o))
		if g.chance(30) {
			g.guarded(fmt.Sprintf("describe(%s)", o))
		}
	case 1:
		o := g.name("acct")
		g.line("let %s = #{bal: %s, dep: |x| { this.bal += x; this.bal }, get: || this.bal};", o, g.smallInt())
		g.show(fmt.Sprintf("[%s.dep(%s), %s.dep(%s), %s.get(), %s.bal]", o, g.smallInt(), o, g.smallInt(), o, o))
	case 2:
		g.fn("int.double", "fn int.double() { this * 2 }")
		g.fn("string.shout", "fn string.shout() { this.to_upper() + \"!\" }")
		g.guarded(g.pick(g.smallInt()+".double()", g.str()+".shout()", "\"x\".double()", "(-4).double().double()"))
	case 3:
		g.fn("array.total", "fn array.total() { let s = 0; for x in this { s += x; } s }")
		g.fn("array.push_twice", "fn array.push_twice(x) { this.push(x); this.push(x); }")
		a := g.name("ta")
		g.line("let %s = %s;", a, g.intArr())
		g.line("%s.push_twice(%s);", a, g.smallInt())
		g.show(fmt.Sprintf("[%s.total(), %s.len()]", a, a))
	default:
		g.fn("counter", "fn counter() { this += 1; this }")
		v := g.name("cv")
		g.line("let %s = %s;", v, g.smallInt())
		g.guarded(fmt.Sprintf("[%s.counter(), %s.counter(), %s]", v, v, v))
	}
}

func (g *gen2) throws() {
	e := g.name("ex")
	switch g.n(6) {
	case 0:
		g.line("try { throw %s; } catch (%s) { print(`got ${%s} (${type_of(%s)})`); }", g.pick("42", `"boom"`, "#{code: 7, msg: \"bad\"}", "[1, 2]", "()", "'x'", "1.5"), e, e, e)
	case 1:
		// System errors caught: the error object.
		g.line("try { %s; } catch (%s) { print(type_of(%s)); print(%s); }", g.pick("1 / 0", "[1][5]", "no_var", "undefined_fn()", `"a" + 1 - 1`, "let q = (); q.x", "parse_int(\"z\")", "9223372036854775807 + 1"), e, e, e)
	case 2:
		g.fn("checked", "fn checked(x) { if x < 0 { throw `negative: ${x}`; } x * 2 }")
		g.line("let %s = [];", e)
		g.line("for v in [3, -1, 4] { try { %s.push(checked(v)); } catch (err) { %s.push(err); } }", e, e)
		g.show(e)
	case 3:
		// Rethrow and nested try.
		g.line("try { try { throw %s; } catch (inner) { throw inner + %s; } } catch (%s) { print(%s); }", g.pick("1", `"a"`), g.pick("1", `"b"`), e, e)
	case 4:
		g.line("try { %s; } catch (%s) { if type_of(%s) == \"map\" { print(%s.keys()); print(%s.message); } else { print(%s); } }",
			g.pick("1 / 0", "throw #{message: \"m\", code: 1}", "[1][9]", "fn_none(1)", "throw \"s\""), e, e, e, e, e)
	default:
		// An uncaught error ends the script, after what it printed.
		if g.chance(40) {
			g.line("print(\"before\");")
			g.line("%s;", g.pick("throw \"uncaught\"", "throw #{a: 1}", "1 % 0", "[][0]", "throw"))
		} else {
			g.line("let %s = %s;", e, g.pick("() ?? 1", "throw_not", "1"))
			g.show(e)
		}
	}
}
