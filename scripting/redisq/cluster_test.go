package redisq_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/internal/testredis"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/scripting/state"
)

// clusterClient is redisq.NewClient(url), closed at cleanup; it must come
// out a Cluster client, from one seed or from the addr= form.
func clusterClient(t testing.TB, url string) rueidis.Client {
	t.Helper()
	c, err := redisq.NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if !redisq.KeysFor(c).Cluster {
		t.Fatalf("NewClient(%s) is not a Cluster client (mode %v)", url, c.Mode())
	}
	return c
}

// spreadCircles returns n circle pks whose keys fall on every master of
// c's Cluster (at least once each), so that a test exercises them all.
func spreadCircles(t testing.TB, c rueidis.Client, n int) []string {
	t.Helper()
	ctx := ctxT(t, 10*time.Second)
	masters := len(c.Nodes())
	var out []string
	on := map[string]int{}
	for i := 0; len(out) < n && i < 10000; i++ {
		pk := fmt.Sprintf("02%064x", i+1)
		node, err := nodeOf(ctx, c, redisq.Keyspace{Cluster: true}.Tasks(pk))
		if err != nil {
			t.Fatal(err)
		}
		if len(on) < masters && on[node] > 0 && n-len(out) <= masters-len(on) {
			continue // leave room for the nodes not hit yet
		}
		on[node]++
		out = append(out, pk)
	}
	if len(on) != masters {
		t.Fatalf("circles on %d of %d masters", len(on), masters)
	}
	return out
}

// nodeOf is the address of the master serving key.
func nodeOf(ctx context.Context, c rueidis.Client, key string) (string, error) {
	slot, err := c.Do(ctx, c.B().ClusterKeyslot().Key(key).Build()).AsInt64()
	if err != nil {
		return "", err
	}
	shards, err := c.Do(ctx, c.B().ClusterSlots().Build()).ToArray()
	if err != nil {
		return "", err
	}
	for _, s := range shards {
		v, err := s.ToArray()
		if err != nil || len(v) < 3 {
			continue
		}
		lo, _ := v[0].AsInt64()
		hi, _ := v[1].AsInt64()
		if slot >= lo && slot <= hi {
			node, _ := v[2].ToArray()
			host, _ := node[0].ToString()
			port, _ := node[1].AsInt64()
			return fmt.Sprintf("%s:%d", host, port), nil
		}
	}
	return "", fmt.Errorf("no master serves slot %d", slot)
}

// TestClusterPlay: on a real 3-master Cluster, a dispatcher (seed URL) and
// a worker (addr= form) answer plays of 8 circles spread over all masters;
// each task is run once; the queue stats see the queues and the worker.
func TestClusterPlay(t *testing.T) {
	cl := testredis.StartCluster(t, 3)
	dc := clusterClient(t, cl.URL)
	wc := clusterClient(t, cl.MultiURL)
	circles := spreadCircles(t, dc, 8)
	if err := redisq.Check(ctxT(t, 5*time.Second), dc); err != nil {
		t.Fatalf("Check on a formed Cluster: %v", err)
	}
	d := newDispatcher(t, dc, redisq.Options{})
	exec := newFakeExec()
	w := newConsumer(t, wc, exec, redisq.ConsumerOptions{Circles: circles, Concurrency: 2})
	const each = 20
	var wg sync.WaitGroup
	for _, circle := range circles {
		for i := range each {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := d.Dispatch(ctxT(t, 20*time.Second), scripting.Task{ID: fmt.Sprintf("%s-%d", circle[60:], i), CircleID: circle, Script: fmt.Sprintf("echo %d", i)})
				if want := fmt.Sprintf("%d|%s|", i, circle[:4]); err != nil || res.Output != want {
					t.Errorf("play %d of %.8s: %+v, %v; want %s", i, circle, res, err, want)
				}
			}()
		}
	}
	wg.Wait()
	if n := exec.runs.Load(); n != int64(len(circles)*each) {
		t.Errorf("%d runs for %d plays", n, len(circles)*each)
	}
	ctx := ctxT(t, 10*time.Second)
	ks := redisq.KeysFor(dc)
	for _, circle := range circles {
		for _, k := range []string{ks.Tasks(circle), ks.Processing(circle, w.ID()), ks.Outbox(circle, w.ID())} {
			eventually(t, 5*time.Second, k+" to be empty", func() bool { return llen(t, dc, k) == 0 })
		}
	}
	var stats []redisq.CircleStats
	eventually(t, 10*time.Second, "stats of every circle", func() bool { // the worker registers with its next beat if the first failed
		var err error
		stats, err = redisq.QueueStats(ctx, dc, nil)
		return err == nil && len(stats) == len(circles)
	})
	for _, s := range stats {
		if s.LiveWorkers != 1 || s.Queued != 0 {
			t.Errorf("stats of %.8s: %+v, want 1 live worker and an empty queue", s.Circle, s)
		}
	}
	if len(stats) != len(circles) {
		t.Errorf("stats found %d circles, want %d", len(stats), len(circles))
	}
}

