package scripting_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/scripting/state"
)

func writeFile(t *testing.T, path, src string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestExecuteModules resolves imports per circle: DIR/<pk>/name.rhai
// before DIR/name.rhai.
func TestExecuteModules(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "greet.rhai"), `fn hello(who) { "hello " + who } export const FROM = "shared";`)
	writeFile(t, filepath.Join(dir, "02aa", "greet.rhai"), `fn hello(who) { "hi " + who } export const FROM = "02aa";`)
	writeFile(t, filepath.Join(dir, "bad.rhai"), "fn (")
	e := scripting.NewEngine(rhai.DefaultLimits(), time.Second, scripting.WithModules(dir))
	if e.ModulesDir() != dir {
		t.Fatalf("ModulesDir %q", e.ModulesDir())
	}
	for _, c := range []struct{ circle, script, out string }{
		{"02aa", `import "greet" as g; g::hello("bob") + " from " + g::FROM`, "hi bob from 02aa"},
		{"03bb", `import "greet" as g; g::hello("bob") + " from " + g::FROM`, "hello bob from shared"},
	} {
		res := e.Execute(context.Background(), scripting.Task{ID: "t", CircleID: c.circle, Script: c.script})
		if res.Err != nil || res.Output != c.out {
			t.Errorf("circle %s: got %q, %v; want %q", c.circle, res.Output, res.Err, c.out)
		}
	}
	for script, want := range map[string]string{
		"let a = 1;\nimport \"nope\" as n;":     "Module not found: nope",
		"let a = 1;\nimport \"bad\" as b;":      "in module 'bad'",
		"let a = 1;\nimport \"../etc/x\" as b;": "not allowed",
	} {
		res := e.Execute(context.Background(), scripting.Task{ID: "t", CircleID: "02aa", Script: script})
		if res.Err == nil || res.Err.Kind != string(rhai.ErrModule) || !strings.Contains(res.Err.Message, want) ||
			res.Err.Line != 2 || res.Err.Column != 8 {
			t.Errorf("%q: got %+v, want a module error %q at 2:8", script, res.Err, want)
		}
	}
}

// TestExecuteModuleSeesState: a module's top level and functions run in
// the task's sandbox, with its state and constants.
func TestExecuteModuleSeesState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "counter.rhai"), `
fn bump() { let n = state.get("n") ?? 0; state.set("n", n + 1); n + 1 }
export const CIRCLE = CONTEXT_ID;
`)
	e := scripting.NewEngine(rhai.DefaultLimits(), time.Second, scripting.WithModules(dir),
		scripting.WithState(state.NewMemory(), state.DefaultLimits()))
	for i, want := range []string{"1 02aa", "2 02aa"} {
		res := e.Execute(context.Background(), scripting.Task{ID: "t", CircleID: "02aa",
			Script: `import "counter" as c; c::bump() + " " + c::CIRCLE`})
		if res.Err != nil || res.Output != want {
			t.Fatalf("run %d: got %q, %v; want %q", i, res.Output, res.Err, want)
		}
	}
}

// TestExecuteModuleEdited: an edited module is used by the next run.
func TestExecuteModuleEdited(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "v.rhai")
	writeFile(t, file, "export const V = 1;")
	e := scripting.NewEngine(rhai.DefaultLimits(), time.Second, scripting.WithModules(dir))
	task := scripting.Task{ID: "t", CircleID: "02aa", Script: `import "v" as v; v::V`}
	if res := e.Execute(context.Background(), task); res.Output != "1" {
		t.Fatalf("got %q, %v", res.Output, res.Err)
	}
	writeFile(t, file, "export const V = 200;")
	if res := e.Execute(context.Background(), task); res.Output != "200" {
		t.Fatalf("after the edit got %q, %v", res.Output, res.Err)
	}
}
