package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/actors/circleset"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
	"github.com/circles-actor/circles-actor/transport"
	"github.com/circles-actor/circles-actor/transport/admin"
)

// AdminFlags turn on the admin API (/v1) of serve.
type AdminFlags struct {
	AdminTokens    []string `name:"admin-token" sep:"," placeholder:"TOKEN" help:"Bearer token of the admin API under /v1 (repeatable, for rotation; CIRCLES_ADMIN_TOKENS is comma-separated). Without any token the API is off." env:"CIRCLES_ADMIN_TOKENS"`
	AdminTokenFile string   `name:"admin-token-file" type:"path" placeholder:"FILE" help:"File of admin tokens, one per line (blank lines and # comments ignored)." env:"CIRCLES_ADMIN_TOKEN_FILE"`
}

// tokens are the flag's and the file's tokens together.
func (a *AdminFlags) tokens() ([]string, error) {
	out := append([]string(nil), a.AdminTokens...)
	if a.AdminTokenFile == "" {
		return out, nil
	}
	f, err := os.Open(a.AdminTokenFile)
	if err != nil {
		return nil, fmt.Errorf("failed to read the admin token file: %w", err)
	}
	defer f.Close()
	fromFile, err := parseTokenFile(f)
	if err != nil {
		return nil, fmt.Errorf("failed to read the admin token file %s: %w", a.AdminTokenFile, err)
	}
	if len(fromFile) == 0 {
		return nil, fmt.Errorf("the admin token file %s holds no token", a.AdminTokenFile)
	}
	return append(out, fromFile...), nil
}

// parseTokenFile reads one token per line; blank lines and lines starting
// with # are skipped.
func parseTokenFile(f *os.File) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	return out, sc.Err()
}

// circlesRuntime is the dynamic circle set of a serve process: the
// manager behind the admin API, and in Redis mode the follower of the
// shared set and the local consumers of added circles.
type circlesRuntime struct {
	manager *circleset.Manager
	stop    func(context.Context) error
}

