package auth

import (
	"crypto/sha256"
	"strconv"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"golang.org/x/crypto/sha3"
)

// eip191Prefix starts every personal_sign message.
const eip191Prefix = "\x19Ethereum Signed Message:\n"

// EIP191Digest is the personal_sign digest of msg:
// keccak256("\x19Ethereum Signed Message:\n" + decimal byte length + msg).
func EIP191Digest(msg string) []byte {
	h := sha3.NewLegacyKeccak256()
	h.Write([]byte(eip191Prefix))
	h.Write(strconv.AppendInt(nil, int64(len(msg)), 10))
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// CompactDigest is the digest of the 64-byte compact format: SHA-256(msg).
func CompactDigest(msg string) []byte {
	sum := sha256.Sum256([]byte(msg))
	return sum[:]
}

// SignEIP191 signs nonce the way wallets do for personal_sign: 65 bytes
// r||s||v with v = 27 or 28 and low S (RFC 6979 deterministic nonces, so
// the result equals other libraries' for the same key and message).
func SignEIP191(priv *secp256k1.PrivateKey, nonce string) []byte {
	// decred's compact format is v||r||s with v = 27 + recovery code.
	c := ecdsa.SignCompact(priv, EIP191Digest(nonce), false)
	out := make([]byte, 65)
	copy(out, c[1:])
	out[64] = c[0]
	return out
}

// SignCompact signs SHA-256(nonce) and returns 64 bytes r||s with low S.
func SignCompact(priv *secp256k1.PrivateKey, nonce string) []byte {
	sig := ecdsa.Sign(priv, CompactDigest(nonce))
	r, s := sig.R(), sig.S()
	out := make([]byte, 64)
	r.PutBytesUnchecked(out[:32])
	s.PutBytesUnchecked(out[32:])
	return out
}
