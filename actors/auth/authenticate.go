package auth

// Authenticate is the authenticate method in one call, for the original
// client's shape {pubkey, signature} that does not say which nonce was
// signed: it takes every pending nonce issued for pubkey (they are used up
// whatever the outcome) and accepts the signature if it signs any of them,
// newest first. It returns the canonical public key on success; errors are
// ErrUnknownNonce or ErrExpired (no usable nonce) or wrap
// ErrInvalidSignature.
func (s *NonceStore) Authenticate(pubkey, signature string) (string, error) {
	nonces, err := s.Take(pubkey)
	if err != nil {
		return "", err
	}
	pk, err := ParsePublicKey(pubkey)
	if err != nil {
		return "", invalid("%v", err)
	}
	for _, n := range nonces {
		if err = VerifyKey(pk, signature, n); err == nil {
			return PublicKeyHex(pk), nil
		}
	}
	return "", err
}

// AuthenticateNonce is Authenticate for a client that names the nonce it
// signed: only that nonce is used up, and it must have been issued for
// pubkey (or for no key).
func (s *NonceStore) AuthenticateNonce(pubkey, signature, nonce string) (string, error) {
	pk, err := ParsePublicKey(pubkey)
	if err != nil {
		_ = s.Consume(nonce) // any attempt uses the nonce up
		return "", invalid("%v", err)
	}
	key := PublicKeyHex(pk)
	if _, err := s.consume(nonce, key, true); err != nil {
		return "", err
	}
	if err := VerifyKey(pk, signature, nonce); err != nil {
		return "", err
	}
	return key, nil
}
