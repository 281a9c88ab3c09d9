// Package circlesactor holds what belongs to the whole module rather than to
// one layer: the OpenRPC document of the WebSocket API, embedded so that the
// server answers rpc.discover with exactly the file in the repository.
package circlesactor

import _ "embed"

// OpenRPC is openrpc.json: the OpenRPC 1.2.6 description of every
// WebSocket method, its params (by name and by position), result and
// errors. A test in package actors fails when a method exists in code and
// not here, or the reverse. Treat it as read-only.
//
//go:embed openrpc.json
var OpenRPC []byte
