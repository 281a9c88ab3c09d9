package redisq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/redis/rueidis"
)

// CircleEntry is one circle of the shared set.
type CircleEntry struct {
	PublicKey string    // canonical
	AddedAt   time.Time // UTC
}

// CircleSet is the set of runtime-added circles every server and
// `worker --all-circles` on one Redis follows: a hash (KeyCircles), a
// version counter (KeyCirclesVersion) and a pub/sub channel
// (ChannelCircles). Safe for concurrent use.
type CircleSet struct {
	client  rueidis.Client
	timeout time.Duration
	log     *slog.Logger
}

// NewCircleSet uses client (not closed by the set). log nil: slog.Default().
func NewCircleSet(client rueidis.Client, log *slog.Logger) *CircleSet {
	if log == nil {
		log = slog.Default()
	}
	return &CircleSet{client: client, timeout: 2 * time.Second, log: log.With("component", "redisq.circles")}
}

// addCircleScript adds a circle unless present, bumps the version and
// publishes the change, in one step. It returns {1 if the circle was new,
// the set's version after the call}.
var addCircleScript = newScript(`
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  return {0, tonumber(redis.call('GET', KEYS[2]) or '0')}
end
local v = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[3], 'add ' .. ARGV[1])
return {1, v}`)

// removeCircleScript removes a circle, bumps the version and publishes the
// change. It returns {1 if the circle was there, the version after}.
var removeCircleScript = newScript(`
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then
  return {0, tonumber(redis.call('GET', KEYS[2]) or '0')}
end
local v = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[2], 'remove ' .. ARGV[1])
return {1, v}`)

// Add puts pk (canonical) in the set; added is false when it was there.
// version is the set's version that includes the change: a follower's read
// of an older version does not know of it yet.
func (s *CircleSet) Add(ctx context.Context, pk string, at time.Time) (added bool, version int64, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if KeysFor(s.client).Cluster {
		return s.changeCluster(ctx, s.client.B().Hsetnx().Key(KeyCircles).Field(pk).Value(at.UTC().Format(time.RFC3339)).Build(), "add "+pk)
	}
	res, err := addCircleScript.exec(ctx, s.client, []string{KeyCircles, KeyCirclesVersion},
		[]string{pk, at.UTC().Format(time.RFC3339), ChannelCircles}).AsIntSlice()
	if err != nil || len(res) != 2 {
		return false, 0, fmt.Errorf("failed to add circle to redis: %v", errOr(err, "bad reply"))
	}
	return res[0] == 1, res[1], nil
}

// Remove takes pk out of the set; removed is false when it was not there.
// version is as for Add.
func (s *CircleSet) Remove(ctx context.Context, pk string) (removed bool, version int64, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if KeysFor(s.client).Cluster {
		return s.changeCluster(ctx, s.client.B().Hdel().Key(KeyCircles).Field(pk).Build(), "remove "+pk)
	}
	res, err := removeCircleScript.exec(ctx, s.client, []string{KeyCircles, KeyCirclesVersion},
		[]string{pk, ChannelCircles}).AsIntSlice()
	if err != nil || len(res) != 2 {
		return false, 0, fmt.Errorf("failed to remove circle from redis: %v", errOr(err, "bad reply"))
	}
	return res[0] == 1, res[1], nil
}

// changeCluster is Add or Remove on a Cluster, where the set, its version
// and the channel are in different slots: the change (HSETNX or HDEL),
// and only when it changed something INCR of the version and PUBLISH, as
// separate commands in that order. A follower that reads the version
// before the set (Load) therefore never takes a set without the change
// for a version that includes it.
func (s *CircleSet) changeCluster(ctx context.Context, change rueidis.Completed, event string) (bool, int64, error) {
	n, err := s.client.Do(ctx, change).AsInt64()
	if err != nil {
		return false, 0, fmt.Errorf("failed to change the circle set in redis: %w", err)
	}
	if n == 0 {
		v, err := s.version(ctx)
		if err != nil {
			return false, 0, fmt.Errorf("failed to read the circle set version: %w", err)
		}
		return false, v, nil
	}
	v, err := s.client.Do(ctx, s.client.B().Incr().Key(KeyCirclesVersion).Build()).AsInt64()
	if err != nil {
		return true, 0, fmt.Errorf("failed to bump the circle set version: %w", err)
	}
	if err := s.client.Do(ctx, s.client.B().Publish().Channel(ChannelCircles).Message(event).Build()).Error(); err != nil {
		s.log.Warn("failed to publish a circle set change; followers see it within their interval", "err", err)
	}
	return true, v, nil
}

func errOr(err error, msg string) any {
	if err != nil {
		return err
	}
	return msg
}

