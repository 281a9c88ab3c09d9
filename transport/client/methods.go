package client

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Nonce is fetch_nonce's result: the exact string to sign and its expiry.
type Nonce struct {
	Nonce     string   `json:"nonce"`
	ExpiresAt Deadline `json:"expires_at"`
}

// Deadline is a point in time the server may send as Unix seconds, Unix
// milliseconds or an RFC 3339 string; Raw keeps what it sent.
type Deadline struct {
	time.Time
	Raw json.RawMessage
}

// UnmarshalJSON accepts a number (seconds, or milliseconds when larger than
// 1e12) or an RFC 3339 string.
func (d *Deadline) UnmarshalJSON(b []byte) error {
	d.Raw = append(json.RawMessage(nil), b...)
	var s string
	if json.Unmarshal(b, &s) == nil {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return fmt.Errorf("failed to parse expires_at: %w", err)
		}
		d.Time = t
		return nil
	}
	n, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("failed to parse expires_at: %w", err)
	}
	if n > 1e12 {
		d.Time = time.UnixMilli(int64(n))
	} else {
		d.Time = time.Unix(int64(n), 0)
	}
	return nil
}

// AuthResult is authenticate's result.
type AuthResult struct {
	Authenticated bool   `json:"authenticated"`
	PubKey        string `json:"pubkey"`
}

// WhoamiResult is whoami's result; PubKey is "" for an anonymous session.
type WhoamiResult struct {
	Authenticated bool   `json:"authenticated"`
	PubKey        string `json:"pubkey"`
	Circle        string `json:"circle"`
}

// PlayResult is play's result: the script's final value as a string and its
// Rhai type name. Prints holds print() lines when the server returns them.
type PlayResult struct {
	Output string   `json:"output"`
	Type   string   `json:"type"`
	Prints []string `json:"prints,omitempty"`
}

// FetchNonce asks for a nonce to sign for pubkey (hex).
func (c *Client) FetchNonce(ctx context.Context, pubkey string) (Nonce, error) {
	var n Nonce
	err := c.Call(ctx, "fetch_nonce", map[string]string{"pubkey": pubkey}, &n)
	return n, err
}

// Authenticate proves ownership of privKeyHex: it fetches a nonce, signs it
// (EIP-191 by default, compact with Options.Compact) and sends authenticate.
func (c *Client) Authenticate(ctx context.Context, privKeyHex string) (AuthResult, error) {
	key, err := ParsePrivateKey(privKeyHex)
	if err != nil {
		return AuthResult{}, err
	}
	pub := PublicKeyHex(key)
	n, err := c.FetchNonce(ctx, pub)
	if err != nil {
		return AuthResult{}, err
	}
	var sig []byte
	if c.compact {
		sig = SignCompact(key, []byte(n.Nonce))
	} else {
		sig = SignEIP191(key, []byte(n.Nonce))
	}
	var res AuthResult
	err = c.Call(ctx, "authenticate", map[string]string{"pubkey": pub, "signature": hex.EncodeToString(sig)}, &res)
	return res, err
}

// Whoami reports the session's authentication state and circle.
func (c *Client) Whoami(ctx context.Context) (WhoamiResult, error) {
	var w WhoamiResult
	err := c.Call(ctx, "whoami", nil, &w)
	return w, err
}

// Play runs script in the circle and returns its final value. A script
// failure is an *RPCError with code -32004 (data: kind, message, line,
// column) or -32005 for a timeout.
func (c *Client) Play(ctx context.Context, script string) (PlayResult, error) {
	var p PlayResult
	err := c.Call(ctx, "play", map[string]string{"script": script}, &p)
	return p, err
}

// Discover returns the server's OpenRPC document (rpc.discover).
func (c *Client) Discover(ctx context.Context) (json.RawMessage, error) {
	var doc json.RawMessage
	err := c.Call(ctx, "rpc.discover", nil, &doc)
	return doc, err
}
