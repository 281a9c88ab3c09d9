package actors

import (
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// Restart budget of a circle's workers: more than workerRestarts panics
// within workerRestartWindow stop the worker for good (the circle then
// answers plays with -32006 and Ready reports it), since a worker that keeps
// panicking is a bug, not bad luck. Each panic consumes the task that caused
// it, so a restart never replays the same task.
const (
	workerRestarts      = 20
	workerRestartWindow = time.Minute
)

// circle supervises one circle's workers and sessions. It owns no state a
// restart could lose (the pool lives in the System's circleRef), and its
// handlers do nothing that can panic: a circle restart would stop all its
// sessions.
type circle struct {
	sys      *System
	ref      *circleRef
	workers  map[string]bool // worker PID ids
	draining bool
	removed  bool // the circle was removed: stop once its last session has gone
}

func (c *circle) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		c.spawnWorkers(ctx)
	case *CircleReady:
		ctx.Respond(&CircleWorkers{Workers: c.ref.pool.all()})
	case *SpawnSession:
		ctx.Respond(c.spawnSession(ctx, msg))
	case *circleRemoved:
		c.removedSessions(ctx)
	case *actor.Terminated:
		c.stopIfEmpty(ctx)
	case *actor.Stopped:
		if c.removed {
			c.sys.forgetSeries(c.ref)
		}
	case *Drain:
		c.draining = true
		for _, pid := range ctx.Children() {
			if !c.workers[pid.Id] {
				ctx.Send(pid, msg)
			}
		}
	}
}

func (c *circle) spawnWorkers(ctx actor.Context) {
	n := c.sys.cfg.WorkersPerCircle
	pids := make([]*actor.PID, 0, n)
	c.workers = make(map[string]bool, n)
	for i := range n {
		props := actor.PropsFromProducer(func() actor.Actor {
			return &worker{exec: c.sys.exec, base: c.sys.base, log: c.sys.log, metrics: c.sys.metrics}
		}, actor.WithDispatcher(c.sys.pool))
		pid, err := ctx.SpawnNamed(props, "worker-"+strconv.Itoa(i))
		if err != nil {
			c.sys.log.Error("failed to spawn worker", "circle", c.ref.fp, "err", err)
			continue
		}
		c.workers[pid.Id] = true
		pids = append(pids, pid)
	}
	c.ref.pool.set(pids)
}

func (c *circle) spawnSession(ctx actor.Context, msg *SpawnSession) *SessionSpawned {
	if c.removed {
		return &SessionSpawned{Err: ErrUnknownCircle}
	}
	if c.draining {
		return &SessionSpawned{Err: ErrShuttingDown}
	}
	id := c.sys.sessionSeq.Add(1)
	s := newSessionActor(c.sys, c.ref, id, msg)
	c.sys.live.Add(1) // released by the session's cleanup
	props := actor.PropsFromProducer(func() actor.Actor { return s }, actor.WithDispatcher(sessionDispatcher))
	pid, err := ctx.SpawnNamed(props, "session-"+strconv.FormatUint(id, 10))
	if err != nil {
		c.sys.live.Done()
		return &SessionSpawned{Err: fmt.Errorf("failed to spawn session: %w", ErrTooManySessions)}
	}
	return &SessionSpawned{PID: pid}
}

// HandleFailure is the circle's supervision strategy (protoactor calls it
// because circle implements actor.SupervisorStrategy): workers are restarted
// within their budget, sessions are stopped (a restart cannot bring a socket
// back; the session closed it with 1011 before failing).
func (c *circle) HandleFailure(_ *actor.ActorSystem, sup actor.Supervisor, child *actor.PID, rs *actor.RestartStatistics, reason, _ any) {
	if !c.workers[child.Id] {
		c.sys.log.Warn("session failed, stopping it", "circle", c.ref.fp, "session", child.Id, "reason", fmt.Sprint(reason))
		sup.StopChildren(child)
		return
	}
	rs.Fail()
	if rs.NumberOfFailures(workerRestartWindow) > workerRestarts {
		c.sys.log.Error("worker exceeded its restart budget, stopping it", "circle", c.ref.fp, "worker", child.Id,
			slog.Int("restarts", workerRestarts), slog.Duration("window", workerRestartWindow))
		c.retire(sup, child)
		return
	}
	c.sys.metrics.restarts.WithLabelValues(c.ref.fp).Inc()
	sup.RestartChildren(child)
}

// retire stops a worker for good: it leaves the pool first, so no new play
// is sent to it, and the sessions fail the plays it still holds at once
// (its mailbox is dropped with it) instead of waiting for their watchdog.
func (c *circle) retire(sup actor.Supervisor, child *actor.PID) {
	var kept []*actor.PID
	for _, pid := range c.ref.pool.all() {
		if pid.Id != child.Id {
			kept = append(kept, pid)
		}
	}
	c.ref.pool.set(kept)
	sup.StopChildren(child)
	lost := &workerLost{id: child.Id}
	for _, pid := range sup.Children() {
		if !c.workers[pid.Id] {
			c.sys.as.Root.Send(pid, lost)
		}
	}
}

// sessionDispatcher runs a session's mailbox on the goroutine that posts to
// it when the session is idle: the connection's read pump for inbound
// frames, the worker for results. That saves two goroutine handoffs per
// play (a quarter of the server's CPU per play in the benchmarks), and a
// read pump busy with its session reads no further frames, which is
// backpressure instead of a growing mailbox. It is safe because a session
// never waits for anything: it only decodes, checks signatures, sends
// messages and queues frames on its sink. Workers, which run scripts, stay
// on the pool.
var sessionDispatcher = actor.NewSynchronizedDispatcher(mailboxThroughput)
