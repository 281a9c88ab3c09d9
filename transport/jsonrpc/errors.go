package jsonrpc

import (
	"errors"
	"fmt"
)

// Error codes: the JSON-RPC 2.0 ones, then the server's own in the
// implementation-defined range -32000..-32099 (DESIGN.md §4).
const (
	ParseError         = -32700
	InvalidRequest     = -32600
	MethodNotFound     = -32601
	InvalidParams      = -32602
	Internal           = -32603
	AuthRequired       = -32001
	InvalidCredentials = -32002
	BadNonce           = -32003
	ScriptError        = -32004
	ScriptTimeout      = -32005
	Busy               = -32006
	RateLimited        = -32007
)

// messages are the default message of each code.
var messages = map[int]string{
	ParseError:         "Parse error",
	InvalidRequest:     "Invalid Request",
	MethodNotFound:     "Method not found",
	InvalidParams:      "Invalid params",
	Internal:           "Internal error",
	AuthRequired:       "Authentication required",
	InvalidCredentials: "Invalid credentials",
	BadNonce:           "Unknown or expired nonce",
	ScriptError:        "Script error",
	ScriptTimeout:      "Script timeout",
	Busy:               "Server busy",
	RateLimited:        "Rate limited",
}

// Message returns the default message of a code ("Server error" for codes
// it does not know).
func Message(code int) string {
	if m, ok := messages[code]; ok {
		return m
	}
	return "Server error"
}

// Error is a JSON-RPC error object. It implements error so handlers can
// return it through ordinary error paths; AsError recovers it.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	// Data is marshalled as the error's data member; nil omits it.
	Data any `json:"data,omitempty"`
}

// NewError returns an Error with code and message; an empty message means
// the code's default message.
func NewError(code int, msg string) *Error {
	if msg == "" {
		msg = Message(code)
	}
	return &Error{Code: code, Message: msg}
}

// Errorf returns an Error with code and a formatted message.
func Errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("jsonrpc error %d: %s", e.Code, e.Message)
}

// WithData returns a copy of e with Data set.
func (e *Error) WithData(data any) *Error {
	c := *e
	c.Data = data
	return &c
}

// Response encodes e as the error response to id.
func (e *Error) Response(id []byte) []byte {
	return ErrorResponse(id, e.Code, e.Message, e.Data)
}

// AsError finds an *Error in err's chain; otherwise it returns an Internal
// error whose message does not leak err's text (that goes to logs).
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return NewError(Internal, "")
}
