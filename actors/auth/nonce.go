package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"strconv"
	"sync"
	"time"
)

// Nonce errors; a session answers both with -32003.
var (
	// ErrUnknownNonce: never issued by this store, already used, or evicted.
	ErrUnknownNonce = errors.New("unknown nonce")
	// ErrExpired: issued by this store but past its expiry.
	ErrExpired = errors.New("nonce expired")
)

// NonceOptions configure a NonceStore; the zero value gives the defaults.
type NonceOptions struct {
	// Circle is the canonical circle key embedded in every nonce, so a
	// signature for one circle is useless for another. Default "".
	Circle string
	// MaxPending bounds the unused nonces; issuing one more evicts the
	// oldest. Default 4.
	MaxPending int
	// TTL is how long a nonce can be used. Default 5 minutes.
	TTL time.Duration
	// Now is the clock (tests inject one). Default time.Now.
	Now func() time.Time
	// Rand is the source of the 32 random bytes (tests inject one; if it
	// fails, crypto/rand is used). Default crypto/rand.
	Rand io.Reader
}

// NonceStore holds the pending nonces of one session (so nonces are bound
// to its connection). Nonces are single use: every attempt to use one
// removes it, whatever the outcome. Its methods are safe for concurrent use,
// although a session actor calls them from one goroutine.
type NonceStore struct {
	opts    NonceOptions
	mu      sync.Mutex
	pending []pendingNonce // oldest first; at most MaxPending
}

type pendingNonce struct {
	nonce   string
	pubkey  string // canonical when it parsed; "" matches any key
	expires time.Time
}

// NewNonceStore makes an empty store; opts may be nil.
func NewNonceStore(opts *NonceOptions) *NonceStore {
	s := &NonceStore{}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.MaxPending <= 0 {
		s.opts.MaxPending = 4
	}
	if s.opts.TTL <= 0 {
		s.opts.TTL = 5 * time.Minute
	}
	if s.opts.Now == nil {
		s.opts.Now = time.Now
	}
	if s.opts.Rand == nil {
		s.opts.Rand = rand.Reader
	}
	return s
}

// Issue makes a nonce for pubkey (the key the client will sign with; ""
// binds it to no key) and returns it with its expiry. The nonce is ASCII:
// "circles:<circle>:<64 hex random>:<unix expiry>".
func (s *NonceStore) Issue(pubkey string) (nonce string, expiresAt time.Time) {
	var rnd [32]byte
	if _, err := io.ReadFull(s.opts.Rand, rnd[:]); err != nil {
		_, _ = rand.Read(rnd[:])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	expiresAt = now.Add(s.opts.TTL)
	nonce = "circles:" + s.opts.Circle + ":" + hex.EncodeToString(rnd[:]) + ":" + strconv.FormatInt(expiresAt.Unix(), 10)
	s.dropExpired(now)
	if len(s.pending) >= s.opts.MaxPending {
		s.pending = append(s.pending[:0], s.pending[len(s.pending)-s.opts.MaxPending+1:]...)
	}
	s.pending = append(s.pending, pendingNonce{nonce: nonce, pubkey: normalKey(pubkey), expires: expiresAt})
	return nonce, expiresAt
}

// dropExpired forgets expired nonces; the caller holds mu.
func (s *NonceStore) dropExpired(now time.Time) {
	kept := s.pending[:0]
	for _, p := range s.pending {
		if now.Before(p.expires) {
			kept = append(kept, p)
		}
	}
	s.pending = kept
}

// Consume uses up nonce: nil if it was pending and live, ErrExpired if it
// was pending but too old, ErrUnknownNonce otherwise.
func (s *NonceStore) Consume(nonce string) error {
	_, err := s.consume(nonce, "", false)
	return err
}

// consume removes nonce and checks its expiry and, when checkKey is set, its
// binding to pubkey.
func (s *NonceStore) consume(nonce, pubkey string, checkKey bool) (pendingNonce, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range s.pending {
		if p.nonce != nonce {
			continue
		}
		s.pending = append(s.pending[:i], s.pending[i+1:]...)
		switch {
		case !s.opts.Now().Before(p.expires):
			return p, ErrExpired
		case checkKey && p.pubkey != "" && p.pubkey != pubkey:
			return p, ErrUnknownNonce
		}
		return p, nil
	}
	return pendingNonce{}, ErrUnknownNonce
}

// Take removes every nonce issued for pubkey (or for no key) and returns the
// live ones, newest first. With none live it returns ErrExpired if some had
// expired, else ErrUnknownNonce.
func (s *NonceStore) Take(pubkey string) ([]string, error) {
	key := normalKey(pubkey)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	var live []string
	expired := false
	kept := s.pending[:0]
	for _, p := range s.pending {
		switch {
		case p.pubkey != "" && p.pubkey != key:
			kept = append(kept, p)
		case now.Before(p.expires):
			live = append([]string{p.nonce}, live...)
		default:
			expired = true
		}
	}
	s.pending = kept
	switch {
	case len(live) > 0:
		return live, nil
	case expired:
		return nil, ErrExpired
	}
	return nil, ErrUnknownNonce
}

// Pending is the number of unused nonces, expired ones included until the
// next Issue or Take forgets them.
func (s *NonceStore) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// normalKey is the canonical spelling of a parsable key, else the input.
func normalKey(pubkey string) string {
	if pubkey == "" {
		return ""
	}
	if pk, err := ParsePublicKey(pubkey); err == nil {
		return PublicKeyHex(pk)
	}
	return pubkey
}
