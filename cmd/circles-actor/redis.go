package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/circles-actor/circles-actor/scripting"
)

// newRedisDispatcher builds the Redis dispatcher for `serve --redis-url`.
func newRedisDispatcher(ctx context.Context, redisURL string, log *slog.Logger) (scripting.Dispatcher, error) {
	return nil, errors.New("redis mode: not built yet")
}

// startRedisWorkers starts queue consumers for circles that execute through
// exec(circle). stop drains them: stop taking tasks, finish or requeue.
func startRedisWorkers(ctx context.Context, redisURL string, circles []string, concurrency int, log *slog.Logger, exec func(circle string) scripting.Executor) (stop func(context.Context) error, err error) {
	return nil, errors.New("redis mode: not built yet")
}
