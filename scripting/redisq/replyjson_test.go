package redisq

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/circles-actor/circles-actor/scripting"
)

// FuzzParseReply: whatever the hand decoder accepts, encoding/json decodes
// to the same Reply.
func FuzzParseReply(f *testing.F) {
	for _, s := range []string{
		`{"task_id":"a","status":"completed","output":"20","type":"i64","prints":["hi","\u00e9\n"],"took_us":153,"worker_id":"w","deleted":true}`,
		`{"task_id":"a","status":"error","error":{"kind":"runtime","message":"x \"y\"","line":1,"column":-2}}`,
		` { "task_id" : "a" , "status" : "completed" , "prints" : [ ] , "error" : { } } `,
		`{"task_id":"a","TASK_ID":"b"}`,
		`{"task_id":"a","task_id":"b"}`,
		`{"task_id":"\ud83d\ude00","status":"x"}`,
		`{"task_id":"a","took_us":1.5}`,
		`{"task_id":"a","took_us":012}`,
		`{"task_id":"a","output":null}`,
		"{\"task_id\":\"\xff\"}",
		`{}`, `{"task_id":"a"} x`, `{"a":1}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := parseReply(s)
		if !ok {
			return
		}
		var slow Reply
		if err := json.Unmarshal([]byte(s), &slow); err != nil {
			t.Fatalf("parseReply accepted %q, encoding/json: %v", s, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("parseReply(%q) = %#v, encoding/json %#v", s, fast, slow)
		}
	})
}

// FuzzAppendReply: what appendReply writes is JSON that encoding/json
// decodes back to the same Reply (invalid UTF-8 becoming U+FFFD, as it does
// through encoding/json), and the hand decoder reads it without help.
func FuzzAppendReply(f *testing.F) {
	f.Add("a", "completed", "20", "i64", "hi", "", "", int64(153), 1, true)
	f.Add("b", "error", "", "", "", "runtime", "bad \"x\"\n\t\u2028<>&", int64(0), -3, false)
	f.Add("c\xff", "x", "\x00\x1f\x7f", "t", "\xe2\x80", "k", "m", int64(-1), 0, true)
	f.Fuzz(func(t *testing.T, id, status, output, typ, print, kind, msg string, took int64, line int, del bool) {
		in := Reply{TaskID: id, Status: status, Output: output, Type: typ, TookUS: took, WorkerID: typ, Deleted: del}
		if print != "" {
			in.Prints = []string{print, output}
		}
		if kind != "" {
			in.Error = &scripting.ScriptError{Kind: kind, Message: msg, Line: line, Column: -line}
		}
		b := appendReply(nil, in)
		var slow Reply
		if err := json.Unmarshal(b, &slow); err != nil {
			t.Fatalf("appendReply wrote %q: %v", b, err)
		}
		want := in
		want.TaskID, want.Status, want.Output, want.Type, want.WorkerID = valid(id), valid(status), valid(output), valid(typ), valid(typ)
		if in.Prints != nil {
			want.Prints = []string{valid(print), valid(output)}
		}
		if in.Error != nil {
			want.Error = &scripting.ScriptError{Kind: valid(kind), Message: valid(msg), Line: line, Column: -line}
		}
		if !reflect.DeepEqual(slow, want) {
			t.Fatalf("round trip of %#v through %q: %#v", want, b, slow)
		}
		if fast, err := DecodeReply(string(b)); err == nil && !reflect.DeepEqual(fast, want) {
			t.Fatalf("DecodeReply(%q) = %#v, want %#v", b, fast, want)
		}
		if fast, ok := parseReply(string(b)); !ok || !reflect.DeepEqual(fast, want) {
			t.Fatalf("parseReply(%q) = %#v, %v; want %#v", b, fast, ok, want)
		}
	})
}

// valid is s with each invalid UTF-8 byte replaced by U+FFFD.
func valid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func TestAppendReplyMatchesEncodingJSON(t *testing.T) {
	for _, r := range []Reply{
		{TaskID: "a", Status: StatusCompleted, Output: "20", Type: "i64", Prints: []string{"hi"}, TookUS: 153, WorkerID: "w", Deleted: true},
		{TaskID: "b", Status: StatusError, Error: &scripting.ScriptError{Kind: "runtime", Message: "x\n\"y\" é \u2028", Line: 1, Column: 9}, TookUS: 88, WorkerID: "w"},
		{TaskID: "c", Status: StatusCompleted},
	} {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendReply(nil, r); string(got) != string(want) {
			t.Errorf("appendReply = %s\nencoding/json %s", got, want)
		}
	}
}
