package client

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"golang.org/x/crypto/sha3"
)

// ParsePrivateKey parses a 32-byte secp256k1 private key in hex (an optional
// 0x prefix and surrounding white space are allowed, as in key files).
func ParsePrivateKey(s string) (*secp256k1.PrivateKey, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "0x")
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("failed to parse private key: %w", err)
	}
	if len(b) != 32 {
		return nil, fmt.Errorf("failed to parse private key: %d bytes, want 32", len(b))
	}
	var k secp256k1.ModNScalar
	if overflow := k.SetByteSlice(b); overflow || k.IsZero() {
		return nil, errors.New("failed to parse private key: not in [1, n-1]")
	}
	return secp256k1.NewPrivateKey(&k), nil
}

// PublicKeyHex is the lowercase compressed (33-byte) hex of key's public key,
// the form the server uses everywhere.
func PublicKeyHex(key *secp256k1.PrivateKey) string {
	return hex.EncodeToString(key.PubKey().SerializeCompressed())
}

// EIP191Digest is keccak256("\x19Ethereum Signed Message:\n" + len + msg),
// the digest personal_sign (eth_sign) signs.
func EIP191Digest(msg []byte) []byte {
	h := sha3.NewLegacyKeccak256()
	h.Write([]byte("\x19Ethereum Signed Message:\n" + strconv.Itoa(len(msg))))
	h.Write(msg)
	return h.Sum(nil)
}

// SignEIP191 signs msg the way browser wallets do: 65 bytes r||s||v over
// EIP191Digest(msg), with v = 27 + recovery id.
func SignEIP191(key *secp256k1.PrivateKey, msg []byte) []byte {
	sig := ecdsa.SignCompact(key, EIP191Digest(msg), false) // v||r||s, v = 27+recid
	return append(sig[1:], sig[0])
}

// SignCompact signs SHA-256(msg) with a 64-byte compact r||s signature
// (low S, as libsecp256k1 requires).
func SignCompact(key *secp256k1.PrivateKey, msg []byte) []byte {
	digest := sha256.Sum256(msg)
	sig := ecdsa.Sign(key, digest[:])
	r, s := sig.R(), sig.S()
	out := make([]byte, 64)
	r.PutBytesUnchecked(out[:32])
	s.PutBytesUnchecked(out[32:])
	return out
}
