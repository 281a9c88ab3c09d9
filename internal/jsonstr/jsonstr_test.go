package jsonstr

import (
	"bytes"
	"encoding/json"
	"testing"
)

// encodingJSON is what encoding/json writes for s with HTML escaping off.
func encodingJSON(t testing.TB, s string) []byte {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(s); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func TestAppendMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "42", `say "hi"\`, "a\nb\r\tc\b\f", "\x00\x01\x1f\x7f", "<&>", "héllo 世界 🎉",
		"bad \xff utf8 \xc3", "line\u2028para\u2029", "\xed\xa0\x80"} {
		if got, want := Append([]byte("x"), s), append([]byte("x"), encodingJSON(t, s)...); !bytes.Equal(got, want) {
			t.Errorf("Append(%q) = %s, want %s", s, got, want)
		}
	}
}

func FuzzAppend(f *testing.F) {
	for _, s := range []string{"", "plain", `"\`, "\x00\n", "\xff\xfe", "\u2028", "世界"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Append(nil, s), encodingJSON(t, s); !bytes.Equal(got, want) {
			t.Fatalf("Append(%q) = %s, want %s", s, got, want)
		}
	})
}

func TestAppendArrayMatchesEncodingJSON(t *testing.T) {
	for _, ss := range [][]string{{}, {"a"}, {"x\n", "\"q\"", "é"}} {
		want, err := json.Marshal(ss)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendArray(nil, ss); !bytes.Equal(got, want) {
			t.Errorf("AppendArray(%q) = %s, want %s", ss, got, want)
		}
	}
}
