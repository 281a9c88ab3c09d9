package actors

import (
	"fmt"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/circles-actor/circles-actor/config"
)

// maxQueuedFrames bounds the inbound frames a session has accepted and not
// yet handled. A client that outpaces its session is disconnected with 1008
// instead of growing the mailbox without bound.
const maxQueuedFrames = 1024

// Session is the transport's handle to one session actor. Receive and
// Closed never block and are safe from any goroutine (the read pump calls
// them).
type Session struct {
	sys    *System
	pid    *actor.PID
	sink   FrameSink
	queued atomic.Int32
	closed atomic.Bool
}

// OpenSession spawns a session actor for a connection to circlePK (canonical
// or not) from remoteAddr, writing to sink. It fails with ErrUnknownCircle,
// ErrShuttingDown or ErrTooManySessions.
func (s *System) OpenSession(circlePK, remoteAddr string, sink FrameSink) (*Session, error) {
	if s.shutting.Load() {
		return nil, ErrShuttingDown
	}
	if !s.HasCircle(circlePK) {
		c, err := config.CanonicalKey(circlePK)
		if err != nil || !s.HasCircle(c) {
			return nil, ErrUnknownCircle
		}
		circlePK = c
	}
	h := &Session{sys: s, sink: sink}
	msg := &SpawnSession{CirclePK: circlePK, RemoteAddr: remoteAddr, Sink: sink, Handle: h}
	res, err := s.as.Root.RequestFuture(s.root, msg, startTimeout).Result()
	if err != nil {
		return nil, fmt.Errorf("failed to spawn session: %w", err)
	}
	spawned, ok := res.(*SessionSpawned)
	if !ok {
		return nil, fmt.Errorf("failed to spawn session: unexpected reply %T", res)
	}
	if spawned.Err != nil {
		return nil, spawned.Err
	}
	h.pid = spawned.PID
	return h, nil
}

// PID is the session actor's PID.
func (h *Session) PID() *actor.PID { return h.pid }

// Receive hands one inbound text frame to the session. The session owns
// frame from now on. When the session is idle it handles the frame on the
// caller's goroutine before Receive returns (bounded CPU work: decoding, a
// signature check, handing a play to a worker; nothing waits); when it is
// busy on another goroutine the frame is queued. A session with too many
// unhandled frames closes its connection with 1008.
func (h *Session) Receive(frame []byte) {
	if h.closed.Load() {
		return
	}
	if h.queued.Add(1) > maxQueuedFrames {
		h.sink.Close(ClosePolicy, "too many pending requests")
		h.Closed()
		return
	}
	h.sys.as.Root.Send(h.pid, &InboundFrame{Data: frame})
}

// Closed tells the session its connection has ended; the actor cancels its
// running plays and stops. Calling it more than once is harmless.
func (h *Session) Closed() {
	if h.closed.CompareAndSwap(false, true) {
		h.sys.as.Root.Send(h.pid, &ConnectionClosed{})
	}
}
