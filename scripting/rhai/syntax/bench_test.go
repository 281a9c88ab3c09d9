package syntax_test

import (
	"os"
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// BenchmarkParse parses the syntax tour repeated to about 40 KB.
func BenchmarkParse(b *testing.B) {
	src, err := os.ReadFile("testdata/syntax_tour.rhai")
	if err != nil {
		b.Fatal(err)
	}
	// Drop the shebang and fn definitions so the copies can be concatenated.
	body := string(src)
	body = body[strings.Index(body, "let i ="):]
	body = strings.ReplaceAll(body, "export ", "// export ")
	script := strings.Repeat("{\n"+body+"\n}\n", 8)
	b.SetBytes(int64(len(script)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := syntax.Parse(script, nil); err != nil {
			b.Fatal(err)
		}
	}
}
