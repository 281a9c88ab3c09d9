package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting/redisq"
	"github.com/circles-actor/circles-actor/scripting/state"
	"github.com/circles-actor/circles-actor/scripting/state/pebblestore"
)

// StateFlags are the limits of each circle's state, shared by `serve` and
// `worker` so that every process that runs scripts enforces the same. The
// defaults are config.Default()'s (and state.DefaultLimits()).
type StateFlags struct {
	StateMaxKeyBytes   int   `name:"state-max-key-bytes" default:"1024" help:"Bytes in one state key (at most 32768)." env:"CIRCLES_STATE_MAX_KEY_BYTES"`
	StateMaxValueBytes int   `name:"state-max-value-bytes" default:"1048576" help:"Encoded bytes of one state value." env:"CIRCLES_STATE_MAX_VALUE_BYTES"`
	StateMaxKeys       int64 `name:"state-max-keys" default:"1000000" help:"Keys in one circle's state." env:"CIRCLES_STATE_MAX_KEYS"`
	StateMaxBytes      int64 `name:"state-max-bytes" default:"268435456" help:"Bytes of all keys and values of one circle's state." env:"CIRCLES_STATE_MAX_BYTES"`
}

// apply copies the flags into cfg. A zero field (a StateFlags built in Go
// rather than parsed) keeps cfg's value; a negative one reaches Validate.
func (f StateFlags) apply(cfg *config.Config) {
	set(&cfg.StateMaxKeyBytes, f.StateMaxKeyBytes)
	set(&cfg.StateMaxValueBytes, f.StateMaxValueBytes)
	set(&cfg.StateMaxKeys, f.StateMaxKeys)
	set(&cfg.StateMaxBytes, f.StateMaxBytes)
}

func set[T int | int64](dst *T, v T) {
	if v != 0 {
		*dst = v
	}
}

// openState opens the store that holds the circles' state for cfg: Redis's
// (cfg.RedisURL), else the on-disk store in cfg.DataDir, else memory. serve
// and the `state` commands share it, so every store is reachable from both
// (serve opens Redis's itself, with newRedisState: its consumers need the
// *redisq.StateStore and must drain before its client closes).
func openState(ctx context.Context, cfg config.Config, log *slog.Logger) (state.Store, error) {
	if st, ok := ctx.Value(givenStore{}).(state.Store); ok {
		return st, nil
	}
	if cfg.RedisURL != "" {
		client, err := redisq.NewClient(cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("failed to open the redis state store: %w", err)
		}
		if err := checkRedis(ctx, client); err != nil {
			client.Close()
			return nil, err
		}
		log.Info("state is kept in redis", "redis", redactURL(cfg.RedisURL))
		return &redisStateStore{StateStore: redisq.NewStateStore(client, nil), client: client}, nil
	}
	if cfg.DataDir != "" {
		b, err := pebblestore.Open(cfg.DataDir, pebblestore.Options{})
		if err != nil {
			return nil, err
		}
		log.Info("state is kept on disk", "dir", b.Path())
		return state.NewLocal(b), nil
	}
	log.Warn("state is kept in memory only and lost on exit; give --data-dir DIR to keep it")
	return state.NewMemory(), nil
}

// givenStore is the context key of a store for openState to return
// instead of opening one: the benchmark that takes the on-disk store's
// cost apart runs serve over variants of it.
type givenStore struct{}

// redisStateStore is the Redis state store with the client it owns, closed
// with it.
type redisStateStore struct {
	*redisq.StateStore
	client rueidis.Client
}

func (s *redisStateStore) Close() error {
	err := s.StateStore.Close()
	s.client.Close()
	return err
}

// stateWhere says which store openState would open, for messages.
func stateWhere(cfg config.Config) string {
	if cfg.RedisURL != "" {
		return "redis " + redactURL(cfg.RedisURL)
	}
	if cfg.DataDir != "" {
		return fmt.Sprintf("data dir %s", cfg.DataDir)
	}
	return "memory"
}
