package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/circles-actor/circles-actor/internal/jsonstr"
)

// request is the JSON-RPC 2.0 request object the client sends. ID 0 is
// never used for calls, so it marks a notification (no "id" member).
type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      int64  `json:"id,omitempty"`
	Method  string `json:"method"`
	Params  any    `json:"params,omitempty"`
}

// encodeRequest writes the request frame by hand: a play's string params,
// the hot case, without encoding/json's reflection and map sorting.
func encodeRequest(id int64, method string, params any) ([]byte, error) {
	b := make([]byte, 0, 64+len(method))
	b = append(b, `{"jsonrpc":"2.0"`...)
	if id != 0 {
		b = strconv.AppendInt(append(b, `,"id":`...), id, 10)
	}
	b = jsonstr.Append(append(b, `,"method":`...), method)
	switch p := params.(type) {
	case nil:
	case map[string]string:
		b = append(b, `,"params":{`...)
		for i, k := range slices.Sorted(maps.Keys(p)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonstr.Append(append(jsonstr.Append(b, k), ':'), p[k])
		}
		b = append(b, '}')
	default:
		pb, err := json.Marshal(params)
		if err != nil {
			return nil, fmt.Errorf("failed to encode %s request: %w", method, err)
		}
		b = append(append(b, `,"params":`...), pb...)
	}
	return append(b, '}'), nil
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
