package actors

// FrameSink is where a session writes outbound text frames. Send never
// blocks. A full outbound queue makes the transport stop reading the
// connection's requests (back-pressure) rather than refuse answers; Send
// returns false only past a hard bound that a session answering what it
// was asked does not reach, and the session then closes the connection
// (status 1008 "slow consumer"). Close closes the connection with a WebSocket status code
// (1000 normal, 1001 going away on shutdown, 1008 policy, 1011 internal
// error). Both are safe to call from any goroutine and more than once.
type FrameSink interface {
	Send(frame []byte) bool
	Close(code int, reason string)
}

// WebSocket close codes the session uses.
const (
	CloseNormal        = 1000
	CloseGoingAway     = 1001
	ClosePolicy        = 1008
	CloseInternalError = 1011
)
