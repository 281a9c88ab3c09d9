// Package auth is the secp256k1 authentication of a session: nonces that a
// client signs, signature verification, and signing helpers for the Go
// client and tests.
//
// A session owns one NonceStore (nonces are bound to its circle and its
// connection, single use, expiring, and bounded). A client asks for a nonce
// for its public key, signs the nonce's exact bytes and sends the signature;
// the session then calls NonceStore.Authenticate, or Take/Consume plus
// Verify when it needs the steps apart.
//
// Two signature formats are accepted, both hex with or without 0x:
//
//   - 65 bytes r||s||v over the EIP-191 personal_sign digest
//     keccak256("\x19Ethereum Signed Message:\n" + len(nonce) + nonce), v in
//     {0, 1, 27, 28}: what browser wallets produce;
//   - 64 bytes r||s over SHA-256(nonce).
//
// High-S signatures are rejected in both formats, as libsecp256k1 does, so
// a signature has exactly one accepted encoding. Verification failures all
// wrap ErrInvalidSignature; the wrapped detail is for logs and never holds
// key material.
package auth
