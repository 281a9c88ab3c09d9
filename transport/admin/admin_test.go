package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/actors/circleset"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/transport/admin"
)

const (
	fixedPK = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	addPK   = "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
	tokA    = "token-a-0123456789abcdef"
	tokB    = "token-b-0123456789abcdef"
)

// syncBuffer is a log sink safe for the handler's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type fixture struct {
	t   *testing.T
	srv *httptest.Server
	sys *actors.System
	log *syncBuffer
}

func newFixture(t *testing.T, failuresPerMinute int) *fixture {
	t.Helper()
	cfg := config.Default()
	cfg.PublicKeys = []string{fixedPK}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	sys, err := actors.NewSystem(cfg, actors.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = sys.Shutdown(ctx)
	})
	h, err := admin.New(admin.Options{
		Tokens:   []string{tokA, " " + tokB + " ", ""},
		Circles:  circleset.NewManager(sys, nil, log),
		Throttle: actors.NewThrottle(failuresPerMinute),
		Logger:   log,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &fixture{t: t, srv: srv, sys: sys, log: logs}
}

// do sends a request and returns the status and decoded JSON body.
func (f *fixture) do(method, path, token, body string) (int, map[string]any) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		f.t.Fatalf("%s %s: Content-Type %q", method, path, ct)
	}
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		f.t.Fatalf("%s %s: body: %v", method, path, err)
	}
	return resp.StatusCode, out
}

