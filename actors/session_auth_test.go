package actors_test

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/actors/auth"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/transport/jsonrpc"
)

func TestNoncePlayWhoamiFlow(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil)
	c := open(t, sys, circle)
	priv, pub := newKey(t)

	var w whoamiRes
	c.call("whoami", nil, &w)
	if w.Authenticated || w.PubKey != nil || w.Circle != circle {
		t.Fatalf("anonymous whoami: %+v", w)
	}

	var n nonceRes
	c.call("fetch_nonce", map[string]string{"pubkey": pub}, &n)
	if !strings.Contains(n.Nonce, circle) || n.ExpiresAt <= time.Now().Unix() {
		t.Fatalf("nonce %+v does not embed the circle or is already expired", n)
	}
	var a struct {
		Authenticated bool   `json:"authenticated"`
		PubKey        string `json:"pubkey"`
	}
	sig := hex.EncodeToString(auth.SignEIP191(priv, n.Nonce))
	c.call("authenticate", map[string]string{"pubkey": pub, "signature": sig}, &a)
	if !a.Authenticated || a.PubKey != pub {
		t.Fatalf("authenticate: %+v", a)
	}

	var p playRes
	c.call("play", map[string]string{"script": "let x = 10; x * 2"}, &p)
	if p.Output != "20" || p.Type != "i64" {
		t.Fatalf("play: %+v", p)
	}
	c.call("play", []string{"CALLER_PUBLIC_KEY + CONTEXT_ID"}, &p)
	if p.Output != pub+circle || p.Type != "string" {
		t.Fatalf("play constants: %+v", p)
	}

	c.call("whoami", []any{}, &w)
	if !w.Authenticated || w.PubKey == nil || *w.PubKey != pub {
		t.Fatalf("whoami after auth: %+v", w)
	}
}

func TestAuthenticateShapesAndFormats(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil)
	priv, pub := newKey(t)
	// An uncompressed upper-case spelling of the key names the same caller.
	upper := strings.ToUpper(hex.EncodeToString(priv.PubKey().SerializeUncompressed()))
	shapes := []struct {
		name   string
		sign   func(nonce string) []byte
		params func(pub, sig string) any
	}{
		{"by-name eip191", func(n string) []byte { return auth.SignEIP191(priv, n) },
			func(p, s string) any { return map[string]string{"pubkey": p, "signature": s} }},
		{"positional compact", func(n string) []byte { return auth.SignCompact(priv, n) },
			func(p, s string) any { return []string{p, s} }},
		{"credentials eip191 v=0/1", func(n string) []byte {
			sig := auth.SignEIP191(priv, n)
			sig[64] -= 27
			return sig
		}, func(p, s string) any {
			return map[string]any{"credentials": map[string]string{"pubkey": p, "signature": "0x" + s}}
		}},
	}
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			c := open(t, sys, circle)
			var n nonceRes
			c.call("fetch_nonce", map[string]string{"pubkey": upper}, &n)
			var a struct{ PubKey string }
			c.call("authenticate", sh.params(upper, hex.EncodeToString(sh.sign(n.Nonce))), &a)
			if a.PubKey != pub {
				t.Fatalf("pubkey %q, want canonical %q", a.PubKey, pub)
			}
		})
	}
}

