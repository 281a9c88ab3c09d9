package client

import "testing"

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
