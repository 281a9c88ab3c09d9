package transport

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/coder/websocket"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/config"
)

// handleCircle serves GET /{circle_pk}: an unknown or malformed key gets
// the 404 JSON before any upgrade, an IP over its connection cap gets 429,
// a server shutting down 503; otherwise the socket is upgraded, a session
// opened, and the connection handed to its pumps (runConn).
func (s *Server) handleCircle(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("circle_pk")
	pk, err := config.CanonicalKey(raw)
	if err != nil || !s.sys.HasCircle(pk) {
		s.metrics.rejected("not_found")
		writeCircleNotFound(w, raw)
		return
	}
	ip := clientIP(r)
	c, status := s.admit(ip)
	if c == nil {
		s.refuse(w, status)
		return
	}
	sess := s.upgrade(w, r, c, pk)
	if sess == nil {
		s.release(c, ip)
		return
	}
	// The handler returns here: net/http forgets a hijacked connection, and
	// this goroutine's stack, grown while parsing the request and running
	// the handshake, goes with it. A fresh goroutine becomes the read pump;
	// idle, it needs a few KB of stack where this one would keep 16.
	go s.runConn(c, sess, pk, r.RemoteAddr, ip)
}

// session is the transport's view of *actors.Session.
type session interface {
	frameReceiver
	Closed()
}

// upgrade accepts the WebSocket and opens the session; nil means the
// connection was refused or closed and is finished.
func (s *Server) upgrade(w http.ResponseWriter, r *http.Request, c *wsConn, pk string) *actors.Session {
	hj := &hijackRecorder{ResponseWriter: w}
	ws, err := websocket.Accept(hj, r, &websocket.AcceptOptions{
		// Browser wallets connect from whatever origin the dapp is served
		// on, and nothing here rides on ambient credentials (no cookies,
		// no HTTP auth): a session proves its key by signing a nonce over
		// the socket itself. A cross-site page therefore gains nothing a
		// script of its own could not, so origins are not checked; this
		// is written out instead of a "*" pattern, as coder/websocket asks.
		InsecureSkipVerify: true,
		// Compression costs a flate state per connection; frames are small.
		CompressionMode: websocket.CompressionDisabled,
		OnPongReceived:  c.onPong,
	})
	if err != nil {
		s.metrics.rejected("upgrade")
		s.log.Debug("websocket upgrade failed", "remote", r.RemoteAddr, "err", err)
		return nil
	}
	s.mu.Lock()
	c.ws, c.raw = ws, hj.conn // under mu: Shutdown may drop the socket from another goroutine
	s.mu.Unlock()
	ws.SetReadLimit(c.cfg.readLimit)
	sess, err := s.sys.OpenSession(pk, r.RemoteAddr, c)
	if err != nil {
		s.log.Warn("failed to open session", "circle", config.Fingerprint(pk), "remote", r.RemoteAddr, "err", err)
		code, reason := websocket.StatusInternalError, "session unavailable"
		if errors.Is(err, actors.ErrUnknownCircle) { // removed between the check and the spawn
			code, reason = actors.CloseCircleRemoved, "circle removed"
		} else if errors.Is(err, actors.ErrShuttingDown) {
			code = websocket.StatusGoingAway
		} else if errors.Is(err, actors.ErrTooManySessions) {
			code = websocket.StatusTryAgainLater
		}
		s.metrics.closed(codeLabel(code))
		ws.Close(code, reason)
		return nil
	}
	return sess
}

// hijackRecorder is the ResponseWriter handed to websocket.Accept: it
// passes the upgrade through and keeps the hijacked TCP connection, which
// coder/websocket does not expose, so that a close the peer never answers
// can be cut short (see wsConn.closeWithin).
type hijackRecorder struct {
	http.ResponseWriter
	conn net.Conn
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	h.conn = conn
	return conn, brw, err
}

// runConn runs a connection's pumps until the socket ends, tells the
// session, and releases the connection (which Shutdown waits for). Session
// code runs on this goroutine (see readPump), so a panic escaping it is
// recovered here, as net/http would for a handler: the connection closes
// with 1011 and the server lives on.
func (s *Server) runConn(c *wsConn, sess session, pk, remote, ip string) {
	defer s.release(c, ip)
	pumping := false
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("connection panicked", "circle", config.Fingerprint(pk), "remote", remote, "panic", v, "stack", string(debug.Stack()))
			c.Close(actors.CloseInternalError, "internal error")
			sess.Closed()
			if pumping {
				<-c.done
			} else {
				c.ws.CloseNow()
			}
		}
	}()
	s.metrics.opened()
	defer s.metrics.ended()
	start := time.Now()
	s.log.Debug("connection opened", "circle", config.Fingerprint(pk), "remote", remote)
	go c.writePump()
	pumping = true
	c.readPump(sess)
	sess.Closed()
	<-c.done
	s.log.Debug("connection closed", "circle", config.Fingerprint(pk), "remote", remote, "duration", time.Since(start))
}

// admit registers a connection from ip unless the server is closing (503)
// or ip is at its cap (429).
func (s *Server) admit(ip string) (*wsConn, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, http.StatusServiceUnavailable
	}
	if s.perIP[ip] >= s.cfg.MaxConnsPerIP {
		return nil, http.StatusTooManyRequests
	}
	s.perIP[ip]++
	s.tickerOnce.Do(func() { go s.runTicker() })
	c := newWSConn(s.pump)
	s.conns[c] = struct{}{}
	return c, 0
}

// release forgets a finished connection and wakes Shutdown's wait.
func (s *Server) release(c *wsConn, ip string) {
	s.mu.Lock()
	delete(s.conns, c)
	if s.perIP[ip]--; s.perIP[ip] <= 0 {
		delete(s.perIP, ip)
	}
	s.mu.Unlock()
	close(c.ended)
}

func (s *Server) refuse(w http.ResponseWriter, status int) {
	if status == http.StatusTooManyRequests {
		s.metrics.rejected("too_many")
		writeJSON(w, status, errorBody{Error: "Too many connections", Message: "Too many connections from this address"})
		return
	}
	s.metrics.rejected("shutting_down")
	writeJSON(w, status, errorBody{Error: "Shutting down", Message: "The server is shutting down"})
}

// clientIP is the peer's address without port. X-Forwarded-For is not
// trusted: a proxy in front must enforce its own per-client caps.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// handleNotFound answers every other path the way an unknown circle is
// answered, since the path is all a client gives.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	writeCircleNotFound(w, r.URL.Path[1:])
}

// errorBody is the JSON of refused HTTP requests, the original server's
// shape.
type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// writeCircleNotFound writes exactly
// {"error":"Circle not found","message":"Circle '<pk>' is not available on this server"}
// with the key as the client gave it.
func writeCircleNotFound(w http.ResponseWriter, pk string) {
	writeJSON(w, http.StatusNotFound, errorBody{
		Error:   "Circle not found",
		Message: "Circle '" + pk + "' is not available on this server",
	})
}

// writeJSON writes v without HTML escaping (a key echoed back stays as
// given) and without a trailing newline.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}
