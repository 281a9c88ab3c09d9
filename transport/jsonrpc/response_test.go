package jsonrpc_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/circles-actor/circles-actor/transport/jsonrpc"
)

func TestResult(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		id   string
		v    any
		want string
	}{
		{"float id echoed", `1.0`, 20, `{"jsonrpc":"2.0","result":20,"id":1.0}`},
		{"string id", `"abc"`, map[string]string{"output": "20", "type": "i64"}, `{"jsonrpc":"2.0","result":{"output":"20","type":"i64"},"id":"abc"}`},
		{"nil id", ``, true, `{"jsonrpc":"2.0","result":true,"id":null}`},
		{"null result", `1`, nil, `{"jsonrpc":"2.0","result":null,"id":1}`},
		{"html kept", `1`, "<a&b>", `{"jsonrpc":"2.0","result":"<a&b>","id":1}`},
		{"raw result", `1`, json.RawMessage(`{"x":[1,2]}`), `{"jsonrpc":"2.0","result":{"x":[1,2]},"id":1}`},
		{"unmarshallable", `1`, math.NaN(), `{"jsonrpc":"2.0","error":{"code":-32603,"message":"Internal error"},"id":1}`},
		{"invalid raw", `1`, json.RawMessage(`{`), `{"jsonrpc":"2.0","error":{"code":-32603,"message":"Internal error"},"id":1}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var id json.RawMessage
			if tc.id != "" {
				id = json.RawMessage(tc.id)
			}
			if got := string(jsonrpc.Result(id, tc.v)); got != tc.want {
				t.Fatalf("Result = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestErrorResponse(t *testing.T) {
	t.Parallel()
	data := map[string]any{"kind": "ErrorParsing", "message": "bad", "line": 1, "column": 5}
	got := string(jsonrpc.ErrorResponse(json.RawMessage(`7`), jsonrpc.ScriptError, "", data))
	want := `{"jsonrpc":"2.0","error":{"code":-32004,"message":"Script error","data":{"column":5,"kind":"ErrorParsing","line":1,"message":"bad"}},"id":7}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	got = string(jsonrpc.ErrorResponse(nil, jsonrpc.Busy, "too \"many\"", math.Inf(1)))
	want = `{"jsonrpc":"2.0","error":{"code":-32006,"message":"too \"many\""},"id":null}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestErrorType(t *testing.T) {
	t.Parallel()
	e := jsonrpc.NewError(jsonrpc.BadNonce, "")
	if e.Message != "Unknown or expired nonce" || e.Error() != "jsonrpc error -32003: Unknown or expired nonce" {
		t.Fatalf("%+v", e)
	}
	wrapped := fmt.Errorf("failed to authenticate: %w", e.WithData("x"))
	if got := jsonrpc.AsError(wrapped); got.Code != jsonrpc.BadNonce || got.Data != "x" || e.Data != nil {
		t.Fatalf("AsError = %+v", got)
	}
	if got := jsonrpc.AsError(errors.New("secret detail")); got.Code != jsonrpc.Internal || got.Message != "Internal error" {
		t.Fatalf("AsError(plain) = %+v", got)
	}
	if got := string(jsonrpc.Errorf(jsonrpc.RateLimited, "slow down %d", 3).Response(nil)); got != `{"jsonrpc":"2.0","error":{"code":-32007,"message":"slow down 3"},"id":null}` {
		t.Fatal(got)
	}
	codes := map[int]string{jsonrpc.ParseError: "Parse error", jsonrpc.InvalidRequest: "Invalid Request",
		jsonrpc.MethodNotFound: "Method not found", jsonrpc.InvalidParams: "Invalid params",
		jsonrpc.AuthRequired: "Authentication required", jsonrpc.InvalidCredentials: "Invalid credentials",
		jsonrpc.ScriptTimeout: "Script timeout", -32099: "Server error"}
	for c, m := range codes {
		if jsonrpc.Message(c) != m {
			t.Errorf("Message(%d) = %q", c, jsonrpc.Message(c))
		}
	}
}

func TestEncodeBatch(t *testing.T) {
	t.Parallel()
	if got := jsonrpc.EncodeBatch(nil); got != nil {
		t.Fatalf("empty: %s", got)
	}
	if got := jsonrpc.EncodeBatch([][]byte{nil, {}}); got != nil {
		t.Fatalf("only notifications: %s", got)
	}
	got := jsonrpc.EncodeBatch([][]byte{nil, []byte(`{"a":1}`), nil, []byte(`{"b":2}`)})
	if string(got) != `[{"a":1},{"b":2}]` {
		t.Fatalf("got %s", got)
	}
}
