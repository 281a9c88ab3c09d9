package web

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
)

// moduleBudget is the limit on the minified client module.
const moduleBudget = 60 << 10

func newMux(t *testing.T, opts Options) *http.ServeMux {
	t.Helper()
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	// What transport's catch-all does for every other GET.
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "catch-all", http.StatusNotFound) })
	return mux
}

func do(mux http.Handler, method, target string, edit func(*http.Request)) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	if edit != nil {
		edit(r)
	}
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	return w
}

func TestModuleHeadersAndETag(t *testing.T) {
	mux := newMux(t, Options{Playground: true})
	for _, tc := range []struct {
		path, ctype string
		cors        bool
	}{
		{"/circles-client.js", "text/javascript; charset=utf-8", true},
		{"/circles-client.d.ts", "text/plain; charset=utf-8", false},
		{"/", "text/html; charset=utf-8", false},
		{"/playground/playground.js", "text/javascript; charset=utf-8", false},
		{"/playground/playground.css", "text/css; charset=utf-8", false},
	} {
		w := do(mux, "GET", tc.path, nil)
		h := w.Result().Header
		if w.Code != 200 || h.Get("Content-Type") != tc.ctype || w.Body.Len() == 0 {
			t.Fatalf("GET %s = %d %q, %d bytes", tc.path, w.Code, h.Get("Content-Type"), w.Body.Len())
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Cache-Control") == "" {
			t.Errorf("GET %s: nosniff %q, Cache-Control %q", tc.path, h.Get("X-Content-Type-Options"), h.Get("Cache-Control"))
		}
		if got := h.Get("Access-Control-Allow-Origin"); (got == "*") != tc.cors || (!tc.cors && got != "") {
			t.Errorf("GET %s: Access-Control-Allow-Origin %q", tc.path, got)
		}
		etag := h.Get("ETag")
		if !regexp.MustCompile(`^"[0-9a-f]{24}"$`).MatchString(etag) {
			t.Fatalf("GET %s: ETag %q", tc.path, etag)
		}
		w = do(mux, "GET", tc.path, func(r *http.Request) { r.Header.Set("If-None-Match", etag) })
		if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
			t.Errorf("GET %s If-None-Match %s = %d with %d bytes, want 304", tc.path, etag, w.Code, w.Body.Len())
		}
		w = do(mux, "GET", tc.path, func(r *http.Request) { r.Header.Set("If-None-Match", `"other"`) })
		if w.Code != 200 {
			t.Errorf("GET %s with a stale ETag = %d", tc.path, w.Code)
		}
		if w := do(mux, "HEAD", tc.path, nil); w.Code != 200 || w.Body.Len() != 0 {
			t.Errorf("HEAD %s = %d, %d bytes", tc.path, w.Code, w.Body.Len())
		}
	}
	if w := do(mux, "GET", "/playground/nothing.js", nil); w.Code != 404 || w.Body.String() != "catch-all\n" {
		t.Errorf("unknown asset = %d %q, want the catch-all", w.Code, w.Body.String())
	}
}

func TestPageCSP(t *testing.T) {
	mux := newMux(t, Options{Playground: true})
	w := do(mux, "GET", "/", func(r *http.Request) { r.Host = "127.0.0.1:8080" })
	csp := w.Result().Header.Get("Content-Security-Policy")
	want := "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src http://127.0.0.1:8080 ws://127.0.0.1:8080; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	if csp != want {
		t.Fatalf("CSP\n got %s\nwant %s", csp, want)
	}
	w = do(mux, "GET", "/", func(r *http.Request) { r.Host = "circles.example:443"; r.TLS = &tls.ConnectionState{} })
	if csp := w.Result().Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src https://circles.example:443 wss://circles.example:443;") {
		t.Fatalf("TLS CSP %s", csp)
	}
	if w.Result().Header.Get("X-Frame-Options") != "DENY" || w.Result().Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("page headers %v", w.Result().Header)
	}
	w = do(mux, "GET", "/", func(r *http.Request) { r.Host = "evil; script-src *" })
	if w.Code != http.StatusBadRequest || w.Result().Header.Get("Content-Security-Policy") != "" {
		t.Fatalf("a Host that writes into the policy = %d %v", w.Code, w.Result().Header)
	}
	// Only the page carries a policy.
	if csp := do(mux, "GET", "/circles-client.js", nil).Result().Header.Get("Content-Security-Policy"); csp != "" {
		t.Errorf("module CSP %q", csp)
	}
}

