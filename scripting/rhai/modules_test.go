package rhai_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// moduleFiles is a small library of module files the tests import.
var moduleFiles = map[string]string{
	"m.rhai": `
export const X = 42;
export let y = 7;
let z = 9;
export z as zz;
let hidden = 1;
fn f(a) { a * 2 }
fn gx() { global::X }
private fn g() { 1 }
fn h() { g() + 1 }
fn sub_call() { s::k() }
fn callmain() { mainf() }
import "s" as s;
print("loading m");
`,
	"s.rhai":      "fn k() { 100 }\nexport const S = 5;\n",
	"ex.rhai":     "let x = 1; export x; x = 2;",
	"exn.rhai":    "export nope;",
	"bad.rhai":    "export const P = 1 +;",
	"boom.rhai":   "export const Q = 1 / 0;",
	"fe.rhai":     "fn f() { 1 / 0 }",
	"arr.rhai":    "export let arr = [1, 2];",
	"usesim.rhai": "export const V = s::S;",
	"dir/d.rhai":  "export const D = 3;",
	"cyc_a.rhai":  `import "cyc_b" as b; export const A = 1;`,
	"cyc_b.rhai":  `import "cyc_a" as a; export const B = 2;`,
	"self.rhai":   `import "self" as me;`,
	"deep.rhai":   `import "m" as inner; export const D = inner::X + 1;`,
	"loop.rhai":   `loop { }`,
	"meth.rhai":   `fn plus(x) { this + x } fn run() { let a = []; a.push(1); let n = 2; [a, n.plus(3)] }`,
}

// moduleCases run against the modules above; want is the value's JSON, or
// an error message prefix after "error: ".
var moduleCases = []struct{ name, src, want, stdout string }{
	{"exports", `import "m" as m; [m::X, m::y, m::zz, m::f(2), m::h()]`, `[42,7,9,4,2]`, "loading m\n"},
	{"global in module fn", `import "m" as m; m::gx()`, `42`, "loading m\n"},
	{"sub-module fn", `import "m" as m; m::s::k()`, `100`, "loading m\n"},
	{"sub-module const", `import "m" as m; m::s::S`, `5`, "loading m\n"},
	{"module's own import", `import "m" as m; m::sub_call()`, `100`, "loading m\n"},
	{"evaluated once per run", `import "m" as m; import "m" as m2; m2::X + m::X`, `84`, "loading m\n"},
	{"fn sees later global import", `fn t() { m::X } import "m" as m; t()`, `42`, "loading m\n"},
	{"import in fn", `fn t() { import "m" as q; q::X } t()`, `42`, "loading m\n"},
	{"callee sees caller import", `fn a() { import "m" as q; b() } fn b() { q::X } a()`, `42`, "loading m\n"},
	{"import ends with fn", `fn a() { import "m" as q; 1 } a(); q::X`, `error: Module not found: q`, ""},
	{"import ends with block", `{ import "s" as m; m::S } m::S`, `error: Module not found: m`, ""},
	{"private fn", `import "m" as m; m::g()`, `error: Function not found: m::g ()`, ""},
	{"not exported", `import "m" as m; m::hidden`, `error: Variable not found: m::hidden`, ""},
	{"wrong arity", `import "m" as m; m::f(1, 2)`, `error: Function not found: m::f (i64, i64)`, ""},
	{"missing", `import "nope" as m; 1`, `error: Module not found: nope`, ""},
	{"final value exported", `import "ex" as m; m::x`, `2`, ""},
	{"export unknown", `import "exn" as m; 1`, `error: Variable not found: nope`, ""},
	{"module runtime error", `import "boom" as m; 1`, `error: Division by zero`, ""},
	{"module fn error", `import "fe" as m; m::f()`, `error: Division by zero`, ""},
	{"nested path", `import "dir/d" as d; d::D`, `3`, ""},
	{"extension replaced", `import "s.rhai" as m; m::S`, `5`, ""},
	{"module calls script fn", `fn mainf() { 5 } import "m" as m; m::callmain()`, `5`, "loading m\n"},
	{"copy of module var", `import "arr" as m; let a = m::arr; a.push(3); [a, m::arr]`, `[[1,2,3],[1,2]]`, ""},
	{"module sees importer imports", `import "s" as s; import "usesim" as u; u::V`, `5`, ""},
	{"alias is not a variable", `let a = 1; import "s" as a; [a, a::S]`, `[1,5]`, ""},
	{"variable is not an alias", `import "s" as m; let m = 5; [m, m::S]`, `[5,5]`, ""},
	{"computed path", `let p = "s"; import p as m; m::S`, `5`, ""},
	{"path not a string", `import 5 as m; 1`, `error: Data type incorrect: i64 (expecting string)`, ""},
	{"import without alias", `import "m"; 1`, `1`, "loading m\n"},
	{"loop of calls", `import "m" as m; let r = 0; for i in 0..3 { r += m::f(i) } r`, `6`, "loading m\n"},
	{"first import of an alias wins", `import "m" as m; import "s" as m; m::f(1)`, `2`, "loading m\n"},
	{"later import does not shadow", `import "m" as m; import "s" as m; m::S`, `error: Variable not found: m::S`, "loading m\n"},
	{"nor in a block", `import "s" as m; { import "m" as m; m::S }`, `5`, "loading m\n"},
	{"module fn sees its own imports", `import "fe" as s; import "m" as m; m::sub_call()`, `100`, "loading m\n"},
	{"methods inside a module", `import "meth" as m; m::run()`, `[[1],5]`, ""},
	{"script's push seen from a module", `fn push(x) { 99 } import "meth" as m; m::run()`, `[[],5]`, ""},
	{"module's own method first", `fn plus(x) { 0 } import "meth" as m; m::run()`, `[[1],5]`, ""},
	{"module in module", `import "deep" as d; [d::D, d::inner::X]`, `[43,42]`, "loading m\n"},
}

