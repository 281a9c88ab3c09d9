package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/circles-actor/circles-actor/actors"
)

// pumpConfig is what every connection's pumps need; one copy is shared by
// all connections of a Server so that an idle connection does not carry it.
type pumpConfig struct {
	readLimit    int64
	pingInterval time.Duration
	idleTimeout  time.Duration
	writeTimeout time.Duration
	writeQueue   int // soft bound in frames: past it, requests are not read
	queueBytes   int // soft bound in bytes
	hardFrames   int // hard bounds: past them a session is disconnected (1008)
	hardBytes    int
	closeWait    time.Duration // how long a close frame waits for the peer's reply
	metrics      *connMetrics
}

// Outbound queue bounds beside the configured frame count (see outQueue).
// The hard frame bound leaves room for the answers to every frame a
// session may have accepted before the read pump paused (1024) and to its
// plays in flight.
const (
	queueSoftBytes = 1 << 20
	queueHardBytes = 64 << 20
	queueHardExtra = 2048
)

// closeReplyWait bounds the wait for the peer's reply to a close frame:
// coder/websocket waits five seconds, holding the connection, its per-IP
// slot and its place in circles_ws_connections; a live peer answers in a
// round trip.
const closeReplyWait = 750 * time.Millisecond

// wsConn is one accepted WebSocket. It implements actors.FrameSink for the
// session actor. It runs exactly two goroutines: the read pump (see
// readPump and Server.runConn) and the write pump, which also
// sends pings and enforces the idle timeout when the server's shared ticker
// pokes it (see check), so an idle connection costs no goroutine, timer or
// queue buffer beyond those, and a frame write sets no timer either.
//
// Send, Close, tick and check are safe from any goroutine and may be
// called more than once; everything else belongs to the pumps.
type wsConn struct {
	ws    *websocket.Conn
	raw   net.Conn // the hijacked TCP connection under ws, to cut a close short
	cfg   *pumpConfig
	out   outQueue      // bounded by cfg.writeQueue
	wake  chan struct{} // cap 1: frames queued or a tick is due
	quit  chan struct{} // closed by Close: the write pump closes the socket
	done  chan struct{} // closed when the write pump has returned
	ended chan struct{} // closed when the connection is finished; Shutdown waits on it

	closeOnce   sync.Once
	closeCode   websocket.StatusCode // set before quit closes; 0: socket already gone
	closeReason string

	tickDue  atomic.Bool
	lastSeen atomic.Int64 // unix nanos of the last data frame or pong
	writing  atomic.Int64 // unix nanos the write in progress began; 0: none
	dropped  atomic.Bool  // check already closed the socket
}

// newWSConn prepares a connection; the caller sets ws once the upgrade
// succeeded (the accept options need onPong before the socket exists).
func newWSConn(cfg *pumpConfig) *wsConn {
	c := &wsConn{
		cfg:   cfg,
		wake:  make(chan struct{}, 1),
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
		ended: make(chan struct{}),
	}
	c.touch()
	return c
}

func (c *wsConn) touch() { c.lastSeen.Store(time.Now().UnixNano()) }

// onPong counts a pong as a sign of life; coder/websocket calls it from the
// read pump.
func (c *wsConn) onPong(context.Context, []byte) { c.touch() }

func (c *wsConn) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// tick asks the write pump to ping the peer (if it has been quiet) and to
// check the idle timeout. check calls it for connections quiet for a ping
// interval.
func (c *wsConn) tick() {
	c.tickDue.Store(true)
	c.poke()
}

// Send queues frame for the write pump. It never blocks. Past the queue's
// soft bound the read pump stops reading requests (back-pressure), so a
// session only reaches the hard bound by answering much more than it was
// asked; Send then returns false and the session closes the connection as a
// slow consumer. Frames sent after Close are dropped (and reported as sent,
// so a session answering on a socket that just went away is not mistaken
// for a slow consumer).
func (c *wsConn) Send(frame []byte) bool {
	select {
	case <-c.quit:
		return true
	default:
	}
	if !c.out.push(frame, c.cfg.hardFrames, c.cfg.hardBytes) {
		return false
	}
	c.poke()
	return true
}

