package jsonrpc_test

import (
	"testing"

	"github.com/circles-actor/circles-actor/transport/jsonrpc"
)

// BenchmarkDecode measures the per-frame work of a typical play request:
// decode, bind the script, encode the result.
func BenchmarkDecode(b *testing.B) {
	frame := []byte(`{"jsonrpc":"2.0","method":"play","params":{"script":"let x = 10;\nx * 2"},"id":42}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		reqs, _, errResp := jsonrpc.Decode(frame, 100)
		if errResp != nil {
			b.Fatal(string(errResp))
		}
		var script string
		if err := jsonrpc.BindParams(reqs[0].Params, []string{"script"}, &script); err != nil {
			b.Fatal(err)
		}
		_ = jsonrpc.Result(reqs[0].ID, playResult{Output: "20", Type: "i64"})
	}
}

type playResult struct {
	Output string `json:"output"`
	Type   string `json:"type"`
}
