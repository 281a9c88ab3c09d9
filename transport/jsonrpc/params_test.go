package jsonrpc_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/circles-actor/circles-actor/transport/jsonrpc"
)

func TestBindParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, params string
		pubkey, sig  string
		n            int
		err          string // message of the -32602 error, "" for success
	}{
		{"by name", `{"pubkey":"p","signature":"s","n":3}`, "p", "s", 3, ""},
		{"by name, extra members ignored", `{"signature":"s","pubkey":"p","other":[1]}`, "p", "s", 0, ""},
		{"by position", `["p","s",4]`, "p", "s", 4, ""},
		{"by position, optional omitted", `["p","s"]`, "p", "s", 0, ""},
		{"escaped", `{"pubkey":"p\u0031","signature":"\"s\""}`, "p1", `"s"`, 0, ""},
		{"missing by name", `{"pubkey":"p"}`, "", "", 0, "Invalid params: missing signature"},
		{"missing by position", `["p"]`, "", "", 0, "Invalid params: missing signature"},
		{"absent", ``, "", "", 0, "Invalid params: missing pubkey"},
		{"too many", `["p","s",1,2]`, "", "", 0, "Invalid params: want at most 3, got 4"},
		{"wrong type", `{"pubkey":1,"signature":"s"}`, "", "", 0, "Invalid params: pubkey has the wrong type"},
		{"null for string", `{"pubkey":null,"signature":"s"}`, "", "", 0, "Invalid params: pubkey has the wrong type"},
		{"wrong optional type", `["p","s","x"]`, "", "", 0, "Invalid params: n has the wrong type"},
		{"not structured", `"p"`, "", "", 0, "Invalid params: must be an array or an object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var pubkey, sig string
			var n int
			err := jsonrpc.BindParams(json.RawMessage(tc.params), []string{"pubkey", "signature", "n?"}, &pubkey, &sig, &n)
			if tc.err != "" {
				var e *jsonrpc.Error
				if !errors.As(err, &e) || e.Code != jsonrpc.InvalidParams || e.Message != tc.err {
					t.Fatalf("err = %v, want -32602 %q", err, tc.err)
				}
				return
			}
			if err != nil || pubkey != tc.pubkey || sig != tc.sig || n != tc.n {
				t.Fatalf("got %q %q %d %v", pubkey, sig, n, err)
			}
		})
	}
}

func TestBindParamsMismatchedNames(t *testing.T) {
	t.Parallel()
	var s string
	err := jsonrpc.BindParams(json.RawMessage(`["x"]`), []string{"a", "b"}, &s)
	if jsonrpc.AsError(err).Code != jsonrpc.Internal {
		t.Fatalf("err = %v", err)
	}
}

// The authenticate method also takes {credentials: {pubkey, signature}}.
func TestMemberForNestedShapes(t *testing.T) {
	t.Parallel()
	params := json.RawMessage(` {"credentials": {"pubkey": "p", "signature": "s"}} `)
	if k := jsonrpc.KindOf(params); k != jsonrpc.ByName {
		t.Fatalf("KindOf = %v", k)
	}
	creds, ok := jsonrpc.Member(params, "credentials")
	if !ok {
		t.Fatal("no credentials")
	}
	var pubkey, sig string
	if err := jsonrpc.BindParams(creds, []string{"pubkey", "signature"}, &pubkey, &sig); err != nil || pubkey != "p" || sig != "s" {
		t.Fatalf("got %q %q %v", pubkey, sig, err)
	}
	if _, ok := jsonrpc.Member(params, "pubkey"); ok {
		t.Error("Member found a nested key at the top level")
	}
	if _, ok := jsonrpc.Member(json.RawMessage(`["credentials"]`), "credentials"); ok {
		t.Error("Member looked into an array")
	}
	if got := jsonrpc.Elements(json.RawMessage(`[1, "a", {"b":[2]}]`)); len(got) != 3 || string(got[2]) != `{"b":[2]}` {
		t.Errorf("Elements = %q", got)
	}
	if jsonrpc.Elements(json.RawMessage(`{}`)) != nil {
		t.Error("Elements of an object")
	}
	kinds := map[string]jsonrpc.Kind{``: jsonrpc.Absent, `[]`: jsonrpc.ByPosition, `1`: jsonrpc.Malformed}
	for in, want := range kinds {
		if got := jsonrpc.KindOf(json.RawMessage(in)); got != want {
			t.Errorf("KindOf(%q) = %v, want %v", in, got, want)
		}
	}
}

// Member and Elements are given caller bytes; malformed ones must not panic.
func TestMemberMalformed(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`{`, `{"a"`, `{"a":`, `{"a":1,`, `{"a":"x`, `{"a" 1}`, `{1:2}`, `[`, `[1,`, `[1 2]`, `["x]`, `{"a":[}`} {
		jsonrpc.Member(json.RawMessage(in), "a")
		jsonrpc.Elements(json.RawMessage(in))
		var s string
		_ = jsonrpc.BindParams(json.RawMessage(in), []string{"a"}, &s)
	}
}
