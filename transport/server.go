// Package transport serves circles over HTTP and WebSocket: GET /{circle_pk}
// upgrades to a WebSocket whose text frames the circle's session actor
// handles (JSON-RPC 2.0, see package actors), GET /healthz, /readyz and
// /metrics report on the process, and POST /webhooks/ runs signed webhooks
// (package transport/webhook); GET /circles-client.js and the playground
// page at GET / are package transport/web's.
//
// The transport only moves frames. Each connection has a read pump (a fresh
// goroutine started as the upgrade handler returns) that hands every text
// frame to the session, and a write pump that drains a bounded outbound
// queue, pings, and enforces the idle timeout. Shutdown stops accepting, drains the actor system, then
// closes and waits for every socket that is still open (status 1001).
//
// The Go client lives in transport/client.
package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/transport/web"
	"github.com/circles-actor/circles-actor/transport/webhook"
)

// HTTP timeouts. They bound the handshake, health and webhook requests
// only: net/http clears a connection's deadlines when a WebSocket upgrade
// hijacks it, and from then on the pumps' own timeouts apply.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleHTTPTimeout   = 120 * time.Second
	maxHeaderBytes    = 64 << 10
)

// Server is the HTTP side of a circles-actor process. Handler, Serve and
// Shutdown are safe for concurrent use.
type Server struct {
	sys     *actors.System
	cfg     config.Config
	log     *slog.Logger
	handler http.Handler
	srv     *http.Server
	pump    *pumpConfig
	metrics *connMetrics

	mu      sync.Mutex
	conns   map[*wsConn]struct{}
	perIP   map[string]int
	closing bool

	// One ticker for all connections drives pings, idle checks and write
	// timeouts, so a connection needs no timer of its own. It starts with
	// the first connection and stops at Shutdown.
	tickerOnce sync.Once
	stopTicker chan struct{}
	stopOnce   sync.Once

	serveCalled atomic.Bool
	serving     atomic.Int32

	admin atomic.Pointer[http.Handler] // the /v1 API; nil: every /v1 path is 404
}

// NewServer builds the server for sys. Zero connection settings in cfg
// (MaxFrameBytes, PingInterval, IdleTimeout, WriteQueue, WriteTimeout,
// MaxConnsPerIP, ShutdownTimeout) take config.Default()'s values, so an
// embedder may pass a partly filled Config. With cfg.TLS the certificate
// is loaded here, so a bad one fails now rather than at the first client.
// log nil means slog.Default().
func NewServer(sys *actors.System, cfg config.Config, log *slog.Logger) (*Server, error) {
	if sys == nil {
		return nil, errors.New("failed to create server: nil actor system")
	}
	if log == nil {
		log = slog.Default()
	}
	cfg = withDefaults(cfg)
	metrics, err := newConnMetrics(sys.Registry())
	if err != nil {
		return nil, fmt.Errorf("failed to create server: %w", err)
	}
	s := &Server{
		sys:        sys,
		cfg:        cfg,
		log:        log,
		metrics:    metrics,
		conns:      make(map[*wsConn]struct{}),
		perIP:      make(map[string]int),
		stopTicker: make(chan struct{}),
		pump: &pumpConfig{
			readLimit:    cfg.MaxFrameBytes,
			pingInterval: cfg.PingInterval,
			idleTimeout:  cfg.IdleTimeout,
			writeTimeout: cfg.WriteTimeout,
			writeQueue:   cfg.WriteQueue,
			queueBytes:   queueSoftBytes,
			hardFrames:   cfg.WriteQueue + queueHardExtra + cfg.MaxInFlight,
			hardBytes:    queueHardBytes,
			closeWait:    closeReplyWait,
			metrics:      metrics,
		},
	}
	if s.handler, err = s.routes(); err != nil {
		return nil, fmt.Errorf("failed to create server: %w", err)
	}
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleHTTPTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	if cfg.TLS {
		cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("failed to load TLS certificate: %w", err)
		}
		s.srv.TLSConfig = &tls.Config{
			Certificates: []tls.Certificate{cert},
			MinVersion:   tls.VersionTLS12,
			// WebSocket upgrades hijack an HTTP/1.1 connection; never
			// negotiate h2.
			NextProtos: []string{"http/1.1"},
		}
	}
	return s, nil
}

// withDefaults fills the zero settings of a Config that skipped Validate;
// the ping interval must also stay below the idle timeout.
func withDefaults(cfg config.Config) config.Config {
	cfg.FillDefaults()
	if cfg.PingInterval >= cfg.IdleTimeout {
		cfg.PingInterval = min(config.Default().PingInterval, cfg.IdleTimeout/2)
	}
	return cfg
}

