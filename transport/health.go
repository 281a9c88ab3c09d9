package transport

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// readyTimeout bounds the actor system's readiness check (it may ask Redis).
const readyTimeout = 2 * time.Second

// statusBody is the JSON of /healthz and /readyz.
type statusBody struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// handleHealthz answers 200 while the process can answer at all.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, statusBody{Status: "ok"})
}

// handleReadyz answers 200 when the server takes new work: it is not
// shutting down, its listeners (when Serve is used) are open, and the actor
// system (and Redis, when configured) reports ready. Otherwise 503 with the
// reason.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	if reason := s.notReady(r.Context()); reason != "" {
		writeJSON(w, http.StatusServiceUnavailable, statusBody{Status: "unavailable", Reason: reason})
		return
	}
	writeJSON(w, http.StatusOK, statusBody{Status: "ready"})
}

func (s *Server) notReady(ctx context.Context) string {
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if closing {
		return "shutting down"
	}
	if s.serveCalled.Load() && s.serving.Load() == 0 {
		return "not listening"
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := s.sys.Ready(ctx); err != nil {
		return err.Error()
	}
	return ""
}

// metricsHandler serves the actor system's registry, which also holds the
// transport's connection metrics.
func (s *Server) metricsHandler() http.Handler {
	reg := s.sys.Registry()
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}
