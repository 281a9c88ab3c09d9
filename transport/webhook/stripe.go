package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// StripeHeader is a parsed Stripe-Signature header.
type StripeHeader struct {
	// Timestamp is the t= element: when Stripe signed the event.
	Timestamp time.Time
	// V1 holds the decoded v1= signatures, in header order. Stripe sends
	// more than one while an endpoint secret is being rolled.
	V1 [][]byte
}

// maxStripeHeader bounds the header we are willing to parse. Stripe's own
// headers are about 150 bytes; net/http already caps all headers at 1 MiB,
// this keeps a hostile header from costing a split of that size.
const maxStripeHeader = 8 << 10

// Errors of the signature checks. The handler answers all of them with the
// same 401 body; they differ only so that logs and tests can tell them apart.
var (
	// ErrMalformedHeader: the signature header is present but unparseable (400).
	ErrMalformedHeader = errors.New("malformed signature header")
	// ErrNoSignature: the signature header is missing.
	ErrNoSignature = errors.New("missing signature")
	// ErrSignatureMismatch: no signature matches the body and secret.
	ErrSignatureMismatch = errors.New("signature mismatch")
	// ErrStaleTimestamp: the Stripe timestamp is outside the tolerance.
	ErrStaleTimestamp = errors.New("timestamp outside tolerance")
	// ErrReplay: an iDenfy signature already seen within the replay window.
	ErrReplay = errors.New("replayed signature")
)

// ParseStripeHeader parses `t=<unix>,v1=<hex>[,v1=<hex>...]` the way
// Stripe's libraries do: elements are comma separated key=value pairs,
// schemes other than v1 (v0, the test-mode scheme) are ignored, and a v1
// value that is not hex is skipped rather than fatal (it can never match).
// A missing or non-numeric t, or an element without '=', is
// ErrMalformedHeader. A header with no usable v1 parses fine and simply
// verifies as ErrSignatureMismatch.
func ParseStripeHeader(h string) (StripeHeader, error) {
	var out StripeHeader
	if len(h) > maxStripeHeader {
		return out, fmt.Errorf("%w: header is %d bytes", ErrMalformedHeader, len(h))
	}
	haveT := false
	for _, part := range strings.Split(h, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return out, fmt.Errorf("%w: element without '='", ErrMalformedHeader)
		}
		switch key {
		case "t":
			sec, err := strconv.ParseInt(val, 10, 64)
			if err != nil || haveT {
				return out, fmt.Errorf("%w: bad or repeated timestamp", ErrMalformedHeader)
			}
			out.Timestamp, haveT = time.Unix(sec, 0), true
		case "v1":
			if sig, err := hex.DecodeString(val); err == nil && len(sig) == sha256.Size {
				out.V1 = append(out.V1, sig)
			}
		}
	}
	if !haveT {
		return out, fmt.Errorf("%w: no timestamp", ErrMalformedHeader)
	}
	return out, nil
}

// StripeSignature is the hex v1 signature Stripe computes for a payload
// signed at unix time t: HMAC-SHA256 keyed with the whole endpoint secret
// (including its "whsec_" prefix) over "<t>.<payload>".
func StripeSignature(secret string, t int64, payload []byte) string {
	return hex.EncodeToString(stripeMAC(secret, t, payload))
}

func stripeMAC(secret string, t int64, payload []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(strconv.AppendInt(nil, t, 10))
	m.Write([]byte{'.'})
	m.Write(payload)
	return m.Sum(nil)
}

// VerifyStripe checks a Stripe-Signature header value against payload.
// It accepts when any v1 signature matches (compared with hmac.Equal, in
// constant time) and the timestamp is within tolerance of now in either
// direction: Stripe's libraries only refuse old timestamps, we also refuse
// ones from the future so that a leaked signature cannot be pre-dated to
// live longer. tolerance <= 0 means the default of 300 s.
//
// The signature is checked before the timestamp, so an attacker without
// the secret learns nothing about the clock from the error.
func VerifyStripe(header string, payload []byte, secret string, tolerance time.Duration, now time.Time) error {
	if header == "" {
		return ErrNoSignature
	}
	h, err := ParseStripeHeader(header)
	if err != nil {
		return err
	}
	want := stripeMAC(secret, h.Timestamp.Unix(), payload)
	matched := false
	for _, sig := range h.V1 {
		if hmac.Equal(sig, want) {
			matched = true
		}
	}
	if !matched {
		return ErrSignatureMismatch
	}
	if tolerance <= 0 {
		tolerance = defaultStripeTolerance
	}
	if age := now.Sub(h.Timestamp); age > tolerance || age < -tolerance {
		return ErrStaleTimestamp
	}
	return nil
}

const defaultStripeTolerance = 300 * time.Second
