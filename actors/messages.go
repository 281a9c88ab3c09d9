package actors

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/circles-actor/circles-actor/scripting"
)

// Messages exchanged by the actors. They are exported so that tests can
// drive actors directly; embedders normally use System and Session instead.
// Replies that may race with a stopping actor implement
// actor.IgnoreDeadLetterLogging: losing them is expected and not worth a log
// line.

// SpawnSession asks the guardian for a new session actor under the circle
// CirclePK. The reply is a *SessionSpawned.
type SpawnSession struct {
	CirclePK   string
	RemoteAddr string
	Sink       FrameSink
	Handle     *Session
}

// SessionSpawned answers SpawnSession: the session's PID, or Err.
type SessionSpawned struct {
	PID *actor.PID
	Err error
}

// ListCircles asks the guardian which circles it runs; the reply is a
// *CircleList. It is also the guardian's readiness probe.
type ListCircles struct{}

// CircleList answers ListCircles.
type CircleList struct {
	Circles map[string]*actor.PID // canonical pk -> circle supervisor
}

// CircleReady asks a circle supervisor whether its workers are spawned; the
// reply is a *CircleWorkers.
type CircleReady struct{}

// CircleWorkers answers CircleReady with the PIDs of the circle's workers.
type CircleWorkers struct {
	Workers []*actor.PID
}

// InboundFrame is one text frame read from a session's connection.
type InboundFrame struct {
	Data []byte
}

// ConnectionClosed tells a session its connection has ended; it stops.
type ConnectionClosed struct{}

// Drain tells the guardian, a circle or a session to shut down gracefully:
// sessions take no new plays, finish the in-flight ones, then close their
// connection with 1001 and stop.
type Drain struct{}

// RunTask asks a worker to run Task. A worker that dequeues it after
// StartBy answers an error wrapping scripting.ErrUnavailable without running
// it (the caller has stopped waiting); so does one that dequeues it after
// Ctx has ended (the caller is gone). Ctx, when set, is the run's parent
// context (a session's, cancelled when its connection ends); nil means the
// system's.
// Messages never leave the process, so carrying a context is safe. The
// reply is a *TaskDone.
type RunTask struct {
	Task    scripting.Task
	StartBy time.Time
	Ctx     context.Context
	Key     int64 // echoed in TaskDone, so a session matches the reply to its play

	// reply, when set, receives the TaskDone instead of the sender: callers
	// that are not actors (System.Dispatch, local Redis consumers) wait on
	// it without a future, its registry entry and a goroutine per task.
	// Buffered; the worker sends at most once.
	reply chan *TaskDone

	depth prometheus.Gauge // the circle's queue depth, while counted (see enqueue)
	left  atomic.Bool      // counted out of depth
}

// TaskDone answers RunTask: the result of a task that ran, or Err when it
// could not run (scripting.ErrUnavailable) or its worker failed.
type TaskDone struct {
	Key    int64
	Result scripting.Result
	Err    error
}

// workerLost tells a circle's sessions that a worker was stopped for good
// (restart budget exhausted): the plays they sent it will not be answered.
type workerLost struct{ id string }

// sweepPlays wakes a session to fail the plays whose answer is overdue (a
// reply lost with a worker that stopped).
type sweepPlays struct{}

// IgnoreDeadLetterLogging marks replies whose loss is expected (a session
// that closed while its play ran).
func (*TaskDone) IgnoreDeadLetterLogging()         {}
func (*sweepPlays) IgnoreDeadLetterLogging()       {}
func (*workerLost) IgnoreDeadLetterLogging()       {}
func (*InboundFrame) IgnoreDeadLetterLogging()     {}
func (*ConnectionClosed) IgnoreDeadLetterLogging() {}
func (*Drain) IgnoreDeadLetterLogging()            {}
