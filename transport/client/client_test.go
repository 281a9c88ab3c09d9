package client_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/circles-actor/circles-actor/transport/client"
)

// stubServer is a minimal JSON-RPC peer for exercising the client alone:
// requests to method "hold" are answered in reverse order once holdN of
// them arrived, so concurrent calls must be matched by id.
type stubServer struct {
	holdN int
	mu    sync.Mutex
	held  []stubReq
}

type stubReq struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

const stubNonce = "circle:test:nonce"

func (s *stubServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/missing" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":"Circle not found"}`)
		return
	}
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer ws.CloseNow()
	ctx := context.Background()
	for {
		_, frame, err := ws.Read(ctx)
		if err != nil {
			return
		}
		var req stubReq
		if json.Unmarshal(frame, &req) != nil {
			continue
		}
		for _, out := range s.answer(req) {
			if ws.Write(ctx, websocket.MessageText, out) != nil {
				return
			}
		}
	}
}

func (s *stubServer) answer(req stubReq) [][]byte {
	reply := func(id json.RawMessage, member string, v any) []byte {
		b, _ := json.Marshal(v)
		return []byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,%q:%s}`, id, member, b))
	}
	switch req.Method {
	case "hold":
		s.mu.Lock()
		defer s.mu.Unlock()
		s.held = append(s.held, req)
		if len(s.held) < s.holdN {
			return nil
		}
		var outs [][]byte
		for i := len(s.held) - 1; i >= 0; i-- {
			outs = append(outs, reply(s.held[i].ID, "result", s.held[i].Params))
		}
		s.held = nil
		return outs
	case "fetch_nonce":
		return [][]byte{reply(req.ID, "result", map[string]any{"nonce": stubNonce, "expires_at": 1700000000})}
	case "authenticate":
		var p struct{ Pubkey, Signature string }
		_ = json.Unmarshal(req.Params, &p)
		if !stubVerify(p.Pubkey, p.Signature) {
			return [][]byte{reply(req.ID, "error", map[string]any{"code": -32002, "message": "invalid credentials"})}
		}
		return [][]byte{reply(req.ID, "result", map[string]any{"authenticated": true, "pubkey": p.Pubkey})}
	case "play":
		return [][]byte{reply(req.ID, "error", map[string]any{"code": -32004, "message": "script error",
			"data": map[string]any{"kind": "runtime", "message": "boom", "line": 2, "column": 5}})}
	case "bye":
		return [][]byte{[]byte(`[` + string(reply(req.ID, "result", "ok")) + `]`)}
	}
	return [][]byte{reply(req.ID, "result", req.Params)}
}

func stubVerify(pubHex, sigHex string) bool {
	pb, err := hex.DecodeString(pubHex)
	if err != nil {
		return false
	}
	pub, err := secp256k1.ParsePubKey(pb)
	if err != nil {
		return false
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil {
		return false
	}
	switch len(sig) {
	case 65:
		got, _, err := ecdsa.RecoverCompact(append([]byte{sig[64]}, sig[:64]...), client.EIP191Digest([]byte(stubNonce)))
		return err == nil && got.IsEqual(pub)
	case 64:
		var r, s secp256k1.ModNScalar
		r.SetByteSlice(sig[:32])
		s.SetByteSlice(sig[32:])
		d := sha256.Sum256([]byte(stubNonce))
		return ecdsa.NewSignature(&r, &s).Verify(d[:], pub)
	}
	return false
}

func dialStub(t *testing.T, s *stubServer, path string, opts *client.Options) (*client.Client, error) {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+path, opts)
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestConcurrentCallsMatchedByID(t *testing.T) {
	const n = 20
	c, err := dialStub(t, &stubServer{holdN: n}, "/circle", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var got []int
			if err := c.Call(ctx, "hold", []int{i}, &got); err != nil {
				errs <- err
				return
			}
			if len(got) != 1 || got[0] != i {
				errs <- fmt.Errorf("call %d got %v", i, got)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestAuthenticateBothFormats(t *testing.T) {
	for _, compact := range []bool{false, true} {
		c, err := dialStub(t, &stubServer{}, "/circle", &client.Options{Compact: compact})
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Authenticate(testCtx(t), testPriv)
		if err != nil {
			t.Fatalf("compact=%v: %v", compact, err)
		}
		if !res.Authenticated || res.PubKey != "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798" {
			t.Fatalf("compact=%v: %+v", compact, res)
		}
	}
}

func TestRPCErrorAndScriptData(t *testing.T) {
	c, err := dialStub(t, &stubServer{}, "/circle", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Play(testCtx(t), "throw 1")
	if client.ErrorCode(err) != -32004 {
		t.Fatalf("err = %v, want -32004", err)
	}
	var re *client.RPCError
	errors.As(err, &re)
	se, ok := re.ScriptError()
	if !ok || se.Line != 2 || se.Column != 5 || se.Kind != "runtime" {
		t.Fatalf("script error = %+v ok=%v", se, ok)
	}
}

func TestBatchResponseRouted(t *testing.T) {
	c, err := dialStub(t, &stubServer{}, "/circle", nil)
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if err := c.Call(testCtx(t), "bye", nil, &s); err != nil || s != "ok" {
		t.Fatalf("got %q, %v", s, err)
	}
}

func TestDialRefusedGivesHTTPError(t *testing.T) {
	_, err := dialStub(t, &stubServer{}, "/missing", nil)
	if client.HTTPStatus(err) != http.StatusNotFound {
		t.Fatalf("err = %v, want HTTP 404", err)
	}
	var he *client.HTTPError
	if !errors.As(err, &he) || !strings.Contains(he.Body, "Circle not found") {
		t.Fatalf("body not kept: %v", err)
	}
}

func TestCloseEndsPendingCalls(t *testing.T) {
	c, err := dialStub(t, &stubServer{holdN: 1000}, "/circle", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	res := make(chan error, 1)
	go func() { res <- c.Call(ctx, "hold", nil, nil) }()
	// The call is in flight once the server echoes an unrelated request.
	if err := c.Call(ctx, "echo", nil, nil); err != nil {
		t.Fatal(err)
	}
	c.Close()
	select {
	case err := <-res:
		if err == nil {
			t.Fatal("pending call succeeded after Close")
		}
	case <-ctx.Done():
		t.Fatal("pending call not released by Close")
	}
	<-c.Done()
	if websocket.CloseStatus(c.Err()) != websocket.StatusNormalClosure {
		t.Fatalf("Err = %v", c.Err())
	}
}

func TestDeadlineForms(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{`1700000000`, 1700000000, true},
		{`1700000000000`, 1700000000, true},
		{`"2023-11-14T22:13:20Z"`, 1700000000, true},
		{`"soon"`, 0, false},
		{`true`, 0, false},
	} {
		var n client.Nonce
		err := json.Unmarshal([]byte(`{"nonce":"x","expires_at":`+tc.in+`}`), &n)
		if (err == nil) != tc.ok || (tc.ok && n.ExpiresAt.Unix() != tc.want) {
			t.Errorf("%s: got %v, %v", tc.in, n.ExpiresAt.Time, err)
		}
	}
}
