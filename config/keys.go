package config

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// CanonicalKey parses a secp256k1 public key written as hex, in any case,
// with or without a "0x" prefix, either 33-byte compressed (02/03 prefix) or
// 65-byte uncompressed (04 prefix), checks that it is on the curve, and
// returns it as lowercase compressed hex (66 characters). Every circle key
// and caller key is spelled this way in logs, scripts and Redis keys, so two
// spellings of one key always name the same circle.
//
// Hybrid keys (06/07 prefix) are rejected: no wallet produces them and
// accepting them would give one key a third spelling.
func CanonicalKey(s string) (string, error) {
	pk, err := ParsePublicKey(s)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(pk.SerializeCompressed()), nil
}

// ParsePublicKey parses a key spelled as CanonicalKey accepts it. It is the
// one parser of public keys: the authentication code uses it too, so a key
// that names a circle and a key that signs a nonce are read the same way.
func ParsePublicKey(s string) (*secp256k1.PublicKey, error) {
	raw, err := decodeKeyHex(s)
	if err != nil {
		return nil, err
	}
	switch len(raw) {
	case secp256k1.PubKeyBytesLenCompressed:
	case secp256k1.PubKeyBytesLenUncompressed:
		if raw[0] != secp256k1.PubKeyFormatUncompressed {
			return nil, fmt.Errorf("unsupported uncompressed key prefix %#02x", raw[0])
		}
	default:
		return nil, fmt.Errorf("key is %d bytes, want 33 (compressed) or 65 (uncompressed)", len(raw))
	}
	pk, err := secp256k1.ParsePubKey(raw)
	if err != nil {
		return nil, keyProblem(err)
	}
	return pk, nil
}

// decodeKeyHex strips an optional 0x prefix and decodes hex, refusing
// anything longer than an uncompressed key before decoding so that hostile
// input costs nothing.
func decodeKeyHex(s string) ([]byte, error) {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
	}
	if s == "" {
		return nil, errors.New("empty key")
	}
	if len(s) > 2*secp256k1.PubKeyBytesLenUncompressed {
		return nil, fmt.Errorf("key is %d hex characters, want 66 or 130", len(s))
	}
	raw, err := hex.DecodeString(s)
	if err != nil {
		return nil, errors.New("key is not hex")
	}
	return raw, nil
}

// Fingerprint returns the first 8 hex characters of the SHA-256 of a key's
// canonical compressed bytes: enough to tell keys apart in logs without
// writing key material. A string that is not a valid key is fingerprinted as
// given, so a bad key in a log line is still never echoed.
func Fingerprint(pk string) string {
	var data []byte
	if c, err := CanonicalKey(pk); err == nil {
		data, _ = hex.DecodeString(c)
	} else {
		data = []byte(pk)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:4])
}

// quoteKey shortens a key for an error message: long enough for the user to
// recognise the bad entry, short enough to keep messages on one line.
func quoteKey(s string) string {
	const max = 16
	if len(s) > max {
		s = s[:max] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// canonicalKeys canonicalises keys, drops blank entries and folds
// duplicates, keeping the first occurrence's position.
func canonicalKeys(keys []string) ([]string, error) {
	out := make([]string, 0, len(keys))
	seen := make(map[string]bool, len(keys))
	var errs []error
	for _, k := range keys {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		c, err := CanonicalKey(k)
		if err != nil {
			errs = append(errs, fmt.Errorf("invalid public key %s: %w", quoteKey(k), err))
			continue
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out, errors.Join(errs...)
}

// keyProblem turns decred's parse errors, which print the coordinates, into
// short messages fit for users and logs.
func keyProblem(err error) error {
	switch {
	case errors.Is(err, secp256k1.ErrPubKeyNotOnCurve):
		return errors.New("not a point on the secp256k1 curve")
	case errors.Is(err, secp256k1.ErrPubKeyXTooBig), errors.Is(err, secp256k1.ErrPubKeyYTooBig):
		return errors.New("coordinate not below the field prime")
	case errors.Is(err, secp256k1.ErrPubKeyInvalidFormat):
		return errors.New("unknown key prefix")
	}
	return errors.New("not a secp256k1 public key")
}

// SplitInitScripts splits the `PK:path` form of circle entries (the
// original launcher's `-k PK:init.rhai`) into the keys and a map of each
// key's init script. Entries without a colon are plain keys. The keys are
// returned as given: Validate canonicalises them and the map's keys.
func SplitInitScripts(entries []string) (keys []string, scripts map[string]string) {
	keys = make([]string, 0, len(entries))
	for _, e := range entries {
		k, path, found := strings.Cut(e, ":")
		k = strings.TrimSpace(k)
		keys = append(keys, k)
		if found {
			if scripts == nil {
				scripts = map[string]string{}
			}
			scripts[k] = path
		}
	}
	return keys, scripts
}
