package auth_test

import (
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/actors/auth"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// Known personal_sign vectors from MetaMask's eth-sig-util tests
// (src/personal-sign.test.ts): RFC 6979 signing is deterministic, so equal
// signatures prove the EIP-191 digest is the same as the wallets'.
var eip191Vectors = []struct{ key, msg, sig string }{
	{"4af1bceebf7f3634ec3cff8a2c38e51178d5d4ce585c52d6043e5e2cc3418bb0", "Hello, world!",
		"90a938f7457df6e8f741264c32697fc52f9a8f867c52dd70713d9d2d472f2e415d9c94148991bbe1f4a1818d1dff09165782749c877f5cf1eff4ef126e55714d1c"},
	{"6969696969696969696969696969696969696969696969696969696969696969", "hello world",
		"ce909e8ea6851bc36c007a0072d0524b07a3ff8d4e623aca4c71ca8e57250c4d0a3fc38fa8fbaaa81ead4b9f6bd03356b6f8bf18bccad167d78891636e1d69561b"},
}

func mustKey(t testing.TB, h string) *secp256k1.PrivateKey {
	t.Helper()
	k, err := auth.ParsePrivateKey(h)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pubHex(k *secp256k1.PrivateKey) string { return auth.PublicKeyHex(k.PubKey()) }

func TestEIP191KnownVectors(t *testing.T) {
	t.Parallel()
	for _, v := range eip191Vectors {
		k := mustKey(t, v.key)
		if got := hex.EncodeToString(auth.SignEIP191(k, v.msg)); got != v.sig {
			t.Errorf("SignEIP191(%q) = %s, want %s", v.msg, got, v.sig)
		}
		for _, sig := range []string{v.sig, "0x" + v.sig, strings.ToUpper(v.sig)} {
			if err := auth.Verify(pubHex(k), sig, v.msg); err != nil {
				t.Errorf("Verify(%q, %s…) = %v", v.msg, sig[:10], err)
			}
		}
		uncompressed := hex.EncodeToString(k.PubKey().SerializeUncompressed())
		if err := auth.Verify(uncompressed, v.sig, v.msg); err != nil {
			t.Errorf("uncompressed key: %v", err)
		}
	}
}

func TestEIP191VVariants(t *testing.T) {
	t.Parallel()
	k := mustKey(t, eip191Vectors[0].key)
	sig := auth.SignEIP191(k, "nonce")
	if sig[64] != 27 && sig[64] != 28 {
		t.Fatalf("v = %d, want 27 or 28 like wallets", sig[64])
	}
	rec := sig[64] - 27
	for _, tc := range []struct {
		v  byte
		ok bool
	}{{rec, true}, {rec + 27, true}, {1 - rec, false}, {28 - rec, false}, {2, false}, {29, false}, {31, false}, {255, false}} {
		s := append([]byte(nil), sig...)
		s[64] = tc.v
		err := auth.Verify(pubHex(k), hex.EncodeToString(s), "nonce")
		if (err == nil) != tc.ok {
			t.Errorf("v=%d: err = %v, want ok=%v", tc.v, err, tc.ok)
		}
	}
}

func TestCompact(t *testing.T) {
	t.Parallel()
	k := mustKey(t, eip191Vectors[1].key)
	sig := auth.SignCompact(k, "circles:abc:00:1")
	if len(sig) != 64 {
		t.Fatalf("len = %d", len(sig))
	}
	if err := auth.Verify(pubHex(k), hex.EncodeToString(sig), "circles:abc:00:1"); err != nil {
		t.Fatal(err)
	}
	if err := auth.Verify(pubHex(k), hex.EncodeToString(sig), "circles:abc:00:2"); !errors.Is(err, auth.ErrInvalidSignature) {
		t.Fatalf("other message: %v", err)
	}
}

// curveN is the secp256k1 group order.
var curveN, _ = new(big.Int).SetString("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16)

// highS returns the same signature with s replaced by n - s (still valid
// for a lax verifier, and for EIP-191 with the recovery bit flipped).
func highS(sig []byte) []byte {
	out := append([]byte(nil), sig...)
	s := new(big.Int).SetBytes(sig[32:64])
	new(big.Int).Sub(curveN, s).FillBytes(out[32:64])
	if len(out) == 65 {
		out[64] ^= 1
	}
	return out
}

func TestHighSRejected(t *testing.T) {
	t.Parallel()
	k := mustKey(t, eip191Vectors[0].key)
	for _, sig := range [][]byte{auth.SignCompact(k, "n"), auth.SignEIP191(k, "n")} {
		err := auth.Verify(pubHex(k), hex.EncodeToString(highS(sig)), "n")
		if !errors.Is(err, auth.ErrInvalidSignature) || !strings.Contains(err.Error(), "high s") {
			t.Errorf("%d-byte high-S signature: %v", len(sig), err)
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	k := mustKey(t, eip191Vectors[0].key)
	other := mustKey(t, eip191Vectors[1].key)
	good := hex.EncodeToString(auth.SignEIP191(k, "n"))
	compact := hex.EncodeToString(auth.SignCompact(k, "n"))
	flip := func(s string, i int) string {
		b, _ := hex.DecodeString(s)
		b[i] ^= 0x01
		return hex.EncodeToString(b)
	}
	zeros := strings.Repeat("00", 32)
	tests := []struct{ name, pub, sig, msg string }{
		{"wrong key eip191", pubHex(other), good, "n"},
		{"wrong key compact", pubHex(other), compact, "n"},
		{"wrong message", pubHex(k), good, "m"},
		{"tampered r", pubHex(k), flip(good, 5), "n"},
		{"tampered s", pubHex(k), flip(good, 40), "n"},
		{"tampered compact", pubHex(k), flip(compact, 63), "n"},
		{"zero r", pubHex(k), zeros + good[64:], "n"},
		{"zero s compact", pubHex(k), compact[:64] + zeros, "n"},
		{"r = n", pubHex(k), "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141" + compact[64:], "n"},
		{"short", pubHex(k), good[:100], "n"},
		{"long", pubHex(k), good + "00", "n"},
		{"very long", pubHex(k), strings.Repeat("ab", 1000), "n"},
		{"not hex", pubHex(k), "zz" + good[2:], "n"},
		{"empty", pubHex(k), "", "n"},
		{"bad pubkey", "02" + zeros, good, "n"},
		{"hybrid pubkey", "06" + hex.EncodeToString(k.PubKey().SerializeUncompressed()[1:]), good, "n"},
		{"empty pubkey", "", good, "n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := auth.Verify(tc.pub, tc.sig, tc.msg)
			if !errors.Is(err, auth.ErrInvalidSignature) {
				t.Fatalf("Verify = %v, want ErrInvalidSignature", err)
			}
			if tc.pub != "" && strings.Contains(err.Error(), tc.pub) {
				t.Fatalf("error leaks the key: %v", err)
			}
		})
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	priv, pub, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := auth.ParsePrivateKey("0x" + priv)
	if err != nil || pubHex(k) != pub || len(pub) != 66 {
		t.Fatalf("round trip: %v %s %s", err, pubHex(k), pub)
	}
	for _, bad := range []string{"", "00", strings.Repeat("00", 32), "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", "zz" + priv[2:], priv + "00"} {
		if _, err := auth.ParsePrivateKey(bad); err == nil {
			t.Errorf("ParsePrivateKey(%q) accepted", bad)
		}
	}
	pk, err := auth.ParsePublicKey(strings.ToUpper(hex.EncodeToString(k.PubKey().SerializeUncompressed())))
	if err != nil || auth.PublicKeyHex(pk) != pub {
		t.Fatalf("ParsePublicKey uncompressed: %v", err)
	}
}

func TestDigests(t *testing.T) {
	t.Parallel()
	// keccak256("\x19Ethereum Signed Message:\n13Hello, world!"), as
	// ethers.hashMessage("Hello, world!") returns it.
	const want = "b453bd4e271eed985cbab8231da609c4ce0a9cf1f763b6c1594e76315510e0f1"
	if got := hex.EncodeToString(auth.EIP191Digest("Hello, world!")); got != want {
		t.Errorf("EIP191Digest = %s, want %s", got, want)
	}
	if got := hex.EncodeToString(auth.CompactDigest("abc")); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("CompactDigest = %s", got)
	}
}

func FuzzVerify(f *testing.F) {
	k, _ := auth.ParsePrivateKey(eip191Vectors[0].key)
	f.Add(auth.PublicKeyHex(k.PubKey()), hex.EncodeToString(auth.SignEIP191(k, "n")), "n")
	f.Add(auth.PublicKeyHex(k.PubKey()), hex.EncodeToString(auth.SignCompact(k, "n")), "n")
	f.Add("0x02", "0x", "")
	f.Add(strings.Repeat("f", 130), strings.Repeat("f", 130), "x")
	f.Fuzz(func(t *testing.T, pub, sig, msg string) {
		err := auth.Verify(pub, sig, msg)
		if err != nil && !errors.Is(err, auth.ErrInvalidSignature) {
			t.Fatalf("error outside ErrInvalidSignature: %v", err)
		}
	})
}

func BenchmarkVerifyEIP191(b *testing.B) {
	k, _ := auth.ParsePrivateKey(eip191Vectors[0].key)
	pub, sig := auth.PublicKeyHex(k.PubKey()), hex.EncodeToString(auth.SignEIP191(k, "circles:x:y:1"))
	b.ReportAllocs()
	for b.Loop() {
		if err := auth.Verify(pub, sig, "circles:x:y:1"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyCompact(b *testing.B) {
	k, _ := auth.ParsePrivateKey(eip191Vectors[0].key)
	pub, sig := auth.PublicKeyHex(k.PubKey()), hex.EncodeToString(auth.SignCompact(k, "circles:x:y:1"))
	b.ReportAllocs()
	for b.Loop() {
		if err := auth.Verify(pub, sig, "circles:x:y:1"); err != nil {
			b.Fatal(err)
		}
	}
}
