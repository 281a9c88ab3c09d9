package actors

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/circles-actor/circles-actor/actors/auth"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/transport/jsonrpc"
)

// sessionActor is the CircleWs actor: one per WebSocket. It decodes frames,
// answers fetch_nonce/authenticate/whoami/rpc.discover itself, hands plays
// to a worker (or the Dispatcher) and writes every answer to its sink. It
// never blocks: play results come back to it as messages.
//
// An idle session holds only this struct and its actor; the nonce store,
// the in-flight table and the run context are made on first use.
type sessionActor struct {
	sys    *System
	circle *circleRef
	id     uint64
	remote string
	sink   FrameSink
	handle *Session

	nonces   *auth.NonceStore
	caller   string // authenticated caller pk, "" while anonymous
	inflight map[int64]*pendingPlay
	seq      int64
	ctx      context.Context // parent of this session's plays; cancelled when it stops
	cancel   context.CancelFunc
	watchdog *time.Timer // armed while plays are in flight: fails overdue ones
	armed    bool
	draining bool
	removed  bool // the circle was removed: close with 4004, not 1001
	done     bool // the connection is gone or closed by us: write nothing more
	stopped  bool
}

func newSessionActor(sys *System, ref *circleRef, id uint64, msg *SpawnSession) *sessionActor {
	return &sessionActor{
		sys:    sys,
		circle: ref,
		id:     id,
		remote: msg.RemoteAddr,
		sink:   msg.Sink,
		handle: msg.Handle,
	}
}

func (s *sessionActor) Receive(ctx actor.Context) {
	defer s.recoverPanic()
	switch msg := ctx.Message().(type) {
	case *InboundFrame:
		if s.handle != nil {
			s.handle.frameHandled()
		}
		if !s.done {
			s.onFrame(ctx, msg.Data)
		}
	case *TaskDone:
		s.finishPlay(ctx, msg.Key, msg.Result, msg.Err)
	case *sweepPlays:
		s.sweep(ctx)
	case *workerLost:
		s.workerLost(ctx, msg.id)
	case *ConnectionClosed:
		s.done = true
		ctx.Stop(ctx.Self())
	case *Drain:
		s.draining = true
		s.finishDrain(ctx)
	case *circleRemoved:
		s.circleRemoved(ctx)
	case *actor.Started:
		s.started(ctx)
	case *actor.Stopping:
		if s.cancel != nil {
			s.cancel()
		}
		if s.watchdog != nil {
			s.watchdog.Stop()
		}
	case *actor.Stopped:
		s.cleanup()
	}
}

func (s *sessionActor) started(ctx actor.Context) {
	s.sys.sessions.Store(s.id, &sessionEntry{pid: ctx.Self(), sink: s.sink})
	s.circle.sessions.Inc()
	s.circle.sessionN.Add(1)
	if s.sys.log.Enabled(context.Background(), slog.LevelDebug) {
		s.logger().Debug("session opened", "remote", s.remote)
	}
}

// cleanup runs once when the actor has stopped: close the connection if it
// is still open, forget the plays still running, release the system's count.
func (s *sessionActor) cleanup() {
	if s.stopped {
		return
	}
	s.stopped = true
	if !s.done {
		s.done = true
		if s.removed {
			s.sink.Close(CloseCircleRemoved, "circle removed")
		} else if s.sys.shutting.Load() {
			s.sink.Close(CloseGoingAway, "server shutting down")
		} else {
			s.sink.Close(CloseNormal, "")
		}
	}
	s.sys.metrics.inFlight.Sub(float64(len(s.inflight)))
	s.circle.plays.Add(-int64(len(s.inflight)))
	for _, p := range s.inflight {
		p.run.dequeue() // abandoned: a stopped worker would never count it out
	}
	s.inflight = nil
	s.sys.sessions.Delete(s.id)
	s.circle.sessions.Dec()
	s.circle.sessionN.Add(-1)
	s.sys.live.Done()
	if s.sys.log.Enabled(context.Background(), slog.LevelDebug) {
		s.logger().Debug("session closed")
	}
}

// recoverPanic closes the connection with 1011 and re-panics, so the circle
// supervisor stops the session (a restart could not bring the socket back).
func (s *sessionActor) recoverPanic() {
	r := recover()
	if r == nil {
		return
	}
	s.logger().Error("session panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	if !s.done {
		s.done = true
		s.sink.Close(CloseInternalError, "internal error")
	}
	panic(r)
}

// logger is the session's logger; it is built per log line, not kept, so
// an idle session holds no logger.
func (s *sessionActor) logger() *slog.Logger {
	return s.sys.log.With("circle", s.circle.fp, "session", s.id)
}

// send writes one frame; a sink refusing it (past its hard bound, see
// FrameSink) disconnects the client.
func (s *sessionActor) send(ctx actor.Context, frame []byte) {
	if s.done || len(frame) == 0 {
		return
	}
	if !s.sink.Send(frame) {
		s.logger().Info("closing slow consumer")
		s.done = true
		s.sink.Close(ClosePolicy, "slow consumer")
		ctx.Stop(ctx.Self())
	}
}

// batch collects the responses of one batch frame; it is sent as one frame
// when the last of its plays has finished.
type batch struct {
	out     [][]byte
	waiting int  // plays still running whose responses belong here
	sealed  bool // every member has been dispatched
}

