package redisq_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/scripting/redisq"
)

// urlSecret stands for a password; no error may hold it.
const urlSecret = "hunter2Zq9SECRET"

func TestParseURLErrorsNameTheProblemWithoutTheSecret(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"redis://:" + urlSecret + "@127.0.0.1:notaport", `invalid port ":notaport"`},
		{"redis://user:" + urlSecret + "@127.0.0.1:6379/x/y", "invalid URL path"},
		{"redis://:" + urlSecret + "@127.0.0.1:6379/?db=seven", "invalid database number"},
		{"http://:" + urlSecret + "@127.0.0.1:6379", "invalid URL scheme"},
		{"redis://:se/" + urlSecret + "@127.0.0.1:6379", "malformed user or password"},
		{"", "empty"},
	} {
		_, err := redisq.ParseURL(tc.url)
		if err == nil {
			t.Errorf("ParseURL(%q): no error", tc.url)
			continue
		}
		var ue *redisq.URLError
		if !errors.As(err, &ue) {
			t.Errorf("ParseURL(%q) = %T, want *URLError", tc.url, err)
		}
		if strings.Contains(err.Error(), urlSecret) || strings.Contains(err.Error(), "se/") {
			t.Errorf("ParseURL(%q) error holds the password: %v", tc.url, err)
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseURL(%q) = %q, want it to say %q", tc.url, err, tc.want)
		}
		if _, err := redisq.NewClient(tc.url); err == nil || strings.Contains(err.Error(), urlSecret) {
			t.Errorf("NewClient(%q) = %v, want an error without the password", tc.url, err)
		}
	}
	for _, ok := range []string{"redis://127.0.0.1:6379", "rediss://u:p@h:6380/2", "unix:///run/redis.sock",
		"redis://sentinel:26379/?master_set=mymaster", "redis://s1:26379/?master_set=m&addr=s2:26379&addr=s3:26379", "redis://h?dial_timeout=1s&write_timeout=2s",
		"redis://127.0.0.1:7000?addr=127.0.0.1:7001&addr=127.0.0.1:7002"} { // a Cluster's seeds
		if _, err := redisq.ParseURL(ok); err != nil {
			t.Errorf("ParseURL(%q): %v", ok, err)
		}
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"redis://127.0.0.1:6379":         "redis://127.0.0.1:6379",
		"redis://:secret@host:6379/0":    "redis://:***@host:6379/0",
		"rediss://user:p@ss@host:6380":   "rediss://user:***@host:6380",
		"redis://:se/cret@host:6379":     "redis://:***@host:6379",
		"redis://host/x@y":               "redis://:***@y",
		"unix:///run/redis.sock":         "unix:///run/redis.sock",
		"not a url":                      "not a url",
		"redis://user@host?dial_timeout": "redis://user:***@host?dial_timeout",
	} {
		if got := redisq.RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseURL: no input panics, a refused URL is a *URLError, an accepted
// one names an address (several: a Cluster's seeds or Sentinels), and a password put in the user part never
// shows in an error, whatever surrounds it.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"127.0.0.1:6379", "127.0.0.1:notaport", "a:1?addr=b:2&addr=c:3", "h/x/y",
		"h:1/?db=x", "[::1]:6379", "h?master_set=m", "%zz", "h\x00", "h:1?dial_timeout=-1", "h/@/@", ""} {
		f.Add("redis://", s)
		f.Add("unix://", s)
		f.Add("", s)
	}
	f.Fuzz(func(t *testing.T, scheme, rest string) {
		for _, raw := range []string{scheme + rest, scheme + "alice:" + urlSecret + "@" + rest, scheme + ":" + urlSecret + "@" + rest} {
			opt, err := redisq.ParseURL(raw)
			if err != nil {
				var ue *redisq.URLError
				if !errors.As(err, &ue) {
					t.Fatalf("ParseURL(%q) = %T %v, want *URLError", raw, err, err)
				}
				if strings.Contains(err.Error(), urlSecret) && !strings.Contains(scheme+rest, urlSecret) {
					t.Fatalf("ParseURL(%q) error holds the password: %v", raw, err)
				}
				continue
			}
			if len(opt.InitAddress) == 0 || opt.InitAddress[0] == "" {
				t.Fatalf("ParseURL(%q) accepted no address", raw)
			}
			if red := redisq.RedactURL(raw); strings.Contains(raw, "@") && strings.Contains(red, urlSecret) && !strings.Contains(rest, urlSecret) {
				t.Fatalf("RedactURL(%q) = %q keeps the password", raw, red)
			}
		}
	})
}
