package actors_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/circles-actor/circles-actor"

// TestDeps guards the dependency direction DESIGN.md fixes: cmd -> actors
// -> scripting, cmd -> transport -> actors; actors imports no transport
// package but the leaf transport/jsonrpc; scripting imports neither actors
// nor transport; config imports nothing of this module.
func TestDeps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	rules := []struct {
		pkg       string
		forbidden []string
		allowed   []string // exceptions to forbidden prefixes
	}{
		{pkg: "actors", forbidden: []string{"transport", "cmd"}, allowed: []string{"transport/jsonrpc"}},
		{pkg: "scripting", forbidden: []string{"actors", "transport", "cmd", "config"}},
		{pkg: "config", forbidden: []string{""}},
		{pkg: "transport/jsonrpc", forbidden: []string{""}},
	}
	for _, r := range rules {
		for _, dep := range moduleDeps(t, module+"/"+r.pkg) {
			rel := strings.TrimPrefix(strings.TrimPrefix(dep, module), "/")
			if rel == r.pkg || isAllowed(rel, r.allowed) {
				continue
			}
			for _, f := range r.forbidden {
				if f == "" || rel == f || strings.HasPrefix(rel, f+"/") {
					t.Errorf("%s imports %s", r.pkg, dep)
				}
			}
		}
	}
}

func isAllowed(rel string, allowed []string) bool {
	for _, a := range allowed {
		if rel == a {
			return true
		}
	}
	return false
}

// moduleDeps lists the packages of this module that pkg depends on
// (non-test imports, transitively).
func moduleDeps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-json=ImportPath,Module", pkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	var deps []string
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Module     *struct{ Path string }
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if p.Module != nil && p.Module.Path == module {
			deps = append(deps, p.ImportPath)
		}
	}
	return deps
}
