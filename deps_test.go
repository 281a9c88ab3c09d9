package circlesactor_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/circles-actor/circles-actor"

// depRule says what one package and its subpackages may depend on,
// transitively, outside the standard library. ours lists the module's
// packages it may use (each with its subpackages; "" is the module root);
// external, when non-nil, lists the only third-party prefixes allowed.
type depRule struct {
	pkg      string
	ours     []string
	external []string
	forbid   []string // third-party prefixes never allowed (with external nil)
}

// TestDeps guards the dependency direction DESIGN.md fixes (cmd -> actors
// -> scripting, cmd -> transport -> actors, config depends on nothing of
// ours) and keeps the leaf packages light, so that embedders and the Go
// client do not compile in what they do not use.
func TestDeps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	rules := []depRule{
		{pkg: "config", ours: []string{}, forbid: []string{"github.com/alecthomas/kong"}},
		{pkg: "scripting", ours: []string{"scripting", "internal/jsonstr", "internal/ratelog"}},
		{pkg: "actors", ours: []string{"", "actors", "scripting", "config", "transport/jsonrpc", "internal/jsonstr", "internal/ratelog"}},
		{pkg: "actors/auth", ours: []string{"config"},
			external: []string{"github.com/decred/dcrd/dcrec/secp256k1/v4", "golang.org/x/crypto", "golang.org/x/sys"}},
		{pkg: "transport/jsonrpc", ours: []string{"internal/jsonstr"}, external: []string{}},
		{pkg: "internal/jsonstr", ours: []string{}, external: []string{}},
		{pkg: "internal/ratelog", ours: []string{}, external: []string{}},
		{pkg: "transport/webhook", ours: []string{"config", "scripting/rhai", "scripting", "internal/jsonstr", "internal/ratelog"}},
		{pkg: "transport/web", ours: []string{}, external: []string{}},
		{pkg: "transport/client", ours: []string{"internal/jsonstr"},
			forbid: []string{"github.com/asynkron/", "github.com/redis/", "github.com/prometheus/"}},
	}
	for _, r := range rules {
		for pkg, deps := range listDeps(t, r.pkg) {
			for _, dep := range deps {
				if msg := r.check(pkg, dep); msg != "" {
					t.Error(msg)
				}
			}
		}
	}
}

// check returns why pkg may not depend on dep, or "".
func (r depRule) check(pkg, dep string) string {
	if rel, ok := strings.CutPrefix(dep, module); ok {
		rel = strings.TrimPrefix(rel, "/")
		if within(rel, r.pkg) || slicesAny(r.ours, func(p string) bool { return within(rel, p) }) {
			return ""
		}
		return pkg + " depends on " + dep
	}
	if !strings.Contains(strings.SplitN(dep, "/", 2)[0], ".") {
		return "" // standard library
	}
	if r.external != nil && !slicesAny(r.external, func(p string) bool { return strings.HasPrefix(dep, p) }) {
		return pkg + " depends on third-party " + dep
	}
	if slicesAny(r.forbid, func(p string) bool { return strings.HasPrefix(dep, p) }) {
		return pkg + " depends on " + dep
	}
	return ""
}

func within(rel, pkg string) bool { return rel == pkg || strings.HasPrefix(rel, pkg+"/") }

func slicesAny(xs []string, f func(string) bool) bool {
	for _, x := range xs {
		if f(x) {
			return true
		}
	}
	return false
}

// listDeps maps each non-test package under pkg to its transitive imports.
func listDeps(t *testing.T, pkg string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-json=ImportPath,Deps", module+"/"+pkg+"/...").Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	deps := map[string][]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Deps       []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list output: %v", err)
		}
		deps[p.ImportPath] = p.Deps
	}
	return deps
}

// TestDepRuleCheck shows the guard catches what it is meant to.
func TestDepRuleCheck(t *testing.T) {
	actors := depRule{pkg: "actors", ours: []string{"", "scripting", "transport/jsonrpc"}}
	leaf := depRule{pkg: "transport/jsonrpc", ours: []string{}, external: []string{}}
	for _, c := range []struct {
		r    depRule
		dep  string
		want bool // allowed
	}{
		{actors, module + "/scripting/rhai", true},
		{actors, module, true},
		{actors, module + "/transport/jsonrpc", true},
		{actors, module + "/transport", false},
		{actors, module + "/transport/webhook", false},
		{actors, module + "/cmd/circles-actor", false},
		{actors, "net/http", true},
		{leaf, "encoding/json", true},
		{leaf, "github.com/coder/websocket", false},
		{leaf, module + "/config", false},
	} {
		if got := c.r.check(c.r.pkg, c.dep) == ""; got != c.want {
			t.Errorf("%s -> %s: allowed %v, want %v", c.r.pkg, c.dep, got, c.want)
		}
	}
}
