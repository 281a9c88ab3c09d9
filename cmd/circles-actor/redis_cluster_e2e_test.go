package main

// Redis Cluster with the real binary (issue 14, item 1): serve (given one
// seed address) and worker processes (given rueidis's addr= form) on a real
// 3-master Cluster run the Redis suite's worker-killed and state tests.

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/internal/testredis"
	"github.com/circles-actor/circles-actor/scripting/redisq"
)

// newClusterEnv is newRedisEnv on a 3-master Cluster: serve gets the seed
// URL, workers the addr= form.
func newClusterEnv(t *testing.T) *redisEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("Redis Cluster tests with the real binary: skipped in -short mode")
	}
	cl := testredis.StartCluster(t, 3)
	e := &redisEnv{t: t, url: cl.URL, wurl: cl.MultiURL, keys: redisq.Keyspace{Cluster: true}}
	e.bin = filepath.Join(t.TempDir(), "circles-actor")
	goBuild(t, e.bin)
	c := e.client()
	defer c.Close()
	if !redisq.KeysFor(c).Cluster {
		t.Fatal("the seed URL does not give a Cluster client")
	}
	return e
}

// TestRedisClusterWorkerKilledMidRun: TestRedisWorkerKilledMidRun on a
// Cluster: plays through a routing-only serve and two workers, one
// SIGKILLed while it holds tasks; every play answered once, correctly.
func TestRedisClusterWorkerKilledMidRun(t *testing.T) {
	testWorkerKilledMidRun(t, newClusterEnv(t), 600)
}

// TestRedisClusterStateWorkerKilled: TestRedisStateWorkerKilled on a
// Cluster: the read-modify-write counter across two workers, one killed;
// no lost update, no run applied twice.
func TestRedisClusterStateWorkerKilled(t *testing.T) {
	testStateWorkerKilled(t, newClusterEnv(t))
}

// TestRedisClusterServeWithLocalWorkers: serve with its own workers on a
// Cluster (the default mode) answers plays and says it dispatches through
// Redis; status reads the Cluster's queues.
func TestRedisClusterServeWithLocalWorkers(t *testing.T) {
	e := newClusterEnv(t)
	srv, addr := e.serveArgs("--redis-url", e.wurl)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, c := range e.dialN(addr, 4) {
		res, err := c.Play(ctx, "40 + 2")
		if err != nil || res.Output != "42" {
			t.Fatalf("play: %+v, %v\n%s", res, err, srv.output())
		}
	}
	if !strings.Contains(srv.output(), "dispatching through redis") {
		t.Errorf("serve did not say it dispatches through redis:\n%s", srv.output())
	}
	out, err := exec.Command(e.bin, "status", "--redis-url", e.url, "--workers").CombinedOutput()
	if err != nil || !strings.Contains(string(out), redisCircle) || !strings.Contains(string(out), "WORKER") {
		t.Errorf("status: %v, want the circle and the live worker:\n%s", err, out)
	}
}
