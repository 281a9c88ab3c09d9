package redisq_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
)

// gauges gathers reg into name{circle} -> value ("" for no label).
func gauges(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				key += "{" + l.GetValue()[:4] + "}"
			}
			out[key] = m.GetGauge().GetValue()
		}
	}
	return out
}

func TestCollector(t *testing.T) {
	r := startRedis(t)
	c := r.Client()
	d := newDispatcher(t, c, redisq.Options{})
	for i := range 2 {
		go func() {
			_, _ = d.Dispatch(ctxT(t, 10*time.Second), scripting.Task{ID: string(rune('a' + i)), CircleID: circleA, Script: "echo"})
		}()
	}
	eventually(t, 5*time.Second, "two queued", func() bool { return llen(t, c, redisq.TasksKey(circleA)) == 2 })
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(redisq.NewCollector(c, []string{circleA}, 0))
	g := gauges(t, reg)
	if g["circles_redis_queue_depth{02aa}"] != 2 || g["circles_redis_up"] != 1 || g["circles_redis_live_workers{02aa}"] != 0 {
		t.Fatalf("gauges = %v", g)
	}
	r.Stop()
	g = gauges(t, reg)
	if g["circles_redis_up"] != 0 || len(g) != 1 {
		t.Fatalf("gauges with redis down = %v", g)
	}
}
