package jsonrpc

import "github.com/circles-actor/circles-actor/internal/jsonstr"

// AppendString appends s as a JSON string exactly as encoding/json writes it
// with HTML escaping off (see package internal/jsonstr). It lets hot paths
// (every play result) build a response without reflection or a deep stack.
func AppendString(dst []byte, s string) []byte { return jsonstr.Append(dst, s) }
