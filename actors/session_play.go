package actors

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/circles-actor/circles-actor/internal/jsonstr"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/transport/jsonrpc"
)

// futureGrace is added to a play's budget so the worker's own timeout
// answers before the caller gives up waiting.
const futureGrace = 2 * time.Second

// pendingPlay is one entry of the in-flight table.
type pendingPlay struct {
	id     json.RawMessage // copied: the frame is not kept
	notify bool            // a notification: run it, answer nothing
	batch  *batch
	start  time.Time
	worker string   // PID id of the worker running it ("" with a Dispatcher)
	run    *RunTask // what was sent to the worker (nil with a Dispatcher)
}

// playResult is play's result object.
type playResult struct {
	Output string   `json:"output"`
	Type   string   `json:"type"`
	Prints []string `json:"prints,omitempty"`
}

// scriptErrorData is the data member of -32004 and -32005 errors.
type scriptErrorData struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
}

// play validates a play request and starts it; a nil error means the
// answer comes later through finishPlay.
func (s *sessionActor) play(ctx actor.Context, r *jsonrpc.Request, b *batch) *jsonrpc.Error {
	var script string
	if err := jsonrpc.BindParams(r.Params, []string{"script"}, &script); err != nil {
		return jsonrpc.AsError(err)
	}
	cfg := &s.sys.cfg
	switch {
	case len(script) > cfg.MaxScriptBytes:
		return jsonrpc.Errorf(jsonrpc.InvalidParams, "Invalid params: script is %d bytes, the limit is %d", len(script), cfg.MaxScriptBytes)
	case cfg.EnableAuth && s.caller == "":
		return jsonrpc.NewError(jsonrpc.AuthRequired, "Authentication required: call fetch_nonce and authenticate first")
	case s.draining:
		return jsonrpc.NewError(jsonrpc.Busy, "Server busy: shutting down")
	case len(s.inflight) >= cfg.MaxInFlight:
		return jsonrpc.Errorf(jsonrpc.Busy, "Server busy: %d requests in flight", len(s.inflight))
	}
	now := time.Now()
	task := scripting.Task{
		ID:        s.sys.newTaskID(),
		CircleID:  s.circle.pk,
		CallerID:  s.caller,
		Script:    script,
		Timeout:   cfg.ScriptTimeout,
		CreatedAt: now,
	}
	if s.inflight == nil {
		s.inflight = make(map[int64]*pendingPlay, 1)
	}
	s.seq++
	key := s.seq
	p := &pendingPlay{notify: r.IsNotification(), start: now}
	if !p.notify {
		p.id = append(json.RawMessage(nil), r.ID...)
		p.batch = b
		if b != nil {
			b.waiting++
		}
	}
	s.inflight[key] = p
	s.sys.metrics.inFlight.Inc()
	s.startTask(ctx, key, task)
	return nil
}

// startTask sends the task to a worker (in-process) or to the Dispatcher
// (asynchronously when it can: a callback instead of a waiting goroutine);
// either way the result arrives later as a *TaskDone to this actor. The
// in-process path uses a plain request (the worker answers the session
// directly) rather than a future: no registry entry and no timer per play.
// Lost answers are caught by the session's watchdog.
func (s *sessionActor) startTask(ctx actor.Context, key int64, task scripting.Task) {
	runCtx := s.runContext()
	s.watch(ctx)
	if d := s.sys.dispatcher; d != nil {
		as, self := s.sys.as, ctx.Self()
		done := func(res scripting.Result, err error) {
			as.Root.Send(self, &TaskDone{Key: key, Result: res, Err: err})
		}
		if ad, ok := d.(scripting.AsyncDispatcher); ok {
			ad.DispatchAsync(runCtx, task, done) // no goroutine parked per play
			return
		}
		go func() { done(d.Dispatch(runCtx, task)) }()
		return
	}
	pid := s.circle.pool.pick()
	if pid == nil || !s.sys.alive(pid) {
		s.finishPlay(ctx, key, scripting.Result{}, scripting.ErrUnavailable)
		return
	}
	msg := &RunTask{Task: task, StartBy: task.CreatedAt.Add(task.Timeout), Ctx: runCtx, Key: key}
	msg.enqueue(s.circle.queue)
	p := s.inflight[key]
	p.worker, p.run = pid.Id, msg
	ctx.Request(pid, msg)
}

// playBudget is how long a play may wait for its answer: a queue wait of
// up to one script timeout, the run itself, and a grace period.
func (s *sessionActor) playBudget() time.Duration {
	return 2*s.sys.cfg.ScriptTimeout + futureGrace
}

// watch arms the watchdog if it is not armed; it fires when the oldest
// play in flight is overdue.
func (s *sessionActor) watch(ctx actor.Context) {
	if s.armed {
		return
	}
	oldest := time.Time{}
	for _, p := range s.inflight {
		if oldest.IsZero() || p.start.Before(oldest) {
			oldest = p.start
		}
	}
	if oldest.IsZero() {
		return
	}
	d := time.Until(oldest.Add(s.playBudget()))
	if s.watchdog == nil {
		as, self := s.sys.as, ctx.Self()
		s.watchdog = time.AfterFunc(d, func() { as.Root.Send(self, &sweepPlays{}) })
	} else {
		s.watchdog.Reset(d)
	}
	s.armed = true
}

