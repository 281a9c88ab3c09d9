package actors_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/actors/actorstest"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/transport/jsonrpc"
)

func TestPlayScriptErrorHasPosition(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil)
	c := open(t, sys, circle)
	code, r := c.callErr("play", map[string]string{"script": "let a = 1;\nlet b = a + nope;"})
	if code != jsonrpc.ScriptError {
		t.Fatalf("code %d, want %d", code, jsonrpc.ScriptError)
	}
	var data struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
		Line    int    `json:"line"`
		Column  int    `json:"column"`
	}
	if err := json.Unmarshal(r.Error.Data, &data); err != nil {
		t.Fatal(err)
	}
	if data.Kind != "variable_not_found" || data.Line != 2 || data.Column == 0 || data.Message == "" {
		t.Fatalf("data %+v", data)
	}
}

func TestPlayParamsAndLimits(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, func(c *config.Config) { c.MaxScriptBytes = 64 })
	c := open(t, sys, circle)
	if code, _ := c.callErr("play", map[string]string{"script": strings.Repeat("1+", 40) + "1"}); code != jsonrpc.InvalidParams {
		t.Fatalf("oversized script: code %d", code)
	}
	if code, _ := c.callErr("play", map[string]any{"script": 42}); code != jsonrpc.InvalidParams {
		t.Fatalf("script of the wrong type: code %d", code)
	}
	if code, _ := c.callErr("play", nil); code != jsonrpc.InvalidParams {
		t.Fatalf("missing script: code %d", code)
	}
	var p playRes
	c.call("play", map[string]string{"script": `print("hi"); 40 + 2`}, &p)
	if p.Output != "42" || len(p.Prints) != 1 || p.Prints[0] != "hi" {
		t.Fatalf("play %+v", p)
	}
}

func TestLoopTimesOutAndSessionStaysUsable(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, func(c *config.Config) {
		c.ScriptTimeout = 200 * time.Millisecond
		c.MaxOperations = 1 << 62
	})
	c := open(t, sys, circle)
	start := time.Now()
	code, r := c.callErr("play", map[string]string{"script": "loop {}"})
	if code != jsonrpc.ScriptTimeout {
		t.Fatalf("loop: code %d (%s), want %d", code, r.Error.Message, jsonrpc.ScriptTimeout)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("timeout answered after %s", took)
	}
	var p playRes
	c.call("play", map[string]string{"script": "40 + 2"}, &p)
	if p.Output != "42" {
		t.Fatalf("next play: %+v", p)
	}
}

func TestLoopHitsOperationLimit(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, func(c *config.Config) { c.MaxOperations = 100_000 })
	c := open(t, sys, circle)
	code, r := c.callErr("play", map[string]string{"script": "loop {}"})
	if code != jsonrpc.ScriptError || !strings.Contains(string(r.Error.Data), "too_many_operations") {
		t.Fatalf("loop: %d %s", code, r.Error.Data)
	}
}

func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil)
	c := open(t, sys, circle)
	cases := []struct {
		frame string
		code  int
		id    string
	}{
		{`{"jsonrpc":"2.0","method":"whoami","id":`, jsonrpc.ParseError, "null"},
		{`"hello"`, jsonrpc.InvalidRequest, "null"},
		{`{"jsonrpc":"1.0","method":"whoami","id":7}`, jsonrpc.InvalidRequest, "7"},
		{`{"jsonrpc":"2.0","method":"nope","id":"abc"}`, jsonrpc.MethodNotFound, `"abc"`},
		{`[]`, jsonrpc.InvalidRequest, "null"},
	}
	for _, tc := range cases {
		c.send(tc.frame)
		r := c.next()
		expectCode(t, r, tc.code)
		if string(r.ID) != tc.id {
			t.Errorf("%s: id %s, want %s", tc.frame, r.ID, tc.id)
		}
	}
}

func TestIDsEchoedExactly(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil)
	c := open(t, sys, circle)
	for _, id := range []string{`"x-1"`, `1.0`, `null`, `-5`, `12345678901234567890`} {
		c.send(`{"jsonrpc":"2.0","method":"play","params":{"script":"1"},"id":` + id + `}`)
		f, err := c.sink.Next(wait)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(string(f), `"id":`+id+`}`) {
			t.Fatalf("id %s not echoed: %s", id, f)
		}
	}
}

func TestNotificationsGetNoReply(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil)
	c := open(t, sys, circle)
	c.send(`{"jsonrpc":"2.0","method":"play","params":["1"]}`)
	c.send(`{"jsonrpc":"2.0","method":"whoami"}`)
	c.send(`{"jsonrpc":"2.0","method":"nope"}`)
	c.send(`[{"jsonrpc":"2.0","method":"whoami"},{"jsonrpc":"2.0","method":"play","params":["2"]}]`)
	id := c.request("play", []string{"3"})
	r := c.next()
	if string(r.ID) != "1" || id != 1 {
		t.Fatalf("first frame answers id %s: notifications were answered", r.ID)
	}
}

