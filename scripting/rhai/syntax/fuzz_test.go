package syntax_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// testdataScripts returns the sample scripts in testdata/.
func testdataScripts(tb testing.TB) map[string]string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.rhai"))
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatalf("failed to read %s: %v", f, err)
		}
		out[f] = string(b)
	}
	return out
}

func TestTestdataParses(t *testing.T) {
	t.Parallel()
	scripts := testdataScripts(t)
	if len(scripts) == 0 {
		t.Fatal("no testdata scripts")
	}
	for name, src := range scripts {
		s, err := syntax.Parse(src, nil)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(s.Stmts) == 0 {
			t.Errorf("%s: no statements", name)
		}
	}
}

// FuzzParse checks that no input makes the parser panic or hang, and that
// every failure is a positioned *syntax.Error.
func FuzzParse(f *testing.F) {
	for _, c := range loadConformance(f) {
		f.Add(c.Script)
	}
	for _, src := range testdataScripts(f) {
		f.Add(src)
	}
	for _, s := range []string{
		"", "(", "`${", "`${`${}`}`", "#{", "#\"", "'", "\"\\", "/*", "1..", "..", "|", "||", "switch",
		"fn f(", "x?.", "x?[", "-", "0x", "1e", "1.e5", "9223372036854775808", "-9223372036854775808",
		"a ?? b ??= c", "`${;}`", "`${;;}x`", "\x00", "\xff", "let x = `a ${ { `b ${ c }` } } d`;",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		s, err := syntax.Parse(src, &syntax.Options{MaxExprDepth: 64})
		if err != nil {
			se, ok := err.(*syntax.Error)
			if !ok {
				t.Fatalf("error is %T, want *syntax.Error", err)
			}
			if strings.HasPrefix(se.Msg, "internal parser error") {
				t.Fatalf("parser bug: %v", se)
			}
			if se.Pos.Line < 1 || se.Pos.Col < 1 {
				t.Fatalf("error position %v is not 1-based", se.Pos)
			}
			if s != nil {
				t.Fatal("non-nil script with an error")
			}
			return
		}
		_ = syntax.DumpScript(s)
	})
}
