// Package boltstore is the bbolt state backend the server used before its
// pebble store (scripting/state/pebblestore), kept in the bench module only
// so that the two can be compared (../bench_test.go). It keeps circles'
// state in one bbolt file (DIR/state.db). It is a state.Backend: state.Local
// over it gives per-circle locking and group commit, and each Apply is one
// bbolt transaction, synced before it returns.
//
// Layout of the file: a "meta" bucket holding the format marker, a "stats"
// bucket holding each circle's totals (so a circle's key and byte counts
// cost one read, whatever its size), and one bucket "c/<circle>" per circle
// holding its keys and encoded values (state.Encode's form).
package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/circles-actor/circles-actor/scripting/state"
)

// File is the state database's name inside a data dir. Other files of the
// data dir (circles.json, ...) belong to other packages.
const File = "state.db"

// Format is the marker this version writes and the only one it reads.
const Format = "circles-actor state v1"

// MaxKeyBytes is the longest key the file can hold (bbolt's limit): the
// state key limit must not be above it.
const MaxKeyBytes = bolt.MaxKeySize

// DefaultLockTimeout is how long Open waits for another process to release
// the data dir before it gives up.
const DefaultLockTimeout = time.Second

var (
	bucketMeta  = []byte("meta")
	bucketStats = []byte("stats")
	keyFormat   = []byte("format")
)

// circlePrefix names circle buckets: "c/" + the circle's key.
const circlePrefix = "c/"

// Store is a state.Backend over DIR/state.db. Its methods are safe for
// concurrent use; Local calls Apply from one goroutine.
type Store struct {
	db   *bolt.DB
	path string
}

var _ state.Backend = (*Store)(nil)

// Options tune Open.
type Options struct {
	// LockTimeout bounds the wait for the file lock another process holds
	// (default DefaultLockTimeout).
	LockTimeout time.Duration
	// NoSync skips fsync (tests and benchmarks of the CPU cost only: a
	// crash may lose or corrupt state).
	NoSync bool
}

// Open opens (creating when absent) the state database in dir. Every way
// it can fail at start-up has its own message: the dir is in use by another
// process, the file is corrupt or not a state database, it was written by
// another format version, or the disk is full.
func Open(dir string, o Options) (*Store, error) {
	if o.LockTimeout <= 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("failed to create the data dir %s: %w", dir, diskError(err))
	}
	path := filepath.Join(dir, File)
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:        o.LockTimeout,
		FreelistType:   bolt.FreelistMapType,
		NoFreelistSync: true, // less written per commit; the freelist is rebuilt at open
		NoSync:         o.NoSync,
	})
	if err != nil {
		return nil, openError(dir, path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.checkFormat(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// openError says why bbolt could not open path.
func openError(dir, path string, err error) error {
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return fmt.Errorf("data dir %s is in use: another process (a running circles-actor?) holds the lock on %s; stop it first", dir, path)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return fmt.Errorf("%s is not a readable state database (corrupt, or not written by circles-actor): %w; restore it from a backup or move it away", path, err)
	}
	return fmt.Errorf("failed to open the state database %s: %w", path, diskError(err))
}

// checkFormat writes the format marker into a new file and refuses a file
// whose marker is missing or different.
func (s *Store) checkFormat() (err error) {
	defer s.recoverCorrupt(&err)
	var found []byte
	var others bool
	err = s.db.View(func(tx *bolt.Tx) error {
		if m := tx.Bucket(bucketMeta); m != nil {
			found = bytes.Clone(m.Get(keyFormat))
		}
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			others = others || !bytes.Equal(name, bucketMeta)
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("%s is not a readable state database: %w", s.path, err)
	}
	switch {
	case found == nil && others:
		return fmt.Errorf("%s has no format marker: it was not written by this version of circles-actor (it reads %q)", s.path, Format)
	case found == nil:
		err = s.db.Update(func(tx *bolt.Tx) error {
			m, err := tx.CreateBucket(bucketMeta)
			if err != nil {
				return err
			}
			if _, err := tx.CreateBucket(bucketStats); err != nil {
				return err
			}
			return m.Put(keyFormat, []byte(Format))
		})
		if err != nil {
			return fmt.Errorf("failed to initialise the state database %s: %w", s.path, diskError(err))
		}
	case string(found) != Format:
		return fmt.Errorf("%s has format %q, this version of circles-actor reads %q: run the version that wrote it, or export with it and import here", s.path, found, Format)
	}
	return nil
}

// recoverCorrupt turns a bbolt panic (it panics on some corrupt pages) into
// an error naming the file.
func (s *Store) recoverCorrupt(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("state database %s is corrupt: %v", s.path, r)
	}
}

// diskError makes a full disk say so in plain words.
func diskError(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("disk full: %w", err)
	}
	return err
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

func circleBucket(circle string) []byte { return []byte(circlePrefix + circle) }

// Get implements state.Backend.
func (s *Store) Get(circle, key string) (val []byte, ok bool, err error) {
	defer s.recoverCorrupt(&err)
	err = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(circleBucket(circle))
		if b == nil {
			return nil
		}
		if v := b.Get([]byte(key)); v != nil {
			val, ok = bytes.Clone(v), true
		}
		return nil
	})
	return val, ok, err
}