// routes builds the ServeMux. Path patterns route; no framework.
func (s *Server) routes() (http.Handler, error) {
	wh, err := webhook.NewHandler(webhook.Options{
		Run:       s.sys.Dispatch,
		HasCircle: s.sys.HasCircle,
		Logger:    s.log,
		Config:    s.cfg,
	})
	if err != nil {
		return nil, err
	}
	browser, err := web.New(web.Options{
		Playground: !s.cfg.NoPlayground,
		Circles:    s.sys.Circles,
		EnableAuth: s.cfg.EnableAuth,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	// The client module, and the playground at / unless NoPlayground.
	browser.Register(mux)
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	mux.Handle("GET /metrics", s.metricsHandler())
	mux.Handle("POST /webhooks/", wh)
	// GET too, so that the webhook handler answers its own JSON 405 instead
	// of the catch-all's "Circle not found".
	mux.Handle("GET /webhooks/", wh)
	for _, m := range []string{"GET", "PUT", "DELETE", "POST", "PATCH", "OPTIONS"} {
		mux.HandleFunc(m+" /v1/", s.handleAdmin)
	}
	mux.HandleFunc("GET /{circle_pk}", s.handleCircle)
	// Every other GET path is answered like an unknown circle; other
	// methods get ServeMux's own 405 or 404.
	mux.HandleFunc("GET /", s.handleNotFound)
	return mux, nil
}

// SetAdmin mounts the admin API (package transport/admin) at /v1/; until
// it is set, or with nil, every /v1 path is 404, so the API's existence is
// not advertised when no admin token is configured.
func (s *Server) SetAdmin(h http.Handler) {
	if h == nil {
		s.admin.Store(nil)
		return
	}
	s.admin.Store(&h)
}

func (s *Server) handleAdmin(w http.ResponseWriter, r *http.Request) {
	if h := s.admin.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	writeJSON(w, http.StatusNotFound, errorBody{Error: "Not found", Message: "No such API endpoint"})
}

// Handler is the server's whole HTTP surface, for embedding in another
// http.Server or an httptest.Server. Sockets it upgrades are still tracked
// and closed by Shutdown.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve accepts connections on ln (wrapped in TLS when the config asks for
// it) until Shutdown; it then returns http.ErrServerClosed, like
// http.Server.Serve.
func (s *Server) Serve(ln net.Listener) error {
	s.serveCalled.Store(true)
	s.serving.Add(1)
	defer s.serving.Add(-1)
	if s.cfg.TLS {
		ln = tls.NewListener(ln, s.srv.TLSConfig)
	}
	s.log.Debug("serving", "addr", ln.Addr().String(), "tls", s.cfg.TLS)
	return s.srv.Serve(ln)
}

// Shutdown stops the server in order: stop accepting (listeners close, new
// upgrades get 503), drain the actor system (sessions finish in-flight
// plays within ctx and close with 1001), then close every socket still open
// with 1001 and wait for its pumps to end. When ctx expires first, the
// remaining sockets are dropped without a close handshake and ctx's error
// is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	defer s.stopOnce.Do(func() { close(s.stopTicker) })
	var errs []error
	if err := s.srv.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("failed to stop listening: %w", err))
	}
	if err := s.sys.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("failed to stop actor system: %w", err))
	}
	if err := s.closeConns(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// closeConns is the close-and-wait registry's drain: every tracked socket
// is closed with 1001, then each one's pumps are awaited.
func (s *Server) closeConns(ctx context.Context) error {
	s.mu.Lock()
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close(int(actors.CloseGoingAway), "server shutting down")
	}
	for _, c := range conns {
		select {
		case <-c.ended:
		case <-ctx.Done():
			s.dropConns()
			return fmt.Errorf("failed to close connections: %w", ctx.Err())
		}
	}
	return nil
}

// dropConns closes every socket still open without a close handshake,
// which ends its read pump at once.
func (s *Server) dropConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.ws != nil {
			go c.dropNow() // never block under mu
		}
	}
}

// runTicker visits every connection (wsConn.check) every half of the
// shorter of PingInterval and WriteTimeout until Shutdown, so pings go out
// within half an interval of being due and a stuck write is dropped within
// 1.5 write timeouts.
func (s *Server) runTicker() {
	t := time.NewTicker(min(s.cfg.PingInterval, s.cfg.WriteTimeout) / 2)
	defer t.Stop()
	for {
		select {
		case now := <-t.C:
			s.mu.Lock()
			for c := range s.conns {
				c.check(now.UnixNano())
			}
			s.mu.Unlock()
		case <-s.stopTicker:
			return
		}
	}
}
