package webhook

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// errNoScript: neither DIR/<circle>/<provider>.rhai nor DIR/<provider>.rhai
// exists (or no directory is configured).
var errNoScript = errors.New("no handler script")

// scriptStore finds and caches handler scripts. A circle's own file
// DIR/<circle_pk>/<provider>.rhai overrides the shared DIR/<provider>.rhai.
// Every lookup stats the candidate files and re-reads one only when its
// modification time or size changed, so an operator can edit handlers on a
// running server without a restart while a busy endpoint does not re-read
// the file on every event. The cache holds at most one entry per path that
// exists, i.e. bounded by the files an operator put there. Safe for
// concurrent use.
type scriptStore struct {
	dir      string
	maxBytes int64

	mu    sync.Mutex
	cache map[string]cachedScript
}

type cachedScript struct {
	modTime time.Time
	size    int64
	src     string
}

func newScriptStore(dir string, maxBytes int) *scriptStore {
	if maxBytes <= 0 {
		maxBytes = 256 << 10
	}
	return &scriptStore{dir: dir, maxBytes: int64(maxBytes), cache: map[string]cachedScript{}}
}

// lookup returns the handler source for circle (canonical key) and provider,
// and the path it came from. It returns errNoScript when there is none.
// circle and provider are never user spelled: circle is canonical lowercase
// hex and provider one of our constants, so the paths cannot escape dir.
func (s *scriptStore) lookup(circle, provider string) (src, path string, err error) {
	if s.dir == "" {
		return "", "", errNoScript
	}
	for _, p := range []string{
		filepath.Join(s.dir, circle, provider+".rhai"),
		filepath.Join(s.dir, provider+".rhai"),
	} {
		src, err := s.load(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		return src, p, err
	}
	return "", "", errNoScript
}

// load returns the content of path from the cache when the file is
// unchanged, else reads it.
func (s *scriptStore) load(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("failed to load handler script %s: not a regular file", path)
	}
	s.mu.Lock()
	c, ok := s.cache[path]
	s.mu.Unlock()
	if ok && c.modTime.Equal(fi.ModTime()) && c.size == fi.Size() {
		return c.src, nil
	}
	src, err := s.read(path)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.cache[path] = cachedScript{modTime: fi.ModTime(), size: fi.Size(), src: src}
	s.mu.Unlock()
	return src, nil
}

func (s *scriptStore) read(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, s.maxBytes+1))
	if err != nil {
		return "", fmt.Errorf("failed to read handler script %s: %w", path, err)
	}
	if int64(len(b)) > s.maxBytes {
		return "", fmt.Errorf("failed to load handler script %s: larger than %d bytes", path, s.maxBytes)
	}
	return string(b), nil
}
