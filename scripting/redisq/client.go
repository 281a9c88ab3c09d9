package redisq

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"strings"
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
	// sentinelRefresh is how often a Sentinel client asks the Sentinels
	// which node is master, besides following their +switch-master
	// events: a missed event would otherwise leave every command on a
	// demoted master until a restart.
	sentinelRefresh = 2 * time.Second
)

// NewClient returns a rueidis client for a redis://, rediss:// or unix://
// URL (rueidis.ParseURL: db, dial_timeout, write_timeout, master_set for
// Sentinel, ...) with bounded dial and command timeouts. It does not need Redis to be
// up: the client connects (and reconnects) on demand, so a server can start
// while Redis is down and recover by itself when it returns. Only a
// malformed URL (see ParseURL: a *URLError, without the password) is an
// error, and a Cluster none of whose seeds answers (rueidis's Cluster
// client must read the slot map to exist).
func NewClient(redisURL string) (rueidis.Client, error) {
	opt, err := ParseURL(redisURL)
	if err != nil {
		return nil, err
	}
	if opt.Dialer.Timeout == 0 { // the URL's dial_timeout wins
		opt.Dialer.Timeout = DialTimeout
	}
	if opt.ConnWriteTimeout == 0 { // the URL's write_timeout wins
		opt.ConnWriteTimeout = connWriteTimeout
	}
	opt.DisableCache = true
	if opt.Sentinel.MasterSet != "" {
		// rueidis dials Sentinels with Sentinel.Dialer, not Dialer.
		if opt.Sentinel.Dialer.Timeout == 0 {
			opt.Sentinel.Dialer.Timeout = opt.Dialer.Timeout
		}
		if opt.Sentinel.TopologyRefreshInterval == 0 {
			opt.Sentinel.TopologyRefreshInterval = sentinelRefresh
		}
	}
	if opt.BlockingPoolSize == 0 {
		// Each consumer loop holds a dedicated connection for as long as it
		// runs (syncConn), so the pool must not be smaller than the loops
		// (circles × concurrency); connections are made only as loops need
		// them, and Redis's maxclients is the real bound.
		opt.BlockingPoolSize = maxDedicatedConns
	}
	// A single node: a client even while Redis is down (it dials on demand),
	// unless the one address answers as a Cluster node: then a Cluster
	// client (rueidis finds the other nodes from it). Several addresses
	// without master_set are a Cluster's seeds.
	opt.ForceSingleClient = opt.Sentinel.MasterSet == "" && len(opt.InitAddress) == 1 && !clusterNode(opt)
	c, err := rueidis.NewClient(opt)
	if c == nil {
		if !opt.ForceSingleClient && opt.Sentinel.MasterSet == "" {
			return nil, fmt.Errorf("no seed of the Redis Cluster answers (%s)", scrub(err.Error(), redisURL))
		}
		return nil, fmt.Errorf("failed to create redis client: %s", scrub(err.Error(), redisURL))
	}
	return c, nil
}

// clusterNode reports whether the one address of opt answers INFO with
// cluster_enabled:1. An unreachable or refusing Redis is not a Cluster
// node here: the single client dials on demand, and Check (or the first
// MOVED) says what is wrong.
func clusterNode(opt rueidis.ClientOption) bool {
	opt.ForceSingleClient = true
	c, err := rueidis.NewClient(opt)
	if err != nil {
		return false
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), opt.Dialer.Timeout)
	defer cancel()
	info, err := c.Do(ctx, c.B().Info().Section("cluster").Build()).ToString()
	return err == nil && strings.Contains(info, "cluster_enabled:1")
}

// maxDedicatedConns is the pool size NewClient allows for dedicated
// connections: one per consumer loop, two per dispatcher.
const maxDedicatedConns = 1 << 14

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
	return sleepOrDone(ctx, b.next())
}

// next is the next delay.
func (b *backoff) next() time.Duration {
	d := min(50*time.Millisecond<<min(b.n, 6), 2*time.Second)
	b.n++
	return d/2 + time.Duration(mrand.Int64N(int64(d/2)+1))
}

// switchPoll is how often a backoff on a Sentinel client looks whether
// the client switched masters.
const switchPoll = 50 * time.Millisecond

// waitOn is wait for a loop on client c: with Sentinel it ends early when
// c switches to another master, so that the loop tries the new master
// right after the promotion rather than up to a whole delay later.
func (b *backoff) waitOn(ctx context.Context, c rueidis.Client) bool {
	node := masterNode(c)
	if node == "" {
		return b.wait(ctx)
	}
	end := time.Now().Add(b.next())
	for {
		left := time.Until(end)
		if left <= 0 {
			return true
		}
		if !sleepOrDone(ctx, min(left, switchPoll)) {
			return false
		}
		if masterNode(c) != node {
			return true
		}
	}
}

// sleepOrDone waits d or until ctx is done; it reports whether ctx is still
// live.
func sleepOrDone(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// syncConn is a dedicated connection for one loop goroutine (a worker
// loop, the reply reader), taken from the client's pool on first use and
// after a failure. Its calls run on the caller's goroutine (rueidis does
// not start its pipelining goroutines for a dedicated connection used by
// one caller with deadlines), which saves two goroutine hand-offs per round
// trip. It is closed when stop ends, so that a loop blocked in BLMOVE or
// BLMPOP wakes up.
//
// With Sentinel it also follows failovers: rueidis moves its pooled
// connections to a new master but leaves a dedicated one where it was, and
// the old master may be back (empty, or a replica), answering. So get
// replaces the connection once the client's master is another node.
type syncConn struct {
	client rueidis.Client
	stop   context.Context
	dc     rueidis.DedicatedClient
	free   func()
	unhook func() bool
	node   string // the master dc was taken on (Sentinel only, else "")
}

func (l *syncConn) get() rueidis.DedicatedClient {
	if l.dc != nil && l.node != "" && masterNode(l.client) != l.node {
		l.release() // Sentinel switched masters: dc is on the old one
	}
	if l.dc == nil {
		// Read before Dedicate: a switch in between costs one more
		// reconnect at the next get, never a connection on the old node.
		l.node = masterNode(l.client)
		l.dc, l.free = l.client.Dedicate()
		dc := l.dc
		l.unhook = context.AfterFunc(l.stop, dc.Close)
	}
	return l.dc
}

// masterNode is the address of the master a Sentinel client sends to now,
// "" for other clients (their node does not change under them).
func masterNode(c rueidis.Client) string {
	if c.Mode() != rueidis.ClientModeSentinel {
		return ""
	}
	for addr := range c.Nodes() {
		return addr
	}
	return ""
}

// failed drops the connection after an error that may have broken it (a
// Redis error reply leaves it usable, except a permanent fault such as
// WRONGPASS: that came from dialing it, and the connection keeps
// answering it until replaced, and READONLY: the node is a replica now,
// demoted in a failover).
func (l *syncConn) failed(err error) {
	if _, ok := rueidis.IsRedisErr(err); !ok || Fault(err) != nil || isReadOnly(err) {
		l.release()
	}
}

// isReadOnly reports a write refused by a replica.
func isReadOnly(err error) bool {
	re, ok := rueidis.IsRedisErr(err)
	return ok && strings.HasPrefix(re.Error(), "READONLY")
}

// release gives the connection back to the pool.
func (l *syncConn) release() {
	if l.dc != nil {
		l.unhook()
		l.free()
		l.dc = nil
	}
}
