package client_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/circles-actor/circles-actor/transport/client"
)

const testPriv = "0000000000000000000000000000000000000000000000000000000000000001"

func TestEIP191DigestKnownVector(t *testing.T) {
	// ethers.hashMessage("hello")
	const want = "50b2c43fd39106bafbba0da34fc430e1f91e3c96ea2acee2bc34119f92b37750"
	if got := hex.EncodeToString(client.EIP191Digest([]byte("hello"))); got != want {
		t.Fatalf("digest = %s, want %s", got, want)
	}
}

func TestSignEIP191Recovers(t *testing.T) {
	key, err := client.ParsePrivateKey(testPriv)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("circle nonce 0123")
	sig := client.SignEIP191(key, msg)
	if len(sig) != 65 || (sig[64] != 27 && sig[64] != 28) {
		t.Fatalf("signature %x: want 65 bytes ending in v=27|28", sig)
	}
	compact := append([]byte{sig[64]}, sig[:64]...)
	pub, _, err := ecdsa.RecoverCompact(compact, client.EIP191Digest(msg))
	if err != nil {
		t.Fatal(err)
	}
	if !pub.IsEqual(key.PubKey()) {
		t.Fatal("recovered a different key")
	}
}

func TestSignCompactVerifiesLowS(t *testing.T) {
	key, _ := client.ParsePrivateKey(testPriv)
	msg := []byte("another nonce")
	sig := client.SignCompact(key, msg)
	if len(sig) != 64 {
		t.Fatalf("len = %d", len(sig))
	}
	var r, s secp256k1.ModNScalar
	r.SetByteSlice(sig[:32])
	s.SetByteSlice(sig[32:])
	if s.IsOverHalfOrder() {
		t.Fatal("high S")
	}
	d := sha256.Sum256(msg)
	if !ecdsa.NewSignature(&r, &s).Verify(d[:], key.PubKey()) {
		t.Fatal("signature does not verify")
	}
}

func TestParsePrivateKey(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{testPriv, true},
		{"0x" + testPriv + "\n", true},
		{"zz", false},
		{"01", false},
		{"0000000000000000000000000000000000000000000000000000000000000000", false},
		{"fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", false},
	} {
		_, err := client.ParsePrivateKey(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParsePrivateKey(%q) err = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
	key, _ := client.ParsePrivateKey(testPriv)
	const g = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	if got := client.PublicKeyHex(key); got != g {
		t.Fatalf("PublicKeyHex = %s, want %s", got, g)
	}
}
