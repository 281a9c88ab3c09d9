package actors_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/actors/actorstest"
	"github.com/circles-actor/circles-actor/actors/auth"
	"github.com/circles-actor/circles-actor/config"
)

// wait bounds every read in these tests.
const wait = 10 * time.Second

// newKey returns a fresh key pair.
func newKey(t testing.TB) (*secp256k1.PrivateKey, string) {
	t.Helper()
	privHex, pubHex, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	priv, err := auth.ParsePrivateKey(privHex)
	if err != nil {
		t.Fatal(err)
	}
	return priv, pubHex
}

// startSystem starts a system serving one fresh circle; mut adjusts the
// default config. The system is shut down when the test ends.
func startSystem(t testing.TB, mut func(*config.Config), opts ...actors.Option) (*actors.System, string) {
	t.Helper()
	_, circle := newKey(t)
	cfg := config.Default()
	cfg.Port = 0
	cfg.PublicKeys = []string{circle}
	if mut != nil {
		mut(&cfg)
	}
	quiet := actors.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	sys, err := actors.NewSystem(cfg, append([]actors.Option{quiet}, opts...)...)
	if err != nil {
		t.Fatalf("NewSystem: %v", err)
	}
	t.Cleanup(func() { shutdown(t, sys) })
	return sys, circle
}

// shutdown stops sys within the test bound. A drain that ran out of time
// is not an error here (tests that care call Shutdown themselves).
func shutdown(t testing.TB, sys *actors.System) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := sys.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v", err)
	}
}

// conn is a session attached to an in-memory sink, with a JSON-RPC helper.
type conn struct {
	t    *testing.T
	sink *actorstest.ChanSink
	sess *actors.Session
	id   int
}

func open(t *testing.T, sys *actors.System, circle string) *conn {
	t.Helper()
	return openFrom(t, sys, circle, "127.0.0.1:40000")
}

func openFrom(t *testing.T, sys *actors.System, circle, remote string) *conn {
	t.Helper()
	sink := actorstest.NewChanSink(256)
	sess, err := sys.OpenSession(circle, remote, sink)
	if err != nil {
		t.Fatalf("OpenSession: %v", err)
	}
	t.Cleanup(sess.Closed)
	return &conn{t: t, sink: sink, sess: sess}
}

// send writes a raw frame.
func (c *conn) send(frame string) { c.sess.Receive([]byte(frame)) }

// request sends a request with a fresh numeric id and returns the id.
func (c *conn) request(method string, params any) int {
	c.t.Helper()
	c.id++
	req := map[string]any{"jsonrpc": "2.0", "id": c.id, "method": method}
	if params != nil {
		req["params"] = params
	}
	b, err := json.Marshal(req)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sess.Receive(b)
	return c.id
}

// next reads the next response.
func (c *conn) next() actorstest.Response {
	c.t.Helper()
	var r actorstest.Response
	if err := c.sink.NextJSON(wait, &r); err != nil {
		c.t.Fatal(err)
	}
	return r
}

// call sends a request and decodes its result into out; it fails the test
// on an error response.
func (c *conn) call(method string, params, out any) {
	c.t.Helper()
	id := c.request(method, params)
	r := c.next()
	if string(r.ID) != strconv.Itoa(id) {
		c.t.Fatalf("%s: response id %s, want %d", method, r.ID, id)
	}
	if r.Error != nil {
		c.t.Fatalf("%s: error %d %s %s", method, r.Error.Code, r.Error.Message, r.Error.Data)
	}
	if out != nil {
		if err := json.Unmarshal(r.Result, out); err != nil {
			c.t.Fatalf("%s: result %s: %v", method, r.Result, err)
		}
	}
}

// callErr sends a request and returns its error code (0 on success).
func (c *conn) callErr(method string, params any) (int, actorstest.Response) {
	c.t.Helper()
	c.request(method, params)
	r := c.next()
	if r.Error == nil {
		return 0, r
	}
	return r.Error.Code, r
}

type nonceRes struct {
	Nonce     string `json:"nonce"`
	ExpiresAt int64  `json:"expires_at"`
}

type playRes struct {
	Output string   `json:"output"`
	Type   string   `json:"type"`
	Prints []string `json:"prints"`
}

type whoamiRes struct {
	Authenticated bool    `json:"authenticated"`
	PubKey        *string `json:"pubkey"`
	Circle        string  `json:"circle"`
}

// login fetches a nonce and authenticates with an EIP-191 signature.
func (c *conn) login(priv *secp256k1.PrivateKey, pub string) {
	c.t.Helper()
	var n nonceRes
	c.call("fetch_nonce", map[string]string{"pubkey": pub}, &n)
	sig := hex.EncodeToString(auth.SignEIP191(priv, n.Nonce))
	c.call("authenticate", map[string]string{"pubkey": pub, "signature": sig}, nil)
}

// expectCode fails unless the response is an error with code.
func expectCode(t *testing.T, r actorstest.Response, code int) {
	t.Helper()
	if r.Error == nil {
		t.Fatalf("got result %s, want error %d", r.Result, code)
	}
	if r.Error.Code != code {
		t.Fatalf("got error %d %q, want %d", r.Error.Code, r.Error.Message, code)
	}
}
