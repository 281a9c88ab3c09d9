package actors_test

import (
	"encoding/hex"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/actors/actorstest"
	"github.com/circles-actor/circles-actor/actors/auth"
)

// BenchmarkPlayRoundTrip measures play `40 + 2` from frame in to frame out
// through the session and worker actors, with 64 concurrent sessions.
func BenchmarkPlayRoundTrip(b *testing.B) {
	sys, circle := startSystemB(b)
	benchPlays(b, sys, circle)
}

// benchPlays runs b.N plays spread over 64 concurrent sessions.
func benchPlays(b *testing.B, sys *actors.System, circle string) {
	const clients = 64
	frame := []byte(`{"jsonrpc":"2.0","id":1,"method":"play","params":{"script":"40 + 2"}}`)
	sinks := make([]*actorstest.ChanSink, clients)
	sessions := make([]*actors.Session, clients)
	for i := range sinks {
		sinks[i] = actorstest.NewChanSink(4)
		s, err := sys.OpenSession(circle, "127.0.0.1:1", sinks[i])
		if err != nil {
			b.Fatal(err)
		}
		sessions[i] = s
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N/clients + 1
	for i := range clients {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for range per {
				sessions[i].Receive(frame)
				if _, err := sinks[i].Next(wait); err != nil {
					b.Error(err)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	b.ReportMetric(float64(per*clients)/b.Elapsed().Seconds(), "plays/s")
}

// BenchmarkAuthenticate measures fetch_nonce + authenticate (EIP-191) on
// one session; signature verification dominates.
func BenchmarkAuthenticate(b *testing.B) {
	sys, circle := startSystemB(b)
	privHex, pub, _ := auth.GenerateKey()
	priv, _ := auth.ParsePrivateKey(privHex)
	sink := actorstest.NewChanSink(4)
	sess, err := sys.OpenSession(circle, "127.0.0.1:1", sink)
	if err != nil {
		b.Fatal(err)
	}
	fetch := []byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"fetch_nonce","params":{"pubkey":"%s"}}`, pub))
	b.ResetTimer()
	for range b.N {
		sess.Receive(fetch)
		var r struct {
			Result nonceRes `json:"result"`
		}
		if err := sink.NextJSON(wait, &r); err != nil {
			b.Fatal(err)
		}
		sig := hex.EncodeToString(auth.SignEIP191(priv, r.Result.Nonce))
		sess.Receive([]byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":2,"method":"authenticate","params":["%s","%s"]}`, pub, sig)))
		f, err := sink.Next(wait)
		if err != nil || len(f) == 0 || f[len(f)-2] != '2' {
			b.Fatalf("authenticate: %s %v", f, err)
		}
	}
}

// BenchmarkIdleSessionMemory reports the heap held by one idle,
// authenticated session (actor, mailbox, nonce store, auth state), without
// the socket and its pumps.
func BenchmarkIdleSessionMemory(b *testing.B) {
	sys, circle := startSystemB(b)
	privHex, pub, _ := auth.GenerateKey()
	priv, _ := auth.ParsePrivateKey(privHex)
	const n = 2000
	sinks := make([]*actorstest.ChanSink, n)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range n {
		sinks[i] = actorstest.NewChanSink(1)
		s, err := sys.OpenSession(circle, "127.0.0.1:1", sinks[i])
		if err != nil {
			b.Fatal(err)
		}
		s.Receive([]byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"fetch_nonce","params":["%s"]}`, pub)))
		var r struct {
			Result nonceRes `json:"result"`
		}
		if err := sinks[i].NextJSON(wait, &r); err != nil {
			b.Fatal(err)
		}
		sig := hex.EncodeToString(auth.SignCompact(priv, r.Result.Nonce))
		s.Receive([]byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":2,"method":"authenticate","params":["%s","%s"]}`, pub, sig)))
		if _, err := sinks[i].Next(wait); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/session")
	for range b.N {
	}
}

func startSystemB(b *testing.B) (*actors.System, string) {
	b.Helper()
	return startSystem(b, nil)
}

// BenchmarkPlayRoundTripActorsOnly is BenchmarkPlayRoundTrip with an
// executor that answers at once: the cost of the actors alone.
func BenchmarkPlayRoundTripActorsOnly(b *testing.B) {
	g := newGate()
	close(g.release)
	g.started = make(chan string, 1<<20)
	sys, circle := startSystem(b, nil, actors.WithExecutorForTest(g))
	benchPlays(b, sys, circle)
}
