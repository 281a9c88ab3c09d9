// Package jsonrpc is the JSON-RPC 2.0 codec of the WebSocket API: it decodes
// one frame into requests (a single object or a batch), binds params by name
// or by position, and encodes responses and batches.
//
// It imports only the standard library so that the session actor can use it
// without pulling in the transport. Decoding is on the hot path of every
// play, so it validates the frame once with json.Valid and then walks the
// top-level members by hand instead of unmarshalling into maps; request
// fields alias the frame's bytes.
//
// Typical use in a connection handler:
//
//	reqs, batch, errResp := jsonrpc.Decode(frame, maxBatch)
//	if errResp != nil {
//		send(errResp) // parse error, invalid request, empty or oversized batch
//		return
//	}
//	var out [][]byte
//	for _, r := range reqs {
//		if r.Err != nil { // an invalid element of a batch
//			out = append(out, r.Err.Response(r.ID))
//			continue
//		}
//		resp := handle(r) // Result or ErrorResponse
//		if !r.IsNotification() {
//			out = append(out, resp)
//		}
//	}
//	if batch {
//		send(jsonrpc.EncodeBatch(out)) // nothing to send when it returns nil
//	} else if len(out) == 1 {
//		send(out[0])
//	}
package jsonrpc
