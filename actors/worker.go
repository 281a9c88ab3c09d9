package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/circles-actor/circles-actor/scripting"
)

// worker is a circle's script runner. It handles one RunTask at a time on
// its mailbox goroutine: blocking there is its job. It waits for a run's
// state writes to be durable off the mailbox (see run), so that syncs of
// consecutive runs overlap. The run's ctx is the
// system's base context, cancelled at the end of Shutdown, so a stuck
// script cannot hold the stop up; the task's own timeout bounds it
// otherwise.
//
// A panic (an interpreter bug) answers the task with an internal error and
// is re-raised, so the circle supervisor restarts the worker with a fresh
// state.
type worker struct {
	exec    scripting.Executor
	base    context.Context
	log     *slog.Logger
	metrics *metrics
}

func (w *worker) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *RunTask:
		w.run(ctx, msg)
	case *actor.Restarting:
		w.log.Warn("worker restarting after a failure", "worker", ctx.Self().Id)
	}
}

func (w *worker) run(ctx actor.Context, msg *RunTask) {
	respond := func(d *TaskDone) {
		if msg.reply != nil {
			msg.reply <- d
			return
		}
		ctx.Respond(d)
	}
	if !msg.take() { // its sender answered it already (circle removed, session gone, watchdog)
		respond(&TaskDone{Key: msg.Key, Err: fmt.Errorf("failed to start task, its caller answered it: %w", scripting.ErrUnavailable)})
		return
	}
	if !msg.StartBy.IsZero() && time.Now().After(msg.StartBy) {
		respond(&TaskDone{Key: msg.Key, Err: &notStartedError{wait: msg.queueWait()}})
		return
	}
	if msg.Ctx != nil && msg.Ctx.Err() != nil {
		respond(&TaskDone{Key: msg.Key, Err: fmt.Errorf("failed to start task, its caller is gone: %w", scripting.ErrUnavailable)})
		return
	}
	defer func() {
		if r := recover(); r != nil {
			w.log.Error("worker panicked", "worker", ctx.Self().Id, "task", msg.Task.ID,
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			respond(&TaskDone{Key: msg.Key, Err: fmt.Errorf("%w: %v", errWorkerPanic, r)})
			panic(r)
		}
	}()
	parent := msg.Ctx
	if parent == nil {
		parent = w.base
	}
	// A run whose state writes are committed but not yet synced is answered
	// once they are, off the mailbox, so that the next run starts meanwhile
	// and its commit joins the same sync. An answer is never sent before its
	// writes are durable.
	reply, sender, root := msg.reply, ctx.Sender(), ctx.ActorSystem().Root
	answer := func(r scripting.Result) {
		d := &TaskDone{Key: msg.Key, Result: r}
		switch {
		case reply != nil:
			reply <- d
		case sender != nil:
			root.Send(sender, d)
		}
	}
	if ae, ok := w.exec.(scripting.AsyncExecutor); ok {
		// The store calls answer for the whole commit group in one pass.
		if res, pending := ae.ExecuteAsync(parent, msg.Task, answer); !pending {
			respond(&TaskDone{Key: msg.Key, Result: res})
		}
		return
	}
	de, deferred := w.exec.(scripting.DeferredExecutor)
	if !deferred {
		respond(&TaskDone{Key: msg.Key, Result: w.exec.Execute(parent, msg.Task)})
		return
	}
	res := de.ExecuteDeferred(parent, msg.Task)
	if res.Durable == nil {
		respond(&TaskDone{Key: msg.Key, Result: res})
		return
	}
	go func() { answer(res.Settle()) }()
}

// errWorkerPanic marks a task whose worker panicked; the session answers it
// with -32603.
var errWorkerPanic = errors.New("worker failed")

// workerPool is a circle's workers, shared by its sessions and the System;
// the circle supervisor sets the PIDs when it starts (again after a restart
// of its own), and pick spreads tasks round-robin.
type workerPool struct {
	pids atomic.Pointer[[]*actor.PID]
	next atomic.Uint64
}

func (p *workerPool) set(pids []*actor.PID) { p.pids.Store(&pids) }

// all returns the current workers (nil before the circle has started).
func (p *workerPool) all() []*actor.PID {
	if ps := p.pids.Load(); ps != nil {
		return *ps
	}
	return nil
}

func (p *workerPool) pick() *actor.PID {
	pids := p.all()
	if len(pids) == 0 {
		return nil
	}
	return pids[(p.next.Add(1)-1)%uint64(len(pids))]
}
