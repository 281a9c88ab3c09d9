package transport

import "sync"

// outQueue is a connection's FIFO of outbound frames. Its storage exists
// only while frames wait: an idle connection holds no buffer, where a chan
// []byte of the default 64 slots would pin 1.5 KB per connection for its
// whole life. Safe for concurrent use.
//
// The queue has a soft bound (frames and bytes) and a hard one. Past the
// soft bound the read pump stops reading the peer's requests until the
// write pump has made room (full, room), so a client that pipelines
// requests gets back-pressure instead of a disconnection; the answers to
// requests already read still go in, up to the hard bound, which only a
// session answering far more than it was asked can reach.
type outQueue struct {
	mu     sync.Mutex
	frames [][]byte
	bytes  int
	room   chan struct{} // cap 1: signalled when a pop leaves the queue under its soft bound
}

// push appends frame unless the hard bound (hardFrames frames or hardBytes
// bytes already waiting) is reached.
func (q *outQueue) push(frame []byte, hardFrames, hardBytes int) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.frames) >= hardFrames || q.bytes > 0 && q.bytes+len(frame) > hardBytes {
		return false
	}
	q.frames = append(q.frames, frame)
	q.bytes += len(frame)
	return true
}

// full reports whether the queue is at its soft bound.
func (q *outQueue) full(maxFrames, maxBytes int) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.frames) >= maxFrames || q.bytes >= maxBytes
}

// pop removes the oldest frame; ok is false when none waits. The backing
// array is released as soon as the queue is empty. When the queue is then
// under the soft bound, a reader waiting for room is woken.
func (q *outQueue) pop(maxFrames, maxBytes int) (frame []byte, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.frames) == 0 {
		return nil, false
	}
	frame = q.frames[0]
	q.frames[0] = nil
	q.frames = q.frames[1:]
	q.bytes -= len(frame)
	if len(q.frames) == 0 {
		q.frames = nil
	}
	if q.room != nil && len(q.frames) < maxFrames && q.bytes < maxBytes {
		select {
		case q.room <- struct{}{}:
		default:
		}
	}
	return frame, true
}

// roomSignal returns the channel pop signals on, made on first use so an
// idle connection carries none.
func (q *outQueue) roomSignal() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.room == nil {
		q.room = make(chan struct{}, 1)
	}
	return q.room
}
