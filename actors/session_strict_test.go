package actors_test

import (
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/transport/jsonrpc"
)

// TestFetchNonceRequiresPubkey: fetch_nonce's pubkey is required and must
// be a secp256k1 public key in hex; every other shape is -32602 with the
// reason in the message.
func TestFetchNonceRequiresPubkey(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil)
	_, pub := newKey(t)
	c := open(t, sys, circle)
	for _, tc := range []struct {
		name   string
		params any
		reason string
	}{
		{"no params", nil, "missing pubkey"},
		{"empty object", map[string]any{}, "missing pubkey"},
		{"empty array", []any{}, "missing pubkey"},
		{"empty string", map[string]any{"pubkey": ""}, "pubkey is empty"},
		{"number", map[string]any{"pubkey": 5}, "pubkey"},
		{"null", map[string]any{"pubkey": nil}, "pubkey"},
		{"not hex", map[string]any{"pubkey": "02" + strings.Repeat("zz", 32)}, "not hex"},
		{"odd length", map[string]any{"pubkey": pub[:65]}, "not hex"},
		{"too short", map[string]any{"pubkey": pub[:64]}, "hex digits"},
		{"bad prefix", map[string]any{"pubkey": "05" + pub[2:]}, "prefix"},
		{"not on the curve", map[string]any{"pubkey": "02" + strings.Repeat("ff", 32)}, "curve"},
	} {
		code, r := c.callErr("fetch_nonce", tc.params)
		if code != jsonrpc.InvalidParams {
			t.Errorf("%s: code %d, want -32602", tc.name, code)
			continue
		}
		if !strings.Contains(r.Error.Message, tc.reason) {
			t.Errorf("%s: message %q does not say %q", tc.name, r.Error.Message, tc.reason)
		}
	}
	var n nonceRes
	c.call("fetch_nonce", map[string]string{"pubkey": "0x" + strings.ToUpper(pub)}, &n)
	c.call("fetch_nonce", []string{pub}, &n)
	if n.Nonce == "" {
		t.Fatal("no nonce for a valid key")
	}
}
