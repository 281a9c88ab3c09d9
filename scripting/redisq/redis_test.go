package redisq_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/internal/testredis"
)

// testRedis is a private redis-server (internal/testredis) plus a client
// constructor for the package's tests.
type testRedis struct {
	*testredis.Server
	t testing.TB
}

// startRedis starts a private redis-server or skips when the binary is
// absent.
func startRedis(t testing.TB) *testRedis {
	t.Helper()
	return &testRedis{Server: testredis.Start(t), t: t}
}

// Client returns a client closed at cleanup.
func (r *testRedis) Client() rueidis.Client {
	r.t.Helper()
	c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{r.Addr}, DisableCache: true})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(c.Close)
	return c
}

// eventually polls cond until it holds or d passes.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond) // bounded polling
	}
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
