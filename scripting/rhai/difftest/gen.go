// Package difftest compares the interpreter with stock Rust Rhai: Program
// writes deterministic random scripts (a seed gives always the same text)
// over the language features Rhai users rely on, and the package's test runs
// them and a hand-written corpus on both sides and compares the results.
package difftest

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Program returns the random script of one seed. Scripts always terminate
// (loops are bounded by counters the generator controls) and usually run
// without error; some fail on purpose (overflow, bad index, throw), because
// the errors must agree too.
func Program(seed uint64) string {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	return g.program()
}

// kind is the static type the generator tracks for a variable.
type kind int

const (
	kInt kind = iota
	kFloat
	kStr
	kChar
	kBool
	kArr
	kMap
	kFn // a closure taking one int
	nKinds
)

type variable struct {
	name string
	k    kind
}

type gen struct {
	r       *rand.Rand
	b       strings.Builder
	vars    []variable
	nvar    int
	depth   int
	indent  int
	fns     []string // script functions taking one int
	loops   int
	helpers bool // fact, map.total, array.sum, float.half and bump are defined
}

func (g *gen) n(k int) int       { return g.r.IntN(k) }
func (g *gen) chance(p int) bool { return g.r.IntN(100) < p }

func (g *gen) pick(xs ...string) string { return xs[g.n(len(xs))] }

func (g *gen) line(format string, args ...any) {
	g.b.WriteString(strings.Repeat("    ", g.indent))
	fmt.Fprintf(&g.b, format, args...)
	g.b.WriteByte('\n')
}

func (g *gen) fresh(k kind) string {
	g.nvar++
	return fmt.Sprintf("v%d", g.nvar)
}

// varOf returns a variable of kind k in scope, or "".
func (g *gen) varOf(k kind) string {
	var c []string
	for _, v := range g.vars {
		if v.k == k {
			c = append(c, v.name)
		}
	}
	if len(c) == 0 {
		return ""
	}
	return c[g.n(len(c))]
}

func (g *gen) program() string {
	// Top-level functions first: plain, typed methods and a catch-all.
	nf := g.n(3)
	for i := 0; i < nf; i++ {
		g.fnDef(i)
	}
	if g.chance(30) {
		g.line("fn fact(n) { if n <= 1 { 1 } else { n * fact(n - 1) } }")
		g.line("fn map.total() { this.a + this.b }")
		g.line("fn array.sum() { this.reduce(|s, x| s + x, 0) }")
		g.line("fn float.half() { this / 2.0 }")
		g.line("fn bump(n) { cnt += n; cnt }")
		g.helpers = true
	}
	n := 3 + g.n(8)
	for i := 0; i < n; i++ {
		g.stmt()
	}
	// The final value: an expression of some kind.
	g.line("%s", g.expr(kind(g.n(int(kMap)+1))))
	return g.b.String()
}

func (g *gen) fnDef(i int) {
	name := fmt.Sprintf("f%d", i)
	switch g.n(4) {
	case 0:
		g.line("fn %s(x) { %s }", name, g.withVars([]variable{{"x", kInt}}, func() string { return g.expr(kInt) }))
		g.fns = append(g.fns, name)
	case 1:
		g.line("fn %s(x, y) { if x > y { x - y } else { %s } }", name, g.withVars([]variable{{"x", kInt}, {"y", kInt}}, func() string { return g.expr(kInt) }))
	case 2:
		// A typed method with a catch-all of the same name.
		g.line("fn int.%s(d) { this * 2 + d }", name)
		g.line("fn string.%s(d) { this.len() + d }", name)
		g.line("fn %s(d) { d - 1 }", name)
		g.fns = append(g.fns, name)
	default:
		// A method using `this` on any receiver.
		g.line("fn %s() { this.len() }", name)
		g.line("fn %s_inc(n) { this += n; this }", name)
	}
}

func (g *gen) withVars(vs []variable, f func() string) string {
	saved := g.vars
	g.vars = append([]variable(nil), vs...)
	s := f()
	g.vars = saved
	return s
}

func (g *gen) block(f func()) {
	mark := len(g.vars)
	g.indent++
	f()
	g.indent--
	g.vars = g.vars[:mark]
}

