package auth

// IssuedNonce is a pending nonce and the canonical key it was issued for
// ("" when it was issued for no key).
type IssuedNonce struct {
	Nonce  string
	PubKey string
}

// TakeAll removes every pending nonce, whatever key it was issued for, and
// returns the live ones, newest first. With none live it returns ErrExpired
// if some had expired, else ErrUnknownNonce. It is for callers that make
// every attempt use up all of a session's nonces, so that a failed attempt
// (a malformed or foreign key included) leaves nothing a later guess could
// use.
func (s *NonceStore) TakeAll() ([]IssuedNonce, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	var live []IssuedNonce
	expired := false
	for i := len(s.pending) - 1; i >= 0; i-- {
		p := s.pending[i]
		if now.Before(p.expires) {
			live = append(live, IssuedNonce{Nonce: p.nonce, PubKey: p.pubkey})
		} else {
			expired = true
		}
	}
	s.pending = s.pending[:0]
	switch {
	case len(live) > 0:
		return live, nil
	case expired:
		return nil, ErrExpired
	}
	return nil, ErrUnknownNonce
}
