package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/transport/client"
)

// writeModuleDir lays out a --modules directory: a shared module, the same
// name overridden for e2eCircle, and a module that does not compile.
func writeModuleDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range map[string]string{
		"greet.rhai":                 `fn hello(who) { "hello " + who } export const WHERE = "shared";`,
		e2eCircle + "/greet.rhai":    `fn hello(who) { "hi " + who } export const WHERE = "circle";`,
		"util/math.rhai":             `fn square(x) { x * x } private fn hidden() { 0 }`,
		"broken.rhai":                "fn broken( {",
		e2eCircle2 + "/private.rhai": `export const ONLY = 2;`,
	} {
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

// TestE2EModules serves two circles with --modules and imports through
// real plays: per-circle modules win over shared ones, an edited module is
// picked up by the next play, and bad imports are script errors naming the
// module at the import. `eval --modules` is checked first.
func TestE2EModules(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t, t.TempDir())
	dir := writeModuleDir(t)
	t.Run("eval", func(t *testing.T) { e2eEvalModules(t, bin, dir) })
	s := startServe(t, bin, "-k", e2eCircle, "-k", e2eCircle2, "--modules", dir)
	c1, c2 := dial(t, s, e2eCircle, nil), dial(t, s, e2eCircle2, nil)
	for _, p := range []struct {
		c          *client.Client
		script     string
		want, name string
	}{
		{c1, `import "greet" as g; g::hello("bob") + " / " + g::WHERE`, "hi bob / circle", "circle module"},
		{c2, `import "greet" as g; g::hello("bob") + " / " + g::WHERE`, "hello bob / shared", "shared module"},
		{c1, `import "util/math" as m; m::square(12)`, "144", "nested path"},
		{c2, `import "private" as p; p::ONLY`, "2", "own private module"},
	} {
		res, err := p.c.Play(e2eCtx(t), p.script)
		if err != nil || res.Output != p.want {
			t.Errorf("%s: %+v, %v; want %q", p.name, res, err, p.want)
		}
	}
	for _, p := range []struct{ script, want string }{
		{"let a = 1;\nimport \"private\" as p; p::ONLY", "Module not found: private"},
		{"let a = 1;\nimport \"broken\" as b;", "in module 'broken'"},
		{"let a = 1;\nimport \"../greet\" as b;", "not allowed"},
		{"let a = 1;\nimport \"util/math\" as m; m::hidden()", "Function not found: m::hidden ()"},
	} {
		_, err := c1.Play(e2eCtx(t), p.script)
		wantCode(t, err, -32004)
		var re *client.RPCError
		if !errors.As(err, &re) {
			continue
		}
		se, ok := re.ScriptError()
		if !ok || se.Line != 2 || !strings.Contains(re.Error(), p.want) {
			t.Errorf("%q: error %v (data %s), want %q at line 2", p.script, err, re.Data, p.want)
		}
	}
	// An edited module is compiled again for the next play.
	if err := os.WriteFile(filepath.Join(dir, "greet.rhai"), []byte(`fn hello(who) { "hey " + who } export const WHERE = "edited";`), 0o644); err != nil {
		t.Fatal(err)
	}
	if res, err := c2.Play(e2eCtx(t), `import "greet" as g; g::hello("al") + " / " + g::WHERE`); err != nil || res.Output != "hey al / edited" {
		t.Errorf("after the edit: %+v, %v", res, err)
	}
}

// e2eEvalModules runs `eval --modules DIR` through the binary.
func e2eEvalModules(t *testing.T, bin, dir string) {
	out, err := exec.Command(bin, "eval", "--modules", dir, "-e", `import "util/math" as m; m::square(7)`).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "49" {
		t.Errorf("eval --modules: %s, %v", out, err)
	}
	out, err = exec.Command(bin, "eval", "--modules", dir, "--json", "-e", `import "nope" as m;`).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"kind":"runtime","detail":"module"`) || !strings.Contains(string(out), "Module not found: nope") {
		t.Errorf("eval --modules --json, missing module: %s, %v", out, err)
	}
	out, err = exec.Command(bin, "eval", "--modules", filepath.Join(dir, "nonexistent"), "-e", "1").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "not a readable directory") {
		t.Errorf("eval with a bad --modules: %s, %v", out, err)
	}
}
