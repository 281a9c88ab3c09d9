package jsonrpc_test

import (
	"encoding/json"
	"testing"

	"github.com/circles-actor/circles-actor/transport/jsonrpc"
)

// FuzzDecode checks that Decode never panics, that every reply it builds is
// valid JSON, and that a single request it accepts agrees with
// encoding/json's reading of the same object.
func FuzzDecode(f *testing.F) {
	for _, ex := range specExamples {
		f.Add([]byte(ex.req))
	}
	for _, s := range []string{``, `[]`, `{}`, `[[]]`, `{"jsonrpc":"2.0","method":"m","id":1.0}`,
		`{"jsonrpc":"2.0","\u006dethod":"m","params":{"a":"\\\""},"id":null}`, `[{"jsonrpc":"2.0","method":"m"},1]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		reqs, batch, errResp := jsonrpc.Decode(frame, 8)
		if errResp != nil {
			if len(reqs) != 0 || !json.Valid(errResp) {
				t.Fatalf("bad error reply %s (reqs %d)", errResp, len(reqs))
			}
			return
		}
		if len(reqs) == 0 || len(reqs) > 8 || (!batch && len(reqs) != 1) {
			t.Fatalf("%d requests, batch %v", len(reqs), batch)
		}
		for _, r := range reqs {
			if r.Err != nil {
				if !batch || !json.Valid(r.Err.Response(r.ID)) {
					t.Fatalf("bad invalid element %+v", r)
				}
				continue
			}
			if !json.Valid(jsonrpc.Result(r.ID, r.Method)) {
				t.Fatalf("invalid result for id %q", r.ID)
			}
			if k := jsonrpc.KindOf(r.Params); k != jsonrpc.Absent && k != jsonrpc.ByName && k != jsonrpc.ByPosition {
				t.Fatalf("params %q", r.Params)
			}
		}
		if !batch {
			checkAgainstStdlib(t, frame, reqs[0])
		}
	})
}

func checkAgainstStdlib(t *testing.T, frame []byte, r jsonrpc.Request) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(frame, &m); err != nil {
		t.Fatalf("Decode accepted what encoding/json rejects: %v", err)
	}
	var method string
	if err := json.Unmarshal(m["method"], &method); err != nil || method != r.Method {
		t.Fatalf("method %q, encoding/json says %q (%v)", r.Method, method, err)
	}
	id, has := m["id"]
	if has != r.HasID || (has && string(id) != string(r.ID)) {
		t.Fatalf("id %q/%v, encoding/json says %q/%v", r.ID, r.HasID, id, has)
	}
	if p, ok := m["params"]; ok && string(p) != string(r.Params) {
		t.Fatalf("params %q, encoding/json says %q", r.Params, p)
	}
}

// FuzzMember feeds arbitrary params to Member, Elements and BindParams:
// no panic on malformed bytes, and agreement with encoding/json on valid
// objects and arrays.
func FuzzMember(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":"x","a":"y"}`, `{"\u0061":[1,{"a":2}]}`, `["a",1]`, `{"a":`, `[1,`, `{"credentials":{"pubkey":"p"}}`, `"a"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, params []byte) {
		got, ok := jsonrpc.Member(params, "a")
		elems := jsonrpc.Elements(params)
		var s string
		_ = jsonrpc.BindParams(params, []string{"a", "b?"}, &s, &s)
		if !json.Valid(params) {
			return
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(params, &m) == nil {
			want, has := m["a"]
			if has != ok || (has && string(want) != string(got)) {
				t.Fatalf("Member = %q/%v, encoding/json says %q/%v", got, ok, want, has)
			}
		}
		var arr []json.RawMessage
		if json.Unmarshal(params, &arr) == nil && arr != nil {
			if len(arr) != len(elems) {
				t.Fatalf("Elements = %d, encoding/json says %d", len(elems), len(arr))
			}
			for i := range arr {
				if string(arr[i]) != string(elems[i]) {
					t.Fatalf("element %d = %q, encoding/json says %q", i, elems[i], arr[i])
				}
			}
		}
	})
}
