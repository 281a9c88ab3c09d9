package transport

import "sync"

// outQueue is a connection's bounded FIFO of outbound frames. Its storage
// exists only while frames wait: an idle connection holds no buffer, where
// a chan []byte of the default 64 slots would pin 1.5 KB per connection for
// its whole life. Safe for concurrent use.
type outQueue struct {
	mu     sync.Mutex
	frames [][]byte
}

// push appends frame unless max frames are already waiting.
func (q *outQueue) push(frame []byte, max int) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.frames) >= max {
		return false
	}
	q.frames = append(q.frames, frame)
	return true
}

// pop removes the oldest frame; ok is false when none waits. The backing
// array is released as soon as the queue is empty.
func (q *outQueue) pop() (frame []byte, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.frames) == 0 {
		return nil, false
	}
	frame = q.frames[0]
	q.frames[0] = nil
	q.frames = q.frames[1:]
	if len(q.frames) == 0 {
		q.frames = nil
	}
	return frame, true
}
