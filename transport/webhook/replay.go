package webhook

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"time"
)

// defaultReplayCapacity bounds the remembered iDenfy signatures: about
// 100 bytes each, so the cache stays near 1 MiB however many events arrive.
const defaultReplayCapacity = 10_000

// replayCache remembers recently accepted signatures so that an exact
// replay of a signed iDenfy event (which carries no timestamp) is refused.
// Memory is bounded: at most capacity entries, the oldest evicted first,
// and an entry older than window counts as forgotten. It is safe for
// concurrent use.
type replayCache struct {
	mu       sync.Mutex
	window   time.Duration
	capacity int
	order    *list.List // of *replayEntry, newest at the front
	byKey    map[[sha256.Size]byte]*list.Element
}

type replayEntry struct {
	key  [sha256.Size]byte
	seen time.Time
}

func newReplayCache(window time.Duration, capacity int) *replayCache {
	if capacity <= 0 {
		capacity = defaultReplayCapacity
	}
	return &replayCache{
		window:   window,
		capacity: capacity,
		order:    list.New(),
		byKey:    make(map[[sha256.Size]byte]*list.Element),
	}
}

// claim records key as seen at now and reports true, or reports false when
// key was already seen within the window (a replay). Claiming first and
// releasing on failure, rather than recording after success, also refuses
// a duplicate that arrives while the first copy is still running.
func (c *replayCache) claim(key [sha256.Size]byte, now time.Time) bool {
	if c.window <= 0 {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expire(now)
	if _, ok := c.byKey[key]; ok {
		return false
	}
	c.byKey[key] = c.order.PushFront(&replayEntry{key: key, seen: now})
	for c.order.Len() > c.capacity {
		c.remove(c.order.Back())
	}
	return true
}

// release forgets key, so that the provider's retry of an event we failed
// to process is accepted.
func (c *replayCache) release(key [sha256.Size]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		c.remove(el)
	}
}

// expire drops entries older than the window from the back (oldest end).
func (c *replayCache) expire(now time.Time) {
	for el := c.order.Back(); el != nil; el = c.order.Back() {
		if now.Sub(el.Value.(*replayEntry).seen) <= c.window {
			return
		}
		c.remove(el)
	}
}

func (c *replayCache) remove(el *list.Element) {
	delete(c.byKey, el.Value.(*replayEntry).key)
	c.order.Remove(el)
}

// len reports the number of remembered signatures (for tests).
func (c *replayCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