// workerLost fails the plays held by a worker that was stopped for good.
func (s *sessionActor) workerLost(ctx actor.Context, id string) {
	for key, p := range s.inflight {
		if p.worker == id {
			s.finishPlay(ctx, key, scripting.Result{}, scripting.ErrUnavailable)
		}
	}
}

// sweep fails the overdue plays (their worker stopped without answering)
// and re-arms the watchdog for the rest.
func (s *sessionActor) sweep(ctx actor.Context) {
	s.armed = false
	budget := s.playBudget()
	for key, p := range s.inflight {
		if time.Since(p.start) >= budget {
			s.finishPlay(ctx, key, scripting.Result{}, scripting.ErrTimeout)
		}
	}
	s.watch(ctx)
}

// finishPlay answers a play that has finished (or could not run).
func (s *sessionActor) finishPlay(ctx actor.Context, key int64, res scripting.Result, err error) {
	p, ok := s.inflight[key]
	if !ok || s.stopped {
		return
	}
	delete(s.inflight, key)
	p.run.dequeue() // answered before a worker started it (watchdog, lost worker)
	s.sys.metrics.inFlight.Dec()
	resp, code := s.playResponse(p.id, res, err)
	s.sys.metrics.request("play", code)
	s.sys.metrics.task(outcome(code), time.Since(p.start).Seconds())
	switch {
	case p.notify:
	case p.batch != nil:
		p.batch.out = append(p.batch.out, resp)
		p.batch.waiting--
		s.flushBatch(ctx, p.batch)
	default:
		s.send(ctx, resp)
	}
	s.finishDrain(ctx)
}

// playResponse maps a task's outcome to its JSON-RPC response and code.
func (s *sessionActor) playResponse(id json.RawMessage, res scripting.Result, err error) ([]byte, int) {
	if err != nil {
		e := dispatchError(err)
		// During an outage every play fails alike: one line per interval.
		if ok, held := s.sys.playFailLog.Allow(); ok {
			s.logger().Warn("play could not run", "err", err, "similar_since_last", held)
		}
		return e.Response(id), e.Code
	}
	if se := res.Err; se != nil {
		data := scriptErrorData{Kind: se.Kind, Message: se.Message, Line: se.Line, Column: se.Column}
		if se.Timeout() {
			return jsonrpc.ErrorResponse(id, jsonrpc.ScriptTimeout, "Script timeout", data), jsonrpc.ScriptTimeout
		}
		return jsonrpc.ErrorResponse(id, jsonrpc.ScriptError, "Script error: "+se.Message, data), jsonrpc.ScriptError
	}
	return jsonrpc.Result(id, appendPlayResult(nil, res)), 0
}

// appendPlayResult appends res as a playResult object, built by hand: it is
// on every play's path, where encoding/json's reflection (and the stack it
// grows on a fresh goroutine) cost more than the rest of the response.
func appendPlayResult(dst []byte, res scripting.Result) json.RawMessage {
	dst = append(dst, `{"output":`...)
	dst = jsonrpc.AppendString(dst, res.Output)
	dst = append(dst, `,"type":`...)
	dst = jsonrpc.AppendString(dst, res.Type)
	if len(res.Prints) > 0 {
		dst = append(dst, `,"prints":`...)
		dst = jsonstr.AppendArray(dst, res.Prints)
	}
	return append(dst, '}')
}

// dispatchError maps a failure to run a task at all to a JSON-RPC error.
func dispatchError(err error) *jsonrpc.Error {
	var late *notStartedError
	switch {
	case errors.As(err, &late):
		return jsonrpc.NewError(jsonrpc.Busy, "Server busy: "+late.Error())
	case errors.Is(err, errWorkerPanic):
		return jsonrpc.NewError(jsonrpc.Internal, "Internal error: the worker failed while running the script")
	case errors.Is(err, actor.ErrTimeout), errors.Is(err, scripting.ErrTimeout):
		return jsonrpc.NewError(jsonrpc.ScriptTimeout, "Script timeout: no result in time")
	case errors.Is(err, scripting.ErrUnavailable), errors.Is(err, actor.ErrDeadLetter),
		errors.Is(err, context.Canceled), errors.Is(err, ErrShuttingDown):
		return jsonrpc.NewError(jsonrpc.Busy, "Server busy: "+scripting.UnavailableReason(err))
	}
	return jsonrpc.NewError(jsonrpc.Busy, "Server busy: the task could not be dispatched")
}

// outcome is the histogram label of a play's code.
func outcome(code int) string {
	switch code {
	case 0:
		return "ok"
	case jsonrpc.ScriptError:
		return "script_error"
	case jsonrpc.ScriptTimeout:
		return "timeout"
	}
	return "unavailable"
}

// newTaskID returns a task id unique across processes (Redis mode shares
// ids between servers): the system's random prefix and a counter, which
// costs no system call per play.
func (s *System) newTaskID() string {
	return s.idPrefix + strconv.FormatUint(s.taskSeq.Add(1), 36)
}

// newIDPrefix returns 12 random hex digits and a dash.
func newIDPrefix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "-"
}
