package state

import (
	"strings"
	"sync"

	"github.com/google/btree"
)

// MemoryBackend keeps every circle's state in memory: a hash map for the
// point reads and writes every run makes, and an ordered tree of the keys
// for keys(prefix). It is the default without a data dir: nothing survives
// the process.
type MemoryBackend struct {
	mu      sync.RWMutex
	circles map[string]*memCircle
}

type memCircle struct {
	vals  map[string][]byte
	keys  *btree.BTreeG[string] // the keys of vals, in byte order
	stats Stats
}

type kv struct {
	k string
	v []byte
}

func lessKey(a, b string) bool { return a < b }

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
	v, ok := c.vals[key]
	return v, ok, nil
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
	c.keys.AscendGreaterOrEqual(start, func(k string) bool {
		if !strings.HasPrefix(k, prefix) {
			return false
		}
		out = append(out, kv{k, c.vals[k]})
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
		c.keys.AscendGreaterOrEqual(last+"\x00", func(k string) bool {
			if !strings.HasPrefix(k, prefix) {
				return false
			}
			out = append(out, kv{k, c.vals[k]})
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
			c = &memCircle{vals: map[string][]byte{}, keys: btree.NewG(32, lessKey)}
			m.circles[b.Circle] = c
		}
		for _, w := range b.Writes {
			_, had := c.vals[w.Key]
			switch {
			case w.Delete:
				if had {
					delete(c.vals, w.Key)
					c.keys.Delete(w.Key)
				}
			default:
				c.vals[w.Key] = w.Val
				if !had {
					c.keys.ReplaceOrInsert(w.Key)
				}
			}
		}
		c.stats.Keys += b.Delta.Keys
		c.stats.Bytes += b.Delta.Bytes
	}
	return nil
}

func (m *MemoryBackend) Close() error { return nil }
