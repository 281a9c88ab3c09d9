package actors

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	dto "github.com/prometheus/client_model/go"

	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting"
)

// Where a circle comes from: the command line (-k, fixed for the process's
// life) or the admin API (added and removed at runtime).
const (
	SourceFlag = "flag"
	SourceAPI  = "api"
)

// CloseCircleRemoved is the WebSocket close code of sessions whose circle
// was removed at runtime.
const CloseCircleRemoved = 4004

// Errors of AddCircle and RemoveCircle.
var (
	// ErrFixedCircle: the circle was given on the command line, which owns it.
	ErrFixedCircle = errors.New("actors: circle is configured on the command line")
	// ErrCircleRemoved: the task's circle was removed before a worker took it.
	ErrCircleRemoved = fmt.Errorf("the circle was removed: %w", scripting.ErrUnavailable)
)

// circleSet is one immutable version of the served circles. Readers load
// it without locks (every upgrade and play looks a circle up); writers copy
// it under System.setMu and publish the copy.
type circleSet struct {
	byPK map[string]*circleRef
	keys []string // sorted
}

func (cs *circleSet) with(ref *circleRef) *circleSet {
	n := &circleSet{byPK: make(map[string]*circleRef, len(cs.byPK)+1), keys: make([]string, 0, len(cs.keys)+1)}
	for pk, r := range cs.byPK {
		n.byPK[pk] = r
	}
	n.byPK[ref.pk] = ref
	n.keys = append(append(n.keys, cs.keys...), ref.pk)
	slices.Sort(n.keys)
	return n
}

func (cs *circleSet) without(pk string) *circleSet {
	n := &circleSet{byPK: make(map[string]*circleRef, len(cs.byPK)), keys: make([]string, 0, len(cs.keys))}
	for k, r := range cs.byPK {
		if k != pk {
			n.byPK[k] = r
		}
	}
	for _, k := range cs.keys {
		if k != pk {
			n.keys = append(n.keys, k)
		}
	}
	return n
}

// circleRuntime is the part of circleRef that changes while it runs.
type circleRuntime struct {
	source   string
	addedAt  time.Time
	gen      uint64
	removed  chan struct{} // closed by RemoveCircle
	plays    atomic.Int64  // session plays in flight
	sessionN atomic.Int64  // open sessions
}

// circle returns the served circle pk (canonical), or nil.
func (s *System) circle(pk string) *circleRef {
	return s.circles.set.Load().byPK[pk]
}

func (s *System) newRef(pk, source string, at time.Time) *circleRef {
	fp := config.Fingerprint(pk)
	return &circleRef{pk: pk, fp: fp, pool: &workerPool{},
		sessions: s.metrics.sessions.WithLabelValues(fp), queue: s.metrics.queueDepth.WithLabelValues(fp),
		stateCommits: s.stateMetrics.commits.WithLabelValues(fp), stateConflicts: s.stateMetrics.conflicts.WithLabelValues(fp),
		circleRuntime: circleRuntime{source: source, addedAt: at, gen: s.circles.circleGen.Add(1), removed: make(chan struct{})}}
}

// AddCircle starts serving pk (any spelling) at runtime: its supervisor and
// workers are spawned, and it accepts sessions and tasks once AddCircle
// returns. added is false when pk was already served (nothing changes).
// at is when the circle was first added (zero: now), kept across restarts
// by whoever persists the set.
func (s *System) AddCircle(pk string, at time.Time) (added bool, err error) {
	c, err := config.CanonicalKey(pk)
	if err != nil {
		return false, err
	}
	if at.IsZero() {
		at = time.Now()
	}
	s.circles.setMu.Lock()
	defer s.circles.setMu.Unlock()
	if s.shutting.Load() {
		return false, ErrShuttingDown
	}
	if s.circle(c) != nil {
		return false, nil
	}
	ref := s.newRef(c, SourceAPI, at.UTC())
	res, err := s.as.Root.RequestFuture(s.root, &addCircle{ref: ref}, startTimeout).Result()
	if err != nil {
		return false, fmt.Errorf("failed to add circle %s: %w", ref.fp, err)
	}
	if a, ok := res.(*circleAdded); !ok || a.err != nil {
		return false, fmt.Errorf("failed to add circle %s: %v", ref.fp, res)
	}
	if _, err := s.as.Root.RequestFuture(ref.pid, &CircleReady{}, startTimeout).Result(); err != nil {
		s.as.Root.Send(s.root, &removeCircle{ref: ref})
		return false, fmt.Errorf("failed to start circle %s: %w", ref.fp, err)
	}
	s.circles.set.Store(s.circles.set.Load().with(ref))
	s.log.Info("circle added", "circle", ref.fp)
	return true, nil
}