// Load returns the set, sorted by key, and its version.
func (s *CircleSet) Load(ctx context.Context) ([]CircleEntry, int64, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var res []rueidis.RedisResult
	if KeysFor(s.client).Cluster { // two nodes: the version first, then the set (see changeCluster)
		res = []rueidis.RedisResult{s.client.Do(ctx, s.client.B().Get().Key(KeyCirclesVersion).Build()),
			s.client.Do(ctx, s.client.B().Hgetall().Key(KeyCircles).Build())}
	} else {
		res = s.client.DoMulti(ctx,
			s.client.B().Get().Key(KeyCirclesVersion).Build(),
			s.client.B().Hgetall().Key(KeyCircles).Build())
	}
	version, err := res[0].AsInt64()
	if err != nil && !rueidis.IsRedisNil(err) {
		return nil, 0, fmt.Errorf("failed to read the circle set version: %w", err)
	}
	m, err := res[1].AsStrMap()
	if err != nil {
		return nil, 0, fmt.Errorf("failed to read the circle set: %w", err)
	}
	out := make([]CircleEntry, 0, len(m))
	for pk, at := range m {
		t, _ := time.Parse(time.RFC3339, at) // a foreign writer's bad date: zero, not fatal
		out = append(out, CircleEntry{PublicKey: pk, AddedAt: t})
	}
	slices.SortFunc(out, func(a, b CircleEntry) int { return compareStrings(a.PublicKey, b.PublicKey) })
	return out, version, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s *CircleSet) version(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	v, err := s.client.Do(ctx, s.client.B().Get().Key(KeyCirclesVersion).Build()).AsInt64()
	if rueidis.IsRedisNil(err) {
		return 0, nil
	}
	return v, err
}

// DefaultFollowInterval is how often Follow checks the version when no
// message arrives: the bound on how long a missed message goes unnoticed.
const DefaultFollowInterval = 500 * time.Millisecond

// fullReread bounds how long Follow trusts the version alone: past it the
// set is read again anyway (someone may have edited the hash by hand).
const fullReread = 30 * time.Second

// Follow calls apply with the whole set and its version now and again
// after every change,
// until ctx ends: a message on ChannelCircles triggers a re-read at once,
// and the version is checked every interval (<= 0: DefaultFollowInterval)
// so that a message lost while the subscription was down heals. apply runs
// on one goroutine at a time. Redis being down is logged and retried.
func (s *CircleSet) Follow(ctx context.Context, interval time.Duration, apply func(entries []CircleEntry, version int64)) {
	if interval <= 0 {
		interval = DefaultFollowInterval
	}
	poke := make(chan struct{}, 1)
	wake := func() {
		select {
		case poke <- struct{}{}:
		default:
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.subscribe(ctx, wake)
	}()
	defer func() { <-done }()
	t := time.NewTicker(interval)
	defer t.Stop()
	var (
		last     int64 = -1
		lastFull time.Time
		down     bool
	)
	for {
		v, err := s.version(ctx)
		if err == nil && (v != last || time.Since(lastFull) >= fullReread) {
			var entries []CircleEntry
			entries, v, err = s.Load(ctx)
			if err == nil {
				apply(entries, v)
				last, lastFull = v, time.Now()
			}
		}
		switch {
		case err != nil && ctx.Err() == nil && !down:
			s.log.Warn("failed to read the circle set; retrying", "err", err)
			down = true
		case err == nil && down:
			s.log.Info("reading the circle set again")
			down = false
		}
		select {
		case <-ctx.Done():
			return
		case <-poke:
		case <-t.C:
		}
	}
}

// subscribe listens on ChannelCircles until ctx ends, calling wake for
// every message and after every (re)subscription.
func (s *CircleSet) subscribe(ctx context.Context, wake func()) {
	var bo backoff
	for ctx.Err() == nil {
		dc, cancel := s.client.Dedicate()
		ch := dc.SetPubSubHooks(rueidis.PubSubHooks{
			OnMessage:      func(rueidis.PubSubMessage) { wake() },
			OnSubscription: func(rueidis.PubSubSubscription) { wake() },
		})
		err := dc.Do(ctx, dc.B().Subscribe().Channel(ChannelCircles).Build()).Error()
		if err == nil {
			bo.reset()
			select {
			case err = <-ch:
			case <-ctx.Done():
			}
		}
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			s.log.Debug("circle set subscription ended; resubscribing", "err", err)
		}
		bo.wait(ctx)
	}
}

// WithdrawQueued takes a task back out of its circle's queue if no worker
// has taken it, and then answers its pending dispatch with err (sessions
// of a removed circle use it for their queued plays). It does not block:
// the round trip runs on a goroutine of its own; a task a worker already
// has is left to finish.
func (d *Dispatcher) WithdrawQueued(circle, taskID string, err error) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), d.opts.CommandTimeout)
		defer cancel()
		if d.withdraw(ctx, enqueueReq{id: taskID, circle: circle}) {
			d.deliver(taskID, outcome{notQueued: true, err: err})
		}
	}()
}
