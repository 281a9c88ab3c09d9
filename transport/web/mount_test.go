package web_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/internal/testcert"
)

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestServerMountsWeb checks the transport server serves this package's
// routes beside its own, and that --no-playground removes the page only.
func TestServerMountsWeb(t *testing.T) {
	on := startServer(t, nil)
	off := startServer(t, func(c *config.Config) { c.NoPlayground = true })
	host := strings.TrimPrefix(on.base(), "http://")

	code, h, body := get(t, on.base()+"/")
	if code != 200 || !strings.Contains(body, `data-testid="script"`) ||
		!strings.Contains(h.Get("Content-Security-Policy"), "connect-src http://"+host+" ws://"+host+";") {
		t.Fatalf("GET / = %d %v", code, h)
	}
	code, _, body = get(t, on.base()+"/playground/circles.json")
	if code != 200 || body != `{"circles":["`+otherPK+`","`+circlePK+`"],"enable_auth":false}` {
		t.Fatalf("circles.json = %d %s", code, body)
	}
	for _, s := range []server{on, off} {
		if code, h, _ := get(t, s.base()+"/circles-client.js"); code != 200 || h.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s module = %d %v", s, code, h)
		}
		if code, _, _ := get(t, s.base()+"/healthz"); code != 200 {
			t.Errorf("%s /healthz = %d", s, code)
		}
		// Paths beside the page's still reach the circle catch-all.
		if code, _, body := get(t, s.base()+"/circles-client.jsx"); code != 404 || !strings.Contains(body, "Circle not found") {
			t.Errorf("%s /circles-client.jsx = %d %s", s, code, body)
		}
	}
	for _, p := range []string{"/", "/playground/playground.js", "/playground/circles.json"} {
		code, _, body := get(t, off.base()+p)
		if code != 404 || !strings.Contains(body, "Circle not found") {
			t.Errorf("--no-playground GET %s = %d %s", p, code, body)
		}
	}
}

// TestServerTLSPolicy: over TLS the page may connect to https and wss of
// its own origin only.
func TestServerTLSPolicy(t *testing.T) {
	certFile, keyFile, pool := testcert.SelfSigned(t)
	s := startServer(t, func(c *config.Config) { c.TLS, c.CertFile, c.KeyFile = true, certFile, keyFile })
	host := strings.TrimPrefix(s.base(), "http://")
	httpc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := httpc.Get("https://" + host + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); resp.StatusCode != 200 || !strings.Contains(csp, "connect-src https://"+host+" wss://"+host+";") {
		t.Fatalf("GET / over TLS = %d, CSP %q", resp.StatusCode, csp)
	}
}