// TestClusterDeadWorkerTaskRequeued: a worker that registered, moved a
// task into its processing list of the circle and vanished (no heartbeat)
// has the task requeued by another's recovery, which answers it once.
func TestClusterDeadWorkerTaskRequeued(t *testing.T) {
	cl := testredis.StartCluster(t, 3)
	c := clusterClient(t, cl.URL)
	circle := spreadCircles(t, c, 3)[2]
	ks := redisq.KeysFor(c)
	d := newDispatcher(t, c, redisq.Options{RecoveryInterval: -1})
	ctx := ctxT(t, 30*time.Second)
	answers := make(chan error, 2)
	go func() {
		res, err := d.Dispatch(ctx, scripting.Task{ID: "orphan", CircleID: circle, Script: "echo survived"})
		if err == nil && res.Output != "survived|02"+circle[2:4]+"|" {
			err = fmt.Errorf("got %+v", res)
		}
		answers <- err
	}()
	eventually(t, 5*time.Second, "task queued", func() bool { return llen(t, c, ks.Tasks(circle)) == 1 })
	const dead = "dead-worker"
	for _, cmd := range []rueidis.Completed{
		c.B().Sadd().Key(redisq.KeyWorkers).Member(dead).Build(),
		c.B().Sadd().Key(redisq.WorkerCirclesKey(dead)).Member(circle).Build(),
		c.B().Lmove().Source(ks.Tasks(circle)).Destination(ks.Processing(circle, dead)).Right().Left().Build(),
	} {
		if err := c.Do(ctx, cmd).Error(); err != nil {
			t.Fatal(err)
		}
	}
	exec := newFakeExec()
	newConsumer(t, c, exec, redisq.ConsumerOptions{Circles: []string{circle}, HeartbeatTTL: 600 * time.Millisecond})
	if err := <-answers; err != nil {
		t.Fatal(err)
	}
	if n := exec.runsOf("orphan"); n != 1 {
		t.Errorf("runs = %d, want 1", n)
	}
	eventually(t, 5*time.Second, "the dead worker forgotten", func() bool {
		n, _ := c.Do(ctx, c.B().Exists().Key(redisq.WorkerCirclesKey(dead)).Build()).AsInt64()
		m, _ := c.Do(ctx, c.B().Sismember().Key(redisq.KeyWorkers).Member(dead).Build()).AsBool()
		return n == 0 && !m && llen(t, c, ks.Processing(circle, dead)) == 0
	})
	select {
	case err := <-answers:
		t.Fatalf("second answer: %v", err)
	default:
	}
}

