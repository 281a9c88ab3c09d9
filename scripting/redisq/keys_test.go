package redisq_test

import (
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/scripting/redisq"
)

// TestKeyspaceNames: a single node keeps the original wire names; on a
// Cluster every key one script of a circle touches carries the circle's
// hash tag (the first "{...}" of the key is what Redis hashes), so they
// share a slot.
func TestKeyspaceNames(t *testing.T) {
	single := redisq.Keyspace{}
	for got, want := range map[string]string{
		single.Tasks(circleA):            "rhai_tasks:" + circleA,
		single.Details(circleA, "t1"):    "rhai_task_details:t1",
		single.DetailsPrefix(circleA):    "rhai_task_details:",
		single.Processing(circleA, "w1"): "rhai_processing:w1",
		single.Outbox(circleA, "w1"):     "",
	} {
		if got != want {
			t.Errorf("single node: %q, want %q", got, want)
		}
	}
	cl := redisq.Keyspace{Cluster: true}
	keys := append([]string{cl.Tasks(circleA), cl.Details(circleA, "t1"), cl.Processing(circleA, "w1"), cl.Outbox(circleA, "w1")},
		redisq.StateKeys(circleA)...)
	for _, k := range keys {
		i := strings.Index(k, "{")
		j := strings.Index(k[i+1:], "}")
		if i < 0 || j < 0 || k[i+1:i+1+j] != circleA {
			t.Errorf("Cluster key %q does not hash on the circle", k)
		}
	}
	if cl.Details(circleA, "t1") != cl.DetailsPrefix(circleA)+"t1" {
		t.Errorf("Details and DetailsPrefix disagree")
	}
}
