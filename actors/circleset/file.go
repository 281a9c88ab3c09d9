package circleset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/circles-actor/circles-actor/config"
)

// FileName is the set's file in the data dir.
const FileName = "circles.json"

// File is a Store in DIR/circles.json: {"circles": [{public_key, added_at}]}.
// Every change rewrites the file atomically (a temporary file in the same
// directory, fsynced, renamed over the old one, then the directory
// fsynced), so a crash leaves the old set or the new one, never a torn
// file.
type File struct {
	path string
	mu   sync.Mutex
}

// NewFile keeps the set in dir/circles.json, creating dir if needed.
func NewFile(dir string) (*File, error) {
	if dir == "" {
		return nil, errors.New("failed to open the circle set: no data dir")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("failed to create data dir: %w", err)
	}
	return &File{path: filepath.Join(dir, FileName)}, nil
}

// Path is the file's path.
func (f *File) Path() string { return f.path }

type fileDoc struct {
	Circles []Entry `json:"circles"`
}

// Load reads the set; a missing file is an empty set.
func (f *File) Load(context.Context) ([]Entry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.read()
}

func (f *File) read() ([]Entry, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", f.path, err)
	}
	entries, err := ParseFile(b)
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", f.path, err)
	}
	return entries, nil
}

// ParseFile decodes the file's contents; every key must be a valid circle
// key (it is canonicalised) and appear once.
func ParseFile(b []byte) ([]Entry, error) {
	var doc fileDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("not a circle set: %w", err)
	}
	seen := make(map[string]bool, len(doc.Circles))
	out := doc.Circles[:0]
	for i, e := range doc.Circles {
		pk, err := config.CanonicalKey(e.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		if seen[pk] {
			continue
		}
		seen[pk] = true
		e.PublicKey = pk
		out = append(out, e)
	}
	return out, nil
}

// Add writes e unless its key is in the set.
func (f *File) Add(_ context.Context, e Entry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	entries, err := f.read()
	if err != nil {
		return err
	}
	if slices.ContainsFunc(entries, func(x Entry) bool { return x.PublicKey == e.PublicKey }) {
		return nil
	}
	return f.write(append(entries, e))
}

// Remove drops pk from the set.
func (f *File) Remove(_ context.Context, pk string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	entries, err := f.read()
	if err != nil {
		return err
	}
	kept := slices.DeleteFunc(entries, func(x Entry) bool { return x.PublicKey == pk })
	return f.write(kept)
}

func (f *File) write(entries []Entry) error {
	if entries == nil {
		entries = []Entry{}
	}
	b, err := json.MarshalIndent(fileDoc{Circles: entries}, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(f.path)
	tmp, err := os.CreateTemp(dir, "."+FileName+".*")
	if err != nil {
		return fmt.Errorf("failed to write the circle set: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename: nothing to remove
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("failed to write the circle set: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("failed to sync the circle set: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("failed to write the circle set: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return fmt.Errorf("failed to replace the circle set: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("failed to sync the data dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("failed to sync the data dir: %w", err)
	}
	return nil
}
