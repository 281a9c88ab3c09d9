package redisq_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/internal/testredis"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
)

// TestMinReplicasHoldsAnswers: with MinReplicas 1 a play is answered once
// a replica has its outcome; with the replica stopped (SIGSTOP) the play
// fails cleanly within the timeout, saying why, instead of answering; and
// answers flow again when the replica returns.
func TestMinReplicasHoldsAnswers(t *testing.T) {
	master := startRedis(t)
	host, port, _ := strings.Cut(master.Addr, ":")
	replica := testredis.StartWith(t, "--replicaof", host, port)
	c := master.Client()
	eventually(t, 20*time.Second, "the replica to sync", func() bool {
		info, err := c.Do(ctxT(t, time.Second), c.B().Info().Section("replication").Build()).ToString()
		return err == nil && strings.Contains(info, "connected_slaves:1") && strings.Contains(info, "state=online")
	})
	d := newDispatcher(t, c, redisq.Options{MinReplicas: 1, ReplicaTimeout: 300 * time.Millisecond})
	newConsumer(t, master.Client(), newFakeExec(), redisq.ConsumerOptions{})
	play := func(n int) (scripting.Result, error) {
		return d.Dispatch(ctxT(t, 10*time.Second), scripting.Task{CircleID: circleA, Script: fmt.Sprint("echo ", n)})
	}
	if res, err := play(1); err != nil || !strings.HasPrefix(res.Output, "1|") {
		t.Fatalf("with the replica up: %v %v", res.Output, err)
	}
	replica.Pause()
	_, err := play(2)
	if !errors.Is(err, scripting.ErrUnavailable) || !strings.Contains(err.Error(), "replicas") {
		t.Fatalf("with the replica stopped: %v, want an unavailable error about replicas", err)
	}
	replica.Resume()
	eventually(t, 20*time.Second, "answers confirmed again", func() bool {
		res, err := play(3)
		return err == nil && strings.HasPrefix(res.Output, "3|")
	})
}
