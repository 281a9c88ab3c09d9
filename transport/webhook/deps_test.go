package webhook_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The webhook package may use only config and scripting of this module, so
// that dependencies keep pointing cmd -> transport -> actors -> scripting
// and transport/webhook never needs the actor system to be tested.
func TestDeps(t *testing.T) {
	t.Parallel()
	const mod = "github.com/circles-actor/circles-actor/"
	allowed := map[string]bool{mod + "config": true, mod + "scripting": true, mod + "scripting/rhai": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, mod) && !allowed[p] {
				t.Errorf("%s imports %s", name, p)
			}
		}
	}
}
