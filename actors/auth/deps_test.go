package auth_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDeps keeps auth small: the standard library, decred's secp256k1 and
// x/crypto/sha3, nothing of this module.
func TestDeps(t *testing.T) {
	t.Parallel()
	allowed := map[string]bool{
		"github.com/decred/dcrd/dcrec/secp256k1/v4":       true,
		"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa": true,
		"golang.org/x/crypto/sha3":                        true,
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(path, "/")
			if strings.Contains(first, ".") && !allowed[path] {
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}
