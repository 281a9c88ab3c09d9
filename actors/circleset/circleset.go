// Package circleset keeps a System's runtime-added circles in a durable
// set and applies it: the admin API changes the set through a Manager, a
// server restores it at start, and in Redis mode every server follows the
// shared set (Sync). The command line's -k circles are not part of it.
package circleset

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/circles-actor/circles-actor/actors"
)

// Entry is one added circle.
type Entry struct {
	PublicKey string    `json:"public_key"` // canonical
	AddedAt   time.Time `json:"added_at"`
}

// Store holds the set durably. Add of a present key and Remove of an absent
// one are no-ops. Implementations are safe for concurrent use.
type Store interface {
	Load(ctx context.Context) ([]Entry, error)
	Add(ctx context.Context, e Entry) error
	Remove(ctx context.Context, pk string) error
}

// Manager applies the set to a System and implements the admin API's
// Circles. With a nil Store changes last as long as the process.
type Manager struct {
	sys   *actors.System
	store Store
	log   *slog.Logger
	mu    sync.Mutex // orders store writes with the System's changes
	depth QueueDepth
}

// QueueDepth reports the queue depth of circles where tasks do not wait in
// this process (Redis: the length of rhai_tasks:{pk}, shared by all
// servers); a circle missing from the map keeps the System's figure.
type QueueDepth func(ctx context.Context, pks []string) (map[string]int64, error)

// SetQueueDepth makes List and Get report queue depths from f. Call it
// before the Manager is used.
func (m *Manager) SetQueueDepth(f QueueDepth) { m.depth = f }

func (m *Manager) withDepth(ctx context.Context, infos []actors.CircleInfo) []actors.CircleInfo {
	if m.depth == nil || len(infos) == 0 {
		return infos
	}
	pks := make([]string, len(infos))
	for i, in := range infos {
		pks[i] = in.PublicKey
	}
	d, err := m.depth(ctx, pks)
	if err != nil {
		m.log.Debug("failed to read queue depths", "err", err)
		return infos
	}
	for i := range infos {
		if n, ok := d[infos[i].PublicKey]; ok {
			infos[i].QueueDepth = n
		}
	}
	return infos
}

// NewManager manages sys's added circles in store (nil: in memory only).
func NewManager(sys *actors.System, store Store, log *slog.Logger) *Manager {
	if log == nil {
		log = slog.Default()
	}
	return &Manager{sys: sys, store: store, log: log}
}

// List reports every served circle, -k ones included.
func (m *Manager) List(ctx context.Context) []actors.CircleInfo {
	return m.withDepth(ctx, m.sys.CircleInfos(ctx))
}

// Get reports one served circle.
func (m *Manager) Get(ctx context.Context, pk string) (actors.CircleInfo, bool) {
	info, ok := m.sys.Circle(ctx, pk)
	if !ok {
		return info, false
	}
	return m.withDepth(ctx, []actors.CircleInfo{info})[0], true
}

// Add persists pk, then serves it. added is false when it was served
// already (-k or added before); nothing is written then.
func (m *Manager) Add(ctx context.Context, pk string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sys.HasCircle(pk) {
		return false, nil
	}
	e := Entry{PublicKey: pk, AddedAt: time.Now().UTC().Truncate(time.Second)}
	if m.store != nil {
		if err := m.store.Add(ctx, e); err != nil {
			return false, fmt.Errorf("failed to persist circle: %w", err)
		}
	}
	added, err := m.sys.AddCircle(pk, e.AddedAt)
	if err != nil && m.store != nil {
		if rerr := m.store.Remove(context.WithoutCancel(ctx), pk); rerr != nil {
			m.log.Warn("failed to undo persisting a circle that did not start", "err", rerr)
		}
	}
	return added, err
}

// Remove stops serving pk and forgets it: actors.ErrUnknownCircle when it
// is not served, actors.ErrFixedCircle for a -k circle.
func (m *Manager) Remove(ctx context.Context, pk string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	source, ok := m.sys.CircleSource(pk)
	switch {
	case !ok:
		return actors.ErrUnknownCircle
	case source == actors.SourceFlag:
		return actors.ErrFixedCircle
	}
	if m.store != nil {
		if err := m.store.Remove(ctx, pk); err != nil {
			return fmt.Errorf("failed to persist removal: %w", err)
		}
	}
	return m.sys.RemoveCircle(pk)
}

// Restore loads the store and serves every circle in it; a key that fails
// to start is logged and skipped, so one bad entry does not stop a server.
func (m *Manager) Restore(ctx context.Context) error {
	if m.store == nil {
		return nil
	}
	entries, err := m.store.Load(ctx)
	if err != nil {
		return fmt.Errorf("failed to load added circles: %w", err)
	}
	m.Sync(entries, nil)
	return nil
}

// Sync makes the System's added circles equal entries: missing ones are
// added, ones not in entries removed (-k circles are never touched). It is
// how a server follows a set that others change (Redis); it writes nothing
// to the store. fresh, when set, is asked under the Manager's lock whether
// entries are still current: a read made before this process's own latest
// Add or Remove must not undo it (the change's notification brings a newer
// read).
func (m *Manager) Sync(entries []Entry, fresh func() bool) (added, removed int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if fresh != nil && !fresh() {
		return 0, 0
	}
	want := make(map[string]bool, len(entries))
	for _, e := range entries {
		want[e.PublicKey] = true
		if m.sys.HasCircle(e.PublicKey) {
			continue
		}
		ok, err := m.sys.AddCircle(e.PublicKey, e.AddedAt)
		if err != nil {
			if !errors.Is(err, actors.ErrShuttingDown) {
				m.log.Error("failed to add circle from the shared set", "err", err)
			}
			continue
		}
		if ok {
			added++
		}
	}
	for _, pk := range m.sys.AddedCircles() {
		if !want[pk] {
			if err := m.sys.RemoveCircle(pk); err == nil {
				removed++
			}
		}
	}
	return added, removed
}