// Close asks the write pump to flush what is queued and close the socket
// with code and reason. Only the first call counts.
func (c *wsConn) Close(code int, reason string) {
	c.closeOnce.Do(func() {
		c.closeCode = websocket.StatusCode(code)
		c.closeReason = reason
		close(c.quit)
	})
}

// gone stops the write pump after the peer closed or the socket failed.
func (c *wsConn) gone() { c.Close(0, "") }

var _ actors.FrameSink = (*wsConn)(nil)

// frameReceiver is the read pump's view of a session (*actors.Session).
type frameReceiver interface {
	Receive(frame []byte)
}

// readPump reads text frames and hands each to the session until the socket
// ends. Sessions run on the goroutine that posts to them, so the session's
// work happens here too. It runs on a goroutine of its own rather than the
// upgrade handler's, whose stack grew during the handshake and would stay
// grown for the life of the connection; an idle read pump's stack shrinks
// back at the next GCs. It reads without a deadline: a cancellable ctx
// would cost every connection a registration on it, and an expiring one
// closes the socket without a close frame; Shutdown ends stuck reads with
// CloseNow instead. Binary frames close the connection with 1003, frames
// over the read limit with 1009 (coder/websocket sends that close frame
// itself).
func (c *wsConn) readPump(sess frameReceiver) {
	ctx := context.Background()
	backlog, _ := sess.(backlogWaiter)
	for {
		if !c.waitRoom() || backlog != nil && !backlog.WaitBacklog(c.quit) {
			return
		}
		typ, r, err := c.ws.Reader(ctx)
		if err != nil {
			c.readFailed(err)
			return
		}
		if typ != websocket.MessageText {
			c.Close(int(websocket.StatusUnsupportedData), "binary frames are not supported")
			return
		}
		frame, err := readFrame(r)
		if err != nil {
			c.readFailed(err)
			return
		}
		c.touch()
		sess.Receive(frame)
	}
}

// waitRoom holds the read pump while the outbound queue is at its soft
// bound: the peer's next requests wait in its socket (and, once those
// buffers fill, in the peer) until their answers have room. A peer that
// stops reading altogether is dropped by the write timeout, which ends the
// write pump and this wait. It reports false when the connection is over.
func (c *wsConn) waitRoom() bool {
	if !c.out.full(c.cfg.writeQueue, c.cfg.queueBytes) {
		return true
	}
	room := c.out.roomSignal()
	for c.out.full(c.cfg.writeQueue, c.cfg.queueBytes) {
		select {
		case <-room:
		case <-c.quit:
			return false
		case <-c.done:
			return false
		}
	}
	return true
}

// backlogWaiter is implemented by sessions (*actors.Session) that can hold
// the read pump while they work through the frames already read.
type backlogWaiter interface {
	WaitBacklog(stop <-chan struct{}) bool
}

// readFrame reads one message into a buffer the session may keep.
func readFrame(r io.Reader) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (c *wsConn) readFailed(err error) {
	if errors.Is(err, websocket.ErrMessageTooBig) {
		// The close frame went out already; Close below completes the
		// handshake, discarding the rest of the oversized frame, so the
		// peer reads 1009 instead of a connection reset.
		c.Close(int(websocket.StatusMessageTooBig), "message too big")
		return
	}
	c.gone()
}

// writePump writes queued frames, and on each tick pings a quiet peer and
// closes one silent for idleTimeout; it also performs the close Close asked
// for. It is the only goroutine a connection adds.
func (c *wsConn) writePump() {
	defer close(c.done)
	for {
		select {
		case <-c.wake:
		case <-c.quit:
			c.finish()
			return
		}
		for frame, ok := c.pop(); ok; frame, ok = c.pop() {
			if err := c.write(frame); err != nil {
				c.dropNow()
				return
			}
		}
		if c.tickDue.Swap(false) && !c.keepAlive() {
			return
		}
	}
}

