package actors

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"

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
	if err := jsonrpc.BindParams(r.Params, []string{"pubkey"}, &pubkey); err != nil {
		return nil, jsonrpc.AsError(err)
	}
	key, perr := nonceKey(pubkey)
	if perr != nil {
		return nil, perr
	}
	if s.nonces == nil {
		cfg := &s.sys.cfg
		s.nonces = auth.NewNonceStore(&auth.NonceOptions{Circle: s.circle.pk, MaxPending: cfg.MaxPendingNonces, TTL: cfg.NonceTTL})
	}
	n, exp := s.nonces.Issue(key)
	return nonceResult{Nonce: n, ExpiresAt: exp.Unix()}, nil
}

// nonceKey checks fetch_nonce's pubkey and returns its canonical form: it
// must be a secp256k1 public key in hex (compressed or uncompressed, on the
// curve); anything else is -32602 with the reason.
func nonceKey(pubkey string) (string, *jsonrpc.Error) {
	if pubkey == "" {
		return "", jsonrpc.NewError(jsonrpc.InvalidParams, "Invalid params: pubkey is empty")
	}
	if reason := keyShapeProblem(pubkey); reason != "" {
		return "", jsonrpc.NewError(jsonrpc.InvalidParams, "Invalid params: pubkey "+reason)
	}
	pk, err := auth.ParsePublicKey(pubkey)
	if err != nil {
		return "", jsonrpc.NewError(jsonrpc.InvalidParams, "Invalid params: pubkey is not a secp256k1 public key (not a point on the curve)")
	}
	return auth.PublicKeyHex(pk), nil
}

// keyShapeProblem says why s is not spelled like a compressed (02/03, 66
// hex digits) or uncompressed (04, 130 hex digits) public key, with an
// optional 0x prefix; "" when it is.
func keyShapeProblem(s string) string {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
	}
	if !isHex(s) {
		return "is not hex"
	}
	switch {
	case len(s) == 66 && (s[:2] == "02" || s[:2] == "03"):
	case len(s) == 130 && s[:2] == "04":
	case len(s) == 66 || len(s) == 130:
		return "has a bad prefix (want 02 or 03 compressed, 04 uncompressed)"
	default:
		return "is " + strconv.Itoa(len(s)) + " hex digits, want 66 (compressed) or 130 (uncompressed)"
	}
	return ""
}

// sigShapeProblem says why s is not spelled like a signature: 64 (compact)
// or 65 (r||s||v) bytes of hex, optional 0x; "" when it is.
func sigShapeProblem(s string) string {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
	}
	switch {
	case s == "":
		return "is empty"
	case !isHex(s):
		return "is not hex"
	case len(s) != 128 && len(s) != 130:
		return "is " + strconv.Itoa(len(s)) + " hex digits, want 128 (64-byte compact) or 130 (65-byte r||s||v)"
	}
	return ""
}

func isHex(s string) bool {
	if len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
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
	if pubkey == "" {
		return "", "", "", jsonrpc.NewError(jsonrpc.InvalidParams, "Invalid params: pubkey is empty")
	}
	if reason := keyShapeProblem(pubkey); reason != "" {
		return "", "", "", jsonrpc.NewError(jsonrpc.InvalidParams, "Invalid params: pubkey "+reason)
	}
	if reason := sigShapeProblem(sig); reason != "" {
		return "", "", "", jsonrpc.NewError(jsonrpc.InvalidParams, "Invalid params: signature "+reason)
	}
	return pubkey, sig, nonce, nil
}

// authenticate checks a signature over one of the session's pending nonces.
//
// Every call uses up all of the session's pending nonces (at most
// --max-pending-nonces), whatever its outcome: bad params, throttled, a
// malformed or foreign key, a wrong signature, success. Taking them all,
// rather than only those the attempt could have meant, leaves nothing for a
// later guess and keeps the rule simple for clients: after any attempt,
// fetch a new nonce. The answer is -32003 only when the session had no live
// nonce; with live nonces every failed check is the one -32002, so a client
// learns nothing about which part was wrong. A signature is accepted when it
// signs a live nonce issued for the claimed key or for no key (only the
// named one when the client names its nonce). Throttled attempts (-32007)
// use the nonces up too.
func (s *sessionActor) authenticate(r *jsonrpc.Request) (any, *jsonrpc.Error) {
	pubkey, sigHex, nonceArg, perr := authParams(r.Params)
	live, nerr := s.takeNonces()
	if perr != nil {
		return nil, perr
	}
	ip := clientIP(s.remote)
	if !s.sys.throttle.allowed(ip, pubkey) {
		s.authFailed(ip, pubkey, "rate_limited")
		return nil, jsonrpc.NewError(jsonrpc.RateLimited, "Rate limited: too many failed authentications, retry later")
	}
	if nerr != nil {
		s.authFailed(ip, pubkey, "bad_nonce")
		return nil, jsonrpc.NewError(jsonrpc.BadNonce, "Unknown or expired nonce: call fetch_nonce first")
	}
	pk, err := verifyAny(live, pubkey, sigHex, nonceArg)
	if err != nil {
		s.authFailed(ip, pubkey, "bad_signature")
		return nil, errInvalidCredentials
	}
	s.sys.throttle.succeeded(ip, pubkey)
	s.caller = pk
	if s.sys.log.Enabled(context.Background(), slog.LevelDebug) {
		s.logger().Debug("session authenticated", "caller", config.Fingerprint(pk))
	}
	return authResult{Authenticated: true, PubKey: pk}, nil
}

// takeNonces removes all of the session's pending nonces and returns the
// live ones; the error is auth.ErrUnknownNonce or auth.ErrExpired when none
// is live.
func (s *sessionActor) takeNonces() ([]auth.IssuedNonce, error) {
	if s.nonces == nil {
		return nil, auth.ErrUnknownNonce
	}
	return s.nonces.TakeAll()
}

// verifyAny returns the canonical form of pubkey when sigHex is its
// signature of one of the live nonces that were issued for it or for no key
// (of named only, when named is set). Errors wrap auth.ErrInvalidSignature
// or are a key parse error; the session answers all of them alike.
func verifyAny(live []auth.IssuedNonce, pubkey, sigHex, named string) (string, error) {
	pk, err := auth.ParsePublicKey(pubkey)
	if err != nil {
		return "", err
	}
	key := auth.PublicKeyHex(pk)
	err = auth.ErrInvalidSignature
	for _, n := range live {
		if n.PubKey != "" && n.PubKey != key || named != "" && n.Nonce != named {
			continue
		}
		if err = auth.VerifyKey(pk, sigHex, n.Nonce); err == nil {
			return key, nil
		}
	}
	return "", err
}

// authFailed counts and logs a failed attempt (claiming key). The log
// names the client IP and the reason, never key material.
func (s *sessionActor) authFailed(ip, key, reason string) {
	if reason != "rate_limited" {
		s.sys.throttle.failed(ip, key)
	}
	s.sys.metrics.authFailures.WithLabelValues(reason).Inc()
	s.logger().Info("authentication failed", "reason", reason, "remote", ip)
}
