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
	writeQueue   int
	metrics      *connMetrics
}

// wsConn is one accepted WebSocket. It implements actors.FrameSink for the
// session actor. It runs exactly two goroutines: the read pump (the HTTP
// handler's own goroutine, see readPump) and the write pump, which also
// sends pings and enforces the idle timeout, so an idle connection costs no
// goroutine or timer beyond those.
//
// Send and Close are safe from any goroutine and may be called more than
// once; everything else belongs to the pumps.
type wsConn struct {
	ws   *websocket.Conn
	cfg  *pumpConfig
	out  chan []byte   // bounded outbound queue (cfg.writeQueue)
	quit chan struct{} // closed by Close: the write pump closes the socket
	done chan struct{} // closed when the write pump has returned

	// ended is closed when the connection is completely finished: both
	// pumps returned and the session was told. Shutdown waits on it.
	ended chan struct{}

	closeOnce   sync.Once
	closeCode   websocket.StatusCode // set before quit closes; 0: socket already gone
	closeReason string

	lastSeen atomic.Int64 // unix nanos of the last data frame or pong
}

// newWSConn prepares a connection; the caller sets ws once the upgrade
// succeeded (the accept options need onPong before the socket exists).
func newWSConn(cfg *pumpConfig) *wsConn {
	c := &wsConn{
		cfg:   cfg,
		out:   make(chan []byte, cfg.writeQueue),
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

// Send queues frame for the write pump. It never blocks: it returns false
// when the queue is full (the session then closes the connection as a slow
// consumer). Frames sent after Close are dropped (and reported as sent, so
// a session answering on a socket that just went away is not mistaken for a
// slow consumer).
func (c *wsConn) Send(frame []byte) bool {
	select {
	case <-c.quit:
		return true
	default:
	}
	select {
	case c.out <- frame:
		return true
	default:
		return false
	}
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
// ends. It runs on the upgrade handler's goroutine, with a ctx that lives as
// long as the server (never the request's ctx, which dies with the handler;
// an expired read ctx closes the socket without a close frame). Binary
// frames close the connection with 1003, frames over the read limit with
// 1009 (coder/websocket sends that close frame itself).
func (c *wsConn) readPump(ctx context.Context, sess frameReceiver) {
	for {
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

// writePump writes queued frames, pings the peer every pingInterval when it
// has been quiet, closes it after idleTimeout of silence, and performs the
// close Close asked for. It is the only goroutine a connection adds.
func (c *wsConn) writePump() {
	defer close(c.done)
	ticker := time.NewTicker(c.cfg.pingInterval)
	defer ticker.Stop()
	for {
		select {
		case frame := <-c.out:
			if err := c.write(frame); err != nil {
				c.ws.CloseNow()
				return
			}
		case <-ticker.C:
			if !c.keepAlive() {
				return
			}
		case <-c.quit:
			c.finish()
			return
		}
	}
}

func (c *wsConn) write(frame []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.writeTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, frame)
}

// keepAlive pings a quiet peer and closes one silent for idleTimeout. It
// reports whether the connection is still open.
func (c *wsConn) keepAlive() bool {
	quiet := time.Since(time.Unix(0, c.lastSeen.Load()))
	if quiet >= c.cfg.idleTimeout {
		c.cfg.metrics.closed("idle")
		c.ws.Close(websocket.StatusGoingAway, "idle timeout")
		return false
	}
	if quiet < c.cfg.pingInterval {
		return true // traffic already proves the peer is alive
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.writeTimeout)
	defer cancel()
	err := c.ws.Ping(ctx)
	return err == nil || !errors.Is(err, net.ErrClosed)
}

// finish flushes the frames still queued (responses to plays that finished
// during a drain go out before the close frame), bounded by one write
// timeout, then closes the socket with the requested code.
func (c *wsConn) finish() {
	if c.closeCode == 0 {
		c.ws.CloseNow()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.writeTimeout)
	defer cancel()
	for flushing := true; flushing; {
		select {
		case frame := <-c.out:
			if c.ws.Write(ctx, websocket.MessageText, frame) != nil {
				c.ws.CloseNow()
				return
			}
		default:
			flushing = false
		}
	}
	c.cfg.metrics.closed(codeLabel(c.closeCode))
	c.ws.Close(c.closeCode, c.closeReason)
}