func TestNonceReplayedForeignAndExpired(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, nil)
	priv, pub := newKey(t)

	t.Run("replayed", func(t *testing.T) {
		c := open(t, sys, circle)
		var n nonceRes
		c.call("fetch_nonce", map[string]string{"pubkey": pub}, &n)
		sig := hex.EncodeToString(auth.SignEIP191(priv, n.Nonce))
		c.call("authenticate", map[string]string{"pubkey": pub, "signature": sig}, nil)
		code, _ := c.callErr("authenticate", map[string]string{"pubkey": pub, "signature": sig})
		if code != jsonrpc.BadNonce {
			t.Fatalf("replay: code %d, want %d", code, jsonrpc.BadNonce)
		}
	})
	t.Run("failed attempt consumes the nonce", func(t *testing.T) {
		c := open(t, sys, circle)
		var n nonceRes
		c.call("fetch_nonce", map[string]string{"pubkey": pub}, &n)
		bad := auth.SignEIP191(priv, n.Nonce+"x")
		code, r := c.callErr("authenticate", map[string]string{"pubkey": pub, "signature": hex.EncodeToString(bad)})
		if code != jsonrpc.InvalidCredentials || r.Error.Message != "invalid credentials" {
			t.Fatalf("bad signature: %+v", r.Error)
		}
		good := hex.EncodeToString(auth.SignEIP191(priv, n.Nonce))
		if code, _ := c.callErr("authenticate", map[string]string{"pubkey": pub, "signature": good}); code != jsonrpc.BadNonce {
			t.Fatalf("nonce reused after a failure: code %d", code)
		}
	})
	t.Run("foreign connection", func(t *testing.T) {
		a, b := open(t, sys, circle), open(t, sys, circle)
		var n nonceRes
		a.call("fetch_nonce", map[string]string{"pubkey": pub}, &n)
		sig := hex.EncodeToString(auth.SignEIP191(priv, n.Nonce))
		if code, _ := b.callErr("authenticate", map[string]string{"pubkey": pub, "signature": sig}); code != jsonrpc.BadNonce {
			t.Fatalf("nonce of another connection: code %d", code)
		}
		if code, _ := b.callErr("authenticate", map[string]string{"pubkey": pub, "signature": sig, "nonce": n.Nonce}); code != jsonrpc.BadNonce {
			t.Fatalf("named nonce of another connection: code %d", code)
		}
		// b has a nonce of its own: the signature over a's nonce does not match it.
		b.call("fetch_nonce", map[string]string{"pubkey": pub}, nil)
		if code, _ := b.callErr("authenticate", map[string]string{"pubkey": pub, "signature": sig}); code != jsonrpc.InvalidCredentials {
			t.Fatalf("signature over a foreign nonce: code %d", code)
		}
	})
	t.Run("other key", func(t *testing.T) {
		c := open(t, sys, circle)
		other, _ := newKey(t)
		var n nonceRes
		c.call("fetch_nonce", map[string]string{"pubkey": pub}, &n)
		sig := hex.EncodeToString(auth.SignEIP191(other, n.Nonce))
		if code, _ := c.callErr("authenticate", map[string]string{"pubkey": pub, "signature": sig}); code != jsonrpc.InvalidCredentials {
			t.Fatalf("wrong signer: code %d", code)
		}
	})
	t.Run("malformed hex", func(t *testing.T) {
		c := open(t, sys, circle)
		c.call("fetch_nonce", map[string]string{"pubkey": pub}, nil)
		if code, _ := c.callErr("authenticate", map[string]string{"pubkey": pub, "signature": "zz"}); code != jsonrpc.InvalidParams {
			t.Fatalf("malformed signature: code %d, want -32602", code)
		}
		if code, _ := c.callErr("fetch_nonce", map[string]string{"pubkey": "02zz"}); code != jsonrpc.InvalidParams {
			t.Fatalf("malformed pubkey: code %d", code)
		}
		if code, _ := c.callErr("authenticate", map[string]string{"pubkey": pub}); code != jsonrpc.InvalidParams {
			t.Fatalf("missing signature: code %d", code)
		}
	})

	expiring, circle2 := startSystem(t, func(c *config.Config) { c.NonceTTL = time.Nanosecond })
	t.Run("expired", func(t *testing.T) {
		c := open(t, expiring, circle2)
		var n nonceRes
		c.call("fetch_nonce", map[string]string{"pubkey": pub}, &n)
		sig := hex.EncodeToString(auth.SignEIP191(priv, n.Nonce))
		if code, _ := c.callErr("authenticate", map[string]string{"pubkey": pub, "signature": sig}); code != jsonrpc.BadNonce {
			t.Fatalf("expired nonce: code %d", code)
		}
	})
}

