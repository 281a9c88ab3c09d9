package auth

import (
	"errors"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// ErrInvalidSignature is returned (wrapped with a detail for logs) for every
// verification failure, so callers answer uniformly: test with errors.Is.
var ErrInvalidSignature = errors.New("invalid signature")

// invalid wraps a detail into ErrInvalidSignature.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidSignature, fmt.Sprintf(format, args...))
}

// Verify checks that signatureHex is pubkeyHex's signature of nonce, in
// either accepted format (see the package doc). It returns nil or an error
// wrapping ErrInvalidSignature.
func Verify(pubkeyHex, signatureHex, nonce string) error {
	pk, err := ParsePublicKey(pubkeyHex)
	if err != nil {
		return invalid("%v", err)
	}
	return VerifyKey(pk, signatureHex, nonce)
}

// VerifyKey is Verify with an already parsed public key.
func VerifyKey(pk *secp256k1.PublicKey, signatureHex, nonce string) error {
	sig, err := decodeHex(signatureHex, 65)
	if err != nil {
		return invalid("signature: %v", err)
	}
	switch len(sig) {
	case 65:
		return verifyEIP191(pk, sig, nonce)
	case 64:
		return verifyCompact(pk, sig, nonce)
	}
	return invalid("signature is %d bytes, want 65 (EIP-191) or 64 (compact)", len(sig))
}

// parseRS reads r and s, enforcing 0 < r, s < n and s <= n/2.
func parseRS(rs []byte) (r, s secp256k1.ModNScalar, err error) {
	if r.SetByteSlice(rs[:32]) || r.IsZero() {
		return r, s, invalid("r out of range")
	}
	if s.SetByteSlice(rs[32:64]) || s.IsZero() {
		return r, s, invalid("s out of range")
	}
	if s.IsOverHalfOrder() {
		return r, s, invalid("high s")
	}
	return r, s, nil
}

func verifyEIP191(pk *secp256k1.PublicKey, sig []byte, nonce string) error {
	if _, _, err := parseRS(sig); err != nil {
		return err
	}
	v := sig[64]
	if v >= 27 {
		v -= 27
	}
	if v > 1 {
		return invalid("v is %d, want 0, 1, 27 or 28", sig[64])
	}
	var c [65]byte
	c[0] = 27 + v
	copy(c[1:], sig[:64])
	got, _, err := ecdsa.RecoverCompact(c[:], EIP191Digest(nonce))
	if err != nil {
		return invalid("recover: %v", err)
	}
	if !got.IsEqual(pk) {
		return invalid("signed by another key")
	}
	return nil
}

func verifyCompact(pk *secp256k1.PublicKey, sig []byte, nonce string) error {
	r, s, err := parseRS(sig)
	if err != nil {
		return err
	}
	if !ecdsa.NewSignature(&r, &s).Verify(CompactDigest(nonce), pk) {
		return invalid("compact signature does not verify")
	}
	return nil
}
