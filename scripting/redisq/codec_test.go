package redisq

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting"
)

func TestTaskFieldsRoundTrip(t *testing.T) {
	in := scripting.Task{ID: "t1", CircleID: "02ab", CallerID: "03cd", Script: "let x = 1; x",
		CreatedAt: time.Date(2026, 5, 6, 7, 8, 9, 10, time.UTC), Vars: map[string]any{"EVENT": map[string]any{"n": 1}}}
	now := time.Now()
	f, err := taskFields(in, "rhai_reply:p", 1500*time.Millisecond, now, now.Add(3500*time.Millisecond), false)
	if err != nil {
		t.Fatal(err)
	}
	h := pairsToMap(f)
	if h[FieldStatus] != StatusPending || h[FieldReplyTo] != "rhai_reply:p" || h[FieldTimeoutMS] != "1500" || h[FieldPreserve] != "0" {
		t.Fatalf("fields = %v", h)
	}
	out, replyTo, err := decodeTask("t1", h)
	if err != nil {
		t.Fatal(err)
	}
	if replyTo != "rhai_reply:p" || out.Script != in.Script || out.CircleID != in.CircleID || out.CallerID != in.CallerID ||
		out.Timeout != 1500*time.Millisecond || !out.CreatedAt.Equal(in.CreatedAt) {
		t.Fatalf("decoded %+v", out)
	}
	if n := out.Vars["EVENT"].(map[string]any)["n"]; n != json.Number("1") {
		t.Fatalf("vars number = %#v", n)
	}
}

