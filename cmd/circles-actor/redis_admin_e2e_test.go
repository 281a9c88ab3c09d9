package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/redisq"
	"github.com/circles-actor/circles-actor/transport/client"
)

// followedCircle is 5G, the circle the following tests add at runtime.
const followedCircle = "022f8bde4d1a07209355b4a7250a5c5128e88b84bddc619ab7cba8d569b240efe4"

// adminStatus is the status of one admin request to addr.
func adminStatus(t *testing.T, addr, method, pk string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, "http://"+addr+"/v1/circles/"+pk, nil)
	req.Header.Set("Authorization", "Bearer "+e2eToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode
}

// waitServed waits until addr serves pk (or stops serving it) and returns
// how long that took after since.
func waitServed(t *testing.T, addr, pk string, served bool, since time.Time) time.Duration {
	t.Helper()
	want := 404
	if served {
		want = 200
	}
	redisWait(t, 10*time.Second, "the circle set to reach "+addr, func() bool {
		return adminStatus(t, addr, http.MethodGet, pk) == want
	})
	return time.Since(since)
}

func playOn(t *testing.T, addr, pk, script, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "ws://"+addr+"/"+pk, nil)
	if err != nil {
		t.Fatalf("dial %s/%.8s: %v", addr, pk, err)
	}
	defer c.Close()
	res, err := c.Play(ctx, script)
	if err != nil || res.Output != want {
		t.Fatalf("play on %s/%.8s: %+v %v, want %q", addr, pk, res, err, want)
	}
}

// TestRedisServersFollowTheCircleSet: two serve processes on one
// redis-server both serve a circle added through either within a second,
// and both drop it when it is removed through the other.
func TestRedisServersFollowTheCircleSet(t *testing.T) {
	e := newRedisEnv(t)
	a, addrA := e.serveArgs("--redis-url", e.url, "--admin-token", e2eToken)
	b, addrB := e.serveArgs("--redis-url", e.url, "--admin-token", e2eToken)
	start := time.Now()
	if status := adminStatus(t, addrA, http.MethodPut, followedCircle); status != http.StatusCreated {
		t.Fatalf("PUT through A: %d\n%s", status, a.output())
	}
	d := waitServed(t, addrB, followedCircle, true, start)
	t.Logf("B served the circle added through A after %s", d)
	if d > time.Second {
		t.Fatalf("B served the added circle after %s, want within 1s", d)
	}
	playOn(t, addrB, followedCircle, "CONTEXT_ID", followedCircle)
	playOn(t, addrA, followedCircle, "6 * 7", "42")
	resp, err := http.Get("http://" + addrB + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), `circles_redis_queue_depth{circle="`+followedCircle+`"}`) {
		t.Fatalf("B's /metrics lacks the added circle's Redis queue")
	}
	if status := adminStatus(t, addrB, http.MethodPut, followedCircle); status != http.StatusOK {
		t.Fatalf("PUT through B of a served circle: %d", status)
	}
	start = time.Now()
	if status := adminStatus(t, addrB, http.MethodDelete, followedCircle); status != http.StatusOK {
		t.Fatalf("DELETE through B: %d\n%s", status, b.output())
	}
	d = waitServed(t, addrA, followedCircle, false, start)
	t.Logf("A dropped the circle removed through B after %s", d)
	if d > time.Second {
		t.Fatalf("A dropped the removed circle after %s, want within 1s", d)
	}
	if status := adminStatus(t, addrA, http.MethodDelete, redisCircle); status != http.StatusConflict {
		t.Fatalf("DELETE of a -k circle: %d", status)
	}
	// A third server started later finds the set as it is.
	start = time.Now()
	if status := adminStatus(t, addrA, http.MethodPut, followedCircle); status != http.StatusCreated {
		t.Fatalf("PUT again: %d", status)
	}
	_, addrC := e.serveArgs("--redis-url", e.url, "--admin-token", e2eToken)
	waitServed(t, addrC, followedCircle, true, start)
}

// TestRedisWorkerAllCircles: a routing-only server and a
// `worker --all-circles`; a circle added through the API gets its tasks
// run by that worker without a restart, and after its removal the worker
// stops consuming it.
func TestRedisWorkerAllCircles(t *testing.T) {
	e := newRedisEnv(t)
	_, addr := e.serve("--admin-token", e2eToken)
	w := startRProc(t, "worker", nil, e.bin, "worker", "--all-circles", "--redis-url", e.url, "--heartbeat-ttl", "1s")
	redisWait(t, 20*time.Second, "the worker to start", func() bool { return containsLine(w.output(), "worker running") })
	if status := adminStatus(t, addr, http.MethodPut, followedCircle); status != http.StatusCreated {
		t.Fatalf("PUT: %d", status)
	}
	playOn(t, addr, followedCircle, "CONTEXT_ID", followedCircle)
	if status := adminStatus(t, addr, http.MethodDelete, followedCircle); status != http.StatusOK {
		t.Fatalf("DELETE: %d", status)
	}
	redisWait(t, 20*time.Second, "the worker to stop consuming the removed circle", func() bool {
		return containsLine(w.output(), "stopped consuming circle")
	})
}

func containsLine(out, s string) bool { return strings.Contains(out, s) }

// TestRedisRemovalAnswersQueuedPlays: a play queued in Redis for a circle
// no worker consumes is taken back out of the queue and answered -32006
// when the circle is removed, and the session closes with 4004.
func TestRedisRemovalAnswersQueuedPlays(t *testing.T) {
	e := newRedisEnv(t)
	_, addr := e.serve("--admin-token", e2eToken)
	if status := adminStatus(t, addr, http.MethodPut, followedCircle); status != http.StatusCreated {
		t.Fatalf("PUT: %d", status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "ws://"+addr+"/"+followedCircle, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	answer := make(chan error, 1)
	go func() {
		_, err := c.Play(ctx, "1")
		answer <- err
	}()
	rc := e.client()
	defer rc.Close()
	redisWait(t, 10*time.Second, "the play to be queued", func() bool {
		n, err := rc.Do(ctx, rc.B().Llen().Key(redisq.TasksKey(followedCircle)).Build()).AsInt64()
		return err == nil && n == 1
	})
	if status, body := adminDo(t, "http://"+addr, http.MethodGet, "/v1/circles/"+followedCircle, e2eToken); status != 200 || body["queue_depth"] != 1.0 {
		t.Fatalf("GET of a circle with a queued play: %d %v, want queue_depth 1", status, body)
	}
	if status := adminStatus(t, addr, http.MethodDelete, followedCircle); status != http.StatusOK {
		t.Fatalf("DELETE: %d", status)
	}
	select {
	case err := <-answer:
		wantCode(t, err, -32006)
	case <-ctx.Done():
		t.Fatal("the queued play was not answered")
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("the session was not closed")
	}
	if n, _ := rc.Do(ctx, rc.B().Llen().Key(redisq.TasksKey(followedCircle)).Build()).AsInt64(); n != 0 {
		t.Fatalf("%d tasks left in the removed circle's queue", n)
	}
}
