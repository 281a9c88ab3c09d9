package actors

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting"
)

// Dispatch runs t in its circle (t.CircleID, any spelling) the way play does:
// through the Dispatcher when one is set, else on the circle's worker
// actors. It is what webhooks call. A zero t.Timeout means the configured
// script timeout; an empty t.ID gets a fresh one. Cancelling ctx abandons
// the wait (and cancels an in-process run).
func (s *System) Dispatch(ctx context.Context, t scripting.Task) (scripting.Result, error) {
	if s.shutting.Load() {
		return scripting.Result{}, fmt.Errorf("failed to dispatch task: %w", scripting.ErrUnavailable)
	}
	if !s.HasCircle(t.CircleID) {
		c, err := config.CanonicalKey(t.CircleID)
		if err != nil || !s.HasCircle(c) {
			return scripting.Result{}, fmt.Errorf("failed to dispatch task: %w", ErrUnknownCircle)
		}
		t.CircleID = c
	}
	t = s.fillTask(t)
	if s.dispatcher != nil {
		return s.dispatcher.Dispatch(ctx, t)
	}
	return s.runOnWorker(ctx, t)
}

// Executor returns an Executor that runs tasks on the circle's worker
// actors, whatever the dispatcher: Redis consumers in this process use it so
// that their tasks share the circle's workers (and their order) with
// everything else. Tasks for an unknown circle, or that could not run,
// come back with Result.Err set.
func (s *System) Executor(circlePK string) scripting.Executor {
	return scripting.ExecutorFunc(func(ctx context.Context, t scripting.Task) scripting.Result {
		if t.CircleID == "" {
			t.CircleID = circlePK
		}
		if !s.HasCircle(t.CircleID) {
			return scripting.Result{TaskID: t.ID, Err: &scripting.ScriptError{Kind: "host", Message: "unknown circle"}}
		}
		res, err := s.runOnWorker(ctx, s.fillTask(t))
		if err != nil {
			return scripting.Result{TaskID: t.ID, Err: &scripting.ScriptError{Kind: "cancelled", Message: err.Error()}}
		}
		return res
	})
}

func (s *System) fillTask(t scripting.Task) scripting.Task {
	if t.ID == "" {
		t.ID = s.newTaskID()
	}
	if t.Timeout <= 0 {
		t.Timeout = s.cfg.ScriptTimeout
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	return t
}

// runOnWorker sends t to one of its circle's workers and waits for the
// result, ctx or the task's budget (queue wait + timeout + grace). The run
// is cancelled when ctx is, or when the system shuts down. The answer comes
// back on a channel: the caller is not an actor, and a future would cost a
// registry entry and a goroutine per task.
func (s *System) runOnWorker(ctx context.Context, t scripting.Task) (scripting.Result, error) {
	ref := s.circle(t.CircleID)
	if ref == nil {
		return scripting.Result{}, fmt.Errorf("failed to dispatch task: %w", ErrUnknownCircle)
	}
	pid := ref.pool.pick()
	if pid == nil || !s.alive(pid) {
		return scripting.Result{}, fmt.Errorf("failed to find a worker: %w", scripting.ErrUnavailable)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.base, cancel)
	defer stop()
	queueWait := t.Timeout
	msg := &RunTask{Task: t, StartBy: time.Now().Add(queueWait), Ctx: runCtx, reply: make(chan *TaskDone, 1)}
	msg.enqueue(ref.queue)
	defer msg.dequeue() // abandoned or answered unstarted: no worker will count it out
	budget := time.NewTimer(queueWait + t.Timeout + futureGrace)
	defer budget.Stop()
	s.as.Root.Send(pid, msg)
	select {
	case done := <-msg.reply:
		return done.Result, done.Err
	case <-ctx.Done():
		return scripting.Result{}, fmt.Errorf("failed to wait for the task: %w", ctx.Err())
	case <-s.base.Done():
		// Shutting down: the run is cancelled and its worker answers at once,
		// unless the worker stopped before it took the task.
		wait := time.NewTimer(shutdownAnswerWait)
		defer wait.Stop()
		select {
		case done := <-msg.reply:
			return done.Result, done.Err
		case <-wait.C:
			return scripting.Result{}, fmt.Errorf("failed to run the task: %w: %w", ErrShuttingDown, scripting.ErrUnavailable)
		}
	case <-budget.C: // the message was lost with a worker that stopped
		return scripting.Result{}, fmt.Errorf("failed to run the task: %w", scripting.ErrTimeout)
	case <-ref.removed:
		if msg.withdraw() { // no worker took it: it never will
			return scripting.Result{}, fmt.Errorf("failed to run the task: %w", ErrCircleRemoved)
		}
		select { // running: it finishes
		case done := <-msg.reply:
			return done.Result, done.Err
		case <-ctx.Done():
			return scripting.Result{}, fmt.Errorf("failed to wait for the task: %w", ctx.Err())
		case <-budget.C:
			return scripting.Result{}, fmt.Errorf("failed to run the task: %w", scripting.ErrTimeout)
		}
	}
}

// shutdownAnswerWait bounds the wait for the answer of a run cancelled by
// Shutdown.
const shutdownAnswerWait = time.Second

// Shutdown stops the system in order: refuse new sessions and tasks; drain
// the sessions (each finishes its in-flight plays, then closes its
// connection with 1001); when ctx ends first, close the remaining sessions
// anyway; cancel scripts still running; stop the actors, children first;
// close the Dispatcher. It returns ctx's error when the drain did not finish
// in time. Calling it again waits for nothing and returns the first result.
func (s *System) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() { s.stopErr = s.shutdown(ctx) })
	return s.stopErr
}

func (s *System) shutdown(ctx context.Context) error {
	s.shutting.Store(true)
	s.log.Info("draining sessions", "sessions", s.live.Count())
	s.as.Root.Send(s.root, &Drain{})
	drainErr := s.live.Wait(ctx)
	if drainErr != nil {
		s.log.Warn("drain timed out, closing remaining sessions", "sessions", s.live.Count())
		s.sessions.Range(func(_, v any) bool {
			e := v.(*sessionEntry)
			e.sink.Close(CloseGoingAway, "server shutting down")
			s.as.Root.Stop(e.pid)
			return true
		})
	}
	s.cancelBase()
	if err := s.as.Root.StopFuture(s.root).Wait(); err != nil {
		s.log.Warn("actors did not stop in time", "err", err)
	}
	var closeErr error
	if s.dispatcher != nil {
		if err := s.dispatcher.Close(); err != nil {
			closeErr = fmt.Errorf("failed to close the dispatcher: %w", err)
		}
	}
	s.as.Shutdown()
	s.pool.close()
	if err := s.state.Close(); err != nil {
		closeErr = errors.Join(closeErr, fmt.Errorf("failed to close the state store: %w", err))
	}
	s.log.Info("actor system stopped")
	return errors.Join(drainErr, closeErr)
}
