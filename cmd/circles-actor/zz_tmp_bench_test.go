package main

import (
	"os"
	"testing"
)

func BenchmarkZZDisk(b *testing.B) {
	args := []string{"--state-max-keys", "100000000"}
	if os.Getenv("ZZ_MEM") == "" {
		args = append(args, "--data-dir", b.TempDir())
	}
	conns := benchServe(b, args...)
	script := rmwScript
	if os.Getenv("ZZ_LIGHT") != "" {
		script = lightScript
	}
	latencyRound(b, conns, 2000, script)
	b.ResetTimer()
	c0 := selfCPU()
	for range b.N {
		latencyRound(b, conns, 1000, script)
	}
	b.ReportMetric(float64(selfCPU()-c0)/1e3/float64(b.N*1000), "cpu-us/play")
}