func (g *gen) stmt() {
	if g.depth > 2 {
		g.simpleStmt()
		return
	}
	g.depth++
	defer func() { g.depth-- }()
	switch g.n(30) {
	case 22, 23, 24, 25, 26, 27, 28, 29:
		g.feature()
	case 0, 1, 2, 3:
		g.letStmt()
	case 4, 5:
		g.simpleStmt()
	case 6:
		g.line("if %s {", g.expr(kBool))
		g.block(func() { g.stmt() })
		if g.chance(50) {
			g.line("} else {")
			g.block(func() { g.stmt() })
		}
		g.line("}")
	case 7:
		c := g.fresh(kInt)
		g.line("let %s = 0;", c)
		g.line("while %s < %d {", c, 1+g.n(5))
		g.block(func() {
			g.line("%s += 1;", c)
			g.loops++
			g.stmt()
			if g.chance(30) {
				g.line("if %s == %d { %s; }", c, g.n(4), g.pick("break", "continue"))
			}
			g.loops--
		})
		g.line("}")
	case 8:
		x := g.fresh(kInt)
		var iter string
		k := kInt
		switch g.n(6) {
		case 0:
			iter = fmt.Sprintf("%d..%d", g.n(3)-1, g.n(6))
		case 1:
			iter = fmt.Sprintf("%d..=%d", g.n(3), g.n(5))
		case 2:
			iter = fmt.Sprintf("range(%d, %d, %s)", g.n(10), g.n(10), g.pick("1", "2", "3", "-1", "-2"))
		case 3:
			iter, k = g.expr(kStr), kChar
		case 4:
			iter = fmt.Sprintf("range(%d..%d, %d)", g.n(4), g.n(12), 1+g.n(3))
		default:
			if a := g.varOf(kArr); a != "" {
				iter = a
			} else {
				iter = "[1, 2, 3]"
			}
		}
		if g.chance(30) {
			i := g.fresh(kInt)
			g.line("for (%s, %s) in %s {", x, i, iter)
			g.block(func() {
				g.vars = append(g.vars, variable{i, kInt})
				g.loopBody(x, k)
			})
		} else {
			g.line("for %s in %s {", x, iter)
			g.block(func() { g.loopBody(x, k) })
		}
		g.line("}")
	case 9:
		g.line("try {")
		g.block(func() {
			g.stmt()
			g.line("%s;", g.failing())
			g.stmt()
		})
		e := g.fresh(kStr)
		if g.chance(80) {
			g.line("} catch (%s) {", e)
			g.block(func() {
				g.line("print(type_of(%s));", e)
				switch g.n(3) {
				case 0:
					g.line("print(%s);", e)
				case 1:
					g.line("if type_of(%s) == \"map\" { print(%s.message); } else { print(%s); }", e, e, e)
				}
			})
		} else {
			g.line("} catch {")
			g.block(func() { g.line("print(\"caught\");") })
		}
		g.line("}")
	case 10:
		g.switchStmt()
	case 11:
		// Closure capture and sharing.
		v := g.fresh(kInt)
		f := g.fresh(kFn)
		g.line("let %s = %s;", v, g.expr(kInt))
		g.line("let %s = |x| { %s += x; %s };", f, v, v)
		g.vars = append(g.vars, variable{v, kInt}, variable{f, kFn})
		g.line("print(%s.call(%d));", f, g.n(5))
		g.line("print(%s);", v)
		if g.chance(30) {
			g.line("print(is_shared(%s));", v)
		}
	case 12:
		// Closures made in a loop.
		fs := g.fresh(kArr)
		x := g.fresh(kInt)
		g.line("let %s = [];", fs)
		g.line("for %s in 0..%d { %s.push(|| %s * %d); }", x, 1+g.n(3), fs, x, 1+g.n(3))
		g.line("print(%s.map(|f| f.call()));", fs)
	case 13:
		g.line("print(eval(%q));", g.evalText())
	case 14:
		if m := g.varOf(kMap); m != "" {
			g.line("print(%s?.%s);", m, g.pick("a", "b", "zz"))
			g.line("print(%s?.a?.b);", m)
		} else {
			g.line("let %s = %s;", g.fresh(kMap), "#{a: 1}")
		}
	case 15:
		g.line("do {")
		c := g.fresh(kInt)
		g.block(func() { g.simpleStmt() })
		_ = c
		g.line("} while false;")
	case 16:
		if a := g.varOf(kArr); a != "" {
			g.line("print(%s);", g.arrMethod(a))
		} else {
			g.letStmt()
		}
	case 17:
		g.line("print(%s);", g.strMethod())
	case 18:
		v := g.fresh(kInt)
		g.line("let %s = %s;", v, g.expr(kInt))
		g.line("print(%s.to_string() + \" \" + %s.to_float().to_string());", v, v)
	case 19:
		g.line("debug(%s);", g.expr(kind(g.n(int(kMap)+1))))
	case 20:
		g.line("print(type_of(%s));", g.expr(kind(g.n(int(kMap)+1))))
	default:
		g.line("print(%s);", g.expr(kind(g.n(int(kMap)+1))))
	}
}

func (g *gen) loopBody(x string, k kind) {
	g.vars = append(g.vars, variable{x, k})
	g.loops++
	g.line("print(%s);", x)
	if g.chance(50) {
		g.stmt()
	}
	g.loops--
}