// onFrame handles one inbound frame: a request or a batch.
func (s *sessionActor) onFrame(ctx actor.Context, data []byte) {
	reqs, isBatch, errResp := jsonrpc.Decode(data, s.sys.cfg.MaxBatch)
	if errResp != nil {
		code := jsonrpc.InvalidRequest
		if !json.Valid(data) {
			code = jsonrpc.ParseError
		}
		s.sys.metrics.request("", code)
		s.send(ctx, errResp)
		return
	}
	var b *batch
	if isBatch {
		b = &batch{out: make([][]byte, 0, len(reqs))}
	}
	for i := range reqs {
		r := &reqs[i]
		var resp []byte
		if r.Err != nil {
			s.sys.metrics.request("", r.Err.Code)
			resp = r.Err.Response(r.ID)
		} else {
			resp = s.call(ctx, r, b)
		}
		switch {
		case resp == nil || r.IsNotification() && r.Err == nil:
		case b != nil:
			b.out = append(b.out, resp)
		default:
			s.send(ctx, resp)
		}
	}
	if b != nil {
		b.sealed = true
		s.flushBatch(ctx, b)
	}
}

// flushBatch sends a sealed batch whose plays have all finished.
func (s *sessionActor) flushBatch(ctx actor.Context, b *batch) {
	if b.sealed && b.waiting == 0 {
		s.send(ctx, jsonrpc.EncodeBatch(b.out))
	}
}

// methodFunc answers one method. async reports that the answer comes
// later (a play) and result/err are unused.
type methodFunc func(s *sessionActor, ctx actor.Context, r *jsonrpc.Request, b *batch) (result any, err *jsonrpc.Error, async bool)

// methodTable is every method the session answers; TestOpenRPCMatchesCode
// keeps openrpc.json in step with it. It is filled in init because the
// methods reach it again through the metrics' method label.
var methodTable map[string]methodFunc

func init() {
	methodTable = map[string]methodFunc{
		"fetch_nonce":  immediate(func(s *sessionActor, r *jsonrpc.Request) (any, *jsonrpc.Error) { return s.fetchNonce(r) }),
		"authenticate": immediate(func(s *sessionActor, r *jsonrpc.Request) (any, *jsonrpc.Error) { return s.authenticate(r) }),
		"whoami":       immediate(func(s *sessionActor, r *jsonrpc.Request) (any, *jsonrpc.Error) { return s.whoami(r) }),
		"rpc.discover": immediate(func(s *sessionActor, r *jsonrpc.Request) (any, *jsonrpc.Error) { return s.discover(r) }),
		"play": func(s *sessionActor, ctx actor.Context, r *jsonrpc.Request, b *batch) (any, *jsonrpc.Error, bool) {
			err := s.play(ctx, r, b)
			return nil, err, err == nil
		},
	}
}

// immediate adapts a method answered on the spot.
func immediate(f func(*sessionActor, *jsonrpc.Request) (any, *jsonrpc.Error)) methodFunc {
	return func(s *sessionActor, _ actor.Context, r *jsonrpc.Request, _ *batch) (any, *jsonrpc.Error, bool) {
		res, err := f(s, r)
		return res, err, false
	}
}

// call runs one valid request and returns its response, or nil when the
// answer comes later (a play). A notification's result is computed and
// dropped by the caller.
func (s *sessionActor) call(ctx actor.Context, r *jsonrpc.Request, b *batch) []byte {
	m, ok := methodTable[r.Method]
	if !ok {
		s.sys.metrics.request(r.Method, jsonrpc.MethodNotFound)
		return jsonrpc.Errorf(jsonrpc.MethodNotFound, "Method not found: %.64q", r.Method).Response(r.ID)
	}
	result, rerr, async := m(s, ctx, r, b)
	switch {
	case async:
		return nil
	case rerr != nil:
		s.sys.metrics.request(r.Method, rerr.Code)
		return rerr.Response(r.ID)
	}
	s.sys.metrics.request(r.Method, 0)
	return jsonrpc.Result(r.ID, result)
}

// finishDrain closes a draining session once its plays are answered.
func (s *sessionActor) finishDrain(ctx actor.Context) {
	if !s.draining || len(s.inflight) > 0 {
		return
	}
	if !s.done {
		s.done = true
		if s.removed {
			s.sink.Close(CloseCircleRemoved, "circle removed")
		} else {
			s.sink.Close(CloseGoingAway, "server shutting down")
		}
	}
	ctx.Stop(ctx.Self())
}

// queueWithdrawer is what a Dispatcher offers to take a task back out of
// its queue before any worker took it. WithdrawQueued must not block; when
// the task was withdrawn, its pending dispatch is answered with err.
type queueWithdrawer interface {
	WithdrawQueued(circle, taskID string, err error)
}

// circleRemoved winds the session down after its circle was removed: plays
// no worker has taken are answered -32006 now, running ones finish, then
// the connection closes with 4004 "circle removed".
func (s *sessionActor) circleRemoved(ctx actor.Context) {
	s.draining, s.removed = true, true
	w, _ := s.sys.dispatcher.(queueWithdrawer)
	for key, p := range s.inflight {
		switch {
		case p.run != nil:
			if p.run.withdraw() {
				s.finishPlay(ctx, key, scripting.Result{}, ErrCircleRemoved)
			}
		case w != nil && p.task != "":
			w.WithdrawQueued(s.circle.pk, p.task, ErrCircleRemoved)
		}
	}
	s.finishDrain(ctx)
}

// runContext is the parent context of this session's plays, made on the
// first play so idle sessions do not carry one.
func (s *sessionActor) runContext() context.Context {
	if s.ctx == nil {
		s.ctx, s.cancel = context.WithCancel(s.sys.base)
	}
	return s.ctx
}
