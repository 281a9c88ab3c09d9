package main

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/state"
	"github.com/circles-actor/circles-actor/scripting/state/pebblestore"
	"github.com/circles-actor/circles-actor/transport/client"
)

// BenchmarkStateRMWParts takes BenchmarkStateRMW's disk figure apart: the
// read-modify-write play against `40 + 2` (64 clients, one worker) on four
// servers in alternating rounds, each adding one cost of the on-disk store
// to the one before:
//
//   - memory: the default store, a commit applied on the worker;
//   - freesync: the memory store behind the committer of the disk store,
//     each group commit waiting as long as this disk's fdatasync takes but
//     using no CPU: what group commit's waits cost by themselves;
//   - nosync: pebble, as with --data-dir but with freesync's wait in place
//     of its syncs: adds pebble's CPU (batch, WAL write, memtable, reads) at
//     the group sizes such waits give;
//   - disk: --data-dir as served, adding the syncs' own cost (their CPU,
//     and their latency under load).
//
// Each server's rmw/light is against its own light rounds.
//
//	go test -run '^$' -bench StateRMWParts -benchtime 5x ./cmd/circles-actor/
func BenchmarkStateRMWParts(b *testing.B) {
	const perRound = 1000
	args := []string{"--state-max-keys", "100000000"}
	wait := fsyncLatency(b, b.TempDir())
	free := &sleepBackend{b: state.NewMemoryBackend(), d: wait}
	freeStore := state.NewLocal(free)
	nosyncDB, err := pebblestore.Open(b.TempDir(), pebblestore.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	nosync := &sleepBackend{b: nosyncDB, d: wait}
	nosyncStore := state.NewLocal(nosync)
	memConns := benchServe(b, args...)
	freeConns, _ := benchServeStore(b, freeStore, args...)
	nosyncConns, _ := benchServeStore(b, nosyncStore, args...)
	diskConns, diskAddr := benchServeAt(b, append(args, "--data-dir", b.TempDir())...)
	type server struct {
		name  string
		conns []*client.Client
		syncs func() (syncs, commits float64)
	}
	local := func(l *state.Local) func() (float64, float64) {
		return func() (float64, float64) { s, c := l.Syncs(); return float64(s), float64(c) }
	}
	servers := []server{
		{"memory", memConns, nil},
		{"freesync", freeConns, local(freeStore)},
		{"nosync", nosyncConns, local(nosyncStore)},
		{"disk", diskConns, func() (float64, float64) {
			return scrapeSum(b, diskAddr, "circles_state_syncs_total"), scrapeSum(b, diskAddr, "circles_state_commits_total")
		}},
	}
	workloads := []struct {
		name   string
		script func(int64) string
	}{{"light", lightScript}, {"rmw", rmwScript}}
	took := map[string]time.Duration{}
	cpu := map[string]time.Duration{}
	syncs, commits := map[string]float64{}, map[string]float64{}
	b.ResetTimer()
	for i := range b.N {
		for j := range servers {
			s := servers[j]
			if i%2 == 1 { // alternate the order, as BenchmarkStateRMW does
				s = servers[len(servers)-1-j]
			}
			for k := range workloads {
				w := workloads[k]
				if i%2 == 1 {
					w = workloads[len(workloads)-1-k]
				}
				key := s.name + "/" + w.name
				var s0, c0 float64
				if s.syncs != nil && w.name == "rmw" {
					s0, c0 = s.syncs()
				}
				cpu0 := selfCPU()
				d, _ := latencyRound(b, s.conns, perRound, w.script)
				took[key] += d
				cpu[key] += selfCPU() - cpu0
				if s.syncs != nil && w.name == "rmw" {
					s1, c1 := s.syncs()
					syncs[s.name] += s1 - s0
					commits[s.name] += c1 - c0
				}
			}
		}
	}
	b.StopTimer()
	plays := float64(perRound * b.N)
	b.ReportMetric(float64(wait)/1e3, "fdatasync-us")
	for name, s := range map[string]*sleepBackend{"freesync": free, "nosync": nosync} {
		if n := s.n.Load(); n > 0 {
			b.ReportMetric(float64(s.slept.Load())/float64(n)/1e3, name+"-wait-us")
		}
	}
	for _, s := range servers {
		light := plays / took[s.name+"/light"].Seconds()
		rmw := plays / took[s.name+"/rmw"].Seconds()
		b.ReportMetric(rmw/light, s.name+"-rmw/light")
		b.ReportMetric(cpu[s.name+"/rmw"].Seconds()*1e6/plays, s.name+"-rmw-cpu-us/play")
		if syncs[s.name] > 0 {
			b.ReportMetric(commits[s.name]/syncs[s.name], s.name+"-rmw-plays/sync")
		}
	}
}

// sleepBackend is a backend whose Apply first waits d, as a sync would,
// without using CPU. It is never an InlineBackend (it hides the memory
// backend's), so state.Local group-commits over it as over the disk store.
type sleepBackend struct {
	b        state.Backend
	d        time.Duration
	n, slept atomic.Int64
}

func (s *sleepBackend) Get(circle, key string) ([]byte, bool, error) { return s.b.Get(circle, key) }
func (s *sleepBackend) Stats(circle string) (state.Stats, error)     { return s.b.Stats(circle) }
func (s *sleepBackend) Close() error                                 { return s.b.Close() }

func (s *sleepBackend) Scan(circle, prefix, after string, fn func(string, []byte) bool) error {
	return s.b.Scan(circle, prefix, after, fn)
}

func (s *sleepBackend) Apply(batches []state.Batch) error {
	t0 := time.Now()
	time.Sleep(s.d)
	s.n.Add(1)
	s.slept.Add(int64(time.Since(t0)))
	return s.b.Apply(batches)
}
