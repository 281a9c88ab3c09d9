package redisq

// Reading --redis-url: rueidis parses it, this file makes sure that a bad
// URL is refused with a sentence that says what is wrong and never quotes
// the password. Several addresses (rueidis's addr= form) are a Cluster's
// seeds, or Sentinels with master_set.

import (
	"errors"
	"net/url"
	"strings"

	"github.com/redis/rueidis"
)

// URLError is a --redis-url that cannot be used. Its message names what is
// wrong and never holds the URL's password.
type URLError struct{ msg string }

func (e *URLError) Error() string { return e.msg }

// ParseURL reads a redis://, rediss:// or unix:// URL into rueidis options
// (rueidis.ParseURL: db, dial_timeout, write_timeout, master_set for
// Sentinel, ...); several addresses (addr=) are a Redis Cluster's seeds,
// or Sentinels with master_set. Errors are *URLError and never hold the
// password.
func ParseURL(redisURL string) (opt rueidis.ClientOption, err error) {
	defer func() {
		if p := recover(); p != nil { // a parser bug must not take the process down
			opt, err = rueidis.ClientOption{}, &URLError{msg: "redis url cannot be read (the parser failed on it)"}
		}
	}()
	if strings.TrimSpace(redisURL) == "" {
		return opt, &URLError{msg: "redis url is empty"}
	}
	if _, _, ok := strings.Cut(redisURL, "://"); !ok {
		return opt, &URLError{msg: "redis url must start with redis://, rediss:// or unix://"}
	}
	opt, err = rueidis.ParseURL(trimRootPath(redisURL))
	if err != nil {
		return rueidis.ClientOption{}, &URLError{msg: describeURLError(redisURL, err)}
	}
	if len(opt.InitAddress) == 0 || opt.InitAddress[0] == "" {
		return rueidis.ClientOption{}, &URLError{msg: "redis url names no address"}
	}
	return opt, nil
}

// trimRootPath drops the "/" of an empty path ("redis://h:26379/?master_set=m"),
// which rueidis reads as a database number that is not there.
func trimRootPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Path != "/" || u.RawPath != "" {
		return raw
	}
	u.Path = ""
	return u.String()
}

// describeURLError says why rueidis refused raw without quoting its
// password: the message is worked out on the URL with its user part
// replaced, and anything of the password left in it is scrubbed.
func describeURLError(raw string, err error) string {
	red := RedactURL(raw)
	if red != raw {
		if _, rerr := rueidis.ParseURL(trimRootPath(red)); rerr == nil {
			return "redis url has a malformed user or password part (percent-encode / ? # @ and : in it)"
		} else {
			err = rerr
		}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // url.Error quotes the whole URL
	}
	msg := strings.TrimPrefix(err.Error(), "redis: ")
	return scrub("redis url does not parse: "+msg, raw)
}

// RedactURL hides the password of a redis URL for logs and errors:
// everything between "://" and the last "@" becomes "user:***", so even a
// URL that does not parse (a password with an unescaped "/" or "@") loses
// its secret.
func RedactURL(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return u
	}
	user, _, _ := strings.Cut(rest[:at], ":")
	if strings.ContainsAny(user, "/?#") { // the "@" is past the authority: no user part to keep
		user = ""
	}
	return scheme + "://" + user + ":***@" + rest[at+1:]
}

// scrub removes the password of raw (as RedactURL finds it) from msg.
func scrub(msg, raw string) string {
	if p := urlPassword(raw); len(p) > 0 {
		msg = strings.ReplaceAll(msg, p, "***")
		if dec, err := url.PathUnescape(p); err == nil && dec != "" {
			msg = strings.ReplaceAll(msg, dec, "***")
		}
	}
	return msg
}

// urlPassword is what RedactURL would hide after the user name.
func urlPassword(u string) string {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return ""
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return ""
	}
	_, pass, _ := strings.Cut(rest[:at], ":")
	return pass
}
