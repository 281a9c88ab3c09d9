package transport_test

import (
	"context"
	"crypto/tls"
	"errors"
	"github.com/circles-actor/circles-actor/internal/testcert"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/transport"
	"github.com/circles-actor/circles-actor/transport/client"
)

const (
	// circlePK is the public key of private key 1 (the generator G).
	circlePK           = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	circleUncompressed = "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798" +
		"483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"
	// otherPK (2G) is a valid key this server does not host.
	otherPK = "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
)

// testServer is a real System and Server on 127.0.0.1:0.
type testServer struct {
	srv   *transport.Server
	base  string // http://127.0.0.1:port
	serve chan error
}

func startServer(t *testing.T, edit func(*config.Config)) *testServer {
	t.Helper()
	cfg := config.Default()
	cfg.Port = 0
	cfg.PublicKeys = []string{circlePK}
	cfg.ScriptTimeout = 2 * time.Second
	if edit != nil {
		edit(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sys, err := actors.NewSystem(cfg, actors.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := transport.NewServer(sys, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{srv: srv, base: "http://" + ln.Addr().String(), serve: make(chan error, 1)}
	go func() { ts.serve <- srv.Serve(ln) }()
	t.Cleanup(func() { ts.shutdown(t) })
	return ts
}

// shutdown stops the server once and checks Serve returned as documented.
func (ts *testServer) shutdown(t *testing.T) {
	t.Helper()
	if ts.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-ts.serve; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
	}
	ts.srv = nil
}

func (ts *testServer) wsURL(pk string) string {
	return "ws" + strings.TrimPrefix(ts.base, "http") + "/" + pk
}

func (ts *testServer) dial(t *testing.T, pk string) *client.Client {
	t.Helper()
	c, err := client.Dial(testCtx(t), ts.wsURL(pk), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func get(t *testing.T, url string, header http.Header) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequestWithContext(testCtx(t), http.MethodGet, url, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestCircleNotFoundBeforeUpgrade(t *testing.T) {
	// Without the playground, GET / is answered like any unknown path.
	ts := startServer(t, func(c *config.Config) { c.NoPlayground = true })
	upgrade := http.Header{
		"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Version": {"13"},
		"Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="},
	}
	for _, pk := range []string{otherPK, "not-a-key", "02abc", strings.ToUpper(otherPK)} {
		code, body, h := get(t, ts.base+"/"+pk, upgrade)
		want := `{"error":"Circle not found","message":"Circle '` + pk + `' is not available on this server"}`
		if code != http.StatusNotFound || body != want || h.Get("Content-Type") != "application/json" {
			t.Errorf("GET /%s = %d %q (%s), want 404 %q", pk, code, body, h.Get("Content-Type"), want)
		}
	}
	_, err := client.Dial(testCtx(t), ts.wsURL(otherPK), nil)
	if client.HTTPStatus(err) != http.StatusNotFound {
		t.Fatalf("Dial unknown circle: %v, want HTTP 404", err)
	}
	for path, want := range map[string]int{"/": 404, "/a/b": 404} {
		if code, body, _ := get(t, ts.base+path, nil); code != want || !strings.Contains(body, "Circle not found") {
			t.Errorf("GET %s = %d %s", path, code, body)
		}
	}
	resp, err := http.Post(ts.base+"/"+circlePK, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /<circle> = %d, want 405", resp.StatusCode)
	}
}

func TestAnyKeySpellingReachesTheCircle(t *testing.T) {
	ts := startServer(t, nil)
	for _, pk := range []string{circlePK, strings.ToUpper(circlePK), circleUncompressed, "0x" + circlePK} {
		c := ts.dial(t, pk)
		w, err := c.Whoami(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if w.Circle != circlePK || w.Authenticated {
			t.Errorf("whoami via %s = %+v, want anonymous in %s", pk, w, circlePK)
		}
	}
}

func TestPlayRoundTrip(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t, circlePK)
	res, err := c.Play(testCtx(t), "let x = 10; x * 2")
	if err != nil {
		t.Fatal(err)
	}
	if res.Output != "20" || res.Type != "i64" {
		t.Fatalf("play = %+v, want 20 i64", res)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	ts := startServer(t, nil)
	if code, body, _ := get(t, ts.base+"/healthz", nil); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("healthz = %d %s", code, body)
	}
	if code, body, _ := get(t, ts.base+"/readyz", nil); code != 200 {
		t.Errorf("readyz = %d %s", code, body)
	}
	// A round trip proves the session (and its gauges) exist.
	if _, err := ts.dial(t, circlePK).Whoami(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	code, body, _ := get(t, ts.base+"/metrics", nil)
	for _, want := range []string{"circles_ws_connections 1", "circles_ws_connections_total 1", "circles_sessions"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("metrics (%d) lacks %q", code, want)
		}
	}
}

func TestConnectionCapPerIP(t *testing.T) {
	ts := startServer(t, func(c *config.Config) { c.MaxConnsPerIP = 2 })
	first := ts.dial(t, circlePK)
	ts.dial(t, circlePK)
	_, err := client.Dial(testCtx(t), ts.wsURL(circlePK), nil)
	if client.HTTPStatus(err) != http.StatusTooManyRequests || !strings.Contains(err.Error(), `"error":"Too many connections"`) {
		t.Fatalf("third connection: %v, want HTTP 429 with a JSON body", err)
	}
	first.Close()
	// The slot frees once the server has seen the close; poll within a bound.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := client.Dial(testCtx(t), ts.wsURL(circlePK), nil)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot not freed after close: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOversizedFrameClosesOnlyThatSocket(t *testing.T) {
	ts := startServer(t, func(c *config.Config) { c.MaxFrameBytes, c.MaxScriptBytes = 64<<10, 32<<10 })
	other := ts.dial(t, circlePK)
	ctx := testCtx(t)
	ws, _, err := websocket.Dial(ctx, ts.wsURL(circlePK), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	_ = ws.Write(ctx, websocket.MessageText, make([]byte, 128<<10))
	if _, _, err := ws.Read(ctx); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Fatalf("read after oversized frame: %v, want close 1009", err)
	}
	if _, err := other.Whoami(ctx); err != nil {
		t.Fatalf("other connection broken: %v", err)
	}
}

func TestShutdownClosesSocketsGoingAway(t *testing.T) {
	ts := startServer(t, nil)
	clients := []*client.Client{ts.dial(t, circlePK), ts.dial(t, circlePK)}
	ts.shutdown(t)
	for _, c := range clients {
		select {
		case <-c.Done():
		case <-testCtx(t).Done():
			t.Fatal("socket still open after Shutdown returned")
		}
		if code := websocket.CloseStatus(c.Err()); code != websocket.StatusGoingAway {
			t.Errorf("close status %d (%v), want 1001", code, c.Err())
		}
	}
	waitNoGoroutines(t, "transport.(*wsConn)", "transport.(*Server).runConn", "transport.(*Server).runTicker")
}

// waitNoGoroutines fails unless, within a bound, no goroutine runs a
// function whose name contains one of names.
func waitNoGoroutines(t *testing.T, names ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		leaked := ""
		for _, n := range names {
			if strings.Contains(stacks, n) {
				leaked = n
			}
		}
		if leaked == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutine %s still running after Shutdown", leaked)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestReadyzAfterShutdownBegins(t *testing.T) {
	cfg := config.Default()
	cfg.PublicKeys = []string{circlePK}
	sys, err := actors.NewSystem(cfg, actors.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := transport.NewServer(sys, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != 200 {
		t.Fatalf("readyz before shutdown = %d %s", rec.Code, rec.Body)
	}
	if err := srv.Shutdown(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "shutting down") {
		t.Fatalf("readyz after shutdown = %d %s", rec.Code, rec.Body)
	}
	// The handler may still be mounted elsewhere: new sockets are refused.
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/"+circlePK, nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("upgrade after shutdown = %d %s", rec.Code, rec.Body)
	}
}

func TestTLS(t *testing.T) {
	certFile, keyFile, pool := testcert.SelfSigned(t)
	ts := startServer(t, func(c *config.Config) { c.TLS, c.CertFile, c.KeyFile = true, certFile, keyFile })
	httpc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	url := "wss" + strings.TrimPrefix(ts.base, "http") + "/" + circlePK
	c, err := client.Dial(testCtx(t), url, &client.Options{HTTPClient: httpc})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if w, err := c.Whoami(testCtx(t)); err != nil || w.Circle != circlePK {
		t.Fatalf("whoami over wss = %+v, %v", w, err)
	}
}

func TestBadCertificateFailsNewServer(t *testing.T) {
	cfg := config.Default()
	cfg.PublicKeys = []string{circlePK}
	cfg.TLS, cfg.CertFile, cfg.KeyFile = true, filepath.Join(t.TempDir(), "missing.pem"), "missing.key"
	sys, err := actors.NewSystem(cfg, actors.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown(testCtx(t))
	if _, err := transport.NewServer(sys, cfg, nil); err == nil {
		t.Fatal("NewServer accepted a missing certificate")
	}
}

// TestSlowConsumerDisconnected: a client that sends and never reads fills
// the socket buffers, then its bounded queue; the server drops it instead
// of buffering without bound.
func TestSlowConsumerDisconnected(t *testing.T) {
	ts := startServer(t, func(c *config.Config) { c.WriteQueue, c.WriteTimeout = 2, 300*time.Millisecond })
	ctx := testCtx(t)
	ws, _, err := websocket.Dial(ctx, ts.wsURL(circlePK), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	// One round trip first: the connection is counted before we flood.
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"jsonrpc":"2.0","id":0,"method":"whoami"}`)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ws.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if _, body, _ := get(t, ts.base+"/metrics", nil); !strings.Contains(body, "\ncircles_ws_connections 1\n") {
		t.Fatal("connection not counted")
	}
	calls := make([]string, 100)
	for i := range calls {
		calls[i] = `{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}`
	}
	batch := []byte("[" + strings.Join(calls, ",") + "]") // about 1 MB of answers
	for i := 0; i < 25; i++ {
		if err := ws.Write(ctx, websocket.MessageText, batch); err != nil {
			break // the server already gave up on us
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, body, _ := get(t, ts.base+"/metrics", nil)
		if strings.Contains(body, "\ncircles_ws_connections 0\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("slow consumer still connected")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
