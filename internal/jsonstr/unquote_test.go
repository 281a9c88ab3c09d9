package jsonstr

import (
	"encoding/json"
	"testing"
)

// checkUnquote compares Unquote with encoding/json on v.
func checkUnquote(t *testing.T, v []byte) {
	t.Helper()
	got, ok := Unquote(v)
	var want string
	err := json.Unmarshal(v, &want)
	// encoding/json also takes null and whitespace around the token;
	// Unquote wants exactly a string token.
	if len(v) == 0 || v[0] != '"' || v[len(v)-1] != '"' {
		if ok {
			t.Fatalf("Unquote(%q) = %q, want not ok", v, got)
		}
		return
	}
	if ok != (err == nil) || got != want {
		t.Fatalf("Unquote(%q) = %q, %v; encoding/json: %q, %v", v, got, ok, want, err)
	}
}

var unquoteSeeds = []string{
	`""`, `"plain"`, `"let x = \"a\"; x"`, `"\\\/\b\f\n\r\t"`, `"\u0041\u00e9\u4e16"`,
	`"\ud83c\udf89"`, `"\ud83c"`, `"\udf89\ud83c"`, `"\ud83cx"`, `"\ud83c\u0041"`,
	"\"bad \xff utf8 \xc3\"", "\"\xed\xa0\x80\"", `"\x"`, `"\'"`, `"\u12"`, `"\u12G4"`,
	`"a"b"`, "\"tab\there\"", `"\"`, `"`, `x`, `null`, ` "a"`, `"a" `, `"ends \\"`,
}

func TestUnquoteMatchesEncodingJSON(t *testing.T) {
	for _, s := range unquoteSeeds {
		checkUnquote(t, []byte(s))
	}
}

func FuzzUnquote(f *testing.F) {
	for _, s := range unquoteSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) { checkUnquote(t, v) })
}

func BenchmarkUnquote(b *testing.B) {
	v := []byte(`"let n = (state.get(\"n\") ?? 0) + 1; state.set(\"n\", n); state.set(\"c\" + TASK_ID, n); n"`)
	b.Run("ours", func(b *testing.B) {
		for b.Loop() {
			Unquote(v)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			var s string
			_ = json.Unmarshal(v, &s)
		}
	})
}
