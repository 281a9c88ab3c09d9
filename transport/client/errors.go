package client

import (
	"encoding/json"
	"errors"
	"fmt"
)

// RPCError is a JSON-RPC error object returned by the server. Data holds the
// raw "data" member (for -32004 script errors: kind, message, line, column).
type RPCError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *RPCError) Error() string {
	if len(e.Data) > 0 && string(e.Data) != "null" {
		return fmt.Sprintf("rpc error %d: %s: %s", e.Code, e.Message, e.Data)
	}
	return fmt.Sprintf("rpc error %d: %s", e.Code, e.Message)
}

// ScriptError decodes Data as a script error's position and kind; ok is
// false when Data does not hold one.
func (e *RPCError) ScriptError() (se ScriptError, ok bool) {
	if len(e.Data) == 0 || json.Unmarshal(e.Data, &se) != nil || se.Kind == "" {
		return ScriptError{}, false
	}
	return se, true
}

// ScriptError is the data of a -32004 script error.
type ScriptError struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
}

// ErrorCode returns the JSON-RPC error code carried by err (through any
// wrapping), or 0 when err is not an *RPCError.
func ErrorCode(err error) int {
	var re *RPCError
	if errors.As(err, &re) {
		return re.Code
	}
	return 0
}

// HTTPError is a refused WebSocket handshake: the server answered with an
// ordinary HTTP response (404 unknown circle, 429 too many connections).
type HTTPError struct {
	StatusCode int
	Body       string // at most the first 1 KiB
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("server answered HTTP %d: %s", e.StatusCode, e.Body)
}

// HTTPStatus returns the HTTP status of a refused handshake carried by err,
// or 0 when err is not an *HTTPError.
func HTTPStatus(err error) int {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.StatusCode
	}
	return 0
}
