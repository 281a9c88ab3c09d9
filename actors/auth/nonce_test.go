package auth_test

import (
	"encoding/hex"
	"errors"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/actors/auth"
)

const circle = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newStore(max int) (*auth.NonceStore, *clock) {
	c := &clock{now: time.Unix(1_700_000_000, 0)}
	return auth.NewNonceStore(&auth.NonceOptions{Circle: circle, MaxPending: max, TTL: time.Minute, Now: c.Now}), c
}

var nonceRE = regexp.MustCompile(`^circles:` + circle + `:[0-9a-f]{64}:([0-9]+)$`)

func TestIssueFormat(t *testing.T) {
	t.Parallel()
	s, c := newStore(0)
	n, exp := s.Issue("")
	m := nonceRE.FindStringSubmatch(n)
	if m == nil {
		t.Fatalf("nonce %q has the wrong shape", n)
	}
	if !exp.Equal(c.Now().Add(time.Minute)) || m[1] != strconv.FormatInt(exp.Unix(), 10) {
		t.Fatalf("expiry %v, embedded %s", exp, m[1])
	}
	if n2, _ := s.Issue(""); n2 == n {
		t.Fatal("two nonces are equal")
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	s := auth.NewNonceStore(nil)
	before := time.Now()
	_, exp := s.Issue("")
	if d := exp.Sub(before); d < 5*time.Minute || d > 5*time.Minute+time.Minute {
		t.Errorf("default TTL gives %v", d)
	}
	for range 10 {
		s.Issue("")
	}
	if s.Pending() != 4 {
		t.Errorf("default bound: %d pending", s.Pending())
	}
}

func TestConsumeSingleUse(t *testing.T) {
	t.Parallel()
	s, _ := newStore(4)
	n, _ := s.Issue("")
	if err := s.Consume(n); err != nil {
		t.Fatal(err)
	}
	if err := s.Consume(n); !errors.Is(err, auth.ErrUnknownNonce) {
		t.Fatalf("replay: %v", err)
	}
	if err := s.Consume("circles:" + circle + ":00:1"); !errors.Is(err, auth.ErrUnknownNonce) {
		t.Fatalf("forged: %v", err)
	}
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	s, c := newStore(4)
	n, _ := s.Issue("")
	c.Add(time.Minute)
	if err := s.Consume(n); !errors.Is(err, auth.ErrExpired) {
		t.Fatalf("expired: %v", err)
	}
	if err := s.Consume(n); !errors.Is(err, auth.ErrUnknownNonce) {
		t.Fatalf("expired then again: %v", err)
	}
	n, _ = s.Issue("")
	c.Add(59 * time.Second)
	if err := s.Consume(n); err != nil {
		t.Fatalf("just in time: %v", err)
	}
}

func TestBoundEvictsOldest(t *testing.T) {
	t.Parallel()
	s, _ := newStore(3)
	var ns []string
	for range 5 {
		n, _ := s.Issue("")
		ns = append(ns, n)
	}
	if s.Pending() != 3 {
		t.Fatalf("%d pending", s.Pending())
	}
	for i, n := range ns {
		err := s.Consume(n)
		if want := i >= 2; (err == nil) != want {
			t.Errorf("nonce %d: %v", i, err)
		}
	}
}

func TestIssueForgetsExpired(t *testing.T) {
	t.Parallel()
	s, c := newStore(2)
	old, _ := s.Issue("")
	c.Add(2 * time.Minute)
	s.Issue("")
	if s.Pending() != 1 {
		t.Fatalf("%d pending", s.Pending())
	}
	if err := s.Consume(old); !errors.Is(err, auth.ErrUnknownNonce) {
		t.Fatal(err)
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	k := mustKey(t, eip191Vectors[0].key)
	other := mustKey(t, eip191Vectors[1].key)
	uncompressed := hex.EncodeToString(k.PubKey().SerializeUncompressed())

	t.Run("eip191 with the fetched nonce", func(t *testing.T) {
		s, _ := newStore(4)
		n, _ := s.Issue(uncompressed) // any spelling binds the same key
		sig := hex.EncodeToString(auth.SignEIP191(k, n))
		got, err := s.Authenticate("0x"+pubHex(k), sig)
		if err != nil || got != pubHex(k) {
			t.Fatalf("Authenticate = %q, %v", got, err)
		}
		if _, err := s.Authenticate(pubHex(k), sig); !errors.Is(err, auth.ErrUnknownNonce) {
			t.Fatalf("replay: %v", err)
		}
	})
	t.Run("older of two nonces", func(t *testing.T) {
		s, _ := newStore(4)
		n1, _ := s.Issue(pubHex(k))
		s.Issue(pubHex(k))
		if _, err := s.Authenticate(pubHex(k), hex.EncodeToString(auth.SignCompact(k, n1))); err != nil {
			t.Fatal(err)
		}
		if s.Pending() != 0 {
			t.Fatalf("%d pending after use", s.Pending())
		}
	})
	t.Run("failure consumes", func(t *testing.T) {
		s, _ := newStore(4)
		n, _ := s.Issue(pubHex(k))
		s.Issue(pubHex(other))
		if _, err := s.Authenticate(pubHex(k), hex.EncodeToString(auth.SignEIP191(other, n))); !errors.Is(err, auth.ErrInvalidSignature) {
			t.Fatalf("wrong signer: %v", err)
		}
		if _, err := s.Authenticate(pubHex(k), hex.EncodeToString(auth.SignEIP191(k, n))); !errors.Is(err, auth.ErrUnknownNonce) {
			t.Fatalf("after a failure: %v", err)
		}
		if s.Pending() != 1 {
			t.Fatalf("the other key's nonce was taken: %d pending", s.Pending())
		}
	})
	t.Run("nonce of another key", func(t *testing.T) {
		s, _ := newStore(4)
		n, _ := s.Issue(pubHex(other))
		if _, err := s.Authenticate(pubHex(k), hex.EncodeToString(auth.SignEIP191(k, n))); !errors.Is(err, auth.ErrUnknownNonce) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		s, c := newStore(4)
		n, _ := s.Issue(pubHex(k))
		c.Add(time.Hour)
		if _, err := s.Authenticate(pubHex(k), hex.EncodeToString(auth.SignEIP191(k, n))); !errors.Is(err, auth.ErrExpired) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("foreign store", func(t *testing.T) {
		a, _ := newStore(4)
		b, _ := newStore(4)
		n, _ := a.Issue(pubHex(k))
		b.Issue(pubHex(k))
		if _, err := b.Authenticate(pubHex(k), hex.EncodeToString(auth.SignEIP191(k, n))); !errors.Is(err, auth.ErrInvalidSignature) {
			t.Fatalf("%v", err)
		}
		if _, err := b.AuthenticateNonce(pubHex(k), hex.EncodeToString(auth.SignEIP191(k, n)), n); !errors.Is(err, auth.ErrUnknownNonce) {
			t.Fatalf("named foreign nonce: %v", err)
		}
	})
	t.Run("unbound nonce", func(t *testing.T) {
		s, _ := newStore(4)
		n, _ := s.Issue("")
		if _, err := s.Authenticate(pubHex(k), hex.EncodeToString(auth.SignEIP191(k, n))); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("named nonce", func(t *testing.T) {
		s, _ := newStore(4)
		n, _ := s.Issue(pubHex(k))
		sig := hex.EncodeToString(auth.SignCompact(k, n))
		if got, err := s.AuthenticateNonce(uncompressed, sig, n); err != nil || got != pubHex(k) {
			t.Fatalf("%q %v", got, err)
		}
		if _, err := s.AuthenticateNonce(pubHex(k), sig, n); !errors.Is(err, auth.ErrUnknownNonce) {
			t.Fatalf("replay: %v", err)
		}
		n, _ = s.Issue(pubHex(k))
		if _, err := s.AuthenticateNonce(pubHex(other), hex.EncodeToString(auth.SignCompact(other, n)), n); !errors.Is(err, auth.ErrUnknownNonce) {
			t.Fatalf("bound to another key: %v", err)
		}
		n, _ = s.Issue(pubHex(k))
		if _, err := s.AuthenticateNonce("zz", sig, n); !errors.Is(err, auth.ErrInvalidSignature) || s.Consume(n) == nil {
			t.Fatalf("bad key must still use the nonce up: %v", err)
		}
	})
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	s, _ := newStore(64)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				n, _ := s.Issue("")
				_ = s.Consume(n)
				s.Pending()
			}
		}()
	}
	wg.Wait()
}
