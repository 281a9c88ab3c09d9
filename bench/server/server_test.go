package server

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestTargets checks that both servers speak the protocol the benchmark
// relies on: play answers 42, authentication succeeds, a bad signature and
// an unknown circle are refused.
func TestTargets(t *testing.T) {
	for _, kind := range []string{"bare", "ours"} {
		t.Run(kind, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			tg, err := Start(kind, Circle, OursOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := tg.Close(ctx); err != nil {
					t.Error(err)
				}
			}()
			c, err := Dial(ctx, tg.URL())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Play(ctx); err != nil {
				t.Fatal(err)
			}
			k, err := NewKey()
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Authenticate(ctx, k); err != nil {
				t.Fatal(err)
			}
			if err := c.Authenticate(ctx, k); err != nil {
				t.Fatalf("second authentication on the same connection: %v", err)
			}
			var who struct {
				Authenticated bool   `json:"authenticated"`
				PubKey        string `json:"pubkey"`
			}
			if err := c.Call(ctx, "whoami", []byte(`{}`), &who); err != nil {
				t.Fatal(err)
			}
			if !who.Authenticated || who.PubKey != k.PubHex {
				t.Errorf("whoami = %+v", who)
			}
			if err := c.Call(ctx, "fetch_nonce", []byte(`{"pubkey":"`+k.PubHex+`"}`), nil); err != nil {
				t.Fatal(err)
			}
			bad := strings.Repeat("00", 65)
			var rpcErr *RPCError
			err = c.Call(ctx, "authenticate", []byte(`{"pubkey":"`+k.PubHex+`","signature":"`+bad+`"}`), nil)
			if !errors.As(err, &rpcErr) || rpcErr.Code != -32002 {
				t.Errorf("bad signature: %v, want -32002", err)
			}

			base := "http" + strings.TrimPrefix(strings.TrimSuffix(tg.URL(), Circle), "ws")
			resp, err := http.Get(base + "02" + strings.Repeat("ab", 32))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("unknown circle: status %d, want 404", resp.StatusCode)
			}
		})
	}
}

// TestThroughputSmoke runs a short load on both servers.
func TestThroughputSmoke(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, kind := range []string{"bare", "ours"} {
		tg, err := Start(kind, Circle, OursOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cs, err := Connect(ctx, tg.URL(), 4)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range []Op{OpPlay, OpAuth} {
			if _, err := cs.RunN(ctx, op, 20); err != nil {
				t.Fatalf("%s %s: %v", kind, op, err)
			}
			rate, err := cs.Throughput(ctx, op, 20*time.Millisecond, 300*time.Millisecond)
			if err != nil {
				t.Fatalf("%s %s: %v", kind, op, err)
			}
			if rate.PerSec <= 0 {
				t.Errorf("%s %s: rate %v", kind, op, rate)
			}
		}
		cs.Close()
		if err := tg.Close(ctx); err != nil {
			t.Error(err)
		}
	}
}

// TestBareNoLeak checks that closing the bare server ends every goroutine
// it started (bounded poll, no sleeps as synchronisation).
func TestBareNoLeak(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	before := runtime.NumGoroutine()
	b, err := StartBare(Circle)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := Connect(ctx, b.URL(), 8)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.RunN(ctx, OpPlay, 32); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
	cs.Close()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after close, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not synchronisation
	}
}