func TestDecodeTaskRejects(t *testing.T) {
	for name, h := range map[string]map[string]string{
		"no script":   {FieldContextID: "c"},
		"no circle":   {FieldScript: "1"},
		"bad timeout": {FieldScript: "1", FieldContextID: "c", FieldTimeoutMS: "x"},
		"neg timeout": {FieldScript: "1", FieldContextID: "c", FieldTimeoutMS: "-5"},
		"bad vars":    {FieldScript: "1", FieldContextID: "c", FieldVars: "[1]"},
		"vars tail":   {FieldScript: "1", FieldContextID: "c", FieldVars: "{} {}"},
	} {
		if _, _, err := decodeTask("id", h); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestReplyRoundTrip(t *testing.T) {
	for _, r := range []scripting.Result{
		{TaskID: "a", Output: "20", Type: "i64", Prints: []string{"hi"}, Took: 1500 * time.Microsecond},
		{TaskID: "b", Err: &scripting.ScriptError{Kind: "runtime", Message: "boom", Line: 2, Column: 3}},
	} {
		rep, err := DecodeReply(encodeReply(replyFromResult(r.TaskID, "w", r)))
		if err != nil {
			t.Fatal(err)
		}
		got := rep.Result()
		if got.TaskID != r.TaskID || got.Output != r.Output || got.Type != r.Type || got.Took != r.Took ||
			len(got.Prints) != len(r.Prints) || (r.Err != nil) != (got.Err != nil) || (r.Err != nil && *got.Err != *r.Err) {
			t.Errorf("round trip %+v -> %+v", r, got)
		}
	}
}

func TestDecodeReplyRejects(t *testing.T) {
	for _, s := range []string{``, `[]`, `{}`, `{"task_id":"a"}`, `{"task_id":"a","status":"pending"}`,
		`{"task_id":"a","status":"error"}`, `{"task_id":"","status":"completed"}`} {
		if _, err := DecodeReply(s); err == nil {
			t.Errorf("DecodeReply(%q): no error", s)
		}
	}
}

func TestResultFields(t *testing.T) {
	h := pairsToMap(resultFields(Reply{TaskID: "a", Status: StatusError, TookUS: 2500,
		Error: &scripting.ScriptError{Kind: "parse", Message: "m", Line: 4, Column: 7}}, time.Now()))
	if h[FieldStatus] != StatusError || h[FieldError] != "m" || h[FieldErrorKind] != "parse" ||
		h[FieldErrorLine] != "4" || h[FieldErrorColumn] != "7" || h[FieldTookMS] != "2" || h[FieldPrints] != "[]" {
		t.Fatalf("fields = %v", h)
	}
}

// FuzzDecodeReply: any payload either decodes into a reply that converts to
// a consistent Result, or is rejected; never a panic.
func FuzzDecodeReply(f *testing.F) {
	f.Add(`{"task_id":"a","status":"completed","output":"20","type":"i64"}`)
	f.Add(`{"task_id":"a","status":"error","error":{"kind":"runtime","message":"x","line":1,"column":2}}`)
	f.Add(`{"task_id":"a","status":"error","error":null}`)
	f.Add(`{"task_id":1}`)
	f.Add(`null`)
	f.Add(`{"task_id":"a","status":"completed","prints":["a",null],"took_us":-1}`)
	f.Fuzz(func(t *testing.T, s string) {
		rep, err := DecodeReply(s)
		if err != nil {
			return
		}
		res := rep.Result()
		if res.TaskID == "" || (rep.Status == StatusError) != (res.Err != nil) {
			t.Fatalf("inconsistent result %+v from %q", res, s)
		}
	})
}

// FuzzDecodeTask: any hash content either decodes to a task with a bounded
// timeout or is rejected; never a panic.
func FuzzDecodeTask(f *testing.F) {
	f.Add("t", "1 + 1", "02ab", "", "30000", "2026-01-01T00:00:00Z", `{"EVENT":{"a":[1,2.5,"x",null,true]}}`)
	f.Add("t", "", "c", "caller", "-1", "yesterday", `[]`)
	f.Add("", "x", "c", "", "99999999999999999999", "", "")
	f.Fuzz(func(t *testing.T, id, script, circle, caller, timeout, created, vars string) {
		h := map[string]string{FieldScript: script, FieldContextID: circle, FieldCallerID: caller,
			FieldTimeoutMS: timeout, FieldCreatedAt: created, FieldVars: vars}
		task, _, err := decodeTask(id, h)
		if err != nil {
			return
		}
		if task.Timeout < 0 || task.Timeout > maxTimeout || task.ID != id || task.CircleID == "" {
			t.Fatalf("bad task %+v", task)
		}
		if _, err := strconv.Atoi(timeout); err != nil && timeout != "" && task.Timeout != 0 {
			t.Fatalf("timeout %q accepted as %s", timeout, task.Timeout)
		}
	})
}

func TestExpired(t *testing.T) {
	now := time.Now()
	at := func(d time.Duration) map[string]string {
		return map[string]string{FieldExpiresAt: now.Add(d).UTC().Format(timeLayout)}
	}
	if expired(at(-time.Second), now) {
		t.Error("expired within the clock-skew margin")
	}
	if !expired(at(-clockSkew-time.Second), now) {
		t.Error("not expired past the margin")
	}
	if expired(map[string]string{}, now) || expired(map[string]string{FieldExpiresAt: "soon"}, now) {
		t.Error("missing or malformed expires_at expired")
	}
	// An older dispatcher wrote no expires_at: created_at + timeout_ms + its grace.
	old := func(age time.Duration, timeoutMS string) map[string]string {
		return map[string]string{FieldCreatedAt: now.Add(-age).UTC().Format(timeLayout), FieldTimeoutMS: timeoutMS}
	}
	if expired(old(time.Second, "1000"), now) {
		t.Error("a task without expires_at expired within its timeout and margins")
	}
	if !expired(old(time.Second+legacyGrace+clockSkew+time.Second, "1000"), now) {
		t.Error("a task without expires_at not expired past created_at + timeout + grace + margin")
	}
	if expired(old(time.Hour, ""), now) || expired(old(time.Hour, "x"), now) {
		t.Error("a task without expires_at or timeout_ms expired")
	}
}

// pairsToMap turns an HGETALL-style flat array into a map.
func pairsToMap(kv []string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestVersionLess(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		less bool
	}{{"6.0.16", "6.2", true}, {"6.2.0", "6.2", false}, {"7.0.15", "6.2", false}, {"5", "6.2", true}, {"6.10", "6.2", false}} {
		if got := versionLess(tc.a, tc.b); got != tc.less {
			t.Errorf("versionLess(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}
