// Package redisurl says what is wrong with a Redis URL without repeating
// its secret: url.Parse and rueidis echo the URL they were given, password
// included, and those errors end up in logs and terminals.
package redisurl

import (
	"errors"
	"net/url"
	"strings"
)

// Redact returns raw with the password of its userinfo replaced by "***"
// (unchanged without userinfo; a userinfo without a password still gets
// ":***", since some write the password where the user goes).
func Redact(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	auth := rest
	if i := strings.IndexAny(auth, "/?#"); i >= 0 {
		auth = auth[:i]
	}
	at := strings.LastIndex(auth, "@")
	if at < 0 {
		// An "@" past the authority (in a path or query) is no userinfo,
		// but a URL that is broken before it may still hide one there.
		at = strings.LastIndex(rest, "@")
		if at < 0 {
			return raw
		}
	}
	user, _, _ := strings.Cut(rest[:at], ":")
	return scheme + "://" + user + ":***@" + rest[at+1:]
}

// password is the secret part of raw as Redact sees it ("" none).
func password(raw string) string {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return ""
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return ""
	}
	_, pw, _ := strings.Cut(rest[:at], ":")
	return pw
}

// Check parses raw as url.Parse does and returns what is wrong with it in
// words that hold no part of its password, or nil.
func Check(raw string) error {
	_, err := url.Parse(raw)
	if err == nil {
		return nil
	}
	return Explain(raw, err)
}

// Explain rewrites err, an error about raw, so that it says what is wrong
// without the password: the URL itself is shown redacted, a bad escape is
// named without quoting it, and any remaining copy of the password is
// masked.
func Explain(raw string, err error) error {
	if err == nil {
		return nil
	}
	var ee url.EscapeError
	if errors.As(err, &ee) {
		return errors.New("redis url does not parse: it has an invalid %-escape (write a literal % as %25)")
	}
	var ue *url.Error
	msg := err.Error()
	if errors.As(err, &ue) {
		msg = ue.Err.Error()
	}
	if pw := password(raw); pw != "" {
		msg = strings.ReplaceAll(msg, raw, Redact(raw))
		for _, v := range []string{pw, url.PathEscape(pw), url.QueryEscape(pw)} {
			if len(v) >= 2 {
				msg = strings.ReplaceAll(msg, v, "***")
			}
		}
		if unesc, err := url.PathUnescape(pw); err == nil && len(unesc) >= 2 {
			msg = strings.ReplaceAll(msg, unesc, "***")
		}
	}
	return errors.New("redis url does not parse: " + msg)
}
