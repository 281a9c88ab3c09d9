package actors

import (
	"fmt"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/circles-actor/circles-actor/config"
)

// maxQueuedFrames bounds the inbound frames a session has accepted and not
// yet handled. A caller that ignores WaitBacklog and outpaces its session
// is disconnected with 1008 instead of growing the mailbox without bound.
const maxQueuedFrames = 1024

// backlogPause is the backlog at which WaitBacklog holds the reader.
const backlogPause = maxQueuedFrames / 2

// Session is the transport's handle to one session actor. Receive and
// Closed never block and are safe from any goroutine (the read pump calls
// them).
type Session struct {
	sys    *System
	pid    *actor.PID
	sink   FrameSink
	queued atomic.Int32
	closed atomic.Bool
	room   atomic.Pointer[chan struct{}] // made by the first WaitBacklog that waits
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

// WaitBacklog holds the caller (the read pump) while the session has
// backlogPause or more frames it has not handled yet, so a client that
// pipelines faster than its session works waits for it (back-pressure)
// instead of being disconnected; the frames already accepted are handled
// on the goroutine that is running the session. It returns false when stop
// closes first.
func (h *Session) WaitBacklog(stop <-chan struct{}) bool {
	if h.queued.Load() < backlogPause {
		return true
	}
	ch := h.room.Load()
	if ch == nil {
		c := make(chan struct{}, 1)
		if !h.room.CompareAndSwap(nil, &c) {
			ch = h.room.Load()
		} else {
			ch = &c
		}
	}
	for h.queued.Load() >= backlogPause {
		select {
		case <-*ch:
		case <-stop:
			return false
		}
	}
	return true
}

// frameHandled counts a queued frame out and wakes a waiting WaitBacklog
// once the backlog is under its bound.
func (h *Session) frameHandled() {
	if h.queued.Add(-1) < backlogPause {
		if ch := h.room.Load(); ch != nil {
			select {
			case *ch <- struct{}{}:
			default:
			}
		}
	}
}

// Closed tells the session its connection has ended; the actor cancels its
// running plays and stops. Calling it more than once is harmless.
func (h *Session) Closed() {
	if h.closed.CompareAndSwap(false, true) {
		h.sys.as.Root.Send(h.pid, &ConnectionClosed{})
	}
}
