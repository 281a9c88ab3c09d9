// Package pebblestore keeps circles' state on disk, in a pebble store
// inside the server's data dir (DIR/state/). It is a state.Backend:
// state.Local over it gives per-circle locking and group commit, and each
// Apply is one pebble batch committed with one WAL sync (pebble also merges
// the syncs of concurrent commits).
//
// Keys of the store: "m/format" holds the format marker, "s/<circle>" a
// circle's totals (so its key and byte counts cost one read, whatever its
// size), and "c/<circle>\x00<key>" each key's encoded value (state.Encode's
// form). Circle ids never hold a NUL and keys are UTF-8 (never 0xff), so a
// circle's keys are one contiguous, ordered range.
package pebblestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/circles-actor/circles-actor/scripting/state"
)

// Dir is the store's directory inside a data dir. Other files of the data
// dir (circles.json, ...) belong to other packages.
const Dir = "state"

// Format is the marker this version writes and the only one it reads.
const Format = "circles-actor state v2 (pebble)"

// LegacyFile is the bbolt file earlier versions kept state in. Open refuses
// a data dir holding one rather than start empty beside it.
const LegacyFile = "state.db"

var keyFormat = []byte("m/format")

// Store is a state.Backend over DIR/state. Its methods are safe for
// concurrent use; Local calls Apply from one goroutine.
type Store struct {
	db   *pebble.DB
	lock *pebble.Lock
	path string
	sync *pebble.WriteOptions

	mu     sync.Mutex
	totals map[string]state.Stats // circles' totals as last read or written
	next   map[string]state.Stats // Apply's new totals (reused)
	key    []byte                 // Apply's key buffer (the batch copies keys)

	// reader serves Get: an iterator over the state as of the last Apply
	// (every write goes through Apply, so that is the latest state),
	// dropped by Apply and opened again at the next Get. One seek on an
	// open iterator costs a fraction of a pebble Get, which builds its
	// iterator each time; the price is that between two Applies it pins
	// one version of the store's files and memtable.
	rmu    sync.Mutex
	reader *pebble.Iterator
	rkey   []byte // Get's key buffer
	closed bool
}

var _ state.Backend = (*Store)(nil)

// Options tune Open.
type Options struct {
	// NoSync commits without a WAL sync (tests and benchmarks of the CPU
	// cost only: a crash may lose the last commits).
	NoSync bool
}

