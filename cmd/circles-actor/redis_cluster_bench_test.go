package main

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/circles-actor/circles-actor/internal/testredis"
	"github.com/circles-actor/circles-actor/transport/client"
)

// benchCircles are n valid circle pks whose Cluster hash tags spread evenly
// over the slot ranges redis-cli gives 3 masters (0-5460, 5461-10922,
// 10923-16383): with 8 circles, 3, 3 and 2 per master.
func benchCircles(n int) []string {
	var out []string
	per := map[int]int{}
	for i := 1; len(out) < n; i++ {
		var b [32]byte
		b[31], b[30] = byte(i), byte(i>>8)
		pk := hex.EncodeToString(secp256k1.PrivKeyFromBytes(b[:]).PubKey().SerializeCompressed())
		m := min(int(crc16(pk)%16384)/5461, 2)
		if per[m] >= (n+2)/3 {
			continue
		}
		per[m]++
		out = append(out, pk)
	}
	return out
}

// crc16 is Redis Cluster's key hash (CRC16/XMODEM).
func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// BenchmarkRedisClusterMasters measures play throughput (`40 + 2`, 64
// clients over 8 circles, 8 each) through a routing-only `serve` and one
// `worker` process (8 circles, one loop each) on a single redis-server
// (not a Cluster: the reference), a 1-master Cluster and a 3-master
// Cluster, rounds interleaved in one run so that the machine's load hits
// all alike. Reported: plays/s of each, the ratios 3 masters / 1 master and
// 1-master Cluster / single node, and the CPU per play of serve, the
// worker, and all redis-servers together, the cores the run kept busy and
// the share of a core the busiest redis-server used, which say what limits
// the scaling (on a machine with few cores: every core is busy and no
// master is, so the serve and worker processes limit it, not Redis).
//
//	go test -run '^$' -bench RedisClusterMasters -benchtime 5x ./cmd/circles-actor/
func BenchmarkRedisClusterMasters(b *testing.B) {
	if testing.Short() {
		b.Skip("Redis Cluster benchmark: skipped in -short mode")
	}
	const nCircles, clients, perRound = 8, 64, 3200
	circles := benchCircles(nCircles)
	bin := filepath.Join(b.TempDir(), "circles-actor")
	goBuild(b, bin)
	type setup struct {
		name  string
		conns []*client.Client
		procs []*rproc // serve, worker
		redis []int    // redis-server pids
		took  time.Duration
		cpu   [3]time.Duration // serve, worker, redis
		self  time.Duration    // this process: the 64 clients
		busy  []time.Duration  // per redis-server
	}
	single := testredis.Start(b)
	c1, c3 := testredis.StartCluster(b, 1), testredis.StartCluster(b, 3)
	pids := func(ns []*testredis.Server) []int {
		var out []int
		for _, n := range ns {
			out = append(out, n.PID())
		}
		return out
	}
	envs := []struct {
		name, url, wurl string
		redis           []int
	}{
		{"single", single.URL, single.URL, []int{single.PID()}},
		{"cluster1", c1.URL, c1.MultiURL, pids(c1.Nodes)},
		{"cluster3", c3.URL, c3.MultiURL, pids(c3.Nodes)},
	}
	var setups []*setup
	for _, en := range envs {
		e := &redisEnv{t: b, bin: bin, url: en.url, wurl: en.wurl}
		var ks []string
		for _, c := range circles[1:] {
			ks = append(ks, "-k", c)
		}
		srv, addr := e.serveCircle(circles[0], append([]string{"--redis-url", en.url, "--no-local-workers", "--max-conns-per-ip", "1024"}, ks...)...)
		w := e.workerFor("worker-"+en.name, circles[0], ks...)
		s := &setup{name: en.name, procs: []*rproc{srv, w}, redis: en.redis, busy: make([]time.Duration, len(en.redis))}
		for i := range clients {
			s.conns = append(s.conns, dialClients(b, "ws://"+addr+"/"+circles[i%nCircles], 1)...)
		}
		setups = append(setups, s)
	}
	for _, s := range setups { // warm up: every loop has its connection and scripts are loaded
		playRound(b, s.conns, 2*clients, "40 + 2", "42")
	}
	redisCPU := func(pids []int) (total time.Duration, each []time.Duration) {
		for _, p := range pids {
			c := pidCPU(p)
			total += c
			each = append(each, c)
		}
		return total, each
	}
	b.ResetTimer()
	for range b.N {
		for _, s := range setups {
			p0, c0 := procCPU(s.procs), selfCPU()
			r0, e0 := redisCPU(s.redis)
			s.took += playRound(b, s.conns, perRound, "40 + 2", "42")
			p1, c1 := procCPU(s.procs), selfCPU()
			r1, e1 := redisCPU(s.redis)
			s.cpu[0] += p1[0] - p0[0]
			s.cpu[1] += p1[1] - p0[1]
			s.cpu[2] += r1 - r0
			s.self += c1 - c0
			for i := range e1 {
				s.busy[i] += e1[i] - e0[i]
			}
		}
	}
	b.StopTimer()
	plays := float64(perRound * b.N)
	rate := map[string]float64{}
	for _, s := range setups {
		rate[s.name] = plays / s.took.Seconds()
		b.ReportMetric(rate[s.name], s.name+"-plays/s")
		for i, part := range []string{"serve", "worker", "redis"} {
			b.ReportMetric(s.cpu[i].Seconds()*1e6/plays, fmt.Sprintf("%s-%s-cpu-us/play", s.name, part))
		}
		// What limits the figure: the cores the whole run kept busy (of
		// runtime.NumCPU: at that, adding masters cannot add throughput),
		// and the share of one core the busiest redis-server used (near 1,
		// a master is the bottleneck and more masters would help).
		all := s.cpu[0] + s.cpu[1] + s.cpu[2] + s.self
		b.ReportMetric(all.Seconds()/s.took.Seconds(), s.name+"-busy-cores")
		b.ReportMetric(slices.Max(s.busy).Seconds()/s.took.Seconds(), s.name+"-busiest-redis-core")
	}
	b.ReportMetric(float64(runtime.NumCPU()), "cores")
	b.ReportMetric(rate["cluster3"]/rate["cluster1"], "3masters/1master")
	b.ReportMetric(rate["cluster1"]/rate["single"], "cluster1/single")
}

// pidCPU is the CPU time process pid has used so far (its threads'
// schedstat run time; 0 where that is not available).
func pidCPU(pid int) time.Duration {
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	var t time.Duration
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var ns int64
		if _, err := fmt.Sscan(string(data), &ns); err == nil {
			t += time.Duration(ns)
		}
	}
	return t
}
