package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// request is the JSON-RPC 2.0 request object the client sends. ID 0 is
// never used for calls, so it marks a notification (no "id" member).
type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      int64  `json:"id,omitempty"`
	Method  string `json:"method"`
	Params  any    `json:"params,omitempty"`
}

func encodeRequest(id int64, method string, params any) ([]byte, error) {
	b, err := json.Marshal(request{JSONRPC: "2.0", ID: id, Method: method, Params: params})
	if err != nil {
		return nil, fmt.Errorf("failed to encode %s request: %w", method, err)
	}
	return b, nil
}

// response is one JSON-RPC 2.0 response object as received.
type response struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *RPCError       `json:"error"`
}

// intID returns the response's id when it is an integer the client could
// have sent.
func (r response) intID() (int64, bool) {
	id, err := strconv.ParseInt(string(bytes.TrimSpace(r.ID)), 10, 64)
	return id, err == nil && id > 0
}

// decode turns the response into result or an *RPCError.
func (r response) decode(method string, result any) error {
	if r.Error != nil {
		return r.Error
	}
	if result == nil || len(r.Result) == 0 {
		return nil
	}
	if err := json.Unmarshal(r.Result, result); err != nil {
		return fmt.Errorf("failed to decode %s result: %w", method, err)
	}
	return nil
}

// errNotResponse reports a frame that is neither a response object nor an
// array of them.
var errNotResponse = errors.New("frame is not a JSON-RPC response")

// decodeResponses parses a frame holding one response object or a batch
// array of them.
func decodeResponses(frame []byte) ([]response, error) {
	frame = bytes.TrimSpace(frame)
	if len(frame) == 0 {
		return nil, errNotResponse
	}
	if frame[0] == '[' {
		var batch []response
		if err := json.Unmarshal(frame, &batch); err != nil {
			return nil, fmt.Errorf("failed to decode batch response: %w", err)
		}
		return batch, nil
	}
	if frame[0] != '{' {
		return nil, errNotResponse
	}
	var r response
	if err := json.Unmarshal(frame, &r); err != nil {
		return nil, fmt.Errorf("failed to decode response: %w", err)
	}
	return []response{r}, nil
}
