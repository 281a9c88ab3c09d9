// Package deps pins the required modules in go.mod while the packages that
// use them are being written. Delete it once every module is imported for real.
package deps

import (
	_ "github.com/alecthomas/kong"
	_ "github.com/asynkron/protoactor-go/actor"
	_ "github.com/coder/websocket"
	_ "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/redis/rueidis"
	_ "golang.org/x/crypto/sha3"
)
