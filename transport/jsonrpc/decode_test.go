package jsonrpc_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/transport/jsonrpc"
)

func TestDecodeSingle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, frame string
		method      string
		id          string // raw id, "" when absent
		hasID       bool
		params      string
	}{
		{"int id", `{"jsonrpc":"2.0","method":"play","params":{"script":"1"},"id":1}`, "play", "1", true, `{"script":"1"}`},
		{"float id kept byte-exact", `{"jsonrpc":"2.0","method":"m","id":1.0}`, "m", "1.0", true, ""},
		{"exponent id", `{"jsonrpc":"2.0","method":"m","id":-1e3}`, "m", "-1e3", true, ""},
		{"string id", `{"jsonrpc":"2.0","method":"m","id":"a\"b"}`, "m", `"a\"b"`, true, ""},
		{"null id is a request", `{"jsonrpc":"2.0","method":"m","id":null}`, "m", "null", true, ""},
		{"notification", `{"jsonrpc":"2.0","method":"m","params":[1]}`, "m", "", false, "[1]"},
		{"whitespace", " \n\t{ \"id\" : 7 , \"method\" : \"m\" , \"jsonrpc\" : \"2.0\" , \"params\" : [ ] } \r\n", "m", "7", true, "[ ]"},
		{"escaped key and method", `{"jsonrpc":"2.0","\u006dethod":"pl\u0061y","id":2}`, "play", "2", true, ""},
		{"escaped version", `{"jsonrpc":"\u0032.0","method":"m","id":2}`, "m", "2", true, ""},
		{"unknown members ignored", `{"jsonrpc":"2.0","method":"m","id":2,"extra":{"a":[1,"]"]}}`, "m", "2", true, ""},
		{"duplicate member last wins", `{"jsonrpc":"2.0","method":"a","method":"b","id":2}`, "b", "2", true, ""},
		{"nested strings with brackets", `{"jsonrpc":"2.0","method":"m","params":["}]\\",{"x":"\\\""}],"id":3}`, "m", "3", true, `["}]\\",{"x":"\\\""}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reqs, batch, errResp := jsonrpc.Decode([]byte(tc.frame), 10)
			if errResp != nil || batch || len(reqs) != 1 {
				t.Fatalf("Decode = %v, %v, %s", reqs, batch, errResp)
			}
			r := reqs[0]
			if r.Method != tc.method || string(r.ID) != tc.id || r.HasID != tc.hasID ||
				r.IsNotification() == tc.hasID || string(r.Params) != tc.params || r.Err != nil {
				t.Fatalf("got %+v (id %s, params %s)", r, r.ID, r.Params)
			}
		})
	}
}

func TestDecodeInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, frame string
		code        int
		id          string // expected raw id in the reply
	}{
		{"empty", ``, jsonrpc.ParseError, "null"},
		{"garbage", `hello`, jsonrpc.ParseError, "null"},
		{"trailing garbage", `{"jsonrpc":"2.0","method":"m","id":1} x`, jsonrpc.ParseError, "null"},
		{"truncated", `{"jsonrpc":"2.0","method":"m","id":1`, jsonrpc.ParseError, "null"},
		{"number", `42`, jsonrpc.InvalidRequest, "null"},
		{"string", `"x"`, jsonrpc.InvalidRequest, "null"},
		{"null", `null`, jsonrpc.InvalidRequest, "null"},
		{"no version", `{"method":"m","id":1}`, jsonrpc.InvalidRequest, "1"},
		{"wrong version", `{"jsonrpc":"1.0","method":"m","id":1}`, jsonrpc.InvalidRequest, "1"},
		{"numeric version", `{"jsonrpc":2.0,"method":"m","id":1}`, jsonrpc.InvalidRequest, "1"},
		{"no method", `{"jsonrpc":"2.0","id":"x"}`, jsonrpc.InvalidRequest, `"x"`},
		{"method null", `{"jsonrpc":"2.0","method":null,"id":1}`, jsonrpc.InvalidRequest, "1"},
		{"params string", `{"jsonrpc":"2.0","method":"m","params":"bar","id":1}`, jsonrpc.InvalidRequest, "1"},
		{"params null", `{"jsonrpc":"2.0","method":"m","params":null,"id":1}`, jsonrpc.InvalidRequest, "1"},
		{"params number", `{"jsonrpc":"2.0","method":"m","params":3}`, jsonrpc.InvalidRequest, "null"},
		{"id object", `{"jsonrpc":"2.0","method":"m","id":{}}`, jsonrpc.InvalidRequest, "null"},
		{"id array", `{"jsonrpc":"2.0","method":"m","id":[1]}`, jsonrpc.InvalidRequest, "null"},
		{"id bool", `{"jsonrpc":"2.0","method":"m","id":true}`, jsonrpc.InvalidRequest, "null"},
		{"case matters", `{"JSONRPC":"2.0","Method":"m","ID":1}`, jsonrpc.InvalidRequest, "null"},
		{"batch too large", `[` + strings.Repeat(`{"jsonrpc":"2.0","method":"m"},`, 10) + `{"jsonrpc":"2.0","method":"m"}]`, jsonrpc.InvalidRequest, "null"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reqs, _, errResp := jsonrpc.Decode([]byte(tc.frame), 10)
			if errResp == nil || len(reqs) != 0 {
				t.Fatalf("Decode accepted %s: %+v", tc.frame, reqs)
			}
			var reply struct {
				Version string          `json:"jsonrpc"`
				ID      json.RawMessage `json:"id"`
				Error   jsonrpc.Error   `json:"error"`
			}
			if err := json.Unmarshal(errResp, &reply); err != nil {
				t.Fatalf("reply %s: %v", errResp, err)
			}
			if reply.Version != "2.0" || reply.Error.Code != tc.code || string(reply.ID) != tc.id {
				t.Fatalf("reply %s, want code %d id %s", errResp, tc.code, tc.id)
			}
		})
	}
}

func TestDecodeBatchLimit(t *testing.T) {
	t.Parallel()
	frame := `[` + strings.Repeat(`{"jsonrpc":"2.0","method":"m","id":1},`, 9) + `{"jsonrpc":"2.0","method":"m","id":1}]`
	reqs, batch, errResp := jsonrpc.Decode([]byte(frame), 10)
	if errResp != nil || !batch || len(reqs) != 10 {
		t.Fatalf("10 of 10: %d reqs, %s", len(reqs), errResp)
	}
	if reqs, _, errResp = jsonrpc.Decode([]byte(frame), 0); errResp != nil || len(reqs) != 10 {
		t.Fatalf("no limit: %d reqs, %s", len(reqs), errResp)
	}
	if _, _, errResp = jsonrpc.Decode([]byte(frame), 9); !strings.Contains(string(errResp), "batch too large") {
		t.Fatalf("10 of 9: %s", errResp)
	}
}

func TestDecodeBatchMixed(t *testing.T) {
	t.Parallel()
	frame := `[{"jsonrpc":"2.0","method":"a","id":1}, 5, {"jsonrpc":"2.0","method":7,"id":"k"}, {"jsonrpc":"2.0","method":"b"}]`
	reqs, batch, errResp := jsonrpc.Decode([]byte(frame), 10)
	if errResp != nil || !batch || len(reqs) != 4 {
		t.Fatalf("Decode = %d reqs, batch %v, %s", len(reqs), batch, errResp)
	}
	if reqs[0].Err != nil || reqs[0].Method != "a" {
		t.Errorf("0: %+v", reqs[0])
	}
	if reqs[1].Err == nil || reqs[1].Err.Code != jsonrpc.InvalidRequest || reqs[1].ID != nil {
		t.Errorf("1: %+v", reqs[1])
	}
	// An invalid element keeps a valid id so its error can be matched.
	if reqs[2].Err == nil || string(reqs[2].ID) != `"k"` {
		t.Errorf("2: %+v", reqs[2])
	}
	if reqs[3].Err != nil || !reqs[3].IsNotification() {
		t.Errorf("3: %+v", reqs[3])
	}
}

func TestDecodeBigScript(t *testing.T) {
	t.Parallel()
	script := strings.Repeat(`let s = "a\"b\\"; print(s);\n`, 8000)
	params, _ := json.Marshal(map[string]string{"script": script})
	frame := `{"jsonrpc":"2.0","method":"play","params":` + string(params) + `,"id":9}`
	reqs, _, errResp := jsonrpc.Decode([]byte(frame), 10)
	if errResp != nil {
		t.Fatalf("Decode: %s", errResp)
	}
	var got string
	if err := jsonrpc.BindParams(reqs[0].Params, []string{"script"}, &got); err != nil || got != script {
		t.Fatalf("script did not round-trip (%d vs %d bytes): %v", len(got), len(script), err)
	}
}