func TestCirclesLifecycle(t *testing.T) {
	f := newFixture(t, 30)
	status, body := f.do("GET", "/v1/circles", tokA, "")
	if status != 200 || len(body["circles"].([]any)) != 1 {
		t.Fatalf("list: %d %v", status, body)
	}
	first := body["circles"].([]any)[0].(map[string]any)
	for _, k := range []string{"public_key", "source", "sessions", "plays_in_flight", "queue_depth", "state_keys", "state_bytes", "added_at"} {
		if _, ok := first[k]; !ok {
			t.Errorf("list entry lacks %s: %v", k, first)
		}
	}
	if first["source"] != "flag" {
		t.Errorf("-k circle's source %v", first["source"])
	}
	if status, body = f.do("GET", "/v1/circles/"+addPK, tokA, ""); status != 404 || body["error"] != "Circle not found" {
		t.Fatalf("get unknown: %d %v", status, body)
	}
	if status, body = f.do("PUT", "/v1/circles/"+strings.ToUpper(addPK), tokB, ""); status != 201 || body["public_key"] != addPK || body["source"] != "api" {
		t.Fatalf("add: %d %v", status, body)
	}
	if !f.sys.HasCircle(addPK) {
		t.Fatal("added circle not served")
	}
	if status, _ = f.do("PUT", "/v1/circles/"+addPK, tokA, `{"public_key":"`+addPK+`"}`); status != 200 {
		t.Fatalf("add again: %d", status)
	}
	if status, body = f.do("PUT", "/v1/circles/"+fixedPK, tokA, ""); status != 200 {
		t.Fatalf("add a -k circle: %d %v", status, body)
	}
	if status, body = f.do("GET", "/v1/circles/"+addPK, tokA, ""); status != 200 || body["public_key"] != addPK {
		t.Fatalf("get: %d %v", status, body)
	}
	if status, body = f.do("DELETE", "/v1/circles/"+fixedPK, tokA, ""); status != 409 || body["error"] == nil || body["message"] == nil {
		t.Fatalf("delete -k: %d %v", status, body)
	}
	if status, body = f.do("DELETE", "/v1/circles/"+addPK, tokA, ""); status != 200 || body["removed"] != true {
		t.Fatalf("delete: %d %v", status, body)
	}
	if f.sys.HasCircle(addPK) {
		t.Fatal("removed circle still served")
	}
	if status, _ = f.do("DELETE", "/v1/circles/"+addPK, tokA, ""); status != 404 {
		t.Fatalf("delete again: %d", status)
	}
	logs := f.log.String()
	for _, want := range []string{"action=circle.add", "action=circle.remove", "circle=" + config.Fingerprint(addPK),
		"token=" + admin.Fingerprint(tokA), "token=" + admin.Fingerprint(tokB), "remote=127.0.0.1"} {
		if !strings.Contains(logs, want) {
			t.Errorf("audit log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, tokA) || strings.Contains(logs, tokB) {
		t.Error("a token reached the log")
	}
}

func TestBadRequests(t *testing.T) {
	f := newFixture(t, 30)
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{"PUT", "/v1/circles/02zz", "", 400},
		{"PUT", "/v1/circles/" + addPK[:64], "", 400},
		{"PUT", "/v1/circles/02" + strings.Repeat("ff", 32), "", 400}, // not on the curve
		{"PUT", "/v1/circles/" + strings.Repeat("0", 300), "", 400},
		{"PUT", "/v1/circles/" + addPK, "[]", 400},
		{"PUT", "/v1/circles/" + addPK, `{"public_key":"` + fixedPK + `"}`, 400},
		{"PUT", "/v1/circles/" + addPK, `{"other":1}`, 400},
		{"PUT", "/v1/circles/" + addPK, `{} {}`, 400},
		{"PUT", "/v1/circles/" + addPK, strings.Repeat(" ", 5000), 400},
		{"GET", "/v1/circles/zz", "", 400},
		{"POST", "/v1/circles", "", 405},
		{"PATCH", "/v1/circles/" + addPK, "", 405},
		{"GET", "/v1/nothing", "", 404},
	} {
		status, body := f.do(tc.method, tc.path, tokA, tc.body)
		if status != tc.status || body["error"] == nil || body["message"] == nil {
			t.Errorf("%s %.40s %.20q: %d %v, want %d with error and message", tc.method, tc.path, tc.body, status, body, tc.status)
		}
	}
	if f.sys.HasCircle(addPK) {
		t.Fatal("a refused request added the circle")
	}
}

// TestUnauthorizedIsUniformAndThrottled: a missing, malformed or wrong token
// is one 401 body; after the per-IP budget of failures even the right
// token gets 429.
func TestUnauthorizedIsUniformAndThrottled(t *testing.T) {
	f := newFixture(t, 3)
	var bodies []map[string]any
	for _, auth := range []string{"", "Basic abc", "Bearer", "Bearer wrong-token-0123456789"} {
		req, _ := http.NewRequest("GET", f.srv.URL+"/v1/circles", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := f.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&b)
		resp.Body.Close()
		if len(bodies) < 3 {
			if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
				t.Fatalf("%q: %d, want 401 with WWW-Authenticate", auth, resp.StatusCode)
			}
			bodies = append(bodies, b)
			continue
		}
		if resp.StatusCode != 429 {
			t.Fatalf("fourth failure: %d, want 429", resp.StatusCode)
		}
	}
	for _, b := range bodies[1:] {
		if b["message"] != bodies[0]["message"] || b["error"] != bodies[0]["error"] {
			t.Fatalf("401 bodies differ: %v vs %v", b, bodies[0])
		}
	}
	if status, _ := f.do("GET", "/v1/circles", tokA, ""); status != 429 {
		t.Fatalf("right token while throttled: %d, want 429", status)
	}
}

func TestNewNeedsTokens(t *testing.T) {
	if _, err := admin.New(admin.Options{Tokens: []string{" ", ""}, Throttle: actors.NewThrottle(1)}); err == nil {
		t.Fatal("New accepted no tokens")
	}
}

func TestBearerToken(t *testing.T) {
	for in, want := range map[string]string{
		"Bearer abc": "abc", "bearer  abc ": "abc", " BEARER abc": "abc", "Bearer": "", "Basic abc": "", "": "", "Bearer ": "",
	} {
		got, ok := admin.BearerToken(in)
		if got != want || ok != (want != "") {
			t.Errorf("BearerToken(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