// TestClusterStateCounterTwoWorkers: two consumers (two worker processes,
// four loops each) run a read-modify-write counter of one circle from 16
// callers on a Cluster, while a second circle on another master counts
// too: no update is lost, no answer is given twice.
func TestClusterStateCounterTwoWorkers(t *testing.T) {
	cl := testredis.StartCluster(t, 3)
	circles := spreadCircles(t, clusterClient(t, cl.URL), 3)[:2]
	d := newDispatcher(t, clusterClient(t, cl.URL), redisq.Options{})
	var stores []*redisq.StateStore
	for _, u := range []string{cl.URL, cl.MultiURL} {
		c := clusterClient(t, u)
		st := redisq.NewStateStore(c, nil)
		stores = append(stores, st)
		e := scripting.NewEngine(rhai.DefaultLimits(), 10*time.Second, scripting.WithState(st, state.DefaultLimits()))
		newConsumer(t, c, e, redisq.ConsumerOptions{Circles: circles, Concurrency: 4, State: st})
	}
	const clients, each = 16, 10
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			circle := circles[cl%2]
			for range each {
				res, err := d.Dispatch(ctxT(t, 30*time.Second), scripting.Task{CircleID: circle,
					Script: `let n = (state.get("n") ?? 0) + 1; state.set("n", n); n`})
				if err != nil || res.Err != nil {
					t.Errorf("play: %v %v", err, res.Err)
					return
				}
				mu.Lock()
				if seen[circle+res.Output] {
					t.Errorf("answer %s of %.8s given twice", res.Output, circle)
				}
				seen[circle+res.Output] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, circle := range circles {
		err := update(t, stores[1], circle, func(tx *state.Tx) error {
			v, _, err := tx.Get("n")
			if want := fmt.Sprint(clients / 2 * each); err == nil && rhai.ToString(v) != want {
				t.Errorf("n of %.8s = %s, want %s", circle, rhai.ToString(v), want)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestClusterCircleSet: the shared circle set works on a Cluster (its keys
// are in different slots): add, remove, load, and a follower (on another
// client, subscribed on whichever node it picks, with an hour between its own
// checks) sees each change by its message.
func TestClusterCircleSet(t *testing.T) {
	cl := testredis.StartCluster(t, 3)
	s := redisq.NewCircleSet(clusterClient(t, cl.URL), quietLog())
	ctx := ctxT(t, 10*time.Second)
	var mu sync.Mutex
	seen := -1
	fctx, stop := context.WithCancel(context.Background())
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		redisq.NewCircleSet(clusterClient(t, cl.MultiURL), quietLog()).Follow(fctx, time.Hour, func(es []redisq.CircleEntry, _ int64) {
			mu.Lock()
			seen = len(es)
			mu.Unlock()
		})
	}()
	defer func() { stop(); <-followed }()
	sees := func(n int) func() bool {
		return func() bool { mu.Lock(); defer mu.Unlock(); return seen == n }
	}
	eventually(t, 5*time.Second, "the follower's first read", sees(0))
	added, v1, err := s.Add(ctx, circleA, time.Now())
	if err != nil || !added || v1 != 1 {
		t.Fatalf("Add = %v %d %v", added, v1, err)
	}
	if again, v, err := s.Add(ctx, circleA, time.Now()); err != nil || again || v != 1 {
		t.Fatalf("Add again = %v %d %v", again, v, err)
	}
	es, v, err := s.Load(ctx)
	if err != nil || v != 1 || len(es) != 1 || es[0].PublicKey != circleA {
		t.Fatalf("Load = %+v %d %v", es, v, err)
	}
	eventually(t, 5*time.Second, "the follower to see the added circle", sees(1))
	if removed, v, err := s.Remove(ctx, circleA); err != nil || !removed || v != 2 {
		t.Fatalf("Remove = %v %d %v", removed, v, err)
	}
	if es, _, err := s.Load(ctx); err != nil || len(es) != 0 {
		t.Fatalf("Load after remove = %+v %v", es, err)
	}
	eventually(t, 5*time.Second, "the follower to see the removal", sees(0))
}

// TestClusterNotReadyRefused: a Cluster whose slots are not all served
// (a lone cluster-enabled node: cluster_state:fail) is refused by Check
// with one sentence.
func TestClusterNotReadyRefused(t *testing.T) {
	n := testredis.StartWith(t, testredis.Options{Args: []string{"--cluster-enabled", "yes",
		"--cluster-config-file", t.TempDir() + "/nodes.conf"}})
	c, err := redisq.NewClient(n.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = redisq.Check(ctxT(t, 5*time.Second), c)
	if redisq.Fault(err) == nil || !strings.HasPrefix(err.Error(), "Redis Cluster is not ready (cluster_state:fail") {
		t.Fatalf("Check = %v, want the not-ready sentence", err)
	}
}
