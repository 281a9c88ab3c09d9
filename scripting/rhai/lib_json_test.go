package rhai_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

func TestParseJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a": [1, 2.5, null, true, "x"], "b": {}}`, `#{"a": [1, 2.5, (), true, "x"], "b": #{}}`},
		{`12345678901234567890`, `1.2345678901234567e19`},
		{`-3`, `-3`},
		{`"\u00e9\n"`, `"é\n"`},
		{`[]`, `[]`},
	}
	for _, tt := range tests {
		v, err := rhai.ParseJSON([]byte(tt.in))
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if got := rhai.ToDebug(v); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{``, `[1, 2`, `{"a":1} x`, `{a: 1}`} {
		if _, err := rhai.ParseJSON([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestToJSON(t *testing.T) {
	rt := newLibRuntime()
	m := rhai.NewMap(map[string]rhai.Value{
		"s": rhai.String("q\"\n\x01é"), "f": rhai.Float(1), "c": rhai.Char('x'),
		"fn": rhai.NewFnPtr(&rhai.FnPtr{Name: "abc", Curry: []rhai.Value{rhai.Int(42)}}),
		"b":  rhai.NewBlob([]byte{1, 2}),
	})
	got := rt.mustCall(t, "to_json", m).AsStr()
	// Rhai's format_map_as_json: scalars in Rust's Debug form.
	want := `{"b":[1,2],"c":'x',"f":1.0,"fn":["abc",42],"s":"q\"\n\u{1}é"}`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// FuzzParseJSON checks that parse_json never panics and that whatever map
// it accepts survives to_json and a second parse unchanged (when to_json's
// text, whose strings are in Rust's Debug form, is plain JSON).
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"a": [1, 2.5, null, true, "x"]}`, `{"a": "\u0001"}`, `[[[]]]`, `"\ud800"`, `1e400`, `-0`, `{"a":{"b":{"c":1}}}`, `[1,`} {
		f.Add([]byte(s))
	}
	rt := newLibRuntime()
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := rhai.ParseJSON(data)
		if err != nil || v.Kind() != rhai.KindMap {
			return
		}
		out, err := rt.CallFnName("to_json", []rhai.Value{v})
		if err != nil {
			t.Fatalf("to_json: %v", err)
		}
		if !json.Valid(out.StrBytes()) {
			return // a control or non-printable character, written as \u{..}
		}
		back, err := rhai.ParseJSON(out.StrBytes())
		if err != nil {
			t.Fatalf("reparse %q: %v", out.AsStr(), err)
		}
		if rhai.ToDebug(back) != rhai.ToDebug(v) {
			t.Fatalf("round trip changed %s to %s", rhai.ToDebug(v), rhai.ToDebug(back))
		}
	})
}

// FuzzParseJSONScript checks that the script function parse_json (which
// reads text that is not plain JSON as Rhai does: comments, trailing
// commas, expressions) never panics, gives a map or a clear error, and
// keeps to the sandbox's limits.
func FuzzParseJSONScript(f *testing.F) {
	for _, s := range []string{`{"a": [1,], "b": 41+1,}`, `{a: 1}`, `{"a": null} // c`, `{"a": "\/"}`, `{"a":1,"a":2}`, `{"a": {"b": [1, {"c": x}]}}`, "{\n\"a\":\n 1 +}", `{"a": "x" + 1}; 2`, `#{}`, `{"a": [1, 2].map(|x| x * 2)}`, ``} {
		f.Add(s)
	}
	eng := rhai.NewEngine()
	f.Fuzz(func(t *testing.T, text string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		v, err := eng.Eval(ctx, `parse_json(TEXT)`, &rhai.RunOptions{Strings: []rhai.NamedString{{Name: "TEXT", Value: text}}})
		if err == nil && v.TypeName() != "map" {
			t.Fatalf("parse_json(%q) = %s, want a map or an error", text, v.TypeName())
		}
		var e *rhai.Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("parse_json(%q): %T %v, want an *rhai.Error", text, err, err)
		}
	})
}
