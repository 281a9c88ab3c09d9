package state

import (
	"strings"
	"sync"

	"github.com/google/btree"
)

// MemoryBackend keeps every circle's state in ordered in-memory trees. It
// is the default without a data dir: nothing survives the process.
type MemoryBackend struct {
	mu      sync.RWMutex
	circles map[string]*memCircle
}

type memCircle struct {
	t     *btree.BTreeG[kv]
	stats Stats
}

type kv struct {
	k string
	v []byte
}

func lessKV(a, b kv) bool { return a.k < b.k }

// NewMemoryBackend returns an empty memory backend.
func NewMemoryBackend() *MemoryBackend {
	return &MemoryBackend{circles: map[string]*memCircle{}}
}

// Inline marks MemoryBackend as applied on the committing goroutine.
func (m *MemoryBackend) Inline() {}

func (m *MemoryBackend) Get(circle, key string) ([]byte, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	c := m.circles[circle]
	if c == nil {
		return nil, false, nil
	}
	e, ok := c.t.Get(kv{k: key})
	return e.v, ok, nil
}

func (m *MemoryBackend) Scan(circle, prefix, after string, fn func(key string, val []byte) bool) error {
	m.mu.RLock()
	c := m.circles[circle]
	if c == nil {
		m.mu.RUnlock()
		return nil
	}
	// Collect under the lock, call fn outside it: fn may be slow.
	var out []kv
	start := prefix
	if after >= start {
		start = after + "\x00"
	}
	c.t.AscendGreaterOrEqual(kv{k: start}, func(e kv) bool {
		if !strings.HasPrefix(e.k, prefix) {
			return false
		}
		out = append(out, e)
		return len(out) < 256
	})
	m.mu.RUnlock()
	for len(out) > 0 {
		for _, e := range out {
			if !fn(e.k, e.v) {
				return nil
			}
		}
		if len(out) < 256 {
			return nil
		}
		last := out[len(out)-1].k
		out = out[:0]
		m.mu.RLock()
		c.t.AscendGreaterOrEqual(kv{k: last + "\x00"}, func(e kv) bool {
			if !strings.HasPrefix(e.k, prefix) {
				return false
			}
			out = append(out, e)
			return len(out) < 256
		})
		m.mu.RUnlock()
	}
	return nil
}

func (m *MemoryBackend) Stats(circle string) (Stats, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if c := m.circles[circle]; c != nil {
		return c.stats, nil
	}
	return Stats{}, nil
}

func (m *MemoryBackend) Apply(batches []Batch) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range batches {
		c := m.circles[b.Circle]
		if c == nil {
			c = &memCircle{t: btree.NewG(32, lessKV)}
			m.circles[b.Circle] = c
		}
		for _, w := range b.Writes {
			if w.Delete {
				c.t.Delete(kv{k: w.Key})
			} else {
				c.t.ReplaceOrInsert(kv{k: w.Key, v: w.Val})
			}
		}
		c.stats.Keys += b.Delta.Keys
		c.stats.Bytes += b.Delta.Bytes
	}
	return nil
}

func (m *MemoryBackend) Close() error { return nil }