func writeModules(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range moduleFiles {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runWithModules runs src with imports resolved under dir and returns the
// value as JSON (or "error: message") and the printed output.
func runWithModules(t *testing.T, e *rhai.Engine, res rhai.ModuleResolver, src string) (string, string, error) {
	t.Helper()
	var out strings.Builder
	opts := &rhai.RunOptions{Modules: res, Print: func(s string) { out.WriteString(s + "\n") }}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := e.Eval(ctx, src, opts)
	if err != nil {
		var re *rhai.Error
		if errors.As(err, &re) {
			return "error: " + re.Message, out.String(), err
		}
		return "error: " + err.Error(), out.String(), err
	}
	b, jerr := json.Marshal(rhai.ToGo(v))
	if jerr != nil {
		t.Fatal(jerr)
	}
	return string(b), out.String(), nil
}

func TestModules(t *testing.T) {
	dir := writeModules(t)
	e := rhai.NewEngine()
	res := rhai.NewFileResolver(dir, nil)
	for _, c := range moduleCases {
		t.Run(c.name, func(t *testing.T) {
			got, stdout, _ := runWithModules(t, e, res, c.src)
			if strings.HasPrefix(c.want, "error: ") {
				if !strings.HasPrefix(got, c.want) {
					t.Fatalf("got %s, want %s", got, c.want)
				}
				return
			}
			if got != c.want || stdout != c.stdout {
				t.Fatalf("got %s (printed %q), want %s (printed %q)", got, stdout, c.want, c.stdout)
			}
		})
	}
}

// TestModulesMatchReference runs the same cases on stock Rhai (its default
// engine resolves imports from files relative to its working directory)
// and compares values and printed output.
func TestModulesMatchReference(t *testing.T) {
	ref, err := filepath.Abs("../../../shared/rhai-ref/rhai-json")
	if err == nil {
		_, err = os.Stat(ref)
	}
	if err != nil {
		t.Skip("skipped: the reference Rhai (../shared/rhai-ref/rhai-json) is not present")
	}
	dir := writeModules(t)
	for _, c := range moduleCases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(ref)
			cmd.Dir, cmd.Stdin = dir, strings.NewReader(c.src)
			b, err := cmd.Output()
			if err != nil {
				t.Fatalf("reference: %v", err)
			}
			var r struct {
				OK     bool            `json:"ok"`
				Value  json.RawMessage `json:"value"`
				Stdout string          `json:"stdout"`
				Error  struct {
					Message string `json:"message"`
				} `json:"error"`
			}
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatalf("reference output %s: %v", b, err)
			}
			if strings.HasPrefix(c.want, "error: ") {
				if r.OK || !strings.HasPrefix("error: "+r.Error.Message, c.want) {
					t.Fatalf("reference gives %s, the case wants %s", b, c.want)
				}
				return
			}
			var want, got any
			_ = json.Unmarshal([]byte(c.want), &want)
			_ = json.Unmarshal(r.Value, &got)
			if !r.OK || !reflect.DeepEqual(got, want) || r.Stdout != c.stdout {
				t.Fatalf("reference gives %s, the case wants %s (printed %q)", b, c.want, c.stdout)
			}
		})
	}
}

