package actors

import (
	"encoding/json"
	"testing"

	"github.com/circles-actor/circles-actor/scripting"
)

// appendPlayResult writes what encoding/json would write for playResult.
func TestAppendPlayResultMatchesEncodingJSON(t *testing.T) {
	for _, res := range []scripting.Result{
		{Output: "42", Type: "i64"},
		{Output: `"quoted" <b>&</b>`, Type: "string", Prints: []string{"one", "two\nlines", "\x00\xff"}},
		{Output: "", Type: "()", Prints: []string{}},
		{Output: "\u2028", Type: "char", Prints: []string{""}},
	} {
		got := appendPlayResult(nil, res)
		var back, want playResult
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q is not JSON: %v", got, err)
		}
		wantJSON, _ := json.Marshal(playResult{Output: res.Output, Type: res.Type, Prints: res.Prints})
		_ = json.Unmarshal(wantJSON, &want)
		if string(mustJSON(t, back)) != string(mustJSON(t, want)) {
			t.Errorf("appendPlayResult(%+v) = %s, want %s", res, got, wantJSON)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
