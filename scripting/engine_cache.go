package scripting

import (
	"container/list"
	"sync"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// programCache is a bounded LRU of compiled programs keyed by script text.
// It bounds both the number of entries and the total source bytes it keys,
// so a client sending many large distinct scripts cannot grow it without
// limit. Safe for concurrent use.
type programCache struct {
	mu       sync.Mutex
	max      int
	maxBytes int
	bytes    int
	order    *list.List // front: most recently used
	items    map[string]*list.Element
}

type cacheEntry struct {
	src  string
	prog *rhai.Program
}

func newProgramCache(entries, maxBytes int) *programCache {
	return &programCache{max: entries, maxBytes: maxBytes, order: list.New(), items: map[string]*list.Element{}}
}

func (c *programCache) get(src string) (*rhai.Program, bool) {
	if c == nil || c.max <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[src]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).prog, true
}

func (c *programCache) put(src string, p *rhai.Program) {
	if c == nil || c.max <= 0 || len(src) > c.maxBytes/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[src]; ok {
		c.order.MoveToFront(el)
		return
	}
	c.items[src] = c.order.PushFront(&cacheEntry{src: src, prog: p})
	c.bytes += len(src)
	for c.order.Len() > c.max || c.bytes > c.maxBytes {
		last := c.order.Back()
		e := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.items, e.src)
		c.bytes -= len(e.src)
	}
}

func (c *programCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