// write sends one frame. It sets no deadline of its own: a ctx with a
// timeout costs a timer and nine allocations per frame, so the server's
// shared ticker drops a socket whose write is stuck instead (see check).
func (c *wsConn) write(frame []byte) error {
	c.writing.Store(time.Now().UnixNano())
	err := c.ws.Write(context.Background(), websocket.MessageText, frame)
	c.writing.Store(0)
	if err == nil {
		// A peer taking its answers is alive, even while the read pump
		// waits for room and so sees none of its pongs.
		c.touch()
	}
	return err
}

func (c *wsConn) pop() ([]byte, bool) { return c.out.pop(c.cfg.writeQueue, c.cfg.queueBytes) }

// dropNow closes the TCP connection at once, without a close handshake.
// It closes the hijacked socket itself rather than calling CloseNow, which
// waits for a close handshake in progress (up to five seconds).
func (c *wsConn) dropNow() {
	if c.raw != nil {
		_ = c.raw.Close()
	}
	if c.ws != nil {
		_ = c.ws.CloseNow()
	}
}

// closeWithin sends a close frame and waits for the peer's reply for at
// most closeWait, then closes the TCP connection whether or not it came.
func (c *wsConn) closeWithin(code websocket.StatusCode, reason string) {
	t := time.AfterFunc(c.cfg.closeWait, func() {
		if c.raw != nil {
			_ = c.raw.Close()
		}
	})
	defer t.Stop()
	_ = c.ws.Close(code, reason)
}

// check is the shared ticker's visit, at time now (unix nanos). A write
// stuck past writeTimeout (a peer that stopped reading while its socket
// buffers are full) gets the socket dropped; a connection quiet for a ping
// interval gets its write pump poked to ping or close it. check never
// blocks: the caller holds the server's lock.
func (c *wsConn) check(now int64) {
	if w := c.writing.Load(); w != 0 && time.Duration(now-w) > c.cfg.writeTimeout {
		if c.dropped.CompareAndSwap(false, true) {
			c.cfg.metrics.closed("write_timeout")
			// The stuck writer gives up as soon as the socket is closed.
			go c.dropNow()
		}
		return
	}
	if time.Duration(now-c.lastSeen.Load()) >= c.cfg.pingInterval {
		c.tick()
	}
}

// keepAlive pings a quiet peer and closes one silent for idleTimeout. The
// wait for the pong never outlasts the idle budget, so a dead peer goes
// within idleTimeout plus one tick. It reports whether the connection is
// still open.
func (c *wsConn) keepAlive() bool {
	quiet := c.quiet()
	if quiet < c.cfg.pingInterval {
		return true // traffic already proves the peer is alive
	}
	if quiet < c.cfg.idleTimeout {
		ctx, cancel := context.WithTimeout(context.Background(), min(c.cfg.writeTimeout, c.cfg.idleTimeout-quiet))
		err := c.ws.Ping(ctx)
		cancel()
		if err == nil {
			return true
		}
		if errors.Is(err, net.ErrClosed) {
			return false
		}
	}
	if c.quiet() < c.cfg.idleTimeout {
		return true
	}
	c.cfg.metrics.closed("idle")
	c.closeWithin(websocket.StatusGoingAway, "idle timeout")
	return false
}

func (c *wsConn) quiet() time.Duration { return time.Since(time.Unix(0, c.lastSeen.Load())) }

// finish flushes the frames still queued (responses to plays that finished
// during a drain go out before the close frame), bounded by one write
// timeout, then closes the socket with the requested code.
func (c *wsConn) finish() {
	if c.closeCode == 0 {
		c.dropNow()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.writeTimeout)
	defer cancel()
	for frame, ok := c.pop(); ok; frame, ok = c.pop() {
		if c.ws.Write(ctx, websocket.MessageText, frame) != nil {
			c.dropNow()
			return
		}
	}
	c.cfg.metrics.closed(codeLabel(c.closeCode))
	c.closeWithin(c.closeCode, c.closeReason)
}