func TestModuleCycle(t *testing.T) {
	dir := writeModules(t)
	e := rhai.NewEngine()
	res := rhai.NewFileResolver(dir, nil)
	got, _, err := runWithModules(t, e, res, `import "cyc_a" as a; a::A`)
	var re *rhai.Error
	if !errors.As(err, &re) || re.Kind != rhai.ErrModule || !strings.Contains(got, "Cyclic module import: cyc_a -> cyc_b -> cyc_a") {
		t.Fatalf("got %s (%v), want a cycle error", got, err)
	}
	if re.Line != 1 || re.Column != 8 {
		t.Errorf("error at %d:%d, want the import at 1:8", re.Line, re.Column)
	}
	if got, _, _ = runWithModules(t, e, res, `import "self" as a; 1`); !strings.Contains(got, "Cyclic module import: self -> self") {
		t.Fatalf("got %s, want a cycle error", got)
	}
}

func TestModuleErrorsNameTheModule(t *testing.T) {
	dir := writeModules(t)
	e := rhai.NewEngine()
	res := rhai.NewFileResolver(dir, nil)
	for src, want := range map[string]string{
		"let x = 1;\n  import \"bad\" as m;":  "in module 'bad'",
		"let x = 1;\n  import \"boom\" as m;": "in module 'boom'",
		"let x = 1;\n  import \"nope\" as m;": "Module not found: nope",
	} {
		_, _, err := runWithModules(t, e, res, src)
		var re *rhai.Error
		if !errors.As(err, &re) || !strings.Contains(re.Message, want) || re.Line != 2 || re.Column != 10 {
			t.Errorf("%q: got %v, want %q at 2:10", src, err, want)
		}
	}
	// A module that never ends stops like any script: the limit is not
	// turned into a module error.
	p, err := e.Compile(`import "loop" as l;`)
	if err != nil {
		t.Fatal(err)
	}
	lim := rhai.DefaultLimits()
	lim.MaxOperations = 10_000
	_, err = e.Run(context.Background(), p, &rhai.RunOptions{Modules: res, Limits: &lim})
	var re *rhai.Error
	if !errors.As(err, &re) || re.Kind != rhai.ErrTooManyOps {
		t.Fatalf("got %v, want too many operations", err)
	}
}

