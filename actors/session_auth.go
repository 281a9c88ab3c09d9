package actors

import (
	"encoding/json"

	"github.com/circles-actor/circles-actor/actors/auth"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/transport/jsonrpc"
)

// nonceResult is fetch_nonce's result.
type nonceResult struct {
	Nonce     string `json:"nonce"`
	ExpiresAt int64  `json:"expires_at"` // Unix seconds
}

// authResult is authenticate's result.
type authResult struct {
	Authenticated bool   `json:"authenticated"`
	PubKey        string `json:"pubkey"`
}

// errInvalidCredentials is the one answer to every failed signature check,
// so a client learns nothing about which part was wrong.
var errInvalidCredentials = jsonrpc.NewError(jsonrpc.InvalidCredentials, "invalid credentials")

func (s *sessionActor) fetchNonce(r *jsonrpc.Request) (any, *jsonrpc.Error) {
	var pubkey string
	if err := jsonrpc.BindParams(r.Params, []string{"pubkey?"}, &pubkey); err != nil {
		return nil, jsonrpc.AsError(err)
	}
	var pk string
	if pubkey != "" {
		c, err := config.CanonicalKey(pubkey)
		if err != nil {
			return nil, jsonrpc.NewError(jsonrpc.InvalidParams, "Invalid params: pubkey is not a secp256k1 public key in hex")
		}
		pk = c
	}
	if s.nonces == nil {
		cfg := &s.sys.cfg
		s.nonces = auth.NewNonceStore(&auth.NonceOptions{Circle: s.circle.pk, MaxPending: cfg.MaxPendingNonces, TTL: cfg.NonceTTL})
	}
	n, exp := s.nonces.Issue(pk)
	return nonceResult{Nonce: n, ExpiresAt: exp.Unix()}, nil
}

// authParams reads authenticate's three shapes: {pubkey, signature, nonce?},
// [pubkey, signature, nonce?] and {credentials: {pubkey, signature, nonce?}}.
func authParams(params json.RawMessage) (pubkey, sig, nonce string, err *jsonrpc.Error) {
	if creds, ok := jsonrpc.Member(params, "credentials"); ok {
		params = creds
		if jsonrpc.KindOf(params) != jsonrpc.ByName {
			return "", "", "", jsonrpc.NewError(jsonrpc.InvalidParams, "Invalid params: credentials must be an object")
		}
	}
	if e := jsonrpc.BindParams(params, []string{"pubkey", "signature", "nonce?"}, &pubkey, &sig, &nonce); e != nil {
		return "", "", "", jsonrpc.AsError(e)
	}
	return pubkey, sig, nonce, nil
}

func (s *sessionActor) authenticate(r *jsonrpc.Request) (any, *jsonrpc.Error) {
	pubkey, sigHex, nonceArg, perr := authParams(r.Params)
	if perr != nil {
		return nil, perr
	}
	pk, keyErr := config.CanonicalKey(pubkey)
	// Any attempt consumes the nonces it could use, even when it is throttled
	// or malformed, so a nonce is never tried twice.
	nonces, nonceErr := s.takeNonces(nonceArg, pk)
	ip := clientIP(s.remote)
	if !s.sys.throttle.allowed(ip) {
		s.authFailed(ip, "rate_limited", pk)
		return nil, jsonrpc.NewError(jsonrpc.RateLimited, "Rate limited: too many failed authentications, retry later")
	}
	if nonceErr != nil {
		s.authFailed(ip, "bad_nonce", pk)
		return nil, jsonrpc.NewError(jsonrpc.BadNonce, "Unknown or expired nonce: call fetch_nonce first")
	}
	if keyErr != nil {
		s.authFailed(ip, "bad_key", "")
		return nil, errInvalidCredentials
	}
	for _, n := range nonces {
		if auth.Verify(pk, sigHex, n) == nil {
			s.caller = pk
			s.logger().Info("session authenticated", "caller", config.Fingerprint(pk))
			return authResult{Authenticated: true, PubKey: pk}, nil
		}
	}
	s.authFailed(ip, "bad_signature", pk)
	return nil, errInvalidCredentials
}

// takeNonces consumes the nonce named by the client, or else every pending
// nonce issued for pk or for no key (newest first; usually one).
func (s *sessionActor) takeNonces(nonceArg, pk string) ([]string, error) {
	if s.nonces == nil {
		return nil, auth.ErrUnknownNonce
	}
	if nonceArg != "" {
		if err := s.nonces.Consume(nonceArg); err != nil {
			return nil, err
		}
		return []string{nonceArg}, nil
	}
	return s.nonces.Take(pk)
}

// authFailed counts and logs a failed attempt without key material.
func (s *sessionActor) authFailed(ip, reason, pk string) {
	if reason != "rate_limited" {
		s.sys.throttle.failed(ip)
	}
	s.sys.metrics.authFailures.WithLabelValues(reason).Inc()
	attrs := []any{"reason", reason, "remote", ip}
	if pk != "" {
		attrs = append(attrs, "caller", config.Fingerprint(pk))
	}
	s.logger().Info("authentication failed", attrs...)
}
