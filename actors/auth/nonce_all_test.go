package auth_test

import (
	"errors"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/actors/auth"
)

func TestTakeAllUsesUpEveryNonce(t *testing.T) {
	t.Parallel()
	s, c := newStore(4)
	const key = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	old, _ := s.Issue(key)
	c.Add(30 * time.Second)
	unbound, _ := s.Issue("")
	c.Add(45 * time.Second) // old has expired, unbound has not
	got, err := s.TakeAll()
	if err != nil || len(got) != 1 || got[0] != (auth.IssuedNonce{Nonce: unbound}) {
		t.Fatalf("TakeAll = %+v, %v; want only %q", got, err, unbound)
	}
	if _, err := s.TakeAll(); !errors.Is(err, auth.ErrUnknownNonce) || s.Pending() != 0 {
		t.Fatalf("second TakeAll: %v, %d pending", err, s.Pending())
	}
	if err := s.Consume(old); !errors.Is(err, auth.ErrUnknownNonce) {
		t.Fatalf("expired nonce still pending: %v", err)
	}

	n1, _ := s.Issue(key)
	n2, _ := s.Issue("")
	got, err = s.TakeAll()
	if err != nil || len(got) != 2 || got[0].Nonce != n2 || got[1] != (auth.IssuedNonce{Nonce: n1, PubKey: key}) {
		t.Fatalf("TakeAll = %+v, %v; want newest first", got, err)
	}

	s.Issue(key)
	c.Add(2 * time.Minute)
	if _, err := s.TakeAll(); !errors.Is(err, auth.ErrExpired) {
		t.Fatalf("only expired: %v, want ErrExpired", err)
	}
}