func TestModulePathEscapes(t *testing.T) {
	dir := writeModules(t)
	outside := filepath.Join(filepath.Dir(dir), "outside.rhai")
	if err := os.WriteFile(outside, []byte("export const O = 1;"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(outside) })
	if err := os.Symlink(outside, filepath.Join(dir, "link.rhai")); err != nil {
		t.Fatal(err)
	}
	e := rhai.NewEngine()
	res := rhai.NewFileResolver(dir, nil)
	for _, path := range []string{"../outside", "dir/../../outside", "/etc/passwd", outside, `dir\d`, "link"} {
		got, _, err := runWithModules(t, e, res, `import "`+strings.ReplaceAll(path, `\`, `\\`)+`" as m; m::O`)
		var re *rhai.Error
		if !errors.As(err, &re) || re.Kind != rhai.ErrModule {
			t.Errorf("import %q: got %s (%v), want a module error", path, got, err)
		}
	}
}

func TestModuleFileChanges(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "v.rhai")
	write := func(src string, mtime time.Time) {
		t.Helper()
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(file, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	write("export const V = 1;", t0)
	e := rhai.NewEngine()
	res := rhai.NewFileResolver(dir, nil)
	m1, err := res.ResolveModule(e, "v")
	if err != nil || m1 == nil {
		t.Fatal(m1, err)
	}
	if m2, _ := res.ResolveModule(e, "v"); m2 != m1 {
		t.Fatal("an unchanged file was compiled again")
	}
	write("export const V = 22;", t0) // size changed, same mtime
	if got, _, _ := runWithModules(t, e, res, `import "v" as v; v::V`); got != "22" {
		t.Fatalf("after a size change got %s, want 22", got)
	}
	write("export const V = 33;", t0.Add(time.Second)) // same size, new mtime
	if got, _, _ := runWithModules(t, e, res, `import "v" as v; v::V`); got != "33" {
		t.Fatalf("after an mtime change got %s, want 33", got)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := runWithModules(t, e, res, `import "v" as v; v::V`); got != "error: Module not found: v" {
		t.Fatalf("after removal got %s", got)
	}
}

func TestModuleWithinSubdirectory(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{
		"shared.rhai":     "export const WHO = \"everyone\";",
		"c1/shared.rhai":  "export const WHO = \"c1\";",
		"c1/private.rhai": "export const P = 1;",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e := rhai.NewEngine()
	files := rhai.NewFileResolver(dir, nil)
	for _, c := range []struct{ sub, src, want string }{
		{"c1", `import "shared" as s; s::WHO`, `"c1"`},
		{"c2", `import "shared" as s; s::WHO`, `"everyone"`},
		{"c1", `import "private" as p; p::P`, `1`},
		{"c2", `import "private" as p; p::P`, `error: Module not found: private`},
		{"c2", `import "c1/private" as p; p::P`, `1`},
		{"../c1", `import "shared" as s; s::WHO`, `"everyone"`},
	} {
		if got, _, _ := runWithModules(t, e, files.Within(c.sub), c.src); got != c.want {
			t.Errorf("within %s: %s gave %s, want %s", c.sub, c.src, got, c.want)
		}
	}
}

func TestStaticModule(t *testing.T) {
	e := rhai.NewEngine()
	m := rhai.NewModule()
	m.SetConstant("ANSWER", rhai.Int(42))
	m.SetConstant("LIST", rhai.NewArray([]rhai.Value{rhai.Int(1)}))
	if err := m.RegisterFn("double", func(x int64) int64 { return 2 * x }); err != nil {
		t.Fatal(err)
	}
	if err := m.RegisterFn("greet", func(s string) string { return "hi " + s }); err != nil {
		t.Fatal(err)
	}
	sub := rhai.NewModule()
	sub.SetConstant("DEPTH", rhai.Int(2))
	m.SetSubModule("inner", sub)
	e.RegisterStaticModule("host", m)
	for src, want := range map[string]string{
		`host::double(21)`:                               `42`,
		`host::ANSWER`:                                   `42`,
		`host::inner::DEPTH`:                             `2`,
		`host::greet("bob")`:                             `"hi bob"`,
		`import "host" as h; h::double(h::ANSWER)`:       `84`,
		`let l = host::LIST; l.push(2); [l, host::LIST]`: `[[1,2],[1]]`,
		`host::double("x")`:                              `error: Function not found: host::double (&str | ImmutableString | String)`,
		`host::nope`:                                     `error: Variable not found: host::nope`,
		`nohost::f()`:                                    `error: Module not found: nohost`,
		`host::outer::f()`:                               `error: Module not found: host::outer`,
	} {
		got, _, _ := runWithModules(t, e, nil, src)
		if got != want && !(strings.HasPrefix(want, "error: ") && strings.HasPrefix(got, want)) {
			t.Errorf("%s: got %s, want %s", src, got, want)
		}
	}
}

func TestModuleResolverOrder(t *testing.T) {
	e := rhai.NewEngine()
	fromEngine, _ := e.CompileModule(`export const FROM = "engine";`, nil)
	fromRun, _ := e.CompileModule(`export const FROM = "run";`, nil)
	e.SetModuleResolver(rhai.ModuleResolverFunc(func(_ *rhai.Engine, path string) (*rhai.Module, error) {
		if path == "x" {
			return fromEngine, nil
		}
		return nil, nil
	}))
	run := rhai.ModuleResolverFunc(func(_ *rhai.Engine, path string) (*rhai.Module, error) {
		if path == "x" {
			return fromRun, nil
		}
		return nil, errors.New("disk on fire")
	})
	if got, _, _ := runWithModules(t, e, nil, `import "x" as x; x::FROM`); got != `"engine"` {
		t.Errorf("engine resolver: got %s", got)
	}
	if got, _, _ := runWithModules(t, e, run, `import "x" as x; x::FROM`); got != `"run"` {
		t.Errorf("run resolver: got %s", got)
	}
	got, _, err := runWithModules(t, e, run, `import "y" as y;`)
	var re *rhai.Error
	if !errors.As(err, &re) || re.Kind != rhai.ErrModule || !strings.Contains(got, "disk on fire") || !strings.Contains(got, "in module 'y'") {
		t.Errorf("failing resolver: got %s (%v)", got, err)
	}
}

// TestModuleConcurrentRuns shares one resolver and its compiled modules
// between concurrent runs (run with -race).
func TestModuleConcurrentRuns(t *testing.T) {
	dir := writeModules(t)
	e := rhai.NewEngine()
	res := rhai.NewFileResolver(dir, nil)
	p, err := e.Compile(`import "m" as m; import "deep" as d; m::f(d::D) + m::y`)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 20 {
				v, err := e.Run(context.Background(), p, &rhai.RunOptions{Modules: res})
				if err == nil && v.AsInt() != 93 {
					err = errors.New("wrong value " + rhai.ToString(v))
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
