package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/circles-actor/circles-actor/transport/client"
)

// testLimits runs against a server with a 1 s nonce TTL, one play in flight
// per session, a 1 s script timeout, and 200 ms pings with a 2 s idle
// timeout.
func testLimits(t *testing.T, s *server) {
	t.Run("ExpiredNonce", func(t *testing.T) {
		// The Go client keeps reading (and answering pings) while we wait;
		// a raw socket that does not read would hit the idle timeout.
		key, _, pub := newKey(t)
		c := dial(t, s, e2eCircle, nil)
		n, err := c.FetchNonce(e2eCtx(t), pub)
		if err != nil {
			t.Fatal(err)
		}
		// Waiting out the TTL is the behaviour under test (expires_at has
		// one-second resolution, hence the extra second).
		select {
		case <-time.After(time.Until(n.ExpiresAt.Time) + time.Second):
		case <-e2eCtx(t).Done():
		}
		sig := hex.EncodeToString(client.SignEIP191(key, []byte(n.Nonce)))
		err = c.Call(e2eCtx(t), "authenticate", map[string]string{"pubkey": pub, "signature": sig}, nil)
		wantCode(t, err, -32003)
	})
	t.Run("InFlightCap", func(t *testing.T) {
		r := dialRaw(t, s, e2eCircle)
		r.send(`{"jsonrpc":"2.0","id":1,"method":"play","params":{"script":"loop {}"}}`)
		r.send(`{"jsonrpc":"2.0","id":2,"method":"play","params":{"script":"1"}}`)
		got := map[float64]int{}
		for len(got) < 2 {
			m := r.decode(r.read())
			id, _ := m["id"].(float64)
			got[id] = errCode(m)
		}
		if got[2] != -32006 || (got[1] != -32005 && got[1] != -32004) {
			t.Errorf("in-flight cap: codes %v, want id 2 -32006 and id 1 a script error", got)
		}
		if m := r.call(`{"jsonrpc":"2.0","id":3,"method":"play","params":{"script":"7"}}`); m["result"] == nil {
			t.Errorf("play after the cap cleared: %v", m)
		}
	})
	t.Run("IdleTimeout", func(t *testing.T) {
		// A peer that never answers pings is closed with 1001.
		ws, _, err := websocket.Dial(e2eCtx(t), s.url(e2eCircle), &websocket.DialOptions{
			OnPingReceived: func(context.Context, []byte) bool { return false },
		})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		start := time.Now()
		_, _, err = ws.Read(e2eCtx(t))
		if websocket.CloseStatus(err) != websocket.StatusGoingAway {
			t.Fatalf("silent peer: %v, want close 1001", err)
		}
		if d := time.Since(start); d > 6*time.Second {
			t.Errorf("silent peer closed after %s (idle timeout 2s)", d)
		}
		// A client that answers pings outlives several idle timeouts. The
		// idle budget is generous (2s, pings every 200ms) so that a loaded
		// machine running -race does not miss a pong by scheduling alone.
		c := dial(t, s, e2eCircle, nil)
		select {
		case <-c.Done():
			t.Fatalf("answering client closed: %v", c.Err())
		case <-time.After(5 * time.Second):
		}
		if _, err := c.Whoami(e2eCtx(t)); err != nil {
			t.Fatalf("answering client after 5s: %v", err)
		}
	})
}

func (r *raw) decode(frame string) map[string]any {
	r.t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(frame), &m); err != nil {
		r.t.Fatalf("frame %q: %v", frame, err)
	}
	return m
}

func e2eConnCap(t *testing.T, s *server) {
	for i := 0; i < 3; i++ {
		dial(t, s, e2eCircle, nil)
	}
	_, err := client.Dial(e2eCtx(t), s.url(e2eCircle), nil)
	if client.HTTPStatus(err) != http.StatusTooManyRequests {
		t.Fatalf("fourth connection from one IP: %v, want HTTP 429", err)
	}
}

func e2eTLS(t *testing.T, s *server, bin string, pool *x509.CertPool) {
	httpc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	url := "wss://" + s.addr + "/" + e2eCircle
	c, err := client.Dial(e2eCtx(t), url, &client.Options{HTTPClient: httpc})
	if err != nil {
		t.Fatalf("dial wss: %v\n%s", err, s.output())
	}
	defer c.Close()
	_, priv, pub := newKey(t)
	if _, err := c.Authenticate(e2eCtx(t), priv); err != nil {
		t.Fatal(err)
	}
	if res, err := c.Play(e2eCtx(t), "CALLER_PUBLIC_KEY"); err != nil || res.Output != pub {
		t.Fatalf("play over wss = %+v, %v", res, err)
	}
	resp, err := httpc.Get("https://" + s.addr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("https healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	out, err := exec.Command(bin, "play", "--url", url, "--insecure", "-e", "6 * 7").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "42" {
		t.Fatalf("play --insecure over wss: %q, %v", out, err)
	}
}
