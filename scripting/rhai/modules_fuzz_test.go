package rhai_test

import (
	"context"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// FuzzModuleFile checks that no import path maps to a file outside the
// modules directory: ModuleFile either refuses it or gives a clean
// relative name ending in .rhai.
func FuzzModuleFile(f *testing.F) {
	for _, s := range []string{"m", "dir/m", "../m", "a/../../m", "/etc/passwd", `a\b`, "./m", "m.rhai", "a/./b.x", "..", ".", "C:/x", "a//b", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		file, err := rhai.ModuleFile(name)
		if err != nil || file == "" {
			return
		}
		if path.IsAbs(file) || file != path.Clean(file) || file == ".." || strings.HasPrefix(file, "../") ||
			strings.Contains(file, "\\") || !strings.HasSuffix(file, rhai.ModuleExt) {
			t.Fatalf("ModuleFile(%q) = %q", name, file)
		}
	})
}

// FuzzImport runs an importing script against a module given as source
// (importable as "f", and importing itself as "self" makes a cycle):
// neither may panic or hang, whatever they contain.
func FuzzImport(f *testing.F) {
	for _, c := range [][2]string{
		{`import "f" as f; f::X + f::g(1)`, `export const X = 1; fn g(a) { a + X }`},
		{`import "f" as f; f::s::X`, `import "self" as s; export const X = 2;`},
		{`fn t() { import "f" as q; q::h() } t()`, `fn h() { global::Y } export const Y = [1];`},
		{`import "f" as f; f::k::g()`, `import "f" as k; fn g() { k::g() }`},
		{`import "f"; { import "f" as a; a::v } a::v`, `let v = 1; export v as vv; v = #{a: 1};`},
	} {
		f.Add(c[0], c[1])
	}
	e := rhai.NewEngine()
	lim := rhai.Limits{
		MaxOperations: 10_000, MaxCallDepth: 32, MaxExprDepth: 64,
		MaxStringLen: 4 << 10, MaxArrayLen: 1 << 10, MaxMapLen: 1 << 10, MaxBlobLen: 4 << 10,
		MaxScriptBytes: 64 << 10,
	}
	f.Fuzz(func(t *testing.T, src, modSrc string) {
		mod, merr := e.CompileModule(modSrc, &lim)
		res := rhai.ModuleResolverFunc(func(_ *rhai.Engine, name string) (*rhai.Module, error) {
			if name == "f" || name == "self" {
				return mod, merr
			}
			return nil, nil
		})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		done := make(chan error, 1)
		go func() {
			_, err := e.Eval(ctx, src, &rhai.RunOptions{Limits: &lim, Modules: res})
			done <- err
		}()
		var err error
		select {
		case err = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("script did not stop within 5s of a 100ms deadline: %q with module %q", src, modSrc)
		}
		if re, ok := err.(*rhai.Error); ok && strings.Contains(re.Message, "internal error") {
			t.Fatalf("evaluator bug on %q with module %q: %v\n%v", src, modSrc, err, re.Cause)
		} else if err != nil && !ok {
			t.Fatalf("error of type %T: %v", err, err)
		}
	})
}
