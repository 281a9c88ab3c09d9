package actors_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/actors/actorstest"
	"github.com/circles-actor/circles-actor/config"
)

// FuzzSessionFrame feeds arbitrary frames to a session: every reply must be
// valid JSON, and the session must never fail (close with 1011) or stop
// answering.
func FuzzSessionFrame(f *testing.F) {
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"whoami"}`,
		`{"jsonrpc":"2.0","id":1,"method":"play","params":{"script":"40 + 2"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"play","params":["let x = ; "]}`,
		`{"jsonrpc":"2.0","id":"a","method":"fetch_nonce","params":{"pubkey":"02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"}}`,
		`{"jsonrpc":"2.0","id":2,"method":"authenticate","params":{"credentials":{"pubkey":"02","signature":"00"}}}`,
		`{"jsonrpc":"2.0","id":2,"method":"authenticate","params":["x","y","z"]}`,
		`{"jsonrpc":"2.0","id":2,"method":"authenticate","params":{"credentials":[1]}}`,
		`[{"jsonrpc":"2.0","id":1,"method":"whoami"},{"jsonrpc":"2.0","method":"play","params":["1"]},{}]`,
		`{"jsonrpc":"2.0","id":null,"method":"rpc.discover"}`,
		`[]`, `{`, `"x"`, `[1,2,3]`, `{"jsonrpc":"2.0","method":"play","params":["loop {}"]}`,
	} {
		f.Add([]byte(seed))
	}
	sys, err := actors.NewSystem(fuzzConfig(f), actors.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { shutdown(f, sys) })
	circle := sys.Circles()[0]
	sentinel := []byte(`{"jsonrpc":"2.0","id":"sentinel","method":"whoami"}`)
	f.Fuzz(func(t *testing.T, frame []byte) {
		sink := actorstest.NewChanSink(1024)
		sess, err := sys.OpenSession(circle, "127.0.0.1:1", sink)
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Closed()
		sess.Receive(append([]byte(nil), frame...))
		sess.Receive(sentinel)
		for {
			reply, err := sink.Next(10 * time.Second)
			if err != nil {
				code, reason := sink.Status()
				t.Fatalf("no sentinel reply for %q (closed %d %q): %v", frame, code, reason, err)
			}
			if !json.Valid(reply) {
				t.Fatalf("invalid JSON reply %q for %q", reply, frame)
			}
			if bytes.Contains(reply, []byte(`"id":"sentinel"`)) && !bytes.HasPrefix(reply, []byte("[")) {
				break
			}
		}
		if code, _ := sink.Status(); code == actors.CloseInternalError {
			t.Fatalf("session failed on %q", frame)
		}
	})
}

func fuzzConfig(f *testing.F) config.Config {
	cfg := config.Default()
	cfg.PublicKeys = []string{"0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"}
	cfg.MaxOperations = 100_000
	cfg.ScriptTimeout = time.Second
	cfg.MaxInFlight = 1 << 20
	return cfg
}
