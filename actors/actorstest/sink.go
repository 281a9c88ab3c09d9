// Package actorstest helps tests drive sessions without a socket: ChanSink
// is an in-memory actors.FrameSink whose frames a test reads with Next.
package actorstest

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// ChanSink is an in-memory FrameSink. Send queues frames in a bounded
// channel and returns false when it is full, like a connection whose client
// does not read; Close records the first status and closes Done. Safe for
// concurrent use.
type ChanSink struct {
	frames chan []byte
	done   chan struct{}

	mu     sync.Mutex
	closed bool
	code   int
	reason string
}

// NewChanSink returns a sink holding at most capacity unread frames
// (capacity <= 0 means 256).
func NewChanSink(capacity int) *ChanSink {
	if capacity <= 0 {
		capacity = 256
	}
	return &ChanSink{frames: make(chan []byte, capacity), done: make(chan struct{})}
}

// Send queues frame; false when the queue is full or the sink is closed.
func (c *ChanSink) Send(frame []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	select {
	case c.frames <- append([]byte(nil), frame...):
		return true
	default:
		return false
	}
}

// Close records code and reason the first time and closes Done.
func (c *ChanSink) Close(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed, c.code, c.reason = true, code, reason
	close(c.done)
}

// Done is closed once Close has been called.
func (c *ChanSink) Done() <-chan struct{} { return c.done }

// Status returns the close code and reason (0, "" while open).
func (c *ChanSink) Status() (int, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.code, c.reason
}

// Next returns the next frame, or an error after timeout. Frames queued
// before Close are still returned.
func (c *ChanSink) Next(timeout time.Duration) ([]byte, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case f := <-c.frames:
		return f, nil
	case <-t.C:
		return nil, fmt.Errorf("no frame within %s", timeout)
	}
}

// NextJSON reads the next frame into v.
func (c *ChanSink) NextJSON(timeout time.Duration, v any) error {
	f, err := c.Next(timeout)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(f, v); err != nil {
		return fmt.Errorf("failed to decode frame %s: %w", f, err)
	}
	return nil
}

// WaitClosed waits for Close and returns its status, or an error after
// timeout.
func (c *ChanSink) WaitClosed(timeout time.Duration) (int, string, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-c.done:
		code, reason := c.Status()
		return code, reason, nil
	case <-t.C:
		return 0, "", fmt.Errorf("sink not closed within %s", timeout)
	}
}

// Response is a decoded JSON-RPC response, for assertions.
type Response struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	} `json:"error"`
}

// Queued is the number of frames sent and not yet read.
func (c *ChanSink) Queued() int { return len(c.frames) }
