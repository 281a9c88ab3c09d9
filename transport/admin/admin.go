// Package admin serves the operators' REST API under /v1, behind bearer
// tokens:
//
//	GET    /v1/circles       every served circle and its figures
//	GET    /v1/circles/{pk}  one circle (404 when not served)
//	PUT    /v1/circles/{pk}  serve a circle: 201 added, 200 already served, 400 bad key
//	DELETE /v1/circles/{pk}  stop serving an added circle: 200, 404 unknown, 409 a -k circle
//
// Tokens are compared in constant time; a missing or wrong one is the same
// 401, and failures are throttled per client IP (429 once the bucket is
// empty, whatever the token). Errors are JSON {"error", "message"}. Every
// change is logged as an audit line naming the action, the circle's and the
// token's fingerprints and the client IP; no token or key is ever logged.
package admin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/config"
)

// Circles is what the API manages: the served circle set and its figures.
// Add and Remove persist the change (data dir, Redis) before applying it.
type Circles interface {
	List(ctx context.Context) []actors.CircleInfo
	Get(ctx context.Context, pk string) (actors.CircleInfo, bool)
	// Add serves pk (canonical); added is false when it was served already.
	Add(ctx context.Context, pk string) (added bool, err error)
	// Remove stops serving pk (canonical): actors.ErrUnknownCircle when it is
	// not served, actors.ErrFixedCircle when it came from -k.
	Remove(ctx context.Context, pk string) error
}

// Options configure New.
type Options struct {
	// Tokens are the accepted bearer tokens (several, so they can be
	// rotated). Empty tokens are ignored; with none, New refuses.
	Tokens []string
	// Circles is the managed set.
	Circles Circles
	// Throttle limits failed authentications per client IP. Required.
	Throttle *actors.Throttle
	// Logger receives the audit lines. Default slog.Default().
	Logger *slog.Logger
}

// maxBodyBytes bounds a request body; the API's bodies are tiny.
const maxBodyBytes = 4 << 10

// requestTimeout bounds one request's work (a circle's start, the store).
const requestTimeout = 15 * time.Second

// Handler is the /v1 API. Mount it at "/v1/".
type Handler struct {
	tokens   []token
	circles  Circles
	throttle *actors.Throttle
	log      *slog.Logger
	mux      *http.ServeMux
}

// token is an accepted token, kept only as its SHA-256 so that comparing
// costs the same whatever its length, and its fingerprint for audit lines.
type token struct {
	sum [sha256.Size]byte
	fp  string
}

// Fingerprint is the 8-hex fingerprint of a token in audit lines: the first
// four bytes of its SHA-256.
func Fingerprint(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:4])
}

// New builds the handler.
func New(o Options) (*Handler, error) {
	h := &Handler{circles: o.Circles, throttle: o.Throttle, log: o.Logger}
	for _, t := range o.Tokens {
		if t = strings.TrimSpace(t); t != "" {
			h.tokens = append(h.tokens, token{sum: sha256.Sum256([]byte(t)), fp: Fingerprint(t)})
		}
	}
	switch {
	case len(h.tokens) == 0:
		return nil, errors.New("failed to create admin API: no tokens")
	case h.circles == nil || h.throttle == nil:
		return nil, errors.New("failed to create admin API: Circles and Throttle are required")
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET /v1/circles", h.list)
	h.mux.HandleFunc("GET /v1/circles/{pk}", h.get)
	h.mux.HandleFunc("PUT /v1/circles/{pk}", h.add)
	h.mux.HandleFunc("DELETE /v1/circles/{pk}", h.remove)
	h.mux.HandleFunc("/v1/circles", allow(http.MethodGet))
	h.mux.HandleFunc("/v1/circles/{pk}", allow(http.MethodGet, http.MethodPut, http.MethodDelete))
	h.mux.HandleFunc("/", NotFound)
	return h, nil
}

// ServeHTTP authenticates, then routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ip := clientIP(r)
	if !h.throttle.Allowed(ip) {
		h.log.Warn("admin request throttled", "remote", ip)
		w.Header().Set("Retry-After", "60")
		writeError(w, http.StatusTooManyRequests, "Too many requests", "Too many failed authentications from this address; retry later")
		return
	}
	fp, ok := h.authorize(r.Header.Get("Authorization"))
	if !ok {
		h.throttle.Failed(ip)
		h.log.Warn("admin authentication failed", "remote", ip, "method", r.Method, "path", truncate(r.URL.Path, 128))
		w.Header().Set("WWW-Authenticate", `Bearer realm="circles-actor"`)
		writeError(w, http.StatusUnauthorized, "Unauthorized", "A valid admin token is required: Authorization: Bearer <token>")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	h.mux.ServeHTTP(w, r.WithContext(context.WithValue(ctx, callerKey{}, caller{token: fp, ip: ip})))
}

// authorize checks an Authorization header against every token, in
// constant time per token and without stopping at a match, and returns the
// matching token's fingerprint.
func (h *Handler) authorize(header string) (string, bool) {
	tok, ok := BearerToken(header)
	if !ok {
		return "", false
	}
	sum := sha256.Sum256([]byte(tok))
	fp, found := "", 0
	for _, t := range h.tokens {
		if subtle.ConstantTimeCompare(sum[:], t.sum[:]) == 1 {
			fp, found = t.fp, 1
		}
	}
	return fp, found == 1
}

// BearerToken extracts the token of an "Authorization: Bearer <token>"
// header (scheme case-insensitive, surrounding blanks ignored).
func BearerToken(header string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

type callerKey struct{}

// caller is who made an authorized request, for audit lines.
type caller struct{ token, ip string }

func callerOf(ctx context.Context) caller {
	c, _ := ctx.Value(callerKey{}).(caller)
	return c
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	infos := h.circles.List(r.Context())
	if infos == nil {
		infos = []actors.CircleInfo{}
	}
	writeJSON(w, http.StatusOK, struct {
		Circles []actors.CircleInfo `json:"circles"`
	}{infos})
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	pk, ok := pathKey(w, r)
	if !ok {
		return
	}
	info, found := h.circles.Get(r.Context(), pk)
	if !found {
		writeCircleNotFound(w, r.PathValue("pk"))
		return
	}
	writeJSON(w, http.StatusOK, info)
}

func (h *Handler) add(w http.ResponseWriter, r *http.Request) {
	pk, ok := pathKey(w, r)
	if !ok {
		return
	}
	body, err := readBody(r)
	if err == nil {
		err = ParseAddBody(body, pk)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "Invalid request", err.Error())
		return
	}
	added, err := h.circles.Add(r.Context(), pk)
	h.audit(r, "circle.add", pk, err, map[bool]string{true: "added", false: "already served"}[added])
	if err != nil {
		if errors.Is(err, actors.ErrShuttingDown) {
			writeError(w, http.StatusServiceUnavailable, "Shutting down", "The server is shutting down")
			return
		}
		writeError(w, http.StatusInternalServerError, "Internal error", "The circle could not be added: "+err.Error())
		return
	}
	info, _ := h.circles.Get(r.Context(), pk)
	status := http.StatusOK
	if added {
		status = http.StatusCreated
	}
	writeJSON(w, status, info)
}

func (h *Handler) remove(w http.ResponseWriter, r *http.Request) {
	pk, ok := pathKey(w, r)
	if !ok {
		return
	}
	err := h.circles.Remove(r.Context(), pk)
	switch {
	case errors.Is(err, actors.ErrUnknownCircle):
		writeCircleNotFound(w, r.PathValue("pk"))
		return
	case errors.Is(err, actors.ErrFixedCircle):
		h.audit(r, "circle.remove", pk, err, "refused: command-line circle")
		writeError(w, http.StatusConflict, "Circle is configured",
			"Circle '"+pk+"' is given with -k on the command line, which owns it; restart without it to remove it")
		return
	}
	h.audit(r, "circle.remove", pk, err, "removed")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "Internal error", "The circle could not be removed: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, struct {
		PublicKey string `json:"public_key"`
		Removed   bool   `json:"removed"`
	}{pk, true})
}

