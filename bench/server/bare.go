package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/circles-actor/circles-actor/actors/auth"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/transport/jsonrpc"
	"github.com/coder/websocket"
)

// Bare-reference limits, the same as our server's defaults.
const (
	bareReadLimit  = 1 << 20
	bareWriteQueue = 64
	bareMaxBatch   = 100
)

// playAnswer is the bare reference's constant play result.
var playAnswer = json.RawMessage(`{"output":"42","type":"i64"}`)

// Bare is the reference server: one circle, no actors, constant play.
type Bare struct {
	circle string
	ln     net.Listener
	srv    *http.Server
	wg     sync.WaitGroup // connection handlers
	base   context.Context
	stop   context.CancelFunc
}

// StartBare listens on 127.0.0.1:0 and serves circle (any accepted key
// spelling) until Close.
func StartBare(circle string) (*Bare, error) {
	pk, err := config.CanonicalKey(circle)
	if err != nil {
		return nil, fmt.Errorf("failed to start bare server: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("failed to start bare server: %w", err)
	}
	b := &Bare{circle: pk, ln: ln}
	b.base, b.stop = context.WithCancel(context.Background())
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{circle_pk}", b.handle)
	b.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = b.srv.Serve(ln) }()
	return b, nil
}

// URL is the WebSocket URL of the circle.
func (b *Bare) URL() string { return "ws://" + b.ln.Addr().String() + "/" + b.circle }

// Name is "bare".
func (b *Bare) Name() string { return "bare" }

// Close stops listening, ends every connection and waits for their
// handlers.
func (b *Bare) Close(ctx context.Context) error {
	b.stop()
	err := b.srv.Shutdown(ctx)
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("failed to close bare server: %w", ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("failed to close bare server: %w", err)
	}
	return nil
}

func (b *Bare) handle(w http.ResponseWriter, r *http.Request) {
	pk, err := config.CanonicalKey(r.PathValue("circle_pk"))
	if err != nil || pk != b.circle {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]string{
			"error":   "Circle not found",
			"message": "Circle '" + r.PathValue("circle_pk") + "' is not available on this server",
		})
		return
	}
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	b.wg.Add(1)
	defer b.wg.Done()
	ws.SetReadLimit(bareReadLimit)
	c := &bareConn{ws: ws, out: make(chan []byte, bareWriteQueue), nonces: auth.NewNonceStore(&auth.NonceOptions{Circle: b.circle})}
	ctx, cancel := context.WithCancel(b.base)
	defer cancel()
	writerDone := make(chan struct{})
	go c.writeLoop(ctx, writerDone)
	c.readLoop(ctx)
	cancel()
	<-writerDone
	ws.CloseNow()
}

// bareConn is one connection: its read loop runs on the handler's
// goroutine, its write loop on a second one.
type bareConn struct {
	ws     *websocket.Conn
	out    chan []byte
	nonces *auth.NonceStore
	caller string
}

func (c *bareConn) readLoop(ctx context.Context) {
	for {
		typ, frame, err := c.ws.Read(ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			_ = c.ws.Close(websocket.StatusUnsupportedData, "text frames only")
			return
		}
		reply := c.handleFrame(frame)
		if reply == nil {
			continue
		}
		select {
		case c.out <- reply:
		default: // a client that does not read is disconnected
			_ = c.ws.Close(websocket.StatusPolicyViolation, "write queue full")
			return
		}
	}
}

func (c *bareConn) writeLoop(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	for {
		select {
		case <-ctx.Done():
			return
		case frame := <-c.out:
			if err := c.ws.Write(ctx, websocket.MessageText, frame); err != nil {
				return
			}
		}
	}
}

// handleFrame answers one JSON-RPC frame (object or batch).
func (c *bareConn) handleFrame(frame []byte) []byte {
	reqs, batch, errResp := jsonrpc.Decode(frame, bareMaxBatch)
	if errResp != nil {
		return errResp
	}
	var out [][]byte
	for i := range reqs {
		r := &reqs[i]
		if r.Err != nil {
			out = append(out, r.Err.Response(r.ID))
			continue
		}
		resp := c.handle(r)
		if !r.IsNotification() {
			out = append(out, resp)
		}
	}
	if batch {
		return jsonrpc.EncodeBatch(out)
	}
	if len(out) == 1 {
		return out[0]
	}
	return nil
}

func (c *bareConn) handle(r *jsonrpc.Request) []byte {
	switch r.Method {
	case "fetch_nonce":
		var pubkey string
		if err := jsonrpc.BindParams(r.Params, []string{"pubkey?"}, &pubkey); err != nil {
			return jsonrpc.AsError(err).Response(r.ID)
		}
		n, exp := c.nonces.Issue(pubkey)
		return jsonrpc.Result(r.ID, struct {
			Nonce     string `json:"nonce"`
			ExpiresAt int64  `json:"expires_at"`
		}{n, exp.Unix()})
	case "authenticate":
		var pubkey, sig string
		if err := jsonrpc.BindParams(r.Params, []string{"pubkey", "signature"}, &pubkey, &sig); err != nil {
			return jsonrpc.AsError(err).Response(r.ID)
		}
		pk, err := c.nonces.Authenticate(pubkey, sig)
		switch {
		case errors.Is(err, auth.ErrUnknownNonce), errors.Is(err, auth.ErrExpired):
			return jsonrpc.ErrorResponse(r.ID, jsonrpc.BadNonce, "", nil)
		case err != nil:
			return jsonrpc.ErrorResponse(r.ID, jsonrpc.InvalidCredentials, "invalid credentials", nil)
		}
		c.caller = pk
		return jsonrpc.Result(r.ID, struct {
			Authenticated bool   `json:"authenticated"`
			PubKey        string `json:"pubkey"`
		}{true, pk})
	case "play":
		var script string
		if err := jsonrpc.BindParams(r.Params, []string{"script"}, &script); err != nil {
			return jsonrpc.AsError(err).Response(r.ID)
		}
		return jsonrpc.Result(r.ID, playAnswer)
	case "whoami":
		return jsonrpc.Result(r.ID, map[string]any{"authenticated": c.caller != "", "pubkey": nullable(c.caller)})
	}
	return jsonrpc.ErrorResponse(r.ID, jsonrpc.MethodNotFound, "Method not found: "+strings.TrimSpace(r.Method), nil)
}

// nullable maps "" to JSON null.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
