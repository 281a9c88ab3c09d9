package webhook

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/circles-actor/circles-actor/config"
)

// errorBody is the body of a refusal before any script ran (4xx).
type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message,omitempty"`
}

// statusBody is the body once a task was built: {"status":"ok","output":...}
// or {"status":"error","error":...}.
type statusBody struct {
	Status string  `json:"status"`
	Output *string `json:"output,omitempty"`
	Error  string  `json:"error,omitempty"`
}

// invalidSignature is the one 401 body: it never says which check failed
// (missing, mismatch, stale, replay), so a prober learns nothing.
var invalidSignature = errorBody{Error: "invalid signature"}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client is gone if this fails
}

// writeNotFound answers an unknown or switched-off route exactly like a
// path that does not exist.
func writeNotFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, errorBody{Error: "not found"})
}

// maxEchoedKey bounds how much of a bad circle key is echoed back.
const maxEchoedKey = 130

// writeCircleNotFound answers an unknown or malformed circle with the same
// body as GET /{circle_pk} (DESIGN §4).
func writeCircleNotFound(w http.ResponseWriter, pk string) {
	if len(pk) > maxEchoedKey {
		pk = pk[:maxEchoedKey] + "..."
	}
	writeJSON(w, http.StatusNotFound, errorBody{
		Error:   "Circle not found",
		Message: "Circle '" + pk + "' is not available on this server",
	})
}

// readBody reads the whole body but never more than max+1 bytes: a
// declared Content-Length over max is refused before reading, and
// http.MaxBytesReader stops a body that lies about (or omits) its length
// and makes net/http close the connection instead of draining the rest.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	if r.ContentLength > max {
		return nil, &http.MaxBytesError{Limit: max}
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, max))
}

// refuseBody answers a body that could not be read: 413 when too large,
// 400 otherwise (a truncated upload).
func (h *handler) refuseBody(w http.ResponseWriter, req *request, err error) {
	status, msg := http.StatusBadRequest, "failed to read body"
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		status, msg = http.StatusRequestEntityTooLarge, "body too large"
	}
	h.log.Info("webhook refused", "provider", req.provider, "circle", config.Fingerprint(req.circle),
		"remote", req.remote, "status", status, "reason", err)
	writeJSON(w, status, errorBody{Error: msg})
}

// refuseSignature answers a failed signature check: 400 for an unparseable
// header, otherwise the uniform 401. The log line names the circle by its
// fingerprint and the reason, never the header, body or secret.
func (h *handler) refuseSignature(w http.ResponseWriter, req *request, err error) {
	if errors.Is(err, ErrMalformedHeader) {
		h.log.Info("webhook refused", "provider", req.provider, "circle", config.Fingerprint(req.circle),
			"remote", req.remote, "status", http.StatusBadRequest, "reason", err)
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "malformed signature header"})
		return
	}
	h.log.Warn("webhook signature rejected", "provider", req.provider, "circle", config.Fingerprint(req.circle),
		"remote", req.remote, "status", http.StatusUnauthorized, "reason", err)
	writeJSON(w, http.StatusUnauthorized, invalidSignature)
}