func TestAuthFailuresRateLimitedPerIP(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, func(c *config.Config) { c.AuthFailuresPerMinute = 2 })
	priv, pub := newKey(t)
	c := openFrom(t, sys, circle, "10.0.0.1:1000")
	for i := range 2 {
		c.call("fetch_nonce", map[string]string{"pubkey": pub}, nil)
		if code, _ := c.callErr("authenticate", map[string]string{"pubkey": pub, "signature": strings.Repeat("11", 65)}); code != jsonrpc.InvalidCredentials {
			t.Fatalf("failure %d: code %d", i, code)
		}
	}
	// Same IP and key, another connection: throttled even with a good
	// signature (the key's budget at this IP is spent).
	d := openFrom(t, sys, circle, "10.0.0.1:2000")
	var n nonceRes
	d.call("fetch_nonce", map[string]string{"pubkey": pub}, &n)
	sig := hex.EncodeToString(auth.SignEIP191(priv, n.Nonce))
	if code, _ := d.callErr("authenticate", map[string]string{"pubkey": pub, "signature": sig}); code != jsonrpc.RateLimited {
		t.Fatalf("throttled: code %d, want %d", code, jsonrpc.RateLimited)
	}
	// Another IP is not affected.
	e := openFrom(t, sys, circle, "10.0.0.2:1000")
	e.login(priv, pub)
}

func TestEnableAuthGuardsPlay(t *testing.T) {
	t.Parallel()
	sys, circle := startSystem(t, func(c *config.Config) { c.EnableAuth = true })
	c := open(t, sys, circle)
	if code, _ := c.callErr("play", map[string]string{"script": "1"}); code != jsonrpc.AuthRequired {
		t.Fatalf("anonymous play: code %d", code)
	}
	priv, pub := newKey(t)
	c.login(priv, pub)
	var p playRes
	c.call("play", map[string]string{"script": "CALLER_ID"}, &p)
	if p.Output != pub {
		t.Fatalf("CALLER_ID %q, want %q", p.Output, pub)
	}
}

