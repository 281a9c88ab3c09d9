package redisq

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"time"

	"github.com/redis/rueidis"
)

// Bounds on talking to Redis, so that a dead or unreachable Redis turns into
// errors quickly instead of hung callers.
const (
	// DialTimeout bounds one connection attempt.
	DialTimeout = 2 * time.Second
	// connWriteTimeout makes rueidis drop a connection whose server stopped
	// answering (it also pings idle connections at this period).
	connWriteTimeout = 5 * time.Second
	// blockSeconds is how long one BLPOP/BLMOVE waits, so that loops notice
	// stop requests; well under connWriteTimeout.
	blockSeconds = 1.0
	// blockCallTimeout bounds a blocking call including its network time.
	blockCallTimeout = 5 * time.Second
)

// NewClient returns a rueidis client for a redis://, rediss:// or unix://
// URL (rueidis.ParseURL: db, dial_timeout, write_timeout, master_set for
// Sentinel, ...) with bounded dial and command timeouts. It does not need Redis to be
// up: the client connects (and reconnects) on demand, so a server can start
// while Redis is down and recover by itself when it returns. Only a
// malformed URL is an error.
func NewClient(redisURL string) (rueidis.Client, error) {
	opt, err := rueidis.ParseURL(redisURL)
	if err != nil {
		return nil, fmt.Errorf("failed to parse redis url: %w", err)
	}
	if opt.Dialer.Timeout == 0 { // the URL's dial_timeout wins
		opt.Dialer.Timeout = DialTimeout
	}
	if opt.ConnWriteTimeout == 0 { // the URL's write_timeout wins
		opt.ConnWriteTimeout = connWriteTimeout
	}
	opt.DisableCache = true
	// A single node: a client even while Redis is down (it dials on demand).
	opt.ForceSingleClient = opt.Sentinel.MasterSet == "" && len(opt.InitAddress) == 1
	c, err := rueidis.NewClient(opt)
	if c == nil {
		return nil, fmt.Errorf("failed to create redis client: %w", err)
	}
	return c, nil
}

// newID returns a random id: 16 hex characters.
func newID() string {
	var b [8]byte
	_, _ = crand(b[:])
	return hex.EncodeToString(b[:])
}

// crand is crypto/rand.Read; a variable so ids stay unique without a seed.
var crand = rand.Read

// processName is "host-pid-random", a readable unique name for worker and
// reply ids.
func processName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "host"
	}
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), newID()[:8])
}

// backoff is an exponential delay with jitter for loops that must survive
// Redis errors: 50ms doubling to 2s.
type backoff struct{ n int }

func (b *backoff) reset() { b.n = 0 }

// wait sleeps for the next delay or until ctx is done; it reports whether ctx
// is still live.
func (b *backoff) wait(ctx context.Context) bool {
	d := min(50*time.Millisecond<<min(b.n, 6), 2*time.Second)
	b.n++
	d = d/2 + time.Duration(mrand.Int64N(int64(d/2)+1))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