// startCircles restores or follows the added circles and mounts the admin
// API when tokens are configured. In Redis mode the set lives in Redis
// (KeyCircles) and this process follows it; otherwise it lives in
// DIR/circles.json with --data-dir, or in memory.
func startCircles(ctx context.Context, cfg config.Config, sys *actors.System, srv *transport.Server, st *redisq.StateStore, log *slog.Logger) (*circlesRuntime, error) {
	rt := &circlesRuntime{stop: func(context.Context) error { return nil }}
	var store circleset.Store
	var set *redisq.CircleSet
	var client rueidis.Client
	var rs *redisStore
	switch {
	case cfg.RedisURL != "":
		c, err := redisq.NewClient(cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("failed to follow the circle set: %w", err)
		}
		client = c
		set = redisq.NewCircleSet(client, log)
		rs = &redisStore{set: set}
		store = rs
	case cfg.DataDir != "":
		f, err := circleset.NewFile(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		store = f
	}
	rt.manager = circleset.NewManager(sys, store, log)
	if client != nil {
		rt.manager.SetQueueDepth(redisQueueDepth(client))
	}
	if set == nil {
		if err := rt.manager.Restore(ctx); err != nil {
			return nil, err
		}
	} else {
		fctx, cancel := context.WithCancel(context.Background())
		var f *fleet
		if !cfg.NoLocalWorkers {
			f = newFleet(client, cfg, cfg.WorkersPerCircle, 0, log, st, giveBackOnShutdown(ctx, sys.Executor))
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			set.Follow(fctx, 0, func(es []redisq.CircleEntry, version int64) {
				fresh := func() bool { return version >= rs.written.Load() }
				if a, r := rt.manager.Sync(fromRedis(es), fresh); a+r > 0 {
					log.Info("followed the shared circle set", "added", a, "removed", r, "circles", len(sys.Circles()))
				}
				if f != nil {
					f.sync(sys.AddedCircles())
				}
			})
		}()
		rt.stop = func(sctx context.Context) error {
			cancel()
			<-done
			var err error
			if f != nil {
				err = f.stop(sctx)
			}
			client.Close()
			return err
		}
	}
	if len(cfg.AdminTokens) > 0 {
		h, err := admin.New(admin.Options{
			Tokens:   cfg.AdminTokens,
			Circles:  rt.manager,
			Throttle: actors.NewThrottle(cfg.AuthFailuresPerMinute),
			Logger:   log,
		})
		if err != nil {
			_ = rt.stop(ctx)
			return nil, err
		}
		srv.SetAdmin(h)
		fps := make([]string, len(cfg.AdminTokens))
		for i, t := range cfg.AdminTokens {
			fps[i] = admin.Fingerprint(t)
		}
		log.Info("admin API on", "path", "/v1/circles", "tokens", fps)
	}
	return rt, nil
}

// redisStore is the Redis circle set as a circleset.Store. written is the
// set's version after this process's latest change, so that the follower
// does not apply a read older than it.
type redisStore struct {
	set     *redisq.CircleSet
	written atomic.Int64
}

func (r *redisStore) Load(ctx context.Context) ([]circleset.Entry, error) {
	es, _, err := r.set.Load(ctx)
	return fromRedis(es), err
}

func (r *redisStore) Add(ctx context.Context, e circleset.Entry) error {
	_, v, err := r.set.Add(ctx, e.PublicKey, e.AddedAt)
	r.wrote(v)
	return err
}

func (r *redisStore) Remove(ctx context.Context, pk string) error {
	_, v, err := r.set.Remove(ctx, pk)
	r.wrote(v)
	return err
}

func (r *redisStore) wrote(v int64) {
	for {
		old := r.written.Load()
		if v <= old || r.written.CompareAndSwap(old, v) {
			return
		}
	}
}

// fromRedis converts entries, dropping keys that are not valid circle keys
// (a foreign writer's mistake must not stop the followers).
func fromRedis(es []redisq.CircleEntry) []circleset.Entry {
	out := make([]circleset.Entry, 0, len(es))
	for _, e := range es {
		pk, err := config.CanonicalKey(e.PublicKey)
		if err != nil {
			continue
		}
		out = append(out, circleset.Entry{PublicKey: pk, AddedAt: e.AddedAt})
	}
	return out
}

// fleet runs one Redis consumer per followed circle and starts or stops
// them as the set changes. A removed circle's consumer drains: it takes no
// more tasks and finishes the running ones (requeued after the drain
// timeout).
type fleet struct {
	client      rueidis.Client
	cfg         config.Config
	concurrency int
	heartbeat   time.Duration
	log         *slog.Logger
	exec        func(string) scripting.Executor
	state       *redisq.StateStore // the circles' state, committed with the answers
	drain       time.Duration

	mu       sync.Mutex
	running  map[string]*redisq.Consumer
	stopping sync.WaitGroup
	closed   bool

	stopRecovery context.CancelFunc
	recovered    chan struct{}
}

// defaultHeartbeat is redisq's default heartbeat TTL, for the fleet's
// recovery interval when none is given.
const defaultHeartbeat = 10 * time.Second

// newFleet starts the fleet's one recovery loop (its consumers run none of
// their own, so a hundred circles cost one loop, not a hundred).
func newFleet(client rueidis.Client, cfg config.Config, concurrency int, heartbeat time.Duration, log *slog.Logger, st *redisq.StateStore, exec func(string) scripting.Executor) *fleet {
	f := &fleet{client: client, cfg: cfg, concurrency: concurrency, heartbeat: heartbeat, log: log, exec: exec, state: st,
		drain: cfg.ShutdownTimeout, running: map[string]*redisq.Consumer{}, recovered: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	f.stopRecovery = cancel
	interval := heartbeat
	if interval <= 0 {
		interval = defaultHeartbeat
	}
	go func() {
		defer close(f.recovered)
		r := &redisq.Recoverer{Client: client, Owner: "circles-fleet", Logger: log}
		r.Run(ctx, interval/2)
	}()
	return f
}

// sync makes the running consumers those of circles.
func (f *fleet) sync(circles []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	want := make(map[string]bool, len(circles))
	for _, pk := range circles {
		want[pk] = true
		if f.running[pk] != nil {
			continue
		}
		c, err := redisq.NewConsumer(f.client, f.exec, &redisq.ConsumerOptions{
			Circles:          []string{pk},
			Concurrency:      f.concurrency,
			HeartbeatTTL:     f.heartbeat,
			Retention:        f.cfg.TaskRetention,
			DefaultTimeout:   f.cfg.ScriptTimeout,
			RecoveryInterval: -1, // the fleet recovers for all of them
			StatsInterval:    -1,
			Logger:           f.log,
			State:            f.state,
		})
		if err != nil {
			f.log.Error("failed to start a consumer", "circle", config.Fingerprint(pk), "err", err)
			continue
		}
		c.Start()
		f.running[pk] = c
		f.log.Info("consuming circle", "circle", config.Fingerprint(pk))
	}
	for pk, c := range f.running {
		if want[pk] {
			continue
		}
		delete(f.running, pk)
		f.stopping.Add(1)
		go func() {
			defer f.stopping.Done()
			ctx, cancel := context.WithTimeout(context.Background(), f.drain)
			defer cancel()
			if err := c.Stop(ctx); err != nil {
				f.log.Warn("consumer of a removed circle did not drain cleanly", "circle", config.Fingerprint(pk), "err", err)
			}
			f.log.Info("stopped consuming circle", "circle", config.Fingerprint(pk))
		}()
	}
}

// stop drains every consumer within ctx.
func (f *fleet) stop(ctx context.Context) error {
	f.mu.Lock()
	f.closed = true
	running := f.running
	f.running = nil
	f.mu.Unlock()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, c := range running {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Stop(ctx); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	f.stopping.Wait()
	f.stopRecovery()
	<-f.recovered
	return errors.Join(errs...)
}

// followAllCircles runs a consumer for every circle of the shared set in
// Redis, except fixed ones (-k, consumed already), following the set until
// the returned stop, which drains them.
func followAllCircles(cfg config.Config, concurrency int, heartbeat, drain time.Duration, log *slog.Logger, st *redisq.StateStore, exec func(string) scripting.Executor) (func(context.Context) error, error) {
	client, err := redisq.NewClient(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("failed to follow the circle set: %w", err)
	}
	fixed := make(map[string]bool, len(cfg.PublicKeys))
	for _, pk := range cfg.PublicKeys {
		fixed[pk] = true
	}
	f := newFleet(client, cfg, concurrency, heartbeat, log, st, exec)
	f.drain = drain
	set := redisq.NewCircleSet(client, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		set.Follow(ctx, 0, func(es []redisq.CircleEntry, _ int64) {
			var pks []string
			for _, e := range fromRedis(es) {
				if !fixed[e.PublicKey] {
					pks = append(pks, e.PublicKey)
				}
			}
			f.sync(pks)
		})
	}()
	return func(sctx context.Context) error {
		cancel()
		<-done
		err := f.stop(sctx)
		client.Close()
		return err
	}, nil
}

// redisQueueDepth reads the length of each circle's Redis queue.
func redisQueueDepth(client rueidis.Client) circleset.QueueDepth {
	return func(ctx context.Context, pks []string) (map[string]int64, error) {
		cmds := make(rueidis.Commands, len(pks))
		for i, pk := range pks {
			cmds[i] = client.B().Llen().Key(redisq.KeysFor(client).Tasks(pk)).Build()
		}
		out := make(map[string]int64, len(pks))
		for i, r := range client.DoMulti(ctx, cmds...) {
			n, err := r.AsInt64()
			if err != nil {
				return nil, fmt.Errorf("failed to read queue length: %w", err)
			}
			out[pks[i]] = n
		}
		return out, nil
	}
}
