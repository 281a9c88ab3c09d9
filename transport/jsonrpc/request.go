package jsonrpc

import (
	"encoding/json"
)

// Request is one decoded JSON-RPC request. Params and ID alias the frame
// passed to Decode: keep the frame alive and unchanged while they are used.
type Request struct {
	// Method is the method name.
	Method string
	// Params is the raw params member: an array, an object, or nil when
	// absent.
	Params json.RawMessage
	// ID is the raw id member, byte for byte as sent ("1.0" stays "1.0"),
	// or nil when absent. An explicit null id is the 4 bytes "null".
	ID json.RawMessage
	// HasID reports whether the id member was present at all.
	HasID bool
	// Err is set on an invalid element of a batch: answer it with
	// Err.Response(ID) and do not dispatch it. Decode never returns a
	// Request with Err set outside a batch.
	Err *Error
}

// IsNotification reports whether the request has no id member, so it gets
// no response. `"id": null` is a request (with a null id), not a
// notification.
func (r Request) IsNotification() bool { return !r.HasID }

var (
	rawNull    = []byte("null")
	rawVersion = []byte(`"2.0"`)
)

// Decode parses one frame: a request object or a batch array.
//
// When errResp is non-nil it is the complete reply to send and reqs is
// empty: -32700 for invalid JSON (id null), -32600 for something that is
// neither an object nor a non-empty array, for a single invalid request, for
// a batch larger than maxBatch (maxBatch <= 0 means no limit), and for a
// batch whose elements are all invalid (then errResp is the array of their
// error responses, as the JSON-RPC 2.0 examples show).
//
// Otherwise reqs holds the requests in order and batch tells whether the
// frame was an array; invalid batch elements appear in reqs with Err set.
func Decode(frame []byte, maxBatch int) (reqs []Request, batch bool, errResp []byte) {
	if !json.Valid(frame) {
		return nil, false, ErrorResponse(nil, ParseError, Message(ParseError), nil)
	}
	b := trimSpace(frame)
	switch b[0] {
	case '{':
		r := parseRequest(b)
		if r.Err != nil {
			return nil, false, r.Err.Response(r.ID)
		}
		return []Request{r}, false, nil
	case '[':
		return decodeBatch(b, maxBatch)
	}
	return nil, false, ErrorResponse(nil, InvalidRequest, Message(InvalidRequest), nil)
}

// decodeBatch decodes the elements of a batch array.
func decodeBatch(b []byte, maxBatch int) ([]Request, bool, []byte) {
	var reqs []Request
	tooMany := false
	invalid := 0
	eachElement(b, func(elem []byte) bool {
		if maxBatch > 0 && len(reqs) == maxBatch {
			tooMany = true
			return false
		}
		r := parseRequest(elem)
		if r.Err != nil {
			invalid++
		}
		reqs = append(reqs, r)
		return true
	})
	switch {
	case tooMany:
		return nil, true, ErrorResponse(nil, InvalidRequest, "Invalid Request: batch too large", nil)
	case len(reqs) == 0:
		return nil, true, ErrorResponse(nil, InvalidRequest, "Invalid Request: empty batch", nil)
	case invalid == len(reqs):
		out := make([][]byte, len(reqs))
		for i := range reqs {
			out[i] = reqs[i].Err.Response(reqs[i].ID)
		}
		return nil, true, EncodeBatch(out)
	}
	return reqs, true, nil
}

// parseRequest validates one request object; problems are reported in Err
// with the id kept when it was itself valid, so the client can match the
// error to its request.
func parseRequest(b []byte) Request {
	var r Request
	if b[0] != '{' {
		r.Err = NewError(InvalidRequest, "")
		return r
	}
	var version, method, params, id []byte
	var hasVersion, hasMethod, hasParams bool
	eachMember(b, func(key, val []byte) bool {
		switch {
		case keyIs(key, "jsonrpc"):
			version, hasVersion = val, true
		case keyIs(key, "method"):
			method, hasMethod = val, true
		case keyIs(key, "params"):
			params, hasParams = val, true
		case keyIs(key, "id"):
			id, r.HasID = val, true
		}
		return true
	})
	if r.HasID {
		if !validID(id) {
			r.Err = NewError(InvalidRequest, "Invalid Request: id must be a string, number or null")
			return r
		}
		r.ID = id
	}
	if !hasVersion || !isVersion(version) {
		r.Err = NewError(InvalidRequest, `Invalid Request: jsonrpc must be "2.0"`)
		return r
	}
	m, ok := unquote(method)
	if !hasMethod || !ok {
		r.Err = NewError(InvalidRequest, "Invalid Request: method must be a string")
		return r
	}
	r.Method = m
	if hasParams {
		if params[0] != '[' && params[0] != '{' {
			r.Err = NewError(InvalidRequest, "Invalid Request: params must be an array or an object")
			return r
		}
		r.Params = params
	}
	return r
}

// validID accepts a string, a number or null.
func validID(id []byte) bool {
	switch c := id[0]; {
	case c == '"', c == '-', c >= '0' && c <= '9':
		return true
	case c == 'n':
		return true // json.Valid leaves only "null" starting with n
	}
	return false
}

// isVersion accepts "2.0", also when written with escapes.
func isVersion(v []byte) bool {
	if string(v) == string(rawVersion) {
		return true
	}
	s, ok := unquote(v)
	return ok && s == "2.0"
}
