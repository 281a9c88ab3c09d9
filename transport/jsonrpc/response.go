package jsonrpc

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"
)

// encoder is a pooled JSON encoder that leaves <, > and & as they are: the
// responses go to programs, not into HTML, and scripts print those often.
type encoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var encoders = sync.Pool{New: func() any {
	e := new(encoder)
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}}

// marshal encodes v and appends it to dst.
func marshal(dst []byte, v any) ([]byte, error) {
	if raw, ok := v.(json.RawMessage); ok && raw != nil {
		if !json.Valid(raw) {
			return dst, errWrongType
		}
		return append(dst, raw...), nil
	}
	e := encoders.Get().(*encoder)
	defer encoders.Put(e)
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return dst, err
	}
	return append(dst, bytes.TrimSuffix(e.buf.Bytes(), []byte("\n"))...), nil
}

// appendID appends the id as sent, or null.
func appendID(dst, id []byte) []byte {
	if len(id) == 0 {
		return append(dst, rawNull...)
	}
	return append(dst, id...)
}

// Result encodes a success response. id is echoed byte for byte (nil means
// null); v is marshalled with encoding/json, or copied as is when it is a
// json.RawMessage. If v cannot be marshalled the response is an Internal
// error instead, so a reply is always sent.
func Result(id json.RawMessage, v any) []byte {
	out := make([]byte, 0, 64+len(id))
	out = append(out, `{"jsonrpc":"2.0","result":`...)
	out, err := marshal(out, v)
	if err != nil {
		return ErrorResponse(id, Internal, Message(Internal), nil)
	}
	out = append(out, `,"id":`...)
	out = appendID(out, id)
	return append(out, '}')
}

// ErrorResponse encodes an error response. id is echoed byte for byte (nil
// means null); an empty msg means the code's default message; data is
// omitted when nil and dropped if it cannot be marshalled.
func ErrorResponse(id json.RawMessage, code int, msg string, data any) []byte {
	if msg == "" {
		msg = Message(code)
	}
	out := make([]byte, 0, 96+len(msg)+len(id))
	out = append(out, `{"jsonrpc":"2.0","error":{"code":`...)
	out = strconv.AppendInt(out, int64(code), 10)
	out = append(out, `,"message":`...)
	out, _ = marshal(out, msg)
	if data != nil {
		if withData, err := marshal(append(out, `,"data":`...), data); err == nil {
			out = withData
		}
	}
	out = append(out, `},"id":`...)
	out = appendID(out, id)
	return append(out, '}')
}

// EncodeBatch joins responses into a batch array, skipping empty ones
// (notifications). It returns nil when nothing is left: a batch of only
// notifications gets no reply at all.
func EncodeBatch(resps [][]byte) []byte {
	n, size := 0, 2
	for _, r := range resps {
		if len(r) > 0 {
			n++
			size += len(r) + 1
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]byte, 0, size)
	out = append(out, '[')
	for _, r := range resps {
		if len(r) == 0 {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, r...)
	}
	return append(out, ']')
}
