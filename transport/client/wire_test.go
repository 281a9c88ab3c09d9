package client

import (
	"encoding/json"
	"reflect"
	"testing"
)

func FuzzDecodeResponses(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"result":{"output":"20","type":"i64"}}`,
		`[{"jsonrpc":"2.0","id":1,"result":1},{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}]`,
		`{"jsonrpc":"2.0","id":"abc","error":{"code":-32004,"message":"x","data":{"line":1}}}`,
		`[]`, ``, `null`, `{`, `[1,2]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		resps, err := decodeResponses(frame)
		if err != nil {
			return
		}
		for _, r := range resps {
			if id, ok := r.intID(); ok && id <= 0 {
				t.Fatalf("intID accepted %d", id)
			}
			_ = r.decode("m", new(any))
		}
	})
}

func TestIntID(t *testing.T) {
	for in, want := range map[string]int64{`1`: 1, ` 42 `: 42, `"1"`: 0, `null`: 0, `0`: 0, `-3`: 0, `1.5`: 0} {
		got, ok := response{ID: []byte(in)}.intID()
		if (want != 0) != ok || got != want && ok {
			t.Errorf("intID(%s) = %d, %v", in, got, ok)
		}
	}
}

func FuzzDeadline(f *testing.F) {
	for _, s := range []string{`1700000000`, `1700000000000`, `"2023-11-14T22:13:20Z"`, `"x"`, `null`, `1e400`, `-5`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Deadline
		if err := d.UnmarshalJSON(b); err == nil && string(d.Raw) != string(b) {
			t.Fatalf("Raw = %q, want %q", d.Raw, b)
		}
	})
}

// TestEncodeRequestMatchesEncodingJSON checks the hand-written frames
// against what encoding/json makes of the same request: the same JSON value.
func TestEncodeRequestMatchesEncodingJSON(t *testing.T) {
	for _, c := range []struct {
		id     int64
		method string
		params any
	}{
		{1, "play", map[string]string{"script": `let s = "a\"b\\c\n<&>` + "\x00\xff\u2028" + `"; s`}},
		{7, "authenticate", map[string]string{"pubkey": "02ab", "signature": "ff", "nonce": "n"}},
		{0, "note", map[string]string{}},
		{2, "fetch_nonce", nil},
		{3, "rpc.discover", []any{1, "x", nil}},
		{4, "m\"ethod", struct {
			A int    `json:"a"`
			B string `json:"b,omitempty"`
		}{A: 5}},
	} {
		got, err := encodeRequest(c.id, c.method, c.params)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(request{JSONRPC: "2.0", ID: c.id, Method: c.method, Params: c.params})
		if err != nil {
			t.Fatal(err)
		}
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("encodeRequest made invalid JSON %s: %v", got, err)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("encodeRequest = %s, encoding/json: %s", got, want)
		}
	}
}