// RemoveCircle stops serving pk (any spelling), which must have been added
// at runtime: new sessions and tasks are refused at once; its sessions
// answer their queued plays with -32006, let the running ones finish, and
// close with 4004 "circle removed"; then its supervisor and workers stop.
// It returns without waiting for that. ErrUnknownCircle when pk is not
// served, ErrFixedCircle when it came from the command line.
func (s *System) RemoveCircle(pk string) error {
	c, err := config.CanonicalKey(pk)
	if err != nil {
		return ErrUnknownCircle
	}
	s.circles.setMu.Lock()
	defer s.circles.setMu.Unlock()
	ref := s.circle(c)
	switch {
	case ref == nil:
		return ErrUnknownCircle
	case ref.source == SourceFlag:
		return ErrFixedCircle
	}
	s.circles.set.Store(s.circles.set.Load().without(c))
	close(ref.removed)
	s.as.Root.Send(s.root, &removeCircle{ref: ref})
	s.log.Info("circle removed", "circle", ref.fp)
	return nil
}

// forgetSeries deletes the per-circle metric series of a removed circle
// once its supervisor has stopped, so that /metrics does not list circles
// that are gone (a server that adds and removes many would grow without
// bound). A circle added again meanwhile keeps them: its ref shares them.
func (s *System) forgetSeries(ref *circleRef) {
	s.circles.setMu.Lock()
	defer s.circles.setMu.Unlock()
	if s.circle(ref.pk) != nil {
		return
	}
	s.metrics.sessions.DeleteLabelValues(ref.fp)
	s.metrics.queueDepth.DeleteLabelValues(ref.fp)
	s.metrics.restarts.DeleteLabelValues(ref.fp)
	s.stateMetrics.commits.DeleteLabelValues(ref.fp)
	s.stateMetrics.conflicts.DeleteLabelValues(ref.fp)
}

// CircleInfo is what the admin API reports of one circle.
type CircleInfo struct {
	PublicKey     string    `json:"public_key"`
	Source        string    `json:"source"` // SourceFlag or SourceAPI
	Sessions      int64     `json:"sessions"`
	PlaysInFlight int64     `json:"plays_in_flight"`
	QueueDepth    int64     `json:"queue_depth"` // tasks waiting for this process's workers
	StateKeys     *int64    `json:"state_keys"`  // nil when the state store could not say in time
	StateBytes    *int64    `json:"state_bytes"`
	AddedAt       time.Time `json:"added_at"`
}

// statsWait bounds the wait for a circle's state totals (the store may
// hold the circle's lock while a run commits).
const statsWait = 500 * time.Millisecond

// Circle reports one served circle (canonical pk); ok is false when it is
// not served. ctx bounds the state store's answer.
func (s *System) Circle(ctx context.Context, pk string) (info CircleInfo, ok bool) {
	ref := s.circle(pk)
	if ref == nil {
		return CircleInfo{}, false
	}
	return s.info(ctx, ref), true
}

// CircleInfos reports every served circle, sorted by key. The state
// totals are read a few circles at a time under one deadline, so a long
// list of busy circles costs statsWait, not statsWait per circle.
func (s *System) CircleInfos(ctx context.Context) []CircleInfo {
	set := s.circles.set.Load()
	out := make([]CircleInfo, len(set.keys))
	sctx, cancel := context.WithTimeout(ctx, statsWait)
	defer cancel()
	sem := make(chan struct{}, statsParallel)
	var wg sync.WaitGroup
	for i, pk := range set.keys {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i] = s.info(sctx, set.byPK[pk])
		}()
	}
	wg.Wait()
	return out
}