// Open opens (creating when absent) the state store in dir. Every way it
// can fail at start-up has its own message: the dir is in use by another
// process, the store is corrupt or not a state store, it was written by
// another format version or by the older bbolt store, or the disk is full.
func Open(dir string, o Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("failed to create the data dir %s: %w", dir, diskError(err))
	}
	if legacy := filepath.Join(dir, LegacyFile); exists(legacy) {
		return nil, fmt.Errorf("%s is state written by an older circles-actor (its bbolt store); this version keeps state in %s and will not start beside it: export each circle with the version that wrote it (`circles-actor state export`), move %s away, and import here", legacy, filepath.Join(dir, Dir), legacy)
	}
	path := filepath.Join(dir, Dir)
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("failed to create %s: %w", path, diskError(err))
	}
	if err := checkSpace(path); err != nil {
		return nil, err
	}
	lock, err := pebble.LockDirectory(path, vfs.Default)
	if err != nil {
		return nil, fmt.Errorf("data dir %s is in use: another process (a running circles-actor?) holds the lock on %s: %v; stop it first", dir, path, err)
	}
	db, err := openDB(path, lock)
	if err != nil {
		lock.Close()
		return nil, err
	}
	s := &Store{db: db, lock: lock, path: path, totals: map[string]state.Stats{}, next: map[string]state.Stats{}}
	if o.NoSync {
		s.sync = pebble.NoSync
	} else {
		s.sync = pebble.Sync
	}
	if err := s.checkFormat(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// checkSpace fails fast when the disk cannot hold what opening needs:
// pebble writes the logs it replays into a table before Open returns, and
// on a full disk it would retry that for ever.
func checkSpace(path string) error {
	logs, _ := filepath.Glob(filepath.Join(path, "*.log"))
	need := int64(1 << 20)
	for _, l := range logs {
		if fi, err := os.Stat(l); err == nil {
			need += fi.Size()
		}
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(path, &fs); err != nil {
		return nil // not knowing is no reason to refuse
	}
	if free := int64(fs.Bavail) * int64(fs.Bsize); free < need {
		return fmt.Errorf("disk full: %s has %d bytes free, opening the state store needs %d; free some space first", path, free, need)
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// openDB opens pebble in path, turning its panics and fatal logs (it has
// both on some corrupt files) into errors.
func openDB(path string, lock *pebble.Lock) (db *pebble.DB, err error) {
	defer recoverFatal(&err)
	o := &pebble.Options{Lock: lock, Logger: logger{}}
	// Bloom filters in every level's tables: a write of a new key reads it
	// first (for the circle's totals and limits), and most such reads miss.
	o.Levels[0].FilterPolicy = bloom.FilterPolicy(10)
	db, err = pebble.Open(path, o)
	if err != nil {
		if msg := err.Error(); errors.Is(err, pebble.ErrCorruption) || strings.Contains(msg, "corrupt") || strings.Contains(msg, "malformed") {
			return nil, fmt.Errorf("%s is not a readable state store (corrupt, or not written by circles-actor): %w; restore it from a backup or move it away", path, err)
		}
		return nil, fmt.Errorf("failed to open the state store %s: %w", path, diskError(err))
	}
	return db, nil
}

// logger is pebble's logger: informational lines are dropped (the server
// logs what matters), and a fatal one panics with a fatalError, which the
// calls below recover into an error, instead of exiting the process.
type logger struct{}

type fatalError struct{ msg string }

func (logger) Infof(string, ...any)  {}
func (logger) Errorf(string, ...any) {}
func (logger) Fatalf(format string, args ...any) {
	panic(fatalError{fmt.Sprintf(format, args...)})
}

// recoverFatal turns a pebble fatal error or panic into *err.
func recoverFatal(err *error) {
	r := recover()
	if r == nil {
		return
	}
	if f, ok := r.(fatalError); ok {
		*err = diskError(errors.New(f.msg))
		return
	}
	*err = fmt.Errorf("state store failed: %v", r)
}

// checkFormat writes the format marker into a new store and refuses one
// whose marker is missing or different.
func (s *Store) checkFormat() error {
	found, ok, err := s.get(keyFormat)
	if err != nil {
		return fmt.Errorf("%s is not a readable state store: %w", s.path, err)
	}
	switch {
	case !ok:
		it, err := s.db.NewIter(nil)
		if err != nil {
			return err
		}
		others := it.First()
		if err := it.Close(); err != nil {
			return fmt.Errorf("%s is not a readable state store: %w", s.path, err)
		}
		if others {
			return fmt.Errorf("%s has no format marker: it was not written by this version of circles-actor (it reads %q)", s.path, Format)
		}
		if err := s.db.Set(keyFormat, []byte(Format), pebble.Sync); err != nil {
			return fmt.Errorf("failed to initialise the state store %s: %w", s.path, diskError(err))
		}
	case string(found) != Format:
		return fmt.Errorf("%s has format %q, this version of circles-actor reads %q: run the version that wrote it, or export with it and import here", s.path, found, Format)
	}
	return nil
}

// diskError makes a full disk say so in plain words.
func diskError(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || strings.Contains(err.Error(), "no space left on device") {
		return fmt.Errorf("disk full: %w", err)
	}
	return err
}

// Path is the store's directory.
func (s *Store) Path() string { return s.path }

func dataKey(circle, key string) []byte {
	return appendDataKey(make([]byte, 0, 3+len(circle)+len(key)), circle, key)
}

func appendDataKey(b []byte, circle, key string) []byte {
	b = append(b, "c/"...)
	b = append(b, circle...)
	b = append(b, 0)
	return append(b, key...)
}

func statsKey(circle string) []byte { return []byte("s/" + circle) }

// get reads one key, copied out of pebble's buffer.
func (s *Store) get(k []byte) (val []byte, ok bool, err error) {
	defer recoverFatal(&err)
	v, closer, err := s.db.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	val = bytes.Clone(v)
	return val, true, closer.Close()
}

// Get implements state.Backend: one seek of the reader.
func (s *Store) Get(circle, key string) (val []byte, ok bool, err error) {
	defer recoverFatal(&err)
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if s.closed {
		return nil, false, fmt.Errorf("%w: state store %s", state.ErrClosed, s.path)
	}
	if s.reader == nil {
		if s.reader, err = s.db.NewIter(nil); err != nil {
			return nil, false, err
		}
	}
	s.rkey = appendDataKey(s.rkey[:0], circle, key)
	it := s.reader
	if !it.SeekPrefixGE(s.rkey) || !bytes.Equal(it.Key(), s.rkey) {
		return nil, false, it.Error()
	}
	v, err := it.ValueAndErr()
	if err != nil {
		return nil, false, err
	}
	return bytes.Clone(v), true, nil
}

// dropReader closes the reader, so that the next Get sees the latest
// Apply.
func (s *Store) dropReader() error {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	return s.dropReaderLocked()
}

func (s *Store) dropReaderLocked() error {
	if s.reader == nil {
		return nil
	}
	err := s.reader.Close()
	s.reader = nil
	return err
}

// Scan implements state.Backend. The iterator reads a consistent snapshot.
func (s *Store) Scan(circle, prefix, after string, fn func(key string, val []byte) bool) (err error) {
	defer recoverFatal(&err)
	base := len(dataKey(circle, ""))
	lower := dataKey(circle, prefix)
	if after >= prefix {
		lower = append(dataKey(circle, after), 0)
	}
	upper := append(dataKey(circle, prefix), 0xff) // keys are UTF-8: 0xff never occurs
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return err
	}
	for ok := it.First(); ok; ok = it.Next() {
		if !fn(string(it.Key()[base:]), bytes.Clone(it.Value())) {
			break
		}
	}
	return errors.Join(it.Error(), it.Close())
}

// Stats implements state.Backend: one read of the circle's stored totals.
func (s *Store) Stats(circle string) (state.Stats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats(circle)
}

// stats reads circle's totals (s.mu held).
func (s *Store) stats(circle string) (state.Stats, error) {
	if st, ok := s.totals[circle]; ok {
		return st, nil
	}
	v, ok, err := s.get(statsKey(circle))
	if err != nil || !ok {
		return state.Stats{}, err
	}
	if len(v) != 16 {
		return state.Stats{}, fmt.Errorf("state store %s is corrupt: totals of a circle are %d bytes", s.path, len(v))
	}
	st := state.Stats{Keys: int64(binary.BigEndian.Uint64(v)), Bytes: int64(binary.BigEndian.Uint64(v[8:]))}
	s.totals[circle] = st
	return st, nil
}

// Apply implements state.Backend: one pebble batch for all batches (their
// writes and the new totals of their circles), committed with a WAL sync
// before it returns.
func (s *Store) Apply(batches []state.Batch) (err error) {
	defer recoverFatal(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.db.NewBatch()
	defer b.Close()
	next := s.next
	clear(next)
	for _, bt := range batches {
		for _, w := range bt.Writes {
			s.key = appendDataKey(s.key[:0], bt.Circle, w.Key)
			if w.Delete {
				err = b.Delete(s.key, nil)
			} else {
				err = b.Set(s.key, w.Val, nil)
			}
			if err != nil {
				return fmt.Errorf("key %q: %w", w.Key, err)
			}
		}
		if bt.Delta == (state.Stats{}) {
			continue
		}
		st, ok := next[bt.Circle]
		if !ok {
			if st, err = s.stats(bt.Circle); err != nil {
				return err
			}
		}
		st.Keys += bt.Delta.Keys
		st.Bytes += bt.Delta.Bytes
		next[bt.Circle] = st
	}
	for c, st := range next {
		var v [16]byte
		binary.BigEndian.PutUint64(v[:], uint64(st.Keys))
		binary.BigEndian.PutUint64(v[8:], uint64(st.Bytes))
		s.key = append(append(s.key[:0], "s/"...), c...)
		if err := b.Set(s.key, v[:], nil); err != nil {
			return err
		}
	}
	if err := b.Commit(s.sync); err != nil {
		return fmt.Errorf("failed to write %s: %w", s.path, diskError(err))
	}
	for c, st := range next {
		s.totals[c] = st
	}
	// The batch is visible: a Get from now on must see it.
	if err := s.dropReader(); err != nil {
		return fmt.Errorf("failed to read %s: %w", s.path, err)
	}
	return nil
}

// Settle flushes the memtable and compacts the state, so that Size is the
// data's (for the bytes-per-key figure).
func (s *Store) Settle() error {
	if err := s.dropReader(); err != nil { // it would keep replaced files
		return err
	}
	if err := s.db.Flush(); err != nil {
		return err
	}
	return s.db.Compact(context.Background(), []byte("c/"), []byte("t"), true)
}

// Size is the bytes of the store's files (tables, WAL, manifest).
func (s *Store) Size() (int64, error) {
	var n int64
	err := filepath.WalkDir(s.path, func(_ string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	return n, err
}

// Close implements state.Backend; it releases the dir's lock.
func (s *Store) Close() (err error) {
	defer func() {
		if lerr := s.lock.Close(); err == nil {
			err = lerr
		}
	}()
	defer recoverFatal(&err)
	s.rmu.Lock()
	s.closed = true
	rerr := s.dropReaderLocked()
	s.rmu.Unlock()
	return errors.Join(rerr, s.db.Close())
}
