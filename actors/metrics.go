package actors

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the system's Prometheus collectors. Circle labels are 8-hex
// fingerprints (keys are never written to logs or metrics); method labels are
// limited to the API's methods plus "other", so hostile clients cannot grow
// the series count.
type metrics struct {
	sessions     *prometheus.GaugeVec   // circle
	requests     *prometheus.CounterVec // method, code
	authFailures *prometheus.CounterVec // reason
	taskSeconds  *prometheus.HistogramVec
	inFlight     prometheus.Gauge
	restarts     *prometheus.CounterVec // circle
	queueDepth   *prometheus.GaugeVec   // circle

	// Resolved series, so the hot path skips label hashing.
	reqSeries  sync.Map // reqKey -> prometheus.Counter
	taskByCode sync.Map // outcome -> prometheus.Observer
}

type reqKey struct {
	method string
	code   int
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		sessions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "circles_sessions", Help: "Open WebSocket sessions per circle.",
		}, []string{"circle"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "circles_rpc_requests_total", Help: "JSON-RPC requests by method and result code (0: success).",
		}, []string{"method", "code"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "circles_auth_failures_total", Help: "Failed authentications by reason.",
		}, []string{"reason"}),
		taskSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "circles_task_duration_seconds",
			Help:    "Wall time of script tasks from dispatch to result, by outcome.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}, []string{"outcome"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "circles_plays_in_flight", Help: "play requests dispatched and not yet answered.",
		}),
		restarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "circles_worker_restarts_total", Help: "Worker actors restarted after a panic, per circle.",
		}, []string{"circle"}),
		queueDepth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "circles_queue_depth",
			Help: "Tasks sent to a circle's worker actors and not yet started, per circle.",
		}, []string{"circle"}),
	}
	for _, c := range []prometheus.Collector{m.sessions, m.requests, m.authFailures, m.taskSeconds, m.inFlight, m.restarts, m.queueDepth} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	// Export the success series from the start, so dashboards and scrapers
	// see every method before its first call.
	for method := range methodTable {
		m.requests.WithLabelValues(method, "0")
	}
	return m, nil
}

func (m *metrics) request(method string, code int) {
	if _, ok := methodTable[method]; !ok {
		method = "other"
	}
	k := reqKey{method, code}
	c, ok := m.reqSeries.Load(k)
	if !ok {
		c, _ = m.reqSeries.LoadOrStore(k, m.requests.WithLabelValues(method, strconv.Itoa(code)))
	}
	c.(prometheus.Counter).Inc()
}

// task observes the duration of a play by outcome label.
func (m *metrics) task(outcome string, seconds float64) {
	o, ok := m.taskByCode.Load(outcome)
	if !ok {
		o, _ = m.taskByCode.LoadOrStore(outcome, m.taskSeconds.WithLabelValues(outcome))
	}
	o.(prometheus.Observer).Observe(seconds)
}