// statsParallel bounds the state stores' concurrent Stats calls of one
// listing.
const statsParallel = 8

func (s *System) info(ctx context.Context, ref *circleRef) CircleInfo {
	info := CircleInfo{
		PublicKey:     ref.pk,
		Source:        ref.source,
		Sessions:      ref.sessionN.Load(),
		PlaysInFlight: ref.plays.Load(),
		QueueDepth:    int64(gaugeValue(ref.queue)),
		AddedAt:       ref.addedAt,
	}
	sctx, cancel := context.WithTimeout(ctx, statsWait)
	defer cancel()
	if sess, err := s.state.Begin(sctx, ref.pk); err == nil {
		if st, err := sess.Stats(); err == nil {
			info.StateKeys, info.StateBytes = &st.Keys, &st.Bytes
		}
		sess.Abort()
	}
	return info
}

func gaugeValue(g interface{ Write(*dto.Metric) error }) float64 {
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		return 0
	}
	return m.GetGauge().GetValue()
}

// addCircle asks the guardian to spawn ref's supervisor; the reply is a
// *circleAdded.
type addCircle struct{ ref *circleRef }

type circleAdded struct{ err error }

func (a *circleAdded) String() string { return fmt.Sprint(a.err) }

// removeCircle tells the guardian to forget ref and wind its supervisor
// down.
type removeCircle struct{ ref *circleRef }

// circleRemoved tells a circle supervisor and its sessions that the circle
// is no longer served.
type circleRemoved struct{}

func (*circleRemoved) IgnoreDeadLetterLogging() {}

// spawnCircle spawns ref's supervisor under the guardian. The first
// generation of a key is named circle-<pk>; a key added again while its old
// supervisor still winds down gets circle-<pk>.<gen>.
func (g *guardian) spawnCircle(ctx actor.Context, ref *circleRef) error {
	name := "circle-" + ref.pk
	if ref.source == SourceAPI {
		name += "." + strconv.FormatUint(ref.gen, 10)
	}
	props := actor.PropsFromProducer(func() actor.Actor { return &circle{sys: g.sys, ref: ref} })
	pid, err := ctx.SpawnNamed(props, name)
	if err != nil {
		g.sys.log.Error("failed to spawn circle", "circle", ref.fp, "err", err)
		return err
	}
	ref.pid = pid
	g.circles[ref.pk] = pid
	return nil
}

// removedSessions is the circle's side of a removal: refuse new sessions,
// tell the sessions, and stop once the last one has gone.
func (c *circle) removedSessions(ctx actor.Context) {
	c.draining, c.removed = true, true
	for _, pid := range ctx.Children() {
		if !c.workers[pid.Id] {
			ctx.Send(pid, &circleRemoved{})
		}
	}
	c.stopIfEmpty(ctx)
}

func (c *circle) stopIfEmpty(ctx actor.Context) {
	if !c.removed {
		return
	}
	for _, pid := range ctx.Children() {
		if !c.workers[pid.Id] {
			return
		}
	}
	ctx.Stop(ctx.Self()) // workers finish the task they run, then stop
}

// setMu-free helper types for the System.
type circleSetHolder struct {
	set       atomic.Pointer[circleSet]
	setMu     sync.Mutex // serialises AddCircle and RemoveCircle
	circleGen atomic.Uint64
}

// CircleSource reports where a served circle (canonical pk) comes from:
// SourceFlag or SourceAPI; ok is false when it is not served.
func (s *System) CircleSource(pk string) (source string, ok bool) {
	if ref := s.circle(pk); ref != nil {
		return ref.source, true
	}
	return "", false
}

// AddedCircles returns the circles added at runtime, sorted.
func (s *System) AddedCircles() []string {
	set := s.circles.set.Load()
	var out []string
	for _, pk := range set.keys {
		if set.byPK[pk].source == SourceAPI {
			out = append(out, pk)
		}
	}
	return out
}
