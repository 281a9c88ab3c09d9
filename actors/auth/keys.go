package auth

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/circles-actor/circles-actor/config"
)

// stripHex drops an optional 0x or 0X prefix.
func stripHex(s string) string {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return s[2:]
	}
	return s
}

// decodeHex decodes hex of at most max bytes, rejecting longer input before
// decoding so that hostile input costs nothing.
func decodeHex(s string, max int) ([]byte, error) {
	s = stripHex(s)
	if len(s) > 2*max {
		return nil, fmt.Errorf("%d hex characters, want at most %d", len(s), 2*max)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, errors.New("not hex")
	}
	return b, nil
}

// ParsePublicKey parses a public key as config.CanonicalKey accepts it:
// hex in any case, optional 0x, 33-byte compressed or 65-byte uncompressed
// (04 prefix; hybrid keys are refused), on the curve.
func ParsePublicKey(s string) (*secp256k1.PublicKey, error) {
	pk, err := config.ParsePublicKey(s)
	if err != nil {
		return nil, fmt.Errorf("invalid public key: %w", err)
	}
	return pk, nil
}

// PublicKeyHex is the canonical spelling of a public key: lowercase
// compressed hex.
func PublicKeyHex(pk *secp256k1.PublicKey) string {
	return hex.EncodeToString(pk.SerializeCompressed())
}

// ParsePrivateKey parses a 32-byte private key in hex (optional 0x). Zero
// and values not below the group order are refused rather than reduced.
func ParsePrivateKey(s string) (*secp256k1.PrivateKey, error) {
	raw, err := decodeHex(s, 32)
	if err != nil {
		return nil, fmt.Errorf("invalid private key: %w", err)
	}
	if len(raw) != 32 {
		return nil, fmt.Errorf("invalid private key: %d bytes, want 32", len(raw))
	}
	var k secp256k1.ModNScalar
	if overflow := k.SetByteSlice(raw); overflow || k.IsZero() {
		return nil, errors.New("invalid private key: out of range")
	}
	return secp256k1.NewPrivateKey(&k), nil
}

// GenerateKey makes a new key pair from crypto/rand and returns the private
// key as 64 hex characters and the public key as canonical compressed hex.
func GenerateKey() (privHex, pubHex string, err error) {
	priv, err := secp256k1.GeneratePrivateKey()
	if err != nil {
		return "", "", fmt.Errorf("failed to generate key: %w", err)
	}
	b := priv.Serialize()
	return hex.EncodeToString(b), PublicKeyHex(priv.PubKey()), nil
}
