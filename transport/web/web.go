// Package web serves the browser side of circles-actor from files embedded
// in the binary: the client module (GET /circles-client.js, an ES module
// any origin may import, and its TypeScript declarations at
// GET /circles-client.d.ts) and the playground page (GET / with its
// script, style and circle list under /playground/), which can be turned
// off while the module stays.
//
// The module is built from web/src by esbuild (`make web`) and committed,
// so building the server needs no Node. The page runs under a strict
// Content-Security-Policy: no inline script, and connections only to the
// server's own origin.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// Options says what to serve.
type Options struct {
	// Playground serves the page (GET /) and its assets; the client module
	// is served either way.
	Playground bool
	// Circles lists the circles served, for the page's picker; it is
	// called per request, so a changing circle set shows at once.
	Circles func() []string
	// EnableAuth tells the page that play needs an authenticated session.
	EnableAuth bool
}

// asset is one embedded file, ready to serve.
type asset struct {
	body         []byte
	etag         string
	contentType  string
	cacheControl string
	// page marks the HTML page, which gets the Content-Security-Policy.
	page bool
	// crossOrigin lets every origin load it (the client module alone).
	crossOrigin bool
}

// Handler serves the embedded files. Build it with New.
type Handler struct {
	opts   Options
	assets map[string]*asset // by URL path
}

// Cache policies: the module may be cached briefly by other origins' pages;
// the playground's files are revalidated on every load (cheap with the
// ETag), so a new binary's page never runs with an old module.
const (
	cacheModule = "public, max-age=300"
	cachePage   = "no-cache"
)

// files maps URL paths to embedded files.
var files = []struct {
	path, file, contentType, cache string
	page, crossOrigin, playground  bool
}{
	{path: "/circles-client.js", file: "static/circles-client.js", contentType: "text/javascript; charset=utf-8", cache: cacheModule, crossOrigin: true},
	{path: "/circles-client.d.ts", file: "static/circles-client.d.ts", contentType: "text/plain; charset=utf-8", cache: cacheModule},
	{path: "/", file: "static/index.html", contentType: "text/html; charset=utf-8", cache: cachePage, page: true, playground: true},
	{path: "/playground/playground.js", file: "static/playground.js", contentType: "text/javascript; charset=utf-8", cache: cachePage, playground: true},
	{path: "/playground/playground.css", file: "static/playground.css", contentType: "text/css; charset=utf-8", cache: cachePage, playground: true},
	{path: "/playground/icon.svg", file: "static/icon.svg", contentType: "image/svg+xml", cache: cachePage, playground: true},
}

// New loads the embedded files.
func New(opts Options) (*Handler, error) {
	if opts.Circles == nil {
		opts.Circles = func() []string { return nil }
	}
	h := &Handler{opts: opts, assets: make(map[string]*asset, len(files))}
	for _, f := range files {
		if f.playground && !opts.Playground {
			continue
		}
		body, err := static.ReadFile(f.file)
		if err != nil {
			return nil, fmt.Errorf("failed to load embedded %s: %w", f.file, err)
		}
		h.assets[f.path] = &asset{
			body: body, etag: etagOf(body), contentType: f.contentType, cacheControl: f.cache,
			page: f.page, crossOrigin: f.crossOrigin,
		}
	}
	return h, nil
}

// etagOf is a strong validator: a short hash of the bytes.
func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// Register mounts the handler's routes on mux. "GET /{$}" is the root
// alone, so every other path still reaches the mux's other patterns.
func (h *Handler) Register(mux *http.ServeMux) {
	for p := range h.assets {
		pattern := "GET " + p
		if p == "/" {
			pattern = "GET /{$}"
		}
		mux.Handle(pattern, h)
	}
	if h.opts.Playground {
		mux.HandleFunc("GET /playground/circles.json", h.serveCircles)
	}
}

// ServeHTTP serves one embedded file, answering 304 to a matching
// If-None-Match (http.ServeContent does, given the ETag).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a := h.assets[r.URL.Path]
	if a == nil {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("Cache-Control", a.cacheControl)
	hd.Set("ETag", a.etag)
	hd.Set("X-Content-Type-Options", "nosniff")
	if a.crossOrigin {
		hd.Set("Access-Control-Allow-Origin", "*")
		hd.Set("Cross-Origin-Resource-Policy", "cross-origin")
	} else {
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	}
	if a.page {
		csp, ok := pageCSP(r)
		if !ok {
			http.Error(w, "bad Host header", http.StatusBadRequest)
			return
		}
		hd.Set("Content-Security-Policy", csp)
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

// pageCSP is the page's policy: its own scripts, styles and images only,
// and connections only to this server's origin, over http(s) for the
// circle list and ws(s) for the circles. The origin comes from the
// request's Host and whether it arrived over TLS; a Host that is not a
// plain host[:port] would let a client write into the policy, so it is
// refused (ok false).
func pageCSP(r *http.Request) (csp string, ok bool) {
	host := r.Host
	if !validHost(host) {
		return "", false
	}
	httpScheme, wsScheme := "http", "ws"
	if r.TLS != nil {
		httpScheme, wsScheme = "https", "wss"
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
		"connect-src " + httpScheme + "://" + host + " " + wsScheme + "://" + host + "; " +
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'", true
}

// validHost accepts a DNS name, IPv4 or bracketed IPv6 address, with an
// optional port: letters, digits and . - : [ ] only.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune(".-:[]", c):
		default:
			return false
		}
	}
	return true
}

// circlesBody is GET /playground/circles.json: what the page needs to
// offer a circle and to know whether play needs a key.
type circlesBody struct {
	Circles    []string `json:"circles"`
	EnableAuth bool     `json:"enable_auth"`
}

func (h *Handler) serveCircles(w http.ResponseWriter, r *http.Request) {
	cs := h.opts.Circles()
	if cs == nil {
		cs = []string{}
	}
	b, err := json.Marshal(circlesBody{Circles: cs, EnableAuth: h.opts.EnableAuth})
	if err != nil {
		http.Error(w, "failed to list circles", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	_, _ = w.Write(b)
}
