// Package statestore compares on-disk state backends on the state's
// workloads: the server's bbolt store (scripting/state/boltstore) and a
// pebble backend that lives here only, for the comparison (see
// docs/state.md, "Why bbolt and not pebble").
package statestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/circles-actor/circles-actor/scripting/state"
)

// Pebble is a state.Backend over a pebble store: keys "c/<circle>\x00<key>",
// totals "s/<circle>"; an Apply is one batch committed with one WAL sync.
type Pebble struct{ db *pebble.DB }

// OpenPebble opens (creating) a pebble store in dir.
func OpenPebble(dir string) (*Pebble, error) {
	db, err := pebble.Open(dir, &pebble.Options{})
	if err != nil {
		return nil, err
	}
	return &Pebble{db: db}, nil
}

func dataKey(circle, key string) []byte { return []byte("c/" + circle + "\x00" + key) }
func statsKey(circle string) []byte     { return []byte("s/" + circle) }

func (p *Pebble) Get(circle, key string) ([]byte, bool, error) {
	v, closer, err := p.db.Get(dataKey(circle, key))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer closer.Close()
	return bytes.Clone(v), true, nil
}

func (p *Pebble) Scan(circle, prefix, after string, fn func(string, []byte) bool) error {
	base := dataKey(circle, "")
	lower := dataKey(circle, prefix)
	if after >= prefix {
		lower = append(dataKey(circle, after), 0)
	}
	upper := append(dataKey(circle, prefix), 0xff) // keys are UTF-8: 0xff never occurs
	it, err := p.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		k := string(it.Key()[len(base):])
		if len(k) < len(prefix) || k[:len(prefix)] != prefix {
			break
		}
		if !fn(k, bytes.Clone(it.Value())) {
			break
		}
	}
	return it.Error()
}

func (p *Pebble) Stats(circle string) (state.Stats, error) {
	v, closer, err := p.db.Get(statsKey(circle))
	if errors.Is(err, pebble.ErrNotFound) {
		return state.Stats{}, nil
	}
	if err != nil {
		return state.Stats{}, err
	}
	defer closer.Close()
	if len(v) != 16 {
		return state.Stats{}, fmt.Errorf("corrupt totals")
	}
	return state.Stats{Keys: int64(binary.BigEndian.Uint64(v)), Bytes: int64(binary.BigEndian.Uint64(v[8:]))}, nil
}

// Apply writes all batches in one pebble batch with one sync. Totals are
// read and rewritten here: Local calls Apply from one goroutine.
func (p *Pebble) Apply(batches []state.Batch) error {
	b := p.db.NewBatch()
	defer b.Close()
	totals := map[string]state.Stats{}
	for _, bt := range batches {
		for _, w := range bt.Writes {
			var err error
			if w.Delete {
				err = b.Delete(dataKey(bt.Circle, w.Key), nil)
			} else {
				err = b.Set(dataKey(bt.Circle, w.Key), w.Val, nil)
			}
			if err != nil {
				return err
			}
		}
		st, ok := totals[bt.Circle]
		if !ok {
			var err error
			if st, err = p.Stats(bt.Circle); err != nil {
				return err
			}
		}
		st.Keys += bt.Delta.Keys
		st.Bytes += bt.Delta.Bytes
		totals[bt.Circle] = st
	}
	for c, st := range totals {
		var v [16]byte
		binary.BigEndian.PutUint64(v[:], uint64(st.Keys))
		binary.BigEndian.PutUint64(v[8:], uint64(st.Bytes))
		if err := b.Set(statsKey(c), v[:], nil); err != nil {
			return err
		}
	}
	return b.Commit(pebble.Sync)
}

// Settle flushes the memtable and compacts, so that the directory's size
// is the data's (for bytes per key).
func (p *Pebble) Settle() error {
	if err := p.db.Flush(); err != nil {
		return err
	}
	return p.db.Compact(context.Background(), []byte("c/"), []byte("t"), true)
}

func (p *Pebble) Close() error { return p.db.Close() }
