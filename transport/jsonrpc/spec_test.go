package jsonrpc_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/circles-actor/circles-actor/transport/jsonrpc"
)

// specServer answers the methods used by the examples of the JSON-RPC 2.0
// specification (https://www.jsonrpc.org/specification#examples), following
// the loop shown in the package documentation.
func specServer(frame []byte) []byte {
	reqs, batch, errResp := jsonrpc.Decode(frame, 100)
	if errResp != nil {
		return errResp
	}
	var out [][]byte
	for _, r := range reqs {
		if r.Err != nil {
			out = append(out, r.Err.Response(r.ID))
			continue
		}
		resp := specHandle(r)
		if !r.IsNotification() {
			out = append(out, resp)
		}
	}
	if batch {
		return jsonrpc.EncodeBatch(out)
	}
	if len(out) == 1 {
		return out[0]
	}
	return nil
}

func specHandle(r jsonrpc.Request) []byte {
	switch r.Method {
	case "subtract":
		var minuend, subtrahend int
		if err := jsonrpc.BindParams(r.Params, []string{"minuend", "subtrahend"}, &minuend, &subtrahend); err != nil {
			return jsonrpc.AsError(err).Response(r.ID)
		}
		return jsonrpc.Result(r.ID, minuend-subtrahend)
	case "sum":
		var xs []int
		if err := json.Unmarshal(r.Params, &xs); err != nil {
			return jsonrpc.ErrorResponse(r.ID, jsonrpc.InvalidParams, "", nil)
		}
		s := 0
		for _, x := range xs {
			s += x
		}
		return jsonrpc.Result(r.ID, s)
	case "get_data":
		return jsonrpc.Result(r.ID, []any{"hello", 5})
	case "update", "notify_hello", "notify_sum":
		return jsonrpc.Result(r.ID, nil)
	}
	return jsonrpc.ErrorResponse(r.ID, jsonrpc.MethodNotFound, "", nil)
}

// The spec's examples, request then expected reply ("" for no reply).
var specExamples = []struct{ name, req, resp string }{
	{"positional",
		`{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}`,
		`{"jsonrpc": "2.0", "result": 19, "id": 1}`},
	{"positional 2",
		`{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}`,
		`{"jsonrpc": "2.0", "result": -19, "id": 2}`},
	{"named",
		`{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}`,
		`{"jsonrpc": "2.0", "result": 19, "id": 3}`},
	{"named 2",
		`{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}`,
		`{"jsonrpc": "2.0", "result": 19, "id": 4}`},
	{"notification", `{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}`, ``},
	{"notification 2", `{"jsonrpc": "2.0", "method": "foobar"}`, ``},
	{"method not found",
		`{"jsonrpc": "2.0", "method": "foobar", "id": "1"}`,
		`{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "1"}`},
	{"invalid json",
		`{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]`,
		`{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}`},
	{"invalid request",
		`{"jsonrpc": "2.0", "method": 1, "params": "bar"}`,
		`{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request: method must be a string"}, "id": null}`},
	{"batch invalid json",
		`[
  {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
  {"jsonrpc": "2.0", "method"
]`,
		`{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}`},
	{"empty array", `[]`,
		`{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request: empty batch"}, "id": null}`},
	{"invalid batch of one", `[1]`,
		`[{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}]`},
	{"invalid batch", `[1,2,3]`,
		`[
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}
]`},
	{"batch",
		`[
  {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
  {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
  {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
  {"foo": "boo"},
  {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
  {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
]`,
		`[
  {"jsonrpc": "2.0", "result": 7, "id": "1"},
  {"jsonrpc": "2.0", "result": 19, "id": "2"},
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request: jsonrpc must be \"2.0\""}, "id": null},
  {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "5"},
  {"jsonrpc": "2.0", "result": ["hello", 5], "id": "9"}
]`},
	{"batch of notifications",
		`[
  {"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},
  {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}
]`, ``},
}

func TestSpecExamples(t *testing.T) {
	t.Parallel()
	for _, tc := range specExamples {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := specServer([]byte(tc.req))
			if tc.resp == "" {
				if got != nil {
					t.Fatalf("want no reply, got %s", got)
				}
				return
			}
			assertJSONEqual(t, got, tc.resp)
		})
	}
}

func assertJSONEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("reply is not JSON: %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("reply\n  %s\nwant\n  %s", got, want)
	}
}
