package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// ParseIdenfySignature decodes an Idenfy-Signature header: the hex
// HMAC-SHA256 of the raw body (iDenfy's "callback signing"). Surrounding
// spaces and either hex case are accepted; anything that is not exactly 32
// bytes of hex is ErrMalformedHeader.
func ParseIdenfySignature(h string) ([sha256.Size]byte, error) {
	var sig [sha256.Size]byte
	h = strings.TrimSpace(h)
	if len(h) != 2*sha256.Size {
		return sig, fmt.Errorf("%w: signature is %d characters, want %d", ErrMalformedHeader, len(h), 2*sha256.Size)
	}
	if _, err := hex.Decode(sig[:], []byte(h)); err != nil {
		return sig, fmt.Errorf("%w: signature is not hex", ErrMalformedHeader)
	}
	return sig, nil
}

// IdenfySignature is the hex Idenfy-Signature iDenfy sends for payload:
// HMAC-SHA256 keyed with the signing key over the raw body.
func IdenfySignature(secret string, payload []byte) string {
	return hex.EncodeToString(idenfyMAC(secret, payload))
}

func idenfyMAC(secret string, payload []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(payload)
	return m.Sum(nil)
}

// VerifyIdenfy checks an Idenfy-Signature header value against payload in
// constant time and returns the decoded signature, which the handler uses
// as the replay key.
func VerifyIdenfy(header string, payload []byte, secret string) ([sha256.Size]byte, error) {
	if header == "" {
		return [sha256.Size]byte{}, ErrNoSignature
	}
	sig, err := ParseIdenfySignature(header)
	if err != nil {
		return sig, err
	}
	if !hmac.Equal(sig[:], idenfyMAC(secret, payload)) {
		return sig, ErrSignatureMismatch
	}
	return sig, nil
}
