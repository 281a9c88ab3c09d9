package jsonrpc_test

import (
	"fmt"

	"github.com/circles-actor/circles-actor/transport/jsonrpc"
)

func ExampleDecode() {
	frame := []byte(`[{"jsonrpc":"2.0","method":"play","params":["40 + 2"],"id":1.0},
	                  {"jsonrpc":"2.0","method":"log","params":{"line":"hi"}},
	                  {"jsonrpc":"1.0","method":"play","id":"x"}]`)
	reqs, batch, _ := jsonrpc.Decode(frame, 100)
	var out [][]byte
	for _, r := range reqs {
		switch {
		case r.Err != nil:
			out = append(out, r.Err.Response(r.ID))
		case r.IsNotification():
		default:
			var script string
			if err := jsonrpc.BindParams(r.Params, []string{"script"}, &script); err != nil {
				out = append(out, jsonrpc.AsError(err).Response(r.ID))
				continue
			}
			out = append(out, jsonrpc.Result(r.ID, map[string]string{"output": "42", "type": "i64"}))
		}
	}
	fmt.Println(batch)
	fmt.Println(string(jsonrpc.EncodeBatch(out)))
	// Output:
	// true
	// [{"jsonrpc":"2.0","result":{"output":"42","type":"i64"},"id":1.0},{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request: jsonrpc must be \"2.0\""},"id":"x"}]
}