// FuzzPageCSP: whatever the Host, the policy is either refused or has
// exactly its eight directives with the host in connect-src alone.
func FuzzPageCSP(f *testing.F) {
	for _, s := range []string{"127.0.0.1:8080", "[::1]:9", "a.b", "x; y", "x y", "", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = host
		csp, ok := pageCSP(r)
		if !ok {
			return
		}
		if strings.Count(csp, ";") != 7 || strings.ContainsAny(host, "; \t'\"*,") {
			t.Fatalf("host %q gave %q", host, csp)
		}
		if !strings.Contains(csp, "connect-src http://"+host+" ws://"+host+";") {
			t.Fatalf("host %q gave %q", host, csp)
		}
	})
}

func TestNoPlaygroundKeepsTheModule(t *testing.T) {
	mux := newMux(t, Options{Playground: false, Circles: func() []string { return []string{"02ab"} }})
	for _, p := range []string{"/", "/playground/playground.js", "/playground/circles.json"} {
		if w := do(mux, "GET", p, nil); w.Code != 404 || w.Body.String() != "catch-all\n" {
			t.Errorf("GET %s without the playground = %d %q", p, w.Code, w.Body.String())
		}
	}
	if w := do(mux, "GET", "/circles-client.js", nil); w.Code != 200 {
		t.Errorf("module without the playground = %d", w.Code)
	}
}

func TestCirclesList(t *testing.T) {
	circles := []string{"02aa"}
	mux := newMux(t, Options{Playground: true, EnableAuth: true, Circles: func() []string { return circles }})
	get := func() circlesBody {
		w := do(mux, "GET", "/playground/circles.json", nil)
		if w.Code != 200 || w.Result().Header.Get("Content-Type") != "application/json" || w.Result().Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("circles.json = %d %v", w.Code, w.Result().Header)
		}
		var b circlesBody
		if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	if b := get(); !b.EnableAuth || len(b.Circles) != 1 || b.Circles[0] != "02aa" {
		t.Fatalf("%+v", b)
	}
	circles = append(circles, "03bb") // asked per request
	if b := get(); len(b.Circles) != 2 {
		t.Fatalf("%+v", b)
	}
	circles = nil
	w := do(mux, "GET", "/playground/circles.json", nil)
	if got := w.Body.String(); got != `{"circles":[],"enable_auth":true}` {
		t.Fatalf("no circles: %s", got)
	}
}

func TestModuleBudget(t *testing.T) {
	b, err := static.ReadFile("static/circles-client.js")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > moduleBudget {
		t.Fatalf("circles-client.js is %d bytes, over the %d budget", len(b), moduleBudget)
	}
	t.Logf("circles-client.js: %d bytes minified", len(b))
}

// TestPageHasNoInlineCode keeps the page working under its own policy: no
// inline <script>, no style attributes or <style>, no on* handlers, and
// nothing loaded from another origin.
func TestPageHasNoInlineCode(t *testing.T) {
	f, err := os.Open("static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	page := string(b)
	for _, re := range []string{`<script(?:\s+type="module")?\s*>`, `<style`, `\sstyle=`, `\son[a-z]+=`, `(?:src|href)="(?:https?:)?//`} {
		if loc := regexp.MustCompile(re).FindStringIndex(page); loc != nil {
			t.Errorf("index.html has %q at %d: %s", re, loc[0], page[loc[0]:min(len(page), loc[1]+40)])
		}
	}
	for _, id := range []string{"script", "run", "output", "error"} {
		if !strings.Contains(page, `data-testid="`+id+`"`) {
			t.Errorf("index.html lacks data-testid=%q", id)
		}
	}
}
