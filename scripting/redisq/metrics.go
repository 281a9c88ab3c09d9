package redisq

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/rueidis"
)

// Collector exports QueueStats as Prometheus gauges, read from Redis at
// each scrape: circles_redis_queue_depth, circles_redis_active_tasks and
// circles_redis_live_workers per circle, and circles_redis_up (0 when the
// scrape could not reach Redis). Safe for concurrent scrapes.
type Collector struct {
	client    rueidis.Client
	circles   []string
	circlesFn func() []string // NewCircleCollector: asked at each scrape
	timeout   time.Duration

	depth, active, workers, up *prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a collector for circles (every discovered circle when
// empty); each scrape waits at most timeout (0: 2s) for Redis.
func NewCollector(client rueidis.Client, circles []string, timeout time.Duration) *Collector {
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	circle := []string{"circle"}
	return &Collector{
		client: client, circles: circles, timeout: timeout,
		depth:   prometheus.NewDesc("circles_redis_queue_depth", "Task ids waiting in rhai_tasks:{circle}.", circle, nil),
		active:  prometheus.NewDesc("circles_redis_active_tasks", "Tasks of the circle taken by live workers and not answered.", circle, nil),
		workers: prometheus.NewDesc("circles_redis_live_workers", "Live worker processes consuming the circle.", circle, nil),
		up:      prometheus.NewDesc("circles_redis_up", "1 if the last scrape reached Redis.", nil, nil),
	}
}

// NewCircleCollector is NewCollector for a set that changes at runtime
// (circles added and removed through the admin API): circles is asked at
// each scrape, and an empty answer exports circles_redis_up only.
func NewCircleCollector(client rueidis.Client, circles func() []string, timeout time.Duration) *Collector {
	c := NewCollector(client, nil, timeout)
	c.circlesFn = circles
	return c
}

// Describe sends the descriptors.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.active
	ch <- c.workers
	ch <- c.up
}

// Collect reads the statistics from Redis.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	circles := c.circles
	if c.circlesFn != nil {
		if circles = c.circlesFn(); len(circles) == 0 {
			ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, boolGauge(c.client.Do(ctx, c.client.B().Ping().Build()).Error() == nil))
			return
		}
	}
	stats, err := QueueStats(ctx, c.client, circles)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	for _, s := range stats {
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(s.Queued), s.Circle)
		ch <- prometheus.MustNewConstMetric(c.active, prometheus.GaugeValue, float64(s.Active), s.Circle)
		ch <- prometheus.MustNewConstMetric(c.workers, prometheus.GaugeValue, float64(s.LiveWorkers), s.Circle)
	}
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
