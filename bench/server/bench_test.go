package server

import (
	"context"
	"testing"
	"time"
)

// benchClients is the concurrency of issue 3's throughput figures.
const benchClients = 64

// BenchmarkServer measures play round trips and authentications with 64
// concurrent clients: BenchmarkServer/{play,auth}/{bare,ours}. One
// iteration is one operation; ops/s is reported.
func BenchmarkServer(b *testing.B) {
	if err := RaiseFDLimit(); err != nil {
		b.Fatal(err)
	}
	for _, op := range []Op{OpPlay, OpAuth} {
		b.Run(string(op), func(b *testing.B) {
			for _, kind := range []string{"bare", "ours"} {
				b.Run(kind, func(b *testing.B) {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
					defer cancel()
					tg, err := Start(kind, Circle, OursOptions{MaxConnsPerIP: benchClients + 64})
					if err != nil {
						b.Fatal(err)
					}
					defer func() { _ = tg.Close(ctx) }()
					cs, err := Connect(ctx, tg.URL(), benchClients)
					if err != nil {
						b.Fatal(err)
					}
					defer cs.Close()
					if _, err := cs.RunN(ctx, op, 4*benchClients); err != nil { // warm-up
						b.Fatal(err)
					}
					b.ReportAllocs()
					b.ResetTimer()
					d, err := cs.RunN(ctx, op, b.N)
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(b.N)/d.Seconds(), "ops/s")
				})
			}
		})
	}
}

// BenchmarkIdleConn measures the server's memory per idle authenticated
// connection (2,000 of them, server in a child process):
// BenchmarkIdleConn/{bare,ours}, reported as rss-B/conn, go-B/conn and
// goroutines/conn. Run it with -benchtime 1x.
func BenchmarkIdleConn(b *testing.B) {
	for _, kind := range []string{"bare", "ours"} {
		b.Run(kind, func(b *testing.B) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			var r IdleResult
			for b.Loop() {
				var err error
				opts := IdleOptions{Conns: 2000}
				if r, err = MeasureIdle(ctx, kind, childCommand(ctx, kind, 2200), opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(r.RSSPerConn(), "rss-B/conn")
			b.ReportMetric(r.GoMemPerConn(), "go-B/conn")
			b.ReportMetric(r.GoroutinesPerConn(), "goroutines/conn")
		})
	}
}
