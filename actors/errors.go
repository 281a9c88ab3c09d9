package actors

import "errors"

// Errors of OpenSession and Dispatch.
var (
	// ErrUnknownCircle: the circle key is not served here.
	ErrUnknownCircle = errors.New("actors: unknown circle")
	// ErrShuttingDown: the system is draining and takes no new sessions or tasks.
	ErrShuttingDown = errors.New("actors: shutting down")
	// ErrTooManySessions: the system refuses more sessions (spawn failed).
	ErrTooManySessions = errors.New("actors: too many sessions")
)