// TestAnyAttemptConsumesEveryNonce: whatever an authenticate attempt claims,
// it uses up all of the session's pending nonces, answers -32002 when some
// were live, and a later correct attempt with the same signature gets -32003.
func TestAnyAttemptConsumesEveryNonce(t *testing.T) {
	t.Parallel()
	// Every attempt below counts as a failure of one IP; the throttle is not
	// what this test is about.
	sys, circle := startSystem(t, func(c *config.Config) { c.AuthFailuresPerMinute = 1000 })
	priv, pub := newKey(t)
	otherPriv, otherPub := newKey(t)
	cases := []struct {
		name  string
		first func(nonce, sig string) any // the failing attempt
		code  int
	}{
		{"malformed pubkey", func(_, sig string) any {
			return map[string]string{"pubkey": "02zz", "signature": sig}
		}, jsonrpc.InvalidParams},
		{"pubkey of the wrong length", func(_, sig string) any {
			return map[string]string{"pubkey": pub[:64], "signature": sig}
		}, jsonrpc.InvalidParams},
		{"pubkey not on the curve", func(_, sig string) any {
			return map[string]string{"pubkey": "02" + strings.Repeat("ff", 32), "signature": sig}
		}, jsonrpc.InvalidCredentials},
		{"another well-formed key", func(_, sig string) any {
			return map[string]string{"pubkey": otherPub, "signature": sig}
		}, jsonrpc.InvalidCredentials},
		{"another key's signature", func(nonce, _ string) any {
			return []string{otherPub, hex.EncodeToString(auth.SignEIP191(otherPriv, nonce))}
		}, jsonrpc.InvalidCredentials},
		{"named nonce never issued", func(_, sig string) any {
			return map[string]string{"pubkey": pub, "signature": sig, "nonce": "circles:nope"}
		}, jsonrpc.InvalidCredentials},
		{"malformed signature", func(_, _ string) any {
			return map[string]string{"pubkey": pub, "signature": "zz"}
		}, jsonrpc.InvalidParams},
		{"signature of the wrong length", func(_, sig string) any {
			return map[string]string{"pubkey": pub, "signature": sig[:126]}
		}, jsonrpc.InvalidParams},
		{"well-formed signature that does not verify", func(_, _ string) any {
			return map[string]string{"pubkey": pub, "signature": strings.Repeat("11", 65)}
		}, jsonrpc.InvalidCredentials},
		{"invalid params", func(_, _ string) any {
			return map[string]any{"pubkey": 5, "signature": true}
		}, jsonrpc.InvalidParams},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := open(t, sys, circle)
			var n nonceRes
			c.call("fetch_nonce", map[string]string{"pubkey": pub}, &n)
			sig := hex.EncodeToString(auth.SignEIP191(priv, n.Nonce))
			code, r := c.callErr("authenticate", tc.first(n.Nonce, sig))
			if code != tc.code {
				t.Fatalf("failing attempt: %d %+v, want %d", code, r.Error, tc.code)
			}
			if code == jsonrpc.InvalidCredentials && r.Error.Message != "invalid credentials" {
				t.Fatalf("message %q is not the uniform one", r.Error.Message)
			}
			for _, params := range []any{
				map[string]string{"pubkey": pub, "signature": sig},
				map[string]string{"pubkey": pub, "signature": sig, "nonce": n.Nonce},
			} {
				if code, _ := c.callErr("authenticate", params); code != jsonrpc.BadNonce {
					t.Fatalf("correct attempt after a failure: code %d, want %d", code, jsonrpc.BadNonce)
				}
			}
		})
	}

	t.Run("every pending nonce, any key", func(t *testing.T) {
		c := open(t, sys, circle)
		var mine, unbound, theirs nonceRes // unbound: a second nonce for the same key
		c.call("fetch_nonce", map[string]string{"pubkey": pub}, &mine)
		c.call("fetch_nonce", []string{pub}, &unbound)
		c.call("fetch_nonce", map[string]string{"pubkey": otherPub}, &theirs)
		before := metricValue(t, sys, "circles_auth_failures_total")
		if code, _ := c.callErr("authenticate", []string{pub, strings.Repeat("11", 65)}); code != jsonrpc.InvalidCredentials {
			t.Fatalf("bad signature: code %d", code)
		}
		if got := metricValue(t, sys, "circles_auth_failures_total"); got != before+1 {
			t.Fatalf("auth failures %v, want %v", got, before+1)
		}
		for _, try := range []struct{ key, nonce string }{{pub, mine.Nonce}, {pub, unbound.Nonce}, {otherPub, theirs.Nonce}} {
			p := priv
			if try.key == otherPub {
				p = otherPriv
			}
			sig := hex.EncodeToString(auth.SignEIP191(p, try.nonce))
			if code, _ := c.callErr("authenticate", []string{try.key, sig}); code != jsonrpc.BadNonce {
				t.Fatalf("nonce survived a failed attempt: code %d", code)
			}
		}
	})

	t.Run("a success uses up the others too", func(t *testing.T) {
		c := open(t, sys, circle)
		var first, second nonceRes
		c.call("fetch_nonce", map[string]string{"pubkey": pub}, &first)
		c.call("fetch_nonce", map[string]string{"pubkey": pub}, &second)
		c.call("authenticate", []string{pub, hex.EncodeToString(auth.SignCompact(priv, first.Nonce))}, nil)
		if code, _ := c.callErr("authenticate", []string{pub, hex.EncodeToString(auth.SignCompact(priv, second.Nonce))}); code != jsonrpc.BadNonce {
			t.Fatalf("second nonce after a success: code %d", code)
		}
	})

	t.Run("no nonce at all", func(t *testing.T) {
		c := open(t, sys, circle)
		if code, _ := c.callErr("authenticate", []string{pub, strings.Repeat("11", 65)}); code != jsonrpc.BadNonce {
			t.Fatalf("no pending nonce: code %d, want %d", code, jsonrpc.BadNonce)
		}
	})
}
