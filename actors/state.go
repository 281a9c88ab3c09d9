package actors

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/state"
)

// StateLimits maps the config's state limits onto the store's.
func StateLimits(cfg config.Config) state.Limits {
	return state.Limits{
		MaxKeyBytes:   cfg.StateMaxKeyBytes,
		MaxValueBytes: cfg.StateMaxValueBytes,
		MaxKeys:       cfg.StateMaxKeys,
		MaxTotalBytes: cfg.StateMaxBytes,
	}
}

// UpdateState runs fn in one transaction on the state of circle pk (any
// spelling), with the semantics of a script's run: fn sees its own writes,
// they commit together when fn returns nil (nothing is written when it
// returns an error), and UpdateState returns once they are durable. It
// serialises with the circle's runs; fn may run again after a conflict
// (optimistic stores), so it must not have other effects.
func (s *System) UpdateState(ctx context.Context, pk string, fn func(*state.Tx) error) error {
	c, err := s.circleKey(pk)
	if err != nil {
		return err
	}
	return state.Update(ctx, s.state, c, s.stateLim, fn)
}

// ViewState runs fn over the committed state of circle pk; what fn writes
// is dropped.
func (s *System) ViewState(ctx context.Context, pk string, fn func(*state.Tx) error) error {
	c, err := s.circleKey(pk)
	if err != nil {
		return err
	}
	return state.View(ctx, s.state, c, fn)
}

// circleKey is pk canonicalised, when it is served.
func (s *System) circleKey(pk string) (string, error) {
	if s.HasCircle(pk) {
		return pk, nil
	}
	c, err := config.CanonicalKey(pk)
	if err != nil || !s.HasCircle(c) {
		return "", ErrUnknownCircle
	}
	return c, nil
}

// runInitScripts runs each circle's init script (cfg.InitScripts) once, in
// the circle, with `state` in scope, before NewSystem returns, so before
// any connection reaches the circle. The first failure stops start-up with
// the file, the position and the script's error.
func (s *System) runInitScripts() error {
	for _, pk := range s.circles.set.Load().keys {
		path, ok := s.cfg.InitScripts[pk]
		if !ok {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("init script of circle %s: %w", config.Fingerprint(pk), err)
		}
		res := s.engine.Execute(s.base, s.fillTask(scripting.Task{CircleID: pk, Script: string(src)}))
		if e := res.Err; e != nil {
			return fmt.Errorf("init script %s:%d:%d (circle %s) failed: %s: %s", path, e.Line, e.Column, config.Fingerprint(pk), e.Kind, e.Message)
		}
		s.log.Info("init script ran", "circle", config.Fingerprint(pk), "file", path, "took", res.Took)
	}
	return nil
}

// stateMetrics are the state store's collectors: commits, conflicts and
// commit latency from the engine's hooks, keys and bytes per circle read
// from the store when scraped.
type stateMetrics struct {
	commits   *prometheus.CounterVec // circle
	conflicts *prometheus.CounterVec // circle
	latency   prometheus.Histogram
	keys      *prometheus.Desc
	bytes     *prometheus.Desc
	sys       *System
}

func newStateMetrics(reg prometheus.Registerer, s *System) (*stateMetrics, error) {
	commits, conflicts, latency := stateCollectors()
	m := &stateMetrics{
		commits: commits, conflicts: conflicts, latency: latency,
		keys:  prometheus.NewDesc("circles_state_keys", "Keys in a circle's state.", []string{"circle"}, nil),
		bytes: prometheus.NewDesc("circles_state_bytes", "Bytes of keys and values in a circle's state.", []string{"circle"}, nil),
		sys:   s,
	}
	cs := []prometheus.Collector{m.commits, m.conflicts, m.latency, m}
	if sc, ok := s.state.(state.SyncCounter); ok {
		// The on-disk store's group commits: commits_total / syncs_total is
		// how many runs share one sync.
		cs = append(cs, prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "circles_state_syncs_total", Help: "Group writes of the state store, one sync each, holding the commits of all circles queued meanwhile.",
		}, func() float64 { n, _ := sc.Syncs(); return float64(n) }))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// stateCollectors are the state commit metrics, per circle fingerprint.
func stateCollectors() (commits, conflicts *prometheus.CounterVec, latency prometheus.Histogram) {
	commits = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "circles_state_commits_total", Help: "Runs whose state writes were committed and made durable, per circle.",
	}, []string{"circle"})
	conflicts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "circles_state_conflicts_total", Help: "State commits that met another transaction and re-ran their script, per circle.",
	}, []string{"circle"})
	latency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "circles_state_commit_seconds",
		Help:    "Time from a run's commit to its writes being durable.",
		Buckets: prometheus.ExponentialBuckets(0.00005, 3, 11),
	})
	return commits, conflicts, latency
}

// RegisterStateMetrics registers the state commit metrics (the names and
// labels /metrics of serve has) on reg and returns the hooks that feed
// them, for a process without a System: a Redis worker, whose consumers
// report their commits through redisq.StateStore.Observe.
func RegisterStateMetrics(reg prometheus.Registerer) (scripting.StateHooks, error) {
	commits, conflicts, latency := stateCollectors()
	for _, c := range []prometheus.Collector{commits, conflicts, latency} {
		if err := reg.Register(c); err != nil {
			return scripting.StateHooks{}, err
		}
	}
	return scripting.StateHooks{
		Committed: func(circle string, _ int, d time.Duration) {
			commits.WithLabelValues(config.Fingerprint(circle)).Inc()
			latency.Observe(d.Seconds())
		},
		Conflict: func(circle string) { conflicts.WithLabelValues(config.Fingerprint(circle)).Inc() },
	}, nil
}

// hooks are the engine's observers; circle series are resolved per call
// from the circle's ref (a map read, no label hashing).
func (m *stateMetrics) hooks() scripting.StateHooks {
	return scripting.StateHooks{
		Committed: func(circle string, _ int, d time.Duration) {
			if ref := m.sys.circle(circle); ref != nil {
				ref.stateCommits.Inc()
			}
			m.latency.Observe(d.Seconds())
		},
		Conflict: func(circle string) {
			if ref := m.sys.circle(circle); ref != nil {
				ref.stateConflicts.Inc()
			}
		},
	}
}

// StateHooks are the observers behind the system's state metrics
// (commits, conflicts, commit latency per circle), for state commits made
// outside its engine: a Redis state store's consumers report theirs here
// (redisq.StateStore.Observe).
func (s *System) StateHooks() scripting.StateHooks { return s.stateMetrics.hooks() }

// Describe implements prometheus.Collector for the per-circle gauges.
func (m *stateMetrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.keys
	ch <- m.bytes
}

// Collect reads each circle's totals from the store (O(1) per circle).
func (m *stateMetrics) Collect(ch chan<- prometheus.Metric) {
	sr, ok := m.sys.state.(state.StatsReader)
	if !ok {
		return
	}
	set := m.sys.circles.set.Load()
	for _, pk := range set.keys {
		st, err := sr.CircleStats(pk)
		if err != nil {
			continue
		}
		fp := set.byPK[pk].fp
		ch <- prometheus.MustNewConstMetric(m.keys, prometheus.GaugeValue, float64(st.Keys), fp)
		ch <- prometheus.MustNewConstMetric(m.bytes, prometheus.GaugeValue, float64(st.Bytes), fp)
	}
}
