package transport

import (
	"errors"
	"strconv"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// connMetrics are the transport's collectors, registered on the actor
// system's registry so /metrics serves one set. Label values come from
// small fixed sets (reasons, close codes), never from clients.
type connMetrics struct {
	open     prometheus.Gauge
	accepted prometheus.Counter
	refused  *prometheus.CounterVec // reason: not_found, too_many, shutting_down, upgrade
	closes   *prometheus.CounterVec // code the server closed with, or "idle"
}

func newConnMetrics(reg prometheus.Registerer) (*connMetrics, error) {
	m := &connMetrics{
		open: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "circles_ws_connections", Help: "Open WebSocket connections.",
		}),
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "circles_ws_connections_total", Help: "WebSocket connections accepted with a session.",
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "circles_ws_refused_total", Help: "WebSocket requests refused before a session, by reason.",
		}, []string{"reason"}),
		closes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "circles_ws_server_closes_total", Help: "Connections closed by the server, by close code (or idle).",
		}, []string{"code"}),
	}
	var err error
	m.open = register(reg, m.open, &err)
	m.accepted = register(reg, m.accepted, &err)
	m.refused = register(reg, m.refused, &err)
	m.closes = register(reg, m.closes, &err)
	return m, err
}

// register registers c, or returns the collector already registered under
// its name (a second Server on the same System shares the first's).
func register[C prometheus.Collector](reg prometheus.Registerer, c C, errp *error) C {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	if err != nil && *errp == nil {
		*errp = err
	}
	return c
}

func (m *connMetrics) opened() {
	m.open.Inc()
	m.accepted.Inc()
}

func (m *connMetrics) ended()                 { m.open.Dec() }
func (m *connMetrics) rejected(reason string) { m.refused.WithLabelValues(reason).Inc() }
func (m *connMetrics) closed(code string)     { m.closes.WithLabelValues(code).Inc() }

func codeLabel(code websocket.StatusCode) string { return strconv.Itoa(int(code)) }