// scanChunk is how many entries Scan reads per read transaction: fn runs
// outside it, so a slow caller never holds bbolt's mmap lock.
const scanChunk = 256

// Scan implements state.Backend.
func (s *Store) Scan(circle, prefix, after string, fn func(key string, val []byte) bool) (err error) {
	defer s.recoverCorrupt(&err)
	type kv struct {
		k string
		v []byte
	}
	name, pre := circleBucket(circle), []byte(prefix)
	from := pre
	if after >= prefix {
		from = append([]byte(after), 0)
	}
	buf := make([]kv, 0, scanChunk)
	for {
		buf = buf[:0]
		err := s.db.View(func(tx *bolt.Tx) error {
			b := tx.Bucket(name)
			if b == nil {
				return nil
			}
			c := b.Cursor()
			for k, v := c.Seek(from); k != nil && bytes.HasPrefix(k, pre) && len(buf) < scanChunk; k, v = c.Next() {
				buf = append(buf, kv{string(k), bytes.Clone(v)})
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, e := range buf {
			if !fn(e.k, e.v) {
				return nil
			}
		}
		if len(buf) < scanChunk {
			return nil
		}
		from = append([]byte(buf[len(buf)-1].k), 0)
	}
}

// Stats implements state.Backend: one read of the circle's stored totals.
func (s *Store) Stats(circle string) (st state.Stats, err error) {
	defer s.recoverCorrupt(&err)
	err = s.db.View(func(tx *bolt.Tx) error {
		st, err = readStats(tx, circle)
		return err
	})
	return st, err
}

func readStats(tx *bolt.Tx, circle string) (state.Stats, error) {
	v := tx.Bucket(bucketStats).Get([]byte(circle))
	if v == nil {
		return state.Stats{}, nil
	}
	if len(v) != 16 {
		return state.Stats{}, fmt.Errorf("state database is corrupt: totals of a circle are %d bytes", len(v))
	}
	return state.Stats{Keys: int64(binary.BigEndian.Uint64(v)), Bytes: int64(binary.BigEndian.Uint64(v[8:]))}, nil
}

// Apply implements state.Backend: one bbolt transaction for all batches,
// synced to disk before it returns.
func (s *Store) Apply(batches []state.Batch) (err error) {
	defer s.recoverCorrupt(&err)
	err = s.db.Update(func(tx *bolt.Tx) error {
		stats := tx.Bucket(bucketStats)
		for _, bt := range batches {
			b, err := tx.CreateBucketIfNotExists(circleBucket(bt.Circle))
			if err != nil {
				return err
			}
			for _, w := range bt.Writes {
				if w.Delete {
					err = b.Delete([]byte(w.Key))
				} else {
					err = b.Put([]byte(w.Key), w.Val)
				}
				if err != nil {
					return fmt.Errorf("key %q: %w", w.Key, err)
				}
			}
			if bt.Delta == (state.Stats{}) {
				continue
			}
			st, err := readStats(tx, bt.Circle)
			if err != nil {
				return err
			}
			var v [16]byte
			binary.BigEndian.PutUint64(v[:], uint64(st.Keys+bt.Delta.Keys))
			binary.BigEndian.PutUint64(v[8:], uint64(st.Bytes+bt.Delta.Bytes))
			if err := stats.Put([]byte(bt.Circle), v[:]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("failed to write %s: %w", s.path, diskError(err))
	}
	return nil
}

// Size is the database file's size in bytes (for the bytes-per-key figure).
func (s *Store) Size() (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return n, err
}

// Close implements state.Backend.
func (s *Store) Close() error { return s.db.Close() }
