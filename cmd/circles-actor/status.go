package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"text/tabwriter"
	"time"

	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting/redisq"
)

// StatusCmd is the `status` command: a table of queue depth, active tasks
// and live workers per circle.
type StatusCmd struct {
	PublicKeys []string      `short:"k" name:"public-key" sep:"," help:"Circles to show (repeatable or comma-separated); default: every circle with a queue or a live worker." env:"CIRCLES_PUBLIC_KEYS"`
	RedisURL   string        `name:"redis-url" required:"" help:"Redis URL (redis://, rediss:// or unix://)." env:"CIRCLES_REDIS_URL"`
	Workers    bool          `help:"Also list live workers."`
	Timeout    time.Duration `default:"5s" help:"Give up when Redis does not answer within this."`
}

// Run prints the table.
func (c *StatusCmd) Run(ctx context.Context, g *Globals) error {
	_ = newCLILogger(g, slog.LevelWarn)
	circles := make([]string, 0, len(c.PublicKeys))
	for _, k := range c.PublicKeys {
		pk, err := config.CanonicalKey(k)
		if err != nil {
			return fmt.Errorf("invalid public key %q: %w", k, err)
		}
		circles = append(circles, pk)
	}
	client, err := redisq.NewClient(c.RedisURL)
	if err != nil {
		return err
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	stats, err := redisq.QueueStats(ctx, client, circles)
	if fe := redisq.Fault(err); fe != nil {
		return fe
	}
	if err != nil {
		if fe := checkRedis(ctx, client); fe != nil { // e.g. a Cluster that serves no slots: say so
			return fe
		}
		return fmt.Errorf("failed to read queue statistics from %s: %w", redactURL(c.RedisURL), err)
	}
	writeStats(os.Stdout, stats)
	if !c.Workers {
		return nil
	}
	workers, err := redisq.LiveWorkers(ctx, client)
	if err != nil {
		return err
	}
	fmt.Println()
	writeWorkers(os.Stdout, workers)
	return nil
}

// writeStats prints one row per circle.
func writeStats(w io.Writer, stats []redisq.CircleStats) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CIRCLE\tQUEUED\tACTIVE\tLIVE WORKERS")
	for _, s := range stats {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", s.Circle, s.Queued, s.Active, s.LiveWorkers)
	}
	tw.Flush()
}

// writeWorkers prints one row per live worker.
func writeWorkers(w io.Writer, workers []redisq.WorkerInfo) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WORKER\tHOST\tPID\tCIRCLES\tCONCURRENCY\tSTARTED")
	for _, wk := range workers {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\n", wk.ID, wk.Host, wk.PID, len(wk.Circles), wk.Concurrency, wk.StartedAt.Format(time.RFC3339))
	}
	tw.Flush()
}