func TestBatchAnsweredAsOneFrame(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil)
	c := open(t, sys, circle)
	c.send(`[
		{"jsonrpc":"2.0","method":"play","params":{"script":"1 + 1"},"id":1},
		{"jsonrpc":"2.0","method":"whoami","id":2},
		{"jsonrpc":"2.0","method":"play","params":["3"]},
		{"jsonrpc":"2.0","method":"nope","id":3},
		{"foo":"bar"},
		{"jsonrpc":"2.0","method":"play","params":["let x = 20; x + 2"],"id":4}
	]`)
	f, err := c.sink.Next(wait)
	if err != nil {
		t.Fatal(err)
	}
	var out []actorstest.Response
	if err := json.Unmarshal(f, &out); err != nil {
		t.Fatalf("batch reply %s: %v", f, err)
	}
	byID := map[string]actorstest.Response{}
	for _, r := range out {
		byID[string(r.ID)] = r
	}
	if len(out) != 5 {
		t.Fatalf("batch has %d responses, want 5: %s", len(out), f)
	}
	if !strings.Contains(string(byID["1"].Result), `"2"`) || !strings.Contains(string(byID["4"].Result), `"22"`) {
		t.Fatalf("play results missing: %s", f)
	}
	expectCode(t, byID["3"], jsonrpc.MethodNotFound)
	expectCode(t, byID["null"], jsonrpc.InvalidRequest)
	if _, err := c.sink.Next(50 * time.Millisecond); err == nil {
		t.Fatal("more than one frame for a batch")
	}
}

func TestBatchTooLarge(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, func(c *config.Config) { c.MaxBatch = 2 })
	c := open(t, sys, circle)
	req := `{"jsonrpc":"2.0","method":"whoami","id":1}`
	c.send("[" + req + "," + req + "," + req + "]")
	expectCode(t, c.next(), jsonrpc.InvalidRequest)
}

func TestRPCDiscover(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil)
	c := open(t, sys, circle)
	var doc struct {
		OpenRPC string `json:"openrpc"`
		Methods []struct {
			Name string `json:"name"`
		} `json:"methods"`
	}
	c.call("rpc.discover", nil, &doc)
	if doc.OpenRPC == "" || len(doc.Methods) != len(actors.MethodNames()) {
		t.Fatalf("document %+v", doc)
	}
}

func TestDispatchAndExecutor(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	res, err := sys.Dispatch(ctx, scripting.Task{CircleID: circle, Script: `EVENT.amount * 2`, Vars: map[string]any{"EVENT": map[string]any{"amount": int64(21)}}})
	if err != nil || res.Err != nil || res.Output != "42" {
		t.Fatalf("Dispatch: %v %+v", err, res)
	}
	if _, err := sys.Dispatch(ctx, scripting.Task{CircleID: "02ff", Script: "1"}); err == nil {
		t.Fatal("Dispatch to an unknown circle succeeded")
	}
	res = sys.Executor(circle).Execute(ctx, scripting.Task{Script: "CONTEXT_ID"})
	if res.Err != nil || res.Output != circle {
		t.Fatalf("Executor: %+v", res)
	}
}

func TestHostFunctions(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil, actors.WithHostFunctions(registerGreet))
	c := open(t, sys, circle)
	var p playRes
	c.call("play", []string{`greet("world")`}, &p)
	if p.Output != "hello, world" {
		t.Fatalf("host function: %+v", p)
	}
}

func TestPanickingHostFunctionIsAScriptError(t *testing.T) {
	t.Parallel()
	boom := func(e *rhai.Engine) error {
		e.RegisterNative(rhai.NativeDef{Name: "boom", Arity: 0, Fn: func(*rhai.Call, []rhai.Value) (rhai.Value, error) {
			panic("host bug")
		}})
		return nil
	}
	sys, circle := startSystem(t, nil, actors.WithHostFunctions(boom))
	c := open(t, sys, circle)
	code, r := c.callErr("play", []string{"boom()"})
	if code != jsonrpc.ScriptError || !strings.Contains(string(r.Error.Data), `"kind":"host"`) {
		t.Fatalf("panicking host function: %d %s", code, r.Error.Data)
	}
	var p playRes
	c.call("play", []string{"40 + 2"}, &p)
	if p.Output != "42" {
		t.Fatalf("next play %+v", p)
	}
}