func (g *gen) simpleStmt() {
	switch g.n(6) {
	case 0, 1:
		if v := g.varOf(kInt); v != "" {
			g.line("%s %s %s;", v, g.pick("=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "|=", "^=", "**="), g.smallInt())
			return
		}
		g.letStmt()
	case 2:
		if v := g.varOf(kStr); v != "" {
			g.line("%s += %s;", v, g.expr(g.pickKind(kStr, kChar, kInt, kFloat, kBool)))
			return
		}
		g.letStmt()
	case 3:
		if a := g.varOf(kArr); a != "" {
			switch g.n(4) {
			case 0:
				g.line("%s.push(%s);", a, g.expr(kInt))
			case 1:
				g.line("%s[%d] = %s;", a, g.n(4)-1, g.expr(kInt))
			case 2:
				g.line("%s += %s;", a, g.expr(kArr))
			default:
				g.line("%s.%s;", a, g.pick("pop()", "shift()", "clear()", "reverse()", "sort()", "insert(1, 9)", "truncate(2)", "remove(0)", "dedup()"))
			}
			return
		}
		g.letStmt()
	case 4:
		if m := g.varOf(kMap); m != "" {
			g.line("%s.%s = %s;", m, g.pick("a", "b", "c"), g.expr(g.pickKind(kInt, kStr, kArr)))
			return
		}
		g.letStmt()
	default:
		g.line("print(%s);", g.expr(kind(g.n(int(kMap)+1))))
	}
}

func (g *gen) pickKind(ks ...kind) kind { return ks[g.n(len(ks))] }

func (g *gen) letStmt() {
	k := kind(g.n(int(kMap) + 1))
	e := g.expr(k)
	v := g.fresh(k)
	kw := "let"
	if g.chance(10) {
		kw = "const"
		v = strings.ToUpper(v)
	}
	g.line("%s %s = %s;", kw, v, e)
	if kw == "let" {
		g.vars = append(g.vars, variable{v, k})
	}
}

func (g *gen) switchStmt() {
	x := g.expr(kInt)
	g.line("print(switch %s {", x)
	g.indent++
	// Rhai wants the numeric cases before the range cases.
	used := map[int]bool{}
	for i := 0; i < 1+g.n(3); i++ {
		a, b := g.n(5)-1, g.n(5)+5
		if used[a] || used[b] {
			continue
		}
		used[a], used[b] = true, true
		if g.chance(50) {
			g.line("%d => %s,", a, g.expr(kInt))
		} else {
			g.line("%d | %d => %s,", a, b, g.expr(kStr))
		}
	}
	for i := 0; i < g.n(3); i++ {
		g.line("%d..%d => %s,", g.n(3), 3+g.n(5), g.expr(kInt))
	}
	if g.chance(60) {
		g.line("_ => %s", g.expr(kBool))
	}
	g.indent--
	g.line("});")
}

// failing is a statement that raises a runtime error (or may not).
func (g *gen) failing() string {
	switch g.n(10) {
	case 0:
		return fmt.Sprintf("%d / %d", g.n(10), g.n(2))
	case 1:
		return "throw " + g.expr(g.pickKind(kInt, kStr, kMap))
	case 2:
		return "[1, 2][" + fmt.Sprint(g.n(5)-1) + "]"
	case 3:
		return "undefined_fn(1)"
	case 4:
		return "9223372036854775807 + " + fmt.Sprint(g.n(2))
	case 5:
		return "\"abc\" - 1"
	case 6:
		return "let q = #{a: 1}; q.b.c"
	case 7:
		return "parse_int(\"x1\")"
	case 8:
		return "\"abc\".sub_string(" + fmt.Sprint(g.n(5)-1) + ", 2)"
	}
	return "no_such_var + 1"
}

func (g *gen) evalText() string {
	switch g.n(4) {
	case 0:
		return fmt.Sprintf("%d + %d * 2", g.n(100), g.n(100))
	case 1:
		return "let z = 5; z * 2"
	case 2:
		return "[1, 2, 3].len()"
	}
	return "\"s\" + 1"
}

func (g *gen) smallInt() string {
	switch g.n(8) {
	case 0:
		return fmt.Sprint(g.n(70) - 5)
	case 1:
		return fmt.Sprint(g.n(100))
	case 2:
		return "0"
	}
	return fmt.Sprint(1 + g.n(9))
}

func (g *gen) intLit() string {
	switch g.n(12) {
	case 0:
		return "9223372036854775807"
	case 1:
		return "-9223372036854775807"
	case 2:
		return fmt.Sprint(g.r.Int64N(1 << 40))
	case 3:
		return "0x" + fmt.Sprintf("%x", g.n(1<<16))
	case 4:
		return "0b" + fmt.Sprintf("%b", g.n(64))
	case 5:
		return "1_000"
	case 6:
		return fmt.Sprint(-g.n(100))
	}
	return fmt.Sprint(g.n(20))
}

func (g *gen) floatLit() string {
	if g.chance(20) {
		// A float of any magnitude, written in exponent form.
		return fmt.Sprintf("%.*fe%d", g.n(6), float64(1+g.n(999))/100, g.n(40)-20)
	}
	switch g.n(16) {
	case 0:
		return "1e20"
	case 1:
		return "1.5e-7"
	case 2:
		return "0.1"
	case 3:
		return "123456789.125"
	case 4:
		return "1e15"
	case 5:
		return "1e16"
	case 6:
		return "3.0e-5"
	case 7:
		return "2.5e300"
	case 8:
		return "-0.0"
	case 9:
		return "1e-300"
	case 10:
		return fmt.Sprintf("%d.%d", g.n(1000), g.n(1000))
	case 11:
		return "12345678901234.5"
	}
	return fmt.Sprintf("%d.%d", g.n(10), g.n(100))
}

func (g *gen) strLit() string {
	return g.pick(`"abc"`, `"Hello, World"`, `""`, `"  pad  "`, `"a,b,,c"`, `"ünï"`, `"x\ty"`, `"12"`, `"3.5"`, `"AbC"`, "`raw ${1+1}`", `"line\n"`)
}

func (g *gen) expr(k kind) string {
	g.depth++
	defer func() { g.depth-- }()
	if g.depth > 5 || g.chance(25) {
		if v := g.varOf(k); v != "" && g.chance(60) {
			return v
		}
		return g.leaf(k)
	}
	switch k {
	case kInt:
		return g.intExpr()
	case kFloat:
		return g.floatExpr()
	case kStr:
		return g.strExpr()
	case kChar:
		return g.pick("'a'", "'Z'", "'ü'", "'\\n'", `"abc"[1]`, `"xyz".to_chars()[0]`, "'9'")
	case kBool:
		return g.boolExpr()
	case kArr:
		return g.arrExpr()
	case kMap:
		return g.mapExpr()
	case kFn:
		return "|x| x + 1"
	}
	return "()"
}

func (g *gen) leaf(k kind) string {
	switch k {
	case kInt:
		return g.intLit()
	case kFloat:
		return g.floatLit()
	case kStr:
		return g.strLit()
	case kChar:
		return g.pick("'a'", "'Z'", "'ü'", "'7'")
	case kBool:
		return g.pick("true", "false")
	case kArr:
		return g.pick("[]", "[1, 2, 3]", "[3, 1, 2]", `["b", "a"]`, "[1.5, 2]", "[[1], [2, 3]]", "[true, 'c', ()]")
	case kMap:
		return g.pick("#{}", "#{a: 1}", `#{a: 1, b: "two", c: [3]}`, "#{a: #{b: 2}}", `#{"x y": 1.5}`)
	}
	return "()"
}

func (g *gen) intExpr() string {
	a := func() string { return g.expr(kInt) }
	switch g.n(20) {
	case 0, 1, 2:
		return fmt.Sprintf("(%s %s %s)", a(), g.pick("+", "-", "*"), a())
	case 3:
		return fmt.Sprintf("(%s %s %s)", a(), g.pick("/", "%"), a())
	case 4:
		return fmt.Sprintf("(%s %s %s)", a(), g.pick("<<", ">>"), g.smallInt())
	case 5:
		return fmt.Sprintf("(%s %s %s)", a(), g.pick("&", "|", "^"), a())
	case 6:
		return fmt.Sprintf("(%s ** %d)", a(), g.n(5))
	case 7:
		return "(-(" + a() + "))"
	case 8:
		return fmt.Sprintf("%s(%s)", g.pick("abs", "sign"), a())
	case 9:
		return fmt.Sprintf("%s.len()", g.expr(g.pickKind(kStr, kArr, kMap)))
	case 10:
		return fmt.Sprintf("max(%s, %s)", a(), a())
	case 11:
		return fmt.Sprintf("%s.%s()", g.expr(kFloat), g.pick("to_int", "floor().to_int", "round().to_int"))
	case 12:
		if len(g.fns) > 0 {
			f := g.fns[g.n(len(g.fns))]
			if g.chance(50) {
				return fmt.Sprintf("%s(%s)", f, a())
			}
			return fmt.Sprintf("%s.%s(%s)", g.leaf(kInt), f, g.smallInt())
		}
		return a()
	case 13:
		if f := g.varOf(kFn); f != "" {
			return fmt.Sprintf("%s.call(%s)", f, a())
		}
		return fmt.Sprintf("if %s { %s } else { %s }", g.expr(kBool), a(), a())
	case 14:
		return fmt.Sprintf("parse_int(%s)", g.pick(`"42"`, `"-7"`, `"0"`, `"ff"`, `"123456789"`, `"-0"`))
	case 15:
		if arr := g.varOf(kArr); arr != "" {
			return fmt.Sprintf("%s.len()", arr)
		}
		return fmt.Sprintf("[%s, %s][%d]", a(), a(), g.n(2))
	case 16:
		return fmt.Sprintf("%s.%s", g.expr(kStr), g.pick("index_of('a')", "len()", "index_of(\"b\")", "len"))
	case 17:
		return fmt.Sprintf("%s.%s", a(), g.pick("is_odd", "is_even", "is_zero", "abs()", "sign()", "get_bits(0, 3)", "to_string().len()"))
	case 18:
		return fmt.Sprintf("%s.get_bits(%d, %d)", a(), g.n(10), g.n(10))
	}
	return fmt.Sprintf("(%s %s %s)", a(), g.pick("+", "-"), g.leaf(kInt))
}

func (g *gen) floatExpr() string {
	a := func() string { return g.expr(kFloat) }
	switch g.n(10) {
	case 0, 1, 2:
		return fmt.Sprintf("(%s %s %s)", a(), g.pick("+", "-", "*", "/", "%", "**"), g.expr(g.pickKind(kFloat, kInt)))
	case 3:
		return fmt.Sprintf("(%s %s %s)", g.expr(kInt), g.pick("+", "-", "*", "/"), a())
	case 4:
		return fmt.Sprintf("%s.%s()", a(), g.pick("sqrt", "floor", "ceiling", "round", "abs", "fraction", "int", "exp", "ln", "sin"))
	case 5:
		return fmt.Sprintf("%s.to_float()", g.expr(kInt))
	case 6:
		return fmt.Sprintf("parse_float(%s)", g.pick(`"1.5"`, `"1e3"`, `"-0.25"`, `"7"`))
	case 7:
		return fmt.Sprintf("%s(%s, %s)", g.pick("max", "min"), a(), g.expr(g.pickKind(kFloat, kInt)))
	case 8:
		return fmt.Sprintf("(%s / %s)", a(), g.pick("3.0", "7", "1e10", "0.0"))
	}
	return fmt.Sprintf("(-(%s))", a())
}

func (g *gen) strExpr() string {
	s := func() string { return g.expr(kStr) }
	switch g.n(12) {
	case 0, 1:
		return fmt.Sprintf("(%s + %s)", s(), g.expr(kind(g.n(int(kMap)+1))))
	case 2:
		return fmt.Sprintf("`v=${%s}`", g.expr(kind(g.n(int(kMap)+1))))
	case 3:
		return fmt.Sprintf("%s.to_string()", g.expr(kind(g.n(int(kMap)+1))))
	case 4:
		return fmt.Sprintf("%s.to_debug()", g.expr(kind(g.n(int(kMap)+1))))
	case 5:
		return g.strMethod()
	case 6:
		return fmt.Sprintf("type_of(%s)", g.expr(kind(g.n(int(nKinds)))))
	case 7:
		return fmt.Sprintf("%s.to_string()", g.expr(kFloat))
	case 8:
		return fmt.Sprintf("(%s + %s)", g.expr(kChar), s())
	case 9:
		return fmt.Sprintf("%s[%d..%d]", s(), g.n(2), g.n(4))
	case 10:
		return fmt.Sprintf("%s.%s", s(), g.pick("sub_string(2)", "sub_string(1, 2)", "to_upper()", "trim()", "to_lower()"))
	}
	return fmt.Sprintf("(%s + %s)", g.expr(g.pickKind(kInt, kFloat)), s())
}

func (g *gen) strMethod() string {
	s := g.expr(kStr)
	switch g.n(14) {
	case 0:
		return s + ".to_upper()"
	case 1:
		return s + ".len()"
	case 2:
		return s + ".trim()"
	case 3:
		return s + ".chars()"
	case 4:
		return s + ".split(\",\")"
	case 5:
		return fmt.Sprintf("%s.sub_string(%d, %d)", s, g.n(3), g.n(4))
	case 6:
		return s + ".contains(\"a\")"
	case 7:
		return fmt.Sprintf("%s.replace(%s, %s)", s, g.pick(`"a"`, `'b'`), g.pick(`"ZZ"`, `'q'`))
	case 8:
		return s + ".to_lower()"
	case 9:
		return s + ".bytes"
	case 10:
		return fmt.Sprintf("%s.pad(%d, '*')", s, g.n(8))
	case 11:
		return s + ".to_blob()"
	case 12:
		return fmt.Sprintf("%s.crop(%d)", s, g.n(4))
	}
	return fmt.Sprintf("%s.starts_with(%s)", s, g.strLit())
}

func (g *gen) boolExpr() string {
	switch g.n(9) {
	case 0, 1:
		k := g.pickKind(kInt, kFloat, kStr, kChar, kBool)
		return fmt.Sprintf("(%s %s %s)", g.expr(k), g.pick("==", "!=", "<", ">", "<=", ">="), g.expr(k))
	case 2:
		return fmt.Sprintf("(%s %s %s)", g.expr(kInt), g.pick("==", "<", ">="), g.expr(kFloat))
	case 3:
		return fmt.Sprintf("(%s %s %s)", g.expr(kBool), g.pick("&&", "||", "^", "&", "|"), g.expr(kBool))
	case 4:
		return "!" + g.expr(kBool)
	case 5:
		return fmt.Sprintf("%s.contains(%s)", g.expr(kArr), g.expr(kInt))
	case 6:
		return fmt.Sprintf("(%s in %s)", g.pick(`"a"`, `"x"`), g.expr(g.pickKind(kMap, kStr)))
	case 7:
		return fmt.Sprintf("%s.is_empty()", g.expr(g.pickKind(kStr, kArr, kMap)))
	}
	return fmt.Sprintf("(%s == %s)", g.expr(kArr), g.expr(kArr))
}

func (g *gen) arrExpr() string {
	a := func() string { return g.expr(kArr) }
	switch g.n(10) {
	case 0:
		return fmt.Sprintf("[%s, %s]", g.expr(kInt), g.expr(kind(g.n(int(kMap)+1))))
	case 1:
		return fmt.Sprintf("(%s + %s)", a(), a())
	case 2:
		return g.arrMethod(a())
	case 3:
		return fmt.Sprintf("%s.map(|x| %s)", g.pick("[1, 2, 3]", "[0, -4]"), g.withVars([]variable{{"x", kInt}}, func() string { return g.expr(kInt) }))
	case 4:
		return fmt.Sprintf("%s.filter(|x| x %s %d)", g.pick("[1, 2, 3, 4]", "[5, 0, -1]"), g.pick(">", "<", "!="), g.n(4))
	case 5:
		return fmt.Sprintf("%s.keys()", g.expr(kMap))
	case 6:
		return fmt.Sprintf("%s.split(%s)", g.expr(kStr), g.pick(`","`, `" "`, `'b'`))
	case 7:
		return fmt.Sprintf("%s.sort(|a, b| %s)", g.pick("[3, 1, 2]", "[5, 5, -1, 7]"), g.pick("a - b", "b - a", "a > b", "if a < b { -1 } else { 1 }"))
	case 8:
		return fmt.Sprintf("%s.%s", g.expr(kStr), g.pick("chars()", "split()", "to_chars()", "bytes"))
	}
	return fmt.Sprintf("[%s]", g.expr(kind(g.n(int(kMap)+1))))
}

func (g *gen) arrMethod(a string) string {
	switch g.n(16) {
	case 0:
		return a + ".len()"
	case 1:
		return a + ".reduce(|s, x| s + x, 0)"
	case 2:
		return fmt.Sprintf("%s.index_of(%s)", a, g.smallInt())
	case 3:
		return fmt.Sprintf("%s.extract(%d, %d)", a, g.n(3), g.n(3))
	case 4:
		return fmt.Sprintf("%s[%d]", a, g.n(4)-2)
	case 5:
		return fmt.Sprintf("%s?[%d]", a, g.n(4))
	case 6:
		return a + ".some(|x| x == 1)"
	case 7:
		return a + ".all(|x| type_of(x) == \"i64\")"
	case 8:
		return a + ".reverse()"
	case 9:
		return fmt.Sprintf("%s.contains(%s)", a, g.smallInt())
	case 10:
		return a + ".sort()"
	case 11:
		return fmt.Sprintf("%s.split(%d)", a, g.n(3))
	case 12:
		return fmt.Sprintf("%s.%s()", a, g.pick("pop", "shift", "dedup", "clear", "is_empty"))
	case 13:
		return fmt.Sprintf("%s.zip([9, 8], |a, b| [a, b])", a)
	case 14:
		return a + ".find(|x| x > 1)"
	}
	return fmt.Sprintf("%s.map(|v, i| i)", a)
}

func (g *gen) mapExpr() string {
	switch g.n(6) {
	case 0:
		return fmt.Sprintf("#{a: %s, b: %s}", g.expr(kInt), g.expr(kind(g.n(int(kMap)+1))))
	case 1:
		return fmt.Sprintf("%s + %s", g.expr(kMap), g.expr(kMap))
	case 2:
		return fmt.Sprintf("parse_json(%s)", g.pick(`"{\"a\": 1, \"b\": [true, null]}"`, `"{}"`, `"{\"x\": 1.5}"`))
	case 3:
		return fmt.Sprintf("%s.filter(|k, v| k != \"a\")", g.expr(kMap))
	case 4:
		return fmt.Sprintf("#{x: %s}", g.expr(kArr))
	}
	return g.leaf(kMap)
}

// feature writes one statement exercising a part of the language outside
// the typed expression generator: blobs, `this`, `!` calls, closures in
// maps, error objects, ranges, tags, optional chaining and the helpers.
func (g *gen) feature() {
	i := g.smallInt
	if g.chance(40) {
		g.feature2()
		return
	}
	switch g.n(24) {
	case 0:
		b := g.fresh(kStr)
		g.line("let %s = blob(%d, %s);", b, g.n(5), i())
		g.line("%s.push(%s); %s += %d;", b, i(), b, g.n(300))
		g.line("print(%s); print(%s.len()); print(%s[%d]);", b, b, b, g.n(6)-2)
		g.line("print(%s + blob(1, 7)); print(%s.to_string());", b, b)
	case 1:
		g.line("print(%s.to_blob().len());", g.expr(kStr))
	case 2:
		if g.helpers {
			g.line("let cnt = %s;", i())
			g.line("print(bump!(%s)); print(cnt);", i())
			return
		}
		g.line("print(%s);", g.expr(kInt))
	case 3:
		if g.helpers {
			g.line("print(fact(%d));", g.n(21))
			g.line("print(#{a: %s, b: %s}.total());", g.expr(kInt), g.expr(kInt))
			g.line("print([%s, %s].sum());", g.expr(kInt), g.expr(kInt))
			g.line("print(%s.half());", g.expr(kFloat))
			return
		}
		g.line("print(%s);", g.expr(kFloat))
	case 4:
		o := g.fresh(kMap)
		g.line("let %s = #{ v: %s, get: || this.v, inc: |n| { this.v += n; this.v } };", o, g.expr(kInt))
		g.line("print(%s.get()); print(%s.inc(%s)); print(%s.v);", o, o, i(), o)
	case 5:
		e := g.fresh(kStr)
		g.line("try { %s; } catch (%s) { print(%s.%s); }", g.failing(), e, e, g.pick("error", "message", "line", "position", "function", "index", "variable"))
	case 6:
		r := g.fresh(kStr)
		g.line("let %s = %d..%s%d;", r, g.n(5)-2, g.pick("", "="), g.n(8))
		g.line("print(%s); print(type_of(%s)); print(%s.contains(%s)); print(%s.start); print(%s.end);", r, r, r, i(), r, r)
		g.line("for x in %s { print(x); }", r)
	case 7:
		v := g.fresh(kInt)
		g.line("let %s = %s;", v, g.expr(g.pickKind(kInt, kStr, kArr, kFloat)))
		g.line("%s.tag = %d; print(%s.tag); print(tag(%s));", v, g.n(1000)-500, v, v)
	case 8:
		m := g.fresh(kMap)
		g.line("let %s = #{a: #{b: [%s, ()]}, c: ()};", m, g.expr(kInt))
		g.line("print(%s?.a?.b?[%d]); print(%s.c?.d); print(%s?.zz?[1]);", m, g.n(3), m, m)
		g.line("%s.c?.d = 1; %s.a?.b?[0] = %s; print(%s);", m, m, i(), m)
	case 9:
		f := g.fresh(kFn)
		g.line("let %s = |a, b| a * b + %s;", f, g.expr(kInt))
		g.line("let %s_c = %s.curry(%s); print(%s_c.call(%s));", f, f, i(), f, i())
	case 10:
		a := g.fresh(kArr)
		g.line("let %s = [%s, %s, %s, %s];", a, g.expr(kInt), g.expr(kInt), i(), i())
		g.line("%s.%s;", a, g.pick("sort()", "sort(|x, y| x > y)", "sort(|x, y| y - x)", "sort_desc()", "dedup()", "retain(|x| x > 0)", "chop(2)", "pad(6, 0)", "splice(1, 2, [7])", "for_each(|| this *= 2)"))
		g.line("print(%s); print(%s.%s);", a, a, g.pick("drain(0..2)", "extract(1..)", "order_by(|x, y| x - y)", "find_map(|x| if x > 1 { x })", "index_of(|x| x < 0)", "none(|x| x == 0)", "reduce_rev(|s, x| s + x, 0)", "get(-1)", "contains(0)", "map(|x, i| x * i)"))
	case 11:
		m := g.fresh(kMap)
		g.line("let %s = #{a: %s, b: %s};", m, g.expr(kInt), g.expr(kStr))
		g.line("print(%s.%s);", m, g.pick("keys()", "values()", "len()", "contains(\"a\")", "remove(\"a\")", "to_json()", "filter(|k, v| k == \"b\")"))
		g.line("%s.fill_with(#{c: %s}); %s += #{d: 1}; print(%s);", m, i(), m, m)
	case 12:
		g.line("print(is_def_var(%q)); print(is_def_fn(%q, 1));", g.pick("v1", "v2", "cnt", "zz"), g.pick("f0", "f1", "fact", "nope"))
	case 13:
		s := g.fresh(kStr)
		g.line("let %s = %s;", s, g.expr(kStr))
		g.line("%s.%s; print(%s);", s, g.pick("make_upper()", "make_lower()", "trim()", "clear()", "truncate(2)", "crop(1)", "crop(1, 2)", "pad(6, '-')", "remove('a')", "replace(\"a\", \"A\")"), s)
		g.line("print(%s.%s);", s, g.pick("split_rev(\",\")", "index_of(\"b\", 1)", "sub_string(-2)", "get(0)", "to_lower()", "len", "bytes", "ends_with(\"c\")", "split(\",\", 2)"))
	case 14:
		c := g.pick("'a'", "'Z'", "'9'", "' '", "'ß'")
		g.line("print(%s.to_upper()); print(%s.to_lower()); print(%s + %s); print(%s.to_int());", c, c, c, g.expr(kStr), c)
	case 15:
		g.line("print(%s);", g.pick("1 << 64", "-1 >> 64", "5 << -1", "1 << 63", "-8 >> 1", "(-9223372036854775807 - 1) >> 70", "3 >> -2"))
	case 16:
		g.line("print(switch %s { 0 => \"zero\", 1 | 2 => \"small\", 10 if %s => \"ten\", 3..=9 => \"digit\", _ => \"other\" });", g.expr(kInt), g.expr(kBool))
	case 17:
		g.line("print(`${%s} and ${%s}`);", g.expr(kind(g.n(int(kMap)+1))), g.expr(kind(g.n(int(kMap)+1))))
	case 18:
		v := g.fresh(kInt)
		g.line("let %s = %s;", v, g.expr(kInt))
		g.line("%s; %s; %d; undefined_var; (%s && true);", v, v, g.n(9), v)
		g.line("print(%s);", v)
	case 19:
		g.line("print(%s);", g.pick("1.0 / 0.0", "-1.0 / 0.0", "0.0 / 0.0", "(1.0 / 0.0) > 5.0", "1e308 * 10.0 == 1e308 * 10.0", "(0.0 / 0.0).is_nan", "(1.0/0.0).is_infinite"))
	case 20:
		g.line("print(eval(%q));", g.pick("let q = 5; q * q", "40 + 2", "[1, 2].len()", "1 +", "fn h() { 1 }", "throw 5"))
	case 21:
		g.line("print(%s);", g.pick("range(0, 10, 3)", "range(1..5, 2)", "\"ab\".chars()", "5.bits()", "type_of(range(1, 3))"))
		g.line("for x in %s { print(x); }", g.pick("range(0, 10, 3)", "range(10, 0, -4)", "range(1..5, 2)", "\"abc\".chars()", "6.bits(0, 4)", "\"ab\".chars(1)"))
	case 22:
		g.line("let xs = []; for i in 0..%d { xs.push(|| i * 10); } print(xs.map(|f| f.call()));", 1+g.n(4))
		g.line("let y = %s; let fy = || y; print(is_shared(y)); y = 5; print(fy.call());", i())
	default:
		g.line("print(%s);", g.pick("exit", "-5.abs()", "- 5.abs()", "-1.5.floor()", "sqrt(2.0)", "2.0 ** 0.5", "to_int(3.9)", "10000000000000000000", "-9223372036854775808"))
	}
}

// feature2 is a second batch of statements: operators on edge values,
// `??`, `in`, string building, closures in containers, do/until loops,
// nested calls through `this`, and the printing of every kind of value.
func (g *gen) feature2() {
	i := g.smallInt
	switch g.n(16) {
	case 0:
		g.line("print([%s / %s, %s %% %s, %s ** %d]);", g.pick("-7", "7", "-9223372036854775807 - 1"), g.pick("2", "-2", "-1"), g.pick("-7", "7"), g.pick("3", "-3"), g.pick("-2", "3", "10"), g.n(20))
	case 1:
		g.line("print([%s & %s, %s | %s, %s ^ %s, !%s]);", i(), g.pick("-1", "255", "0x0f"), i(), g.pick("-8", "16"), i(), i(), g.expr(kBool))
	case 2:
		g.line("let %s = %s; print(%s ?? %s); print(() ?? %s);", "n"+g.fresh(kInt), g.pick("()", "1", "\"x\""), "n"+g.varName(), g.expr(kInt), g.expr(kStr))
	case 3:
		g.line("print([%s in %s, %s !in %s, 'b' in \"abc\", \"z\" in #{z: 1}]);", i(), g.expr(kArr), g.pick("\"a\"", "\"q\""), g.expr(kStr))
	case 4:
		s := g.fresh(kStr)
		g.line("let %s = \"\"; for c in %s.chars() { %s += c; %s += \"|\"; } print(%s); print(%s.len());", s, g.expr(kStr), s, s, s, s)
	case 5:
		a := g.fresh(kArr)
		g.line("let %s = [|x| x + 1, |x| x * 2, Fn(\"abs\")]; print(%s.map(|f| f.call(%s)));", a, a, g.pick("-3", "4", "0"))
	case 6:
		c := g.fresh(kInt)
		g.line("let %s = 0; do { %s += %d; } until %s > %d; print(%s);", c, c, 1+g.n(4), c, g.n(12), c)
	case 7:
		g.line("print([%s < %s, %s >= %s, %s == %s, %s != %s]);", g.expr(kStr), g.expr(kStr), g.expr(kChar), g.expr(kChar), g.expr(kFloat), g.expr(kInt), g.expr(kArr), g.expr(kArr))
	case 8:
		g.line("print([%s.to_string(), %s.to_debug(), `${%s}`, %s.to_string()]);", g.expr(kFloat), g.expr(kFloat), g.expr(kFloat), g.floatLit())
	case 9:
		o := g.fresh(kMap)
		g.line("let %s = #{ items: [], add: |x| { this.items.push(x); this.items.len() } };", o)
		g.line("print(%s.add(%s)); print(%s.add(%s)); print(%s.items);", o, g.expr(kInt), o, g.expr(kStr), o)
	case 10:
		g.line("print(%s);", g.pick("[1, [2, [3, [4]]]]", "#{a: #{b: #{c: ()}}}", "[(), true, 'x', \"y\", 1.0, 2, #{}]", "blob(3, 255)", "Fn(\"abs\")", "|x| x", "1..=3", "[1..2, 'q']", "#{f: Fn(\"x\")}"))
	case 11:
		g.line("debug(%s); print(%s.to_debug());", g.expr(kind(g.n(int(kMap)+1))), g.expr(kind(g.n(int(kMap)+1))))
	case 12:
		s := g.fresh(kStr)
		g.line("let %s = %s; %s[%d] = %s; print(%s);", s, g.expr(kStr), s, g.n(4)-1, g.expr(kChar), s)
	case 13:
		a := g.fresh(kArr)
		g.line("let %s = [%s, %s]; %s[%d] += %s; %s[0] -= 1; print(%s);", a, i(), g.expr(kInt), a, g.n(3)-1, i(), a, a)
	case 14:
		x := g.fresh(kInt)
		g.line("let %s = %s; %s <<= %s; %s >>= %s; print(%s);", x, i(), x, g.pick("1", "63", "64", "-1", "70"), x, g.pick("1", "2", "-3", "65"), x)
	default:
		g.line("print(%s);", g.pick("parse_int(\"ff\", 16)", "parse_int(\"-101\", 2)", "parse_float(\"1e-5\")", "parse_float(\" 2.5\")", "parse_int(\"+5\")", "\"3.0\".parse_float()", "to_int(-0.5)", "(-0.5).round()", "(2.5).round()", "(-2.5).round()", "1.5.to_int()", "(-1.5).floor()"))
	}
}

// varName is the name fresh gave last.
func (g *gen) varName() string { return fmt.Sprintf("v%d", g.nvar) }
