// Package server compares our server (actors + transport, the embedded
// dispatcher and the real interpreter) with a bare reference WebSocket
// server on three figures (issue 3, "Benchmarks"): play round trips per
// second, authentications (fetch_nonce + authenticate) per second, both
// with concurrent clients over loopback, and memory per idle authenticated
// connection.
//
// The bare reference is the floor a WebSocket JSON-RPC server in Go can
// reach with the same libraries: coder/websocket, one read loop and one
// write loop per connection, the same JSON-RPC codec (transport/jsonrpc)
// and the same nonce store and signature checks (actors/auth), but no
// actors, no interpreter and a constant play answer. Both servers are
// driven by the same raw client (rawclient.go), so client costs are equal.
package server
