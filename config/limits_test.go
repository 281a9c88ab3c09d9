package config_test

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"testing"

	"github.com/circles-actor/circles-actor/config"
)

// TestSandboxDefaultsMatchRhai reads rhai.DefaultLimits from its source (so
// that config, which must not import the interpreter, still notices when the
// two drift) and compares every field with Default.
func TestSandboxDefaultsMatchRhai(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../scripting/rhai/native.go", nil, 0)
	if err != nil {
		t.Skipf("rhai source not readable: %v", err)
	}
	got := map[string]int64{}
	ast.Inspect(f, func(n ast.Node) bool {
		fn, ok := n.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "DefaultLimits" {
			return true
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			kv, ok := n.(*ast.KeyValueExpr)
			if !ok {
				return true
			}
			tv, err := types.Eval(fset, nil, token.NoPos, types.ExprString(kv.Value))
			if err != nil || tv.Value == nil {
				t.Fatalf("DefaultLimits.%s: cannot evaluate %s: %v", kv.Key, types.ExprString(kv.Value), err)
			}
			v, _ := constant.Int64Val(tv.Value)
			got[types.ExprString(kv.Key)] = v
			return false
		})
		return false
	})
	c := config.Default()
	want := map[string]int64{
		"MaxOperations":  int64(c.MaxOperations),
		"MaxCallDepth":   int64(c.MaxCallDepth),
		"MaxExprDepth":   int64(c.MaxExprDepth),
		"MaxStringLen":   int64(c.MaxStringLen),
		"MaxArrayLen":    int64(c.MaxArrayLen),
		"MaxMapLen":      int64(c.MaxMapLen),
		"MaxBlobLen":     int64(c.MaxBlobLen),
		"MaxScriptBytes": int64(c.MaxScriptBytes),
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("rhai.DefaultLimits has no %s", name)
			continue
		}
		if g != w {
			t.Errorf("%s: rhai.DefaultLimits says %d, config.Default says %d", name, g, w)
		}
	}
}
