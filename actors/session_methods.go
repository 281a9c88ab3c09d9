package actors

import (
	"encoding/json"

	circlesactor "github.com/circles-actor/circles-actor"
	"github.com/circles-actor/circles-actor/transport/jsonrpc"
)

// whoamiResult is whoami's result; pubkey is null while anonymous.
type whoamiResult struct {
	Authenticated bool    `json:"authenticated"`
	PubKey        *string `json:"pubkey"`
	Circle        string  `json:"circle"`
}

func (s *sessionActor) whoami(r *jsonrpc.Request) (any, *jsonrpc.Error) {
	res := whoamiResult{Circle: s.circle.pk}
	if s.caller != "" {
		res.Authenticated = true
		pk := s.caller
		res.PubKey = &pk
	}
	return res, nil
}

// discover answers rpc.discover with the embedded OpenRPC document.
func (s *sessionActor) discover(r *jsonrpc.Request) (any, *jsonrpc.Error) {
	return json.RawMessage(circlesactor.OpenRPC), nil
}
