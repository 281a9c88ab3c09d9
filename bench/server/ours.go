package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/transport"
)

// Target is a running server under test.
type Target interface {
	// Name is "bare" or "ours".
	Name() string
	// URL is the circle's WebSocket URL.
	URL() string
	// Close shuts the server down.
	Close(ctx context.Context) error
}

// OursOptions configure StartOurs; the zero value gives config.Default()'s
// settings for everything but the listen address.
type OursOptions struct {
	// MaxConnsPerIP overrides the per-IP connection cap when > 0 (the
	// idle-memory run opens thousands from 127.0.0.1).
	MaxConnsPerIP int
	// WorkersPerCircle overrides the worker count when > 0. Default 1.
	WorkersPerCircle int
}

// Ours is our server, built in-process the way an embedder builds it:
// actors.NewSystem with the embedded dispatcher and the real interpreter,
// transport.NewServer, served on 127.0.0.1:0.
type Ours struct {
	circle string
	ln     net.Listener
	srv    *transport.Server
	served chan error
}

// StartOurs starts our server for circle. Logs are discarded (the bare
// reference logs nothing either).
func StartOurs(circle string, opts OursOptions) (*Ours, error) {
	cfg := config.Default()
	cfg.Port = 0
	cfg.PublicKeys = []string{circle}
	if opts.MaxConnsPerIP > 0 {
		cfg.MaxConnsPerIP = opts.MaxConnsPerIP
	}
	if opts.WorkersPerCircle > 0 {
		cfg.WorkersPerCircle = opts.WorkersPerCircle
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("failed to start our server: %w", err)
	}
	quiet := slog.New(slog.DiscardHandler)
	sys, err := actors.NewSystem(cfg, actors.WithLogger(quiet))
	if err != nil {
		return nil, fmt.Errorf("failed to start our server: %w", err)
	}
	srv, err := transport.NewServer(sys, cfg, quiet)
	if err != nil {
		_ = sys.Shutdown(context.Background())
		return nil, fmt.Errorf("failed to start our server: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = sys.Shutdown(context.Background())
		return nil, fmt.Errorf("failed to start our server: %w", err)
	}
	o := &Ours{circle: cfg.PublicKeys[0], ln: ln, srv: srv, served: make(chan error, 1)}
	go func() { o.served <- srv.Serve(ln) }()
	return o, nil
}

// URL is the WebSocket URL of the circle.
func (o *Ours) URL() string { return "ws://" + o.ln.Addr().String() + "/" + o.circle }

// Name is "ours".
func (o *Ours) Name() string { return "ours" }

// Close drains and stops the server and its actor system.
func (o *Ours) Close(ctx context.Context) error {
	if err := o.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("failed to close our server: %w", err)
	}
	select {
	case <-o.served:
	case <-ctx.Done():
		return fmt.Errorf("failed to close our server: %w", ctx.Err())
	}
	return nil
}

// Start starts the named target ("bare" or "ours").
func Start(kind, circle string, opts OursOptions) (Target, error) {
	switch kind {
	case "bare":
		return StartBare(circle)
	case "ours":
		return StartOurs(circle, opts)
	}
	return nil, fmt.Errorf("failed to start server: unknown kind %q (want bare or ours)", kind)
}

// Circle is the benchmark's circle: the public key of private key 1 (the
// curve's generator), a valid key nobody should use for real.
const Circle = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
