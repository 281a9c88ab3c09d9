package actors_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	circlesactor "github.com/circles-actor/circles-actor"
	"github.com/circles-actor/circles-actor/actors"
)

// TestOpenRPCMatchesCode fails when a method exists in the session and not
// in openrpc.json, or the reverse, and checks that every error code the
// session can answer is documented.
func TestOpenRPCMatchesCode(t *testing.T) {
	var doc struct {
		OpenRPC string `json:"openrpc"`
		Methods []struct {
			Name   string `json:"name"`
			Params []struct {
				Name string `json:"name"`
			} `json:"params"`
			Result *struct{ Name string } `json:"result"`
		} `json:"methods"`
		Components struct {
			Errors map[string]struct {
				Code int `json:"code"`
			} `json:"errors"`
		} `json:"components"`
	}
	if err := json.Unmarshal(circlesactor.OpenRPC, &doc); err != nil {
		t.Fatalf("openrpc.json does not parse: %v", err)
	}
	if !strings.HasPrefix(doc.OpenRPC, "1.") {
		t.Fatalf("openrpc version %q", doc.OpenRPC)
	}
	var documented []string
	for _, m := range doc.Methods {
		documented = append(documented, m.Name)
		if m.Result == nil {
			t.Errorf("method %s has no result", m.Name)
		}
	}
	code := actors.MethodNames()
	slices.Sort(documented)
	slices.Sort(code)
	if !slices.Equal(documented, code) {
		t.Fatalf("openrpc.json methods %v, session methods %v", documented, code)
	}
	codes := map[int]bool{}
	for _, e := range doc.Components.Errors {
		codes[e.Code] = true
	}
	for _, c := range []int{-32700, -32600, -32601, -32602, -32603, -32001, -32002, -32003, -32004, -32005, -32006, -32007} {
		if !codes[c] {
			t.Errorf("error code %d is not documented", c)
		}
	}
}
