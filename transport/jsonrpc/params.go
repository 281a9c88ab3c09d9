package jsonrpc

import (
	"encoding/json"
	"strings"
)

// Kind is the shape of a params member.
type Kind int

const (
	// Absent: no params member.
	Absent Kind = iota
	// ByPosition: params is an array.
	ByPosition
	// ByName: params is an object.
	ByName
	// Malformed: anything else (Decode never lets it through).
	Malformed
)

// KindOf reports the shape of params.
func KindOf(params json.RawMessage) Kind {
	p := trimSpace(params)
	switch {
	case len(p) == 0:
		return Absent
	case p[0] == '[':
		return ByPosition
	case p[0] == '{':
		return ByName
	}
	return Malformed
}

// Member returns the raw value of one member of a params object, for shapes
// BindParams does not cover (authenticate's {credentials: {...}}). It
// reports false when params is not an object or has no such member.
func Member(params json.RawMessage, name string) (json.RawMessage, bool) {
	p := trimSpace(params)
	if len(p) == 0 || p[0] != '{' {
		return nil, false
	}
	var found json.RawMessage
	eachMember(p, func(key, val []byte) bool {
		if keyIs(key, name) {
			found = val
		}
		return true // the last duplicate wins, as in encoding/json
	})
	return found, found != nil
}

// Elements returns the raw elements of a params array (nil if params is
// not an array).
func Elements(params json.RawMessage) []json.RawMessage {
	p := trimSpace(params)
	if len(p) == 0 || p[0] != '[' {
		return nil
	}
	var out []json.RawMessage
	eachElement(p, func(elem []byte) bool {
		out = append(out, elem)
		return true
	})
	return out
}

// BindParams fills dst from params, by name when params is an object and by
// position when it is an array: dst[i] receives the member names[i] or the
// element i. A name ending in "?" is optional (the "?" is not part of the
// member name); a missing optional parameter leaves its dst untouched. Each
// dst is a pointer that json.Unmarshal accepts.
//
// Errors are *Error with code InvalidParams naming the parameter: a missing
// required parameter, a value of the wrong type, more positional values than
// names, or params that are neither array nor object. Unknown members of an
// object are ignored.
func BindParams(params json.RawMessage, names []string, dst ...any) error {
	if len(names) != len(dst) {
		return NewError(Internal, "")
	}
	switch KindOf(params) {
	case ByName:
		return bindByName(params, names, dst)
	case ByPosition:
		return bindByPosition(params, names, dst)
	case Absent:
		return bindValues(make([]json.RawMessage, len(names)), names, dst)
	}
	return NewError(InvalidParams, "Invalid params: must be an array or an object")
}

func bindByName(params json.RawMessage, names []string, dst []any) error {
	vals := make([]json.RawMessage, len(names))
	for i, n := range names {
		vals[i], _ = Member(params, strings.TrimSuffix(n, "?"))
	}
	return bindValues(vals, names, dst)
}

func bindByPosition(params json.RawMessage, names []string, dst []any) error {
	elems := Elements(params)
	if len(elems) > len(names) {
		return Errorf(InvalidParams, "Invalid params: want at most %d, got %d", len(names), len(elems))
	}
	vals := make([]json.RawMessage, len(names))
	copy(vals, elems)
	return bindValues(vals, names, dst)
}

// bindValues unmarshals each present value into its dst; a nil value is a
// missing parameter.
func bindValues(vals []json.RawMessage, names []string, dst []any) error {
	for i, v := range vals {
		name, optional := strings.CutSuffix(names[i], "?")
		if v == nil {
			if optional {
				continue
			}
			return Errorf(InvalidParams, "Invalid params: missing %s", name)
		}
		if err := bindOne(v, dst[i]); err != nil {
			return Errorf(InvalidParams, "Invalid params: %s has the wrong type", name)
		}
	}
	return nil
}

// bindOne unmarshals v into dst, with a fast path for plain strings (the
// script of play is the hot case).
func bindOne(v json.RawMessage, dst any) error {
	if s, ok := dst.(*string); ok {
		u, ok := unquote(v)
		if !ok {
			return errWrongType
		}
		*s = u
		return nil
	}
	return json.Unmarshal(v, dst)
}

var errWrongType = NewError(InvalidParams, "")