// audit writes the audit line of a change.
func (h *Handler) audit(r *http.Request, action, pk string, err error, outcome string) {
	c := callerOf(r.Context())
	attrs := []any{"action", action, "circle", config.Fingerprint(pk), "token", c.token, "remote", c.ip}
	if err != nil {
		h.log.Warn("admin audit", append(attrs, "outcome", "failed", "err", err)...)
		return
	}
	h.log.Info("admin audit", append(attrs, "outcome", outcome)...)
}

// pathKey parses the {pk} path segment, answering 400 when it is not a key.
func pathKey(w http.ResponseWriter, r *http.Request) (string, bool) {
	pk, err := ParseKey(r.PathValue("pk"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Invalid public key", err.Error())
		return "", false
	}
	return pk, true
}

// maxKeyChars bounds a path key before it is parsed (an uncompressed key
// with 0x is 132).
const maxKeyChars = 140

// ParseKey canonicalises a circle key from a request path: secp256k1 in
// hex, compressed or uncompressed, any case, optional 0x, on the curve.
// The error says what is wrong, without echoing more than a short prefix.
func ParseKey(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("the public key is empty")
	}
	if len(raw) > maxKeyChars {
		return "", errors.New("the public key is too long: want 66 (compressed) or 130 (uncompressed) hex digits")
	}
	pk, err := config.CanonicalKey(raw)
	if err != nil {
		return "", err
	}
	return pk, nil
}

// ParseAddBody checks PUT's optional body: empty, or a JSON object whose
// only member is an optional public_key naming the same circle as the path.
func ParseAddBody(body []byte, pathKey string) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	var in struct {
		PublicKey *string `json:"public_key"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return errors.New("the body must be empty or a JSON object with an optional public_key: " + truncate(err.Error(), 200))
	}
	if dec.More() {
		return errors.New("the body must hold one JSON object")
	}
	if in.PublicKey != nil {
		pk, err := ParseKey(*in.PublicKey)
		if err != nil {
			return errors.New("public_key: " + err.Error())
		}
		if pk != pathKey {
			return errors.New("public_key names another circle than the path")
		}
	}
	return nil
}

func readBody(r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, maxBodyBytes+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errors.New("the body is larger than 4 KiB")
		}
		return nil, errors.New("failed to read the body")
	}
	if n > maxBodyBytes {
		return nil, errors.New("the body is larger than 4 KiB")
	}
	return buf.Bytes(), nil
}

// allow answers 405 with Allow for a known path and another method.
func allow(methods ...string) http.HandlerFunc {
	list := strings.Join(methods, ", ")
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", list)
		writeError(w, http.StatusMethodNotAllowed, "Method not allowed", r.Method+" is not allowed here; use "+list)
	}
}

// NotFound answers every /v1 path the API does not have, and every /v1
// path at all when no admin token is configured.
func NotFound(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusNotFound, "Not found", "No such API endpoint")
}

func writeCircleNotFound(w http.ResponseWriter, raw string) {
	writeError(w, http.StatusNotFound, "Circle not found", "Circle '"+truncate(raw, maxKeyChars)+"' is not served")
}

// errorBody is every error's JSON.
type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, status int, err, msg string) {
	writeJSON(w, status, errorBody{Error: err, Message: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// clientIP is the peer's address without port (X-Forwarded-For is not
// trusted, as for WebSocket connections).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
