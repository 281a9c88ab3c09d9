package server

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/circles-actor/circles-actor/actors/auth"
	"github.com/coder/websocket"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// Conn is the raw benchmark client used for both servers: one WebSocket,
// one request at a time, JSON-RPC by hand. It is not safe for concurrent
// use.
type Conn struct {
	ws  *websocket.Conn
	id  int64
	buf []byte
}

// RPCError is a JSON-RPC error answer.
type RPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *RPCError) Error() string { return "rpc error " + strconv.Itoa(e.Code) + ": " + e.Message }

// Dial connects to a circle URL.
func Dial(ctx context.Context, url string) (*Conn, error) {
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("failed to dial %s: %w", url, err)
	}
	ws.SetReadLimit(1 << 20)
	return &Conn{ws: ws}, nil
}

// Close closes the socket without a close handshake.
func (c *Conn) Close() error { return c.ws.CloseNow() }

// KeepAlive hands the socket's reads to a background reader that answers
// pings, for connections that then stay idle; Call must not be used after.
func (c *Conn) KeepAlive(ctx context.Context) { c.ws.CloseRead(ctx) }

// Call sends one request with params already encoded as JSON and decodes
// the result into result (nil skips it).
func (c *Conn) Call(ctx context.Context, method string, params []byte, result any) error {
	c.id++
	b := append(c.buf[:0], `{"jsonrpc":"2.0","id":`...)
	b = strconv.AppendInt(b, c.id, 10)
	b = append(b, `,"method":"`...)
	b = append(b, method...)
	b = append(b, `","params":`...)
	b = append(b, params...)
	b = append(b, '}')
	c.buf = b
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("failed to send %s: %w", method, err)
	}
	_, frame, err := c.ws.Read(ctx)
	if err != nil {
		return fmt.Errorf("failed to read %s reply: %w", method, err)
	}
	var resp struct {
		ID     int64           `json:"id"`
		Result json.RawMessage `json:"result"`
		Error  *RPCError       `json:"error"`
	}
	if err := json.Unmarshal(frame, &resp); err != nil {
		return fmt.Errorf("failed to decode %s reply: %w", method, err)
	}
	switch {
	case resp.Error != nil:
		return fmt.Errorf("failed to call %s: %w", method, resp.Error)
	case resp.ID != c.id:
		return fmt.Errorf("failed to call %s: reply id %d, want %d", method, resp.ID, c.id)
	case result == nil:
		return nil
	}
	if err := json.Unmarshal(resp.Result, result); err != nil {
		return fmt.Errorf("failed to decode %s result: %w", method, err)
	}
	return nil
}

// PlayResult is play's answer.
type PlayResult struct {
	Output string `json:"output"`
	Type   string `json:"type"`
}

// playParams is the benchmark's play request.
var playParams = []byte(`{"script":"40 + 2"}`)

// Play runs `40 + 2` and checks the answer.
func (c *Conn) Play(ctx context.Context) error {
	var res PlayResult
	if err := c.Call(ctx, "play", playParams, &res); err != nil {
		return err
	}
	if res.Output != "42" || res.Type != "i64" {
		return fmt.Errorf("failed to play: got %+v, want 42 i64", res)
	}
	return nil
}

// Key is a client identity: the private key and its public key's hex.
type Key struct {
	Priv   *secp256k1.PrivateKey
	PubHex string
}

// NewKey makes a random client key.
func NewKey() (Key, error) {
	priv, err := secp256k1.GeneratePrivateKey()
	if err != nil {
		return Key{}, fmt.Errorf("failed to generate key: %w", err)
	}
	return Key{Priv: priv, PubHex: auth.PublicKeyHex(priv.PubKey())}, nil
}

// Authenticate runs fetch_nonce and authenticate with an EIP-191 signature
// (what browser wallets produce), as a client would.
func (c *Conn) Authenticate(ctx context.Context, k Key) error {
	var n struct {
		Nonce string `json:"nonce"`
	}
	if err := c.Call(ctx, "fetch_nonce", []byte(`{"pubkey":"`+k.PubHex+`"}`), &n); err != nil {
		return err
	}
	if n.Nonce == "" {
		return errors.New("failed to fetch nonce: empty nonce")
	}
	sig := hex.EncodeToString(auth.SignEIP191(k.Priv, n.Nonce))
	var res struct {
		Authenticated bool   `json:"authenticated"`
		PubKey        string `json:"pubkey"`
	}
	if err := c.Call(ctx, "authenticate", []byte(`{"pubkey":"`+k.PubHex+`","signature":"`+sig+`"}`), &res); err != nil {
		return err
	}
	if !res.Authenticated || res.PubKey != k.PubHex {
		return fmt.Errorf("failed to authenticate: got %+v", res)
	}
	return nil
}
