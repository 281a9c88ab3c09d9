package state

import (
	"context"
	"errors"
	"fmt"
)

// Store opens transactions on circles' state. Implementations are safe for
// concurrent use.
type Store interface {
	// Begin starts a transaction on circle's state. A store may take the
	// circle's lock lazily, at the session's first call, so that runs that
	// never touch state never wait; ctx bounds that wait.
	Begin(ctx context.Context, circle string) (Session, error)
	// Close releases the store; open sessions fail afterwards.
	Close() error
}

// Session is the store's side of one transaction: reads of committed state
// (as of the session's first read, or later when the store serialises
// writers) and one final Commit or Abort. Tx layers a run's buffered writes
// over it; scripts never see a Session.
type Session interface {
	// Get returns the committed value of key.
	Get(key string) (val []byte, ok bool, err error)
	// Scan calls fn for each committed key with the prefix, in ascending
	// byte order, starting after the key `after` ("" = from the start),
	// until fn returns false.
	Scan(prefix, after string, fn func(key string, val []byte) bool) error
	// Stats are the circle's committed totals.
	Stats() (Stats, error)
	// Commit applies writes atomically (in order; a later write of a key
	// wins). It returns once the writes are visible to the circle's next
	// transaction; the returned Durable (nil when there is nothing to wait
	// for) blocks until they survive a crash, and the answer of the run must
	// wait for it. ErrConflict means another transaction committed first and
	// the run must be run again from the start.
	Commit(ctx context.Context, writes []Write) (Durable, error)
	// Abort ends the session without writing. It is safe after Commit and
	// more than once.
	Abort()
}

// Notifier is a Session whose commit can report durability through a
// callback instead of a Durable, so that a server answers a whole commit
// group from the store's goroutine without a goroutine per waiting run.
type Notifier interface {
	// CommitThen is Commit: when it returns pending, done is called once,
	// later and possibly on another goroutine, with nil when the writes are
	// durable or the error that kept them from being; done must not block.
	// When pending is false (or err is set) done is never called.
	CommitThen(ctx context.Context, writes []Write, done func(error)) (pending bool, err error)
}

// Relayer is a Session whose Commit only hands the writes on: another
// part (the Redis consumer's answer step) applies them, maybe finds they
// conflict and runs the task again, and reports the outcome itself, so a
// caller must not count a Commit of it as a commit.
type Relayer interface {
	Session
	Relays()
}

// Peeker is a Session that can say what a key holds for the accounting of
// a write (key and byte totals, limits) without reading it now: an
// optimistic store may assume and check the assumption when it commits.
// Tx uses Peek only where the script does not see the value.
type Peeker interface {
	Peek(key string) (val []byte, ok bool, err error)
}

// Durable waits for a commit to be on stable storage.
type Durable func() error

// Write is one change of a commit: Val is the encoded value; Delete removes
// the key instead.
type Write struct {
	Key    string
	Val    []byte
	Delete bool
}

// Stats are a circle's totals: keys and the bytes of keys plus values.
type Stats struct {
	Keys  int64
	Bytes int64
}

// Limits bound one circle's state. A zero field means no limit.
type Limits struct {
	MaxKeyBytes   int   // bytes in one key
	MaxValueBytes int   // bytes of one encoded value
	MaxKeys       int64 // keys in the circle
	MaxTotalBytes int64 // bytes of all keys and values in the circle
}

// DefaultLimits are the server's defaults: generous for application data,
// small enough that one circle cannot fill a machine.
func DefaultLimits() Limits {
	return Limits{
		MaxKeyBytes:   1 << 10,
		MaxValueBytes: 1 << 20,
		MaxKeys:       1_000_000,
		MaxTotalBytes: 256 << 20,
	}
}

var (
	// ErrConflict: another transaction on the circle committed first; run
	// again.
	ErrConflict = errors.New("state: transaction conflict")
	// ErrClosed: the store or the transaction has ended.
	ErrClosed = errors.New("state: closed")
	// ErrBadKey: a key that no circle can hold (empty, not UTF-8).
	ErrBadKey = errors.New("state: bad key")
)

// KindLimit is the script error kind of a run that passed a state limit.
const KindLimit = "state_limit"

// LimitError is a write refused by Limits. Its message names the limit and
// the figures.
type LimitError struct {
	Limit string // "key length", "value size", "keys", "total bytes"
	Have  int64  // what the write would make it
	Max   int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("state limit exceeded: %s %d is over the limit of %d", e.Limit, e.Have, e.Max)
}
